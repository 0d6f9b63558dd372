"""Compare strategies on one fleet and one candidate module, healthy and faulty.

Each strategy runs with the guide's example configuration (the scenario's own for its
strategy) on the scenario's fleet; blue-green gets the idle nodes it needs, and the
capacity it costs shows in its figures. The module runs twice: *healthy* (its profile
without faults) and *faulty* (its profile, or, when that has no fault, one whose health
checks pass while 12% of its requests fail). Results are flat rows for pandas.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from hotswap.core.figures import FIGURES, describe, figure
from hotswap.core.record import RunRecord
from hotswap.reports import guide
from hotswap.runs import runner
from hotswap.scenario import Scenario

FAULTS = ("healthCheckFailureRate", "deployFailureRate", "crashRate")
DEFAULT_FAULT = {"errorRate": 0.12}
COLUMNS = (
    "label",
    "strategy",
    "condition",
    "seed",
    "outcome",
    "reason",
    "totalTimeSeconds",
    "capacity.overheadPercent",
    *FIGURES,
)


@dataclass(frozen=True)
class Case:
    label: str
    strategy: str
    condition: str
    scenario: Scenario


def faulty(profile: dict[str, Any]) -> bool:
    """Whether a module profile (as scenario data) has a fault."""
    return any(profile.get(k, 0) for k in FAULTS) or profile.get("errorRate", 0) > 0.01


def with_strategy(scenario: Scenario, strategy: str, candidate: dict[str, Any] | None = None) -> Scenario:
    """The scenario with another strategy (the guide's configuration of it), and
    optionally another profile for the new module."""
    data = scenario.model_dump(by_alias=True, exclude_none=True, exclude={"expect"})
    deployment = data["deployment"]
    if strategy != scenario.deployment.strategy:
        config = guide.CONFIGS[strategy]
        deployment.update(
            strategy=strategy, deploymentId=config["deploymentId"], strategyConfig=dict(config["strategyConfig"])
        )
        names = {r["name"] for r in data["fleet"]["regions"]}
        order = deployment["strategyConfig"].get("regionOrder")
        if order and set(order) != names:
            del deployment["strategyConfig"]["regionOrder"]  # the guide's order names other regions
    if strategy == "BlueGreen":
        for region in data["fleet"]["regions"]:
            region["idleNodes"] = max(region.get("idleNodes", 0), region["nodes"])
    if candidate is not None:
        data.setdefault("modules", {})[scenario.deployment.module_id] = candidate
    return Scenario.model_validate(data)


def cases(scenario: Scenario, strategies: list[str]) -> list[Case]:
    """Each strategy with the healthy and the faulty module."""
    module = scenario.deployment.module_id
    profile = scenario.profile(module).model_dump(by_alias=True, exclude_none=True)
    healthy = {k: v for k, v in profile.items() if k not in (*FAULTS, "errorRate")}
    bad = profile if faulty(profile) else {**profile, **DEFAULT_FAULT}
    return [
        Case(f"{s} {c}", s, c, with_strategy(scenario, s, p))
        for s in strategies
        for c, p in (("healthy", healthy), ("faulty", bad))
    ]


def as_written(scenarios: list[Scenario], paths: list[Path]) -> list[Case]:
    """Each scenario file as written, labelled by its name (its file when names repeat)."""
    names = [s.name for s in scenarios]
    labels = [n if names.count(n) == 1 else str(p) for n, p in zip(names, paths, strict=True)]
    return [Case(label, s.deployment.strategy, "as written", s) for label, s in zip(labels, scenarios, strict=True)]


def fleet_text(scenario: Scenario) -> str:
    """``10,000 nodes in 4 regions``."""
    regions = scenario.fleet.regions
    return f"{sum(r.nodes for r in regions):,} nodes in {len(regions)} region{'s' * (len(regions) != 1)}"


def measure(
    items: list[Case],
    *,
    runs: int | list[int],
    seed: int,
    jobs: int | None = None,
    progress: Callable[[str], None] | None = None,
    examples: bool = True,
) -> tuple[pd.DataFrame, dict[str, RunRecord]]:
    """Rows of every run of every case (``runs`` each, or per case), and by case label its
    representative run (the one whose deploy time is closest to the median) with its
    timeline. Every case's runs go to the executor at once and come back without
    timelines; the representative is run again by its seed (same seed, same record), so
    memory does not grow with the runs."""
    counts = runs if isinstance(runs, list) else [runs] * len(items)
    done = runner.sweep(
        [(c.scenario, n) for c, n in zip(items, counts, strict=True)], seed=seed, jobs=jobs, timeline=False
    )
    frame, chosen = rows_of(items, done, progress)
    shown = {c.label: runner.replicate(c.scenario, seed=chosen[c.label])[0] for c in items if examples}
    return frame, shown


def rows_of(
    items: list[Case], done: Iterator[list[dict[str, Any]]], progress: Callable[[str], None] | None = None
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The rows of each case's runs (cell by cell from ``done``), and by case label the
    seed of its representative run."""
    rows: list[dict[str, Any]] = []
    chosen: dict[str, Any] = {}
    for case in items:
        if progress is not None:
            progress(case.label)
        first = len(rows)
        for r in next(done):
            rows.append(
                {
                    "label": case.label,
                    "strategy": case.strategy,
                    "condition": case.condition,
                    "seed": r["seed"],
                    "outcome": r["outcome"],
                    "reason": r["reason"],
                    "totalTimeSeconds": r["totalTimeSeconds"],
                    "capacity.overheadPercent": figure(r, "capacity.overheadPercent"),
                    **{name: figure(r, name) for name in FIGURES},
                }
            )
        times = [row["deployTimeSeconds"] for row in rows[first:]]
        chosen[case.label] = rows[first + representative(times)]["seed"]
    return pd.DataFrame(rows, columns=list(COLUMNS)), chosen


def representative(deploy_times: list[float]) -> int:
    """Which run is representative: the one whose deploy time is the median's closest."""
    import numpy as np

    times = np.array(deploy_times, dtype=float)
    return int(np.argmin(np.abs(times - np.median(times))))


def summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Per case: runs, outcome shares, and p5/p50/p95, mean and the 95% CI of the mean
    (``.ci95Low`` and ``.ci95High``) of each figure, all as numbers."""
    out = []
    for (label, strategy, condition), group in frame.groupby(["label", "strategy", "condition"], sort=False):
        row: dict[str, Any] = {"label": label, "strategy": strategy, "condition": condition, "runs": len(group)}
        shares = group["outcome"].value_counts(normalize=True)
        row["outcomes"] = ", ".join(f"{o} {share:.0%}" for o, share in shares.items())
        for name in (*FIGURES, "capacity.overheadPercent"):
            stats = describe([float(v) for v in group[name].dropna()])
            for key in ("mean", "p5", "p50", "p95"):
                row[f"{name}.{key}"] = stats.get(key)
            low, high = stats["ci95"] if stats["n"] else (None, None)
            row[f"{name}.ci95Low"], row[f"{name}.ci95High"] = low, high  # numbers, not text
        out.append(row)
    return pd.DataFrame(out)
