"""The figures of a result record, by dotted name, and their statistics over runs."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, TypedDict

FIGURES = (
    "deployTimeSeconds",
    "rollbackTimeSeconds",
    "blastRadius.nodes",
    "blastRadius.nodesPercent",
    "blastRadius.requests",
    "blastRadius.failedRequests",
    "blastRadius.nodeSeconds",
)

NAMES = {
    "deployTimeSeconds": "deploy time",
    "rollbackTimeSeconds": "rollback time",
    "blastRadius.nodes": "nodes exposed",
    "blastRadius.nodesPercent": "nodes exposed (% of fleet)",
    "blastRadius.requests": "requests to the new module",
    "blastRadius.failedRequests": "failed requests",
    "blastRadius.nodeSeconds": "node-seconds on the new module",
    "capacity.overheadPercent": "capacity overhead (%)",
}
"""What a person calls each figure (tables and plots; the exact names stay in JSON and CSV)."""


class Statistics(TypedDict, total=False):
    """A figure over runs: n, mean, p5/p50/p95 and the mean's 95% confidence interval."""

    n: int
    mean: float
    p5: float
    p50: float
    p95: float
    ci95: list[float]


def figure(run: Mapping[str, Any], name: str) -> float | None:
    """A figure of a run by dotted name, e.g. ``blastRadius.nodes``."""
    value: Any = run
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def describe(values: list[float]) -> Statistics:
    """n, mean, p5/p50/p95 and a 95% Student-t confidence interval of the mean."""
    if not values:
        return {"n": 0}
    import numpy as np  # here, not at import: start-up stays fast

    a = np.asarray(values, dtype=float)
    mean = float(a.mean())
    if len(a) > 1 and a.std(ddof=1) > 0:
        from scipy import stats  # here, not at import: start-up stays fast

        half = float(stats.t.ppf(0.975, len(a) - 1) * a.std(ddof=1) / math.sqrt(len(a)))
    else:
        half = 0.0
    p5, p50, p95 = (float(x) for x in np.percentile(a, [5, 50, 95]))
    return {"n": len(a), "mean": mean, "p5": p5, "p50": p50, "p95": p95, "ci95": [mean - half, mean + half]}


def number_text(value: float | None) -> str:
    """``1,234``, ``12.5``, ``0.0042``; ``-`` for none."""
    if value is None or not math.isfinite(value):
        return "-"
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.3g}"


def value_text(name: str, value: float | None) -> str:
    """A figure's value for a person: durations humanised, other figures as numbers."""
    return duration_text(value) if name.endswith("TimeSeconds") else number_text(value)


def duration_text(seconds: float | None) -> str:
    """A duration as a person reads it: ``0.42 s``, ``34 s``, ``19.4 min``, ``1.2 h``
    (the exact figure stays in JSON and CSV); ``-`` for none."""
    if seconds is None or not math.isfinite(seconds):
        return "-"
    for bound, size, unit in ((3600.0, 3600.0, "h"), (60.0, 60.0, "min")):
        if abs(seconds) >= bound:
            value = seconds / size
            text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}".removesuffix(".0")
            return f"{text} {unit}"
    if seconds == 0:
        return "0 s"
    return f"{seconds:.0f} s" if abs(seconds) >= 10 else f"{seconds:.2g} s"
