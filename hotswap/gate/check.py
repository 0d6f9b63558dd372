"""The CI gate: run each scenario's expectations and compare its figures to a baseline.

A scenario is checked when it has an ``expect:`` block. Its baseline, when there is one,
is ``<scenario>.baseline.json`` beside it (``--update-baseline`` writes it): the mean and
p95 of each figure and the share of each outcome, over the same runs and seeds. A later
check fails when a figure grows (they are all times and exposures: more is worse) by more
than the tolerance, or an outcome's share moves by more than it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hotswap.core.figures import FIGURES, describe, figure
from hotswap.core.record import RunRecord
from hotswap.files import json_text, write_text
from hotswap.gate import expect
from hotswap.runs import runner
from hotswap.scenario import Scenario, ScenarioError, load
from hotswap.scenario.read import ReadError, read

SUFFIXES = (".yaml", ".yml", ".json")


@dataclass
class Checked:
    path: Path
    runs: list[RunRecord]
    verdicts: list[expect.Finding] = field(default_factory=list)
    baseline: dict[str, Any] = field(default_factory=dict)  # what a baseline would keep of these runs

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.verdicts)


def files(paths: list[Path]) -> list[Path]:
    """The scenario files to check: those named, and those under named folders that
    carry an ``expect:`` block."""
    out = []
    for path in paths:
        if not path.exists():
            raise ScenarioError(path, "", "no such file or folder")
        if path.is_dir():
            out += [p for p in sorted(path.rglob("*")) if p.suffix in SUFFIXES and expects(p)]
        else:
            out.append(path)
    return out


def expects(path: Path) -> bool:
    """Whether a file carries an ``expect`` block (a quick look, no validation)."""
    if path.name.endswith(".baseline.json"):
        return False
    try:
        data = read(path)
    except ReadError:
        return True  # unreadable: let the loader say why
    return isinstance(data, dict) and "expect" in data


def prepare(path: Path, *, compare_baseline: bool = True) -> tuple[Scenario, dict[str, Any] | None]:
    """Load and validate a scenario and its baseline (when there is one and it is wanted),
    before anything runs; ``ScenarioError`` for unusable input."""
    scenario = load(path)
    if scenario.expect is None:
        raise ScenarioError(path, "expect", "missing: nothing to check")
    stored = baseline_path(path)
    return scenario, (_read_baseline(stored) if compare_baseline and stored.exists() else None)


def check(
    path: Path,
    scenario: Scenario,
    stored: dict[str, Any] | None,
    *,
    backend: str | None = None,
    tolerance: float = 0.05,
    jobs: int | None = None,
    options: dict[str, Any] | None = None,
) -> Checked:
    """Run one scenario's expectations, and compare with its baseline when given one."""
    assert scenario.expect is not None
    wanted = scenario.expect
    chosen = backend or wanted.backend or "sim"
    runs = runner.replicate(
        scenario, backend_name=chosen, seed=scenario.seed, runs=wanted.runs, jobs=jobs, options=options
    )
    checked = Checked(path, runs, expect.judge(wanted, runs), baseline(runs, chosen))
    if stored is not None:
        checked.verdicts += compare(stored, checked.baseline, tolerance)
    return checked


def write_baseline(checked: Checked) -> Path:
    path = baseline_path(checked.path)
    _write_json(path, checked.baseline)
    return path


def baseline_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.baseline.json")


def baseline(runs: list[RunRecord], backend: str) -> dict[str, Any]:
    """What a baseline keeps of a set of runs."""
    figures = {}
    for name in FIGURES:
        stats = describe([v for r in runs if (v := figure(r, name)) is not None])
        if stats["n"]:
            figures[f"{name}.mean"] = round(stats["mean"], 6)
            figures[f"{name}.p95"] = round(stats["p95"], 6)
    outcomes = sorted({r["outcome"] for r in runs})
    return {
        "backend": backend,
        "runs": len(runs),
        "seeds": [runs[0]["seed"], runs[-1]["seed"]],
        "figures": figures,
        "outcomeRates": {o: round(sum(r["outcome"] == o for r in runs) / len(runs), 6) for o in outcomes},
    }


def compare(old: dict[str, Any], new: dict[str, Any], tolerance: float) -> list[expect.Finding]:
    """Verdicts on the figures that grew, and the outcome shares that moved, beyond tolerance;
    a baseline of other runs or another backend cannot be compared."""
    same = {k: old.get(k) for k in ("backend", "runs", "seeds")}
    now = {k: new[k] for k in same}
    if same != now:
        return [
            expect.Finding(
                "baseline", False, f"runs {now}", f"runs {same}: update the baseline (hotswap check --update-baseline)"
            )
        ]
    out = []
    for name, before in old["figures"].items():
        now = new["figures"].get(name)
        if now is None:
            out.append(expect.Finding(f"baseline {name}", False, "not measured", f"{before:g} (baseline)"))
            continue
        limit = before + max(abs(before) * tolerance, 1e-6)
        if now > limit:
            out.append(
                expect.Finding(
                    f"baseline {name}",
                    False,
                    f"{now:.6g}",
                    f"at most {limit:.6g} (baseline {before:.6g} + {tolerance:.0%})",
                )
            )
    for status in sorted(set(old["outcomeRates"]) | set(new["outcomeRates"])):
        before, now = old["outcomeRates"].get(status, 0.0), new["outcomeRates"].get(status, 0.0)
        if not math.isclose(before, now, abs_tol=tolerance):
            out.append(
                expect.Finding(
                    f"baseline outcomeRate.{status}", False, f"{now:.3g}", f"{before:.3g} ± {tolerance:g} (baseline)"
                )
            )
    if not out:
        out.append(
            expect.Finding(
                "baseline",
                True,
                f"{len(old['figures'])} figures within {tolerance:.0%}",
                "no figure worse than the baseline",
            )
        )
    return out


def _read_baseline(path: Path) -> dict[str, Any]:
    try:
        data = read(path)
        if not isinstance(data, dict):
            raise ValueError("expected a mapping")
        for part in ("figures", "outcomeRates"):
            values = data.get(part)
            if not isinstance(values, dict):
                raise ValueError(f"{part} is required, a mapping")
            for name, value in values.items():
                if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                    raise ValueError(f"{part}.{name} is not a number")
    except ReadError as exc:
        where = f"{exc.field}: " if exc.field else ""
        raise ScenarioError(path, "", f"unusable baseline: {where}{exc}") from None
    except ValueError as exc:
        raise ScenarioError(path, "", f"unusable baseline: {exc}") from None
    return dict(data)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    write_text(path, json_text(data) + "\n")


def report_lines(checked: Checked) -> list[str]:
    """One line for the scenario, and one per failed expectation with its seeds."""
    failed = [v for v in checked.verdicts if not v.passed]
    lines = [
        f"{'FAIL' if failed else 'PASS'}  {checked.path}  ({len(checked.runs)} runs, {len(checked.verdicts)} checks)"
    ]
    for v in failed:
        seeds = ""
        if v.seeds:
            more = f" (+{len(v.seeds) - 5} more)" if len(v.seeds) > 5 else ""
            seeds = (
                f"; breaking seeds {', '.join(str(s) for s in v.seeds[:5])}{more}; "
                f"replay: hotswap run {checked.path} --seed {v.seeds[0]}"
            )
        lines.append(f"      {v.what}: measured {v.measured}, expected {v.demanded}{seeds}")
    return lines
