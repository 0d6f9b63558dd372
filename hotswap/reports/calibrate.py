"""The gate calibration lab: how should a gate be set for this fleet and traffic?

The scenario's deployment runs with a healthy candidate (the previous module's profile)
and graded bad ones, under each *setting* (a partial ``autoRollback`` block that
overrides the scenario's). Per setting: the false-rollback percent (healthy candidate
ending in anything but Succeeded) with its 95% Wilson interval, and per grade the share
detected (anything but Succeeded), the median time to detect and the median blast
radius. The recommendation: among settings whose false-rollback interval stays within
the allowed percent, the one that detects the most bad candidates, then the fastest.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from hotswap.core.config import AutoRollback
from hotswap.core.fields import Spread
from hotswap.runs.runner import sweep
from hotswap.scenario import Scenario
from hotswap.scenario.fleet import ModuleProfile

Z95 = 1.959963984540054


def default_grid(scenario: Scenario) -> list[dict[str, Any]]:
    """About eight settings, a list, not a product: the scenario's own; confidence 0.9,
    0.95, 0.99; interval 10 s and 60 s; the guide's literal rule; each trigger made
    baseline-relative (allowed increase 100%: twice the previous module's)."""
    triggers = scenario.deployment.auto_rollback.triggers
    relative = [
        {
            **t.model_dump(by_alias=True, exclude={"comparison"}),
            "threshold": 100,
            "unit": "percent",
            "baseline": "previous",
        }
        for t in triggers
        if t.comparison == "greater_than" and t.metric != "memory_mb"
    ]
    grid: list[dict[str, Any]] = [{}, {"confidence": 0.9}, {"confidence": 0.95}, {"confidence": 0.99}]
    grid += [{"interval": 10}, {"interval": 60}, {"test": "observed"}]
    if relative:
        grid.append({"triggers": relative})
    return grid


def setting_error(setting: Any, base: AutoRollback) -> str | None:
    """Why ``setting`` is not a usable autoRollback override (field and message), or None."""
    if not isinstance(setting, dict):
        return "a setting must be a mapping of autoRollback keys"
    try:
        apply(base, setting)
    except ValidationError as exc:
        first = exc.errors()[0]
        return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    return None


def apply(base: AutoRollback, setting: dict[str, Any]) -> AutoRollback:
    return AutoRollback.model_validate({**base.model_dump(by_alias=True), **setting})


def candidates(scenario: Scenario) -> dict[str, ModuleProfile]:
    """The healthy candidate and the graded bad ones, as profiles of the new module."""
    old = scenario.profile(scenario.previous)
    rate = old.error_rate
    spread = old.latency_ms

    def slower(factor: float) -> Spread:
        return Spread(median=spread.median * factor, p99=spread.p99 * factor)

    grades: dict[str, ModuleProfile] = {"healthy": old}
    for times, points in ((1.5, 1), (2, 2), (5, 5)):
        if rate > 0:
            grades[f"error x{times:g}"] = old.model_copy(update={"error_rate": min(1.0, rate * times)})
        else:
            grades[f"error +{points}pp"] = old.model_copy(update={"error_rate": points / 100})
    grades["latency +20%"] = old.model_copy(update={"latency_ms": slower(1.2)})
    grades["latency +50%"] = old.model_copy(update={"latency_ms": slower(1.5)})
    grades["crash rate 0.05"] = old.model_copy(update={"crash_rate": 0.05})
    return grades


def variant(scenario: Scenario, profile: ModuleProfile, auto_rollback: AutoRollback) -> Scenario:
    """The scenario with the new module playing ``profile`` under ``auto_rollback``."""
    modules = {**scenario.modules, scenario.deployment.module_id: profile}
    deployment = scenario.deployment.model_copy(update={"auto_rollback": auto_rollback})
    return scenario.model_copy(update={"modules": modules, "deployment": deployment, "expect": None})


def wilson(k: int, n: int) -> tuple[float, float]:
    """95% Wilson score interval of ``k`` in ``n``, in percent."""
    if not n:
        return 0.0, 100.0
    p = k / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    return 100 * max(0.0, centre - half), 100 * min(1.0, centre + half)


def share(k: int, n: int) -> str:
    """``k`` of ``n`` as a percent with its 95% Wilson interval, for people."""
    lo, hi = wilson(k, n)
    return f"{100 * k / n:5.1f}% [{lo:.1f}, {hi:.1f}]"


def detected_at(record: Mapping[str, Any]) -> float | None:
    """When a bad candidate was caught: when its rollback started (a trigger or a failed
    gate rolls back at once), else when the run ended short of success; None when it
    succeeded. Read off the figures, so runs need not carry their timelines."""
    if record["outcome"] == "Succeeded":
        return None
    return float(record["totalTimeSeconds"]) - float(record["rollbackTimeSeconds"] or 0.0)


@dataclass(frozen=True)
class Grade:
    grade: str
    detected_percent: float
    median_time_to_detect: float | None
    median_blast_radius: float

    def as_json(self) -> dict[str, Any]:
        return {
            "grade": self.grade,
            "detectedPercent": round(self.detected_percent, 3),
            "medianTimeToDetectSeconds": None
            if self.median_time_to_detect is None
            else round(self.median_time_to_detect, 3),
            "medianBlastRadiusPercent": round(self.median_blast_radius, 3),
        }


def grade(name: str, records: Sequence[Mapping[str, Any]]) -> Grade:
    caught = [r for r in records if r["outcome"] != "Succeeded"]
    times = [t for t in map(detected_at, caught) if t is not None]
    return Grade(
        name,
        100 * len(caught) / len(records),
        statistics.median(times) if times else None,
        statistics.median(r["blastRadius"]["nodesPercent"] for r in records),
    )


def calibrate(
    scenario: Scenario,
    grid: list[dict[str, Any]],
    *,
    runs: int = 200,
    max_false_rollback: float = 5.0,
    jobs: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """The calibration: per setting its false-rollback figures and detection per grade,
    and the recommended setting (or None). Settings must be valid (``setting_error``)."""
    base = scenario.deployment.auto_rollback
    profiles = candidates(scenario)
    cells = [
        (variant(scenario, profile, apply(base, setting)), runs) for setting in grid for profile in profiles.values()
    ]
    done = sweep(cells, seed=scenario.seed, jobs=jobs, timeline=False)  # every run of every cell at once
    settings = []
    for setting in grid:
        results = {}
        for name in profiles:
            if progress is not None:
                progress(f"{label(setting)}: {name}")
            results[name] = next(done)
        healthy = results.pop("healthy")
        false = sum(r["outcome"] != "Succeeded" for r in healthy)
        lo, hi = wilson(false, runs)
        settings.append(
            {
                "setting": setting,
                "falseRollbackPercent": round(100 * false / runs, 3),
                "falseRollbackCI": [round(lo, 3), round(hi, 3)],
                "detection": [grade(name, records).as_json() for name, records in results.items()],
            }
        )
    return {"settings": settings, "recommended": recommend(settings, max_false_rollback)}


def _speed(entry: dict[str, Any]) -> tuple[float, float]:
    """Rank key: most detected first, then the shortest median time to detect."""
    grades = entry["detection"]
    detected = sum(g["detectedPercent"] for g in grades) / len(grades)
    times = [g["medianTimeToDetectSeconds"] for g in grades]
    slow = sum(math.inf if t is None else t for t in times) / len(times)
    return -detected, slow


def recommend(settings: list[dict[str, Any]], max_false_rollback: float) -> dict[str, Any] | None:
    qualifying = [s for s in settings if s["falseRollbackCI"][1] <= max_false_rollback]
    if not qualifying:
        return None
    best = min(qualifying, key=_speed)
    detected, seconds = _speed(best)
    return {
        "setting": best["setting"],
        "reason": (
            f"detects {-detected:.1f}% of bad candidates on average (median {seconds:.0f} s to detect), "
            f"the most among the {len(qualifying)} of {len(settings)} settings whose false-rollback "
            f"interval stays within {max_false_rollback:g}% (upper bound {best['falseRollbackCI'][1]:.1f}%)"
        ),
    }


def text(result: dict[str, Any]) -> str:
    """The calibration for people: one block per setting, then the recommendation."""
    lines = []
    for s in result["settings"]:
        lo, hi = s["falseRollbackCI"]
        lines.append(f"{label(s['setting'])}: false rollback {s['falseRollbackPercent']:.1f}% [{lo:.1f}, {hi:.1f}]")
        for g in s["detection"]:
            t = g["medianTimeToDetectSeconds"]
            lines.append(
                f"  {g['grade']:<16} detected {g['detectedPercent']:5.1f}%  "
                f"median {('-' if t is None else f'{t:.0f} s'):>7} to detect  "
                f"median blast {g['medianBlastRadiusPercent']:.1f}%"
            )
    rec = result["recommended"]
    lines.append(f"recommended: {label(rec['setting'])}: {rec['reason']}" if rec else "recommended: none")
    return "\n".join(lines)


def pareto(result: dict[str, Any], path: Any) -> None:
    """False rollbacks against detection, one point per setting (95% interval as an error
    bar), the Pareto front joined and the recommended setting ringed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = []
    for s in result["settings"]:
        detected = -_speed(s)[0]
        points.append((s["falseRollbackPercent"], detected, s["falseRollbackCI"], label(s["setting"])))
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for x, y, (lo, hi), name in points:
        ax.errorbar(x, y, xerr=[[x - lo], [hi - x]], fmt="o", capsize=3, label=name)
    front = sorted(
        (p for p in points if not any(q[0] <= p[0] and q[1] >= p[1] and q[:2] != p[:2] for q in points)),
        key=lambda p: p[0],
    )
    ax.plot([p[0] for p in front], [p[1] for p in front], "k--", lw=0.8, label="Pareto front")
    rec = result["recommended"]
    if rec is not None:
        chosen = next(p for p, s in zip(points, result["settings"], strict=True) if s["setting"] == rec["setting"])
        ax.scatter([chosen[0]], [chosen[1]], s=250, facecolors="none", edgecolors="red", label="recommended")
    ax.set_xlabel("false rollbacks, healthy candidate (%, 95% Wilson interval)")
    ax.set_ylabel("bad candidates detected (%, mean over grades)")
    ax.grid(alpha=0.3)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def label(setting: dict[str, Any]) -> str:
    """A setting in a few words."""
    if not setting:
        return "the scenario's own"
    if "triggers" in setting:
        rest = {k: v for k, v in setting.items() if k != "triggers"}
        return "baseline-relative triggers" + (f" {rest}" if rest else "")
    return ", ".join(f"{k}={v}" for k, v in setting.items())
