"""A pytest plugin: scenario files with an ``expect:`` block become test items, so
``pytest scenarios/`` runs the same checks as ``hotswap check scenarios/``.

It collects nothing unless asked: only files matching the ini option
``hotswap_scenarios`` (globs relative to the rootdir) or the flag ``--hotswap-scenarios``
(globs relative to where pytest was started) are looked at, so another project's YAML
files with an ``expect`` key are never touched, and a pytest start imports nothing more
than this module (the gate is imported when a scenario file is collected).
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any

import pytest

INI = "hotswap_scenarios"
_SELECTED = pytest.StashKey[frozenset[Path]]()
HELP = "scenario files whose expect blocks run as test items (globs; e.g. scenarios/*.yaml)"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(INI, HELP, type="args", default=[])
    parser.getgroup("hotswap").addoption(
        "--hotswap-scenarios", action="append", default=[], metavar="GLOB", help=HELP + "; repeatable"
    )


def _matches(base: Path, patterns: list[str]) -> set[Path]:
    return {
        Path(p).resolve()
        for pattern in patterns
        for p in glob.glob(os.path.join(base, os.path.expanduser(pattern)), recursive=True)
    }


def pytest_configure(config: pytest.Config) -> None:
    ini = _matches(config.rootpath, list(config.getini(INI)))
    flag = _matches(config.invocation_params.dir, config.getoption("hotswap_scenarios"))
    config.stash[_SELECTED] = frozenset(ini | flag)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    selected = parent.config.stash.get(_SELECTED, frozenset())
    if not selected or file_path.resolve() not in selected:
        return None
    from hotswap.gate import check

    return ScenarioFile.from_parent(parent, path=file_path) if check.expects(file_path) else None


class ScenarioFile(pytest.File):
    def collect(self) -> Any:
        yield ScenarioItem.from_parent(self, name=self.path.stem)


class ExpectationsFailed(Exception):
    """A scenario's expectations do not hold (or its file is unusable)."""


class ScenarioItem(pytest.Item):
    def runtest(self) -> None:
        from hotswap.gate import check
        from hotswap.scenario import ScenarioError

        try:
            scenario, stored = check.prepare(self.path)
        except ScenarioError as exc:
            raise ExpectationsFailed(str(exc)) from None
        checked = check.check(self.path, scenario, stored)
        if not checked.passed:
            raise ExpectationsFailed("\n".join(check.report_lines(checked)))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ExpectationsFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"scenario: {self.name}"
