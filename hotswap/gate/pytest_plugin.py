"""A pytest plugin: scenario files with an ``expect:`` block become test items, so
``pytest scenarios/`` runs the same checks as ``hotswap check scenarios/``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hotswap.gate import check
from hotswap.scenario import ScenarioError


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix in check.SUFFIXES and check.expects(file_path):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self) -> Any:
        yield ScenarioItem.from_parent(self, name=self.path.stem)


class ExpectationsFailed(Exception):
    """A scenario's expectations do not hold (or its file is unusable)."""


class ScenarioItem(pytest.Item):
    def runtest(self) -> None:
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
