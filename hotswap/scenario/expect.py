"""Expectations: what a scenario's ``expect:`` block demands of its runs, and the verdicts.

Forms (every bound is ``{max: x}``, ``{min: x}``, both, or ``{between: [a, b]}``)::

    expect:
      runs: 200                               # replications to judge over (default 1)
      outcome: RolledBack                     # or a list: every run must end so
      blastRadius.nodesPercent: {max: 10}     # a figure, bounded in every run
      rollbackTimeSeconds: {p95: {max: 60}}   # a statistic of a figure over the runs
      outcomeRate: {RolledBack: {min: 0.95}}  # the share of runs with an outcome

A figure is a number in the result record named by its dotted path; runs where it is
null (no rollback, say) are left out. A verdict names the seeds that break it, so a
failure can be replayed with ``hotswap run --seed``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from hotswap.core.config import OUTCOMES
from hotswap.core.figures import FIGURES
from hotswap.core.limits import RUNS

EXTRA_FIGURES = (
    "totalTimeSeconds",
    "blastRadius.trafficPercent",
    "capacity.peakNodes",
    "capacity.overheadPercent",
    "finalState.newModuleNodes",
    "finalState.previousModuleNodes",
)
STATISTICS = ("mean", "min", "max", "p5", "p50", "p95", "p99")


class ExpectError(ValueError):
    """An unusable ``expect`` block; ``field`` is the path of the bad part."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class Bound:
    low: float = -math.inf
    high: float = math.inf

    def holds(self, value: float) -> bool:
        return self.low <= value <= self.high

    def __str__(self) -> str:
        if self.low > -math.inf and self.high < math.inf:
            return f"between {self.low:g} and {self.high:g}"
        return f"max {self.high:g}" if self.high < math.inf else f"min {self.low:g}"


@dataclass(frozen=True)
class Expectation:
    """One demand: ``what`` is a figure, ``figure.stat``, ``outcome`` or ``outcomeRate.X``."""

    what: str
    bound: Bound | None = None
    outcomes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Expectations:
    runs: int
    backend: str | None
    items: tuple[Expectation, ...]


def parse(raw: Any) -> Expectations:
    """Check an ``expect`` block and type it; ``ExpectError`` names the bad field."""
    if not isinstance(raw, dict):
        raise ExpectError("expect", "expected a mapping")
    runs = raw.get("runs", 1)
    if isinstance(runs, bool) or not isinstance(runs, int) or not 1 <= runs <= RUNS:
        raise ExpectError("expect.runs", f"must be a whole number from 1 to {RUNS:,}")
    backend = raw.get("backend")
    if backend not in (None, "sim", "real"):
        raise ExpectError("expect.backend", "one of sim, real")
    items = []
    for key, value in raw.items():
        where = f"expect.{key}"
        if key in ("runs", "backend"):
            continue
        if key == "outcome":
            allowed = [value] if isinstance(value, str) else value
            if not isinstance(allowed, list) or not allowed or any(o not in OUTCOMES for o in allowed):
                raise ExpectError(where, f"an outcome or a list of them: {', '.join(OUTCOMES)}")
            items.append(Expectation("outcome", outcomes=tuple(allowed)))
        elif key == "outcomeRate":
            if not isinstance(value, dict) or not value:
                raise ExpectError(where, "expected a mapping of outcome to bound")
            for status, bound in value.items():
                if status not in OUTCOMES:
                    raise ExpectError(f"{where}.{status}", f"unknown outcome; one of {', '.join(OUTCOMES)}")
                items.append(Expectation(f"outcomeRate.{status}", _bound(bound, f"{where}.{status}")))
        elif key in FIGURES or key in EXTRA_FIGURES:
            items.extend(_figure(key, value, where))
        else:
            raise ExpectError(
                where,
                "unknown expectation; a figure such as deployTimeSeconds or "
                "blastRadius.nodesPercent, or one of outcome, outcomeRate, runs, backend",
            )
    if not items:
        raise ExpectError("expect", "expects nothing")
    return Expectations(runs, backend, tuple(items))


def _figure(name: str, value: Any, where: str) -> list[Expectation]:
    if not isinstance(value, dict) or not value:
        raise ExpectError(where, "expected a bound ({max: x}, {min: x}, {between: [a, b]}) or statistics of one")
    if set(value) <= {"max", "min", "between"} and not any(isinstance(v, dict) for v in value.values()):
        return [Expectation(name, _bound(value, where))]  # a bound on every run
    out = []
    for stat, bound in value.items():
        if stat not in STATISTICS:
            raise ExpectError(
                f"{where}.{stat}", f"unknown statistic; one of {', '.join(STATISTICS)}, or a bound (max, min, between)"
            )
        out.append(Expectation(f"{name}.{stat}", _bound(bound, f"{where}.{stat}")))
    return out


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ExpectError(where, "expected a finite number")
    return float(value)


def _bound(raw: Any, where: str) -> Bound:
    if not isinstance(raw, dict) or not raw:
        raise ExpectError(where, "expected a bound: {max: x}, {min: x} or {between: [a, b]}")
    unknown = set(raw) - {"max", "min", "between"}
    if unknown:
        raise ExpectError(f"{where}.{sorted(unknown)[0]}", "unknown bound; one of max, min, between")
    if "between" in raw:
        pair = raw["between"]
        if set(raw) != {"between"} or not isinstance(pair, list) or len(pair) != 2:
            raise ExpectError(f"{where}.between", "expected [low, high], alone")
        low, high = (_number(x, f"{where}.between") for x in pair)
    else:
        low = _number(raw["min"], f"{where}.min") if "min" in raw else -math.inf
        high = _number(raw["max"], f"{where}.max") if "max" in raw else math.inf
    if low > high:
        raise ExpectError(where, f"the low end {low:g} is above the high end {high:g}")
    return Bound(low, high)
