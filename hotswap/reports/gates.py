"""Gates at scale: how each strategy's health gate behaves as the fleet grows, when
nodes fail for reasons of their own (Dean's background rate, an hour's repair).

For the guide's literal gate (every node healthy; an unreachable node counts against
it) and for a tolerant one (unreachable nodes set apart, 1% unhealthy allowed): the rate
of false alarms on a healthy module (it does not end Succeeded: rolled back, paused, or
only partly rolled out), and the rate of missed bad modules (it ends Succeeded), where
the bad module fails its health check on 0.5% of nodes and nothing else. The new module
is faster (the guide's A/B example, 25 ms to 15 ms), so an A/B test is decided by its
gate, not by an even race.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd

from hotswap.core.config import STRATEGIES
from hotswap.reports import guide
from hotswap.runs import runner
from hotswap.scenario import Scenario

SIZES = (100, 1_000, 10_000, 100_000, 1_000_000)
REGIONS = 8
GATES = {
    "guide (all healthy)": {"unreachable": "fail", "maxUnhealthyPercent": 0},
    "tolerant (1%, unreachable apart)": {"unreachable": "exclude", "maxUnhealthyPercent": 1},
}
FASTER = {"latencyMs": {"median": 15, "p99": 60}}
SUBTLE = {**FASTER, "healthCheckFailureRate": 0.005}
BATCH = "1%"  # rolling at every size: the guide's batches of 2 would take a million nodes half a year


def runs_at(size: int, runs: int) -> int:
    """Fewer runs on the largest fleets (a million-node run takes about a second)."""
    return max(
        5, runs if size <= 1_000 else runs // 4 if size <= 10_000 else runs // 20 if size <= 100_000 else runs // 40
    )


def scenario(strategy: str, size: int, gate: dict[str, Any], bad: bool) -> Scenario:
    config = dict(guide.CONFIGS[strategy]["strategyConfig"])
    config.pop("regionOrder", None)  # regions here are region-0..7
    if strategy == "Rolling":
        config["batchSize"] = BATCH
    per = size // REGIONS
    idle = per if strategy == "BlueGreen" else 0
    return Scenario.model_validate(
        {
            "name": f"gates-{strategy}-{size}",
            "previousModuleId": "image-processor-v1.1.0",
            "fleet": {
                "regions": [{"name": f"region-{i}", "nodes": per, "idleNodes": idle} for i in range(REGIONS)],
                "nodeFailures": {"perNodeYear": 0.1, "repairTime": "PT1H"},
            },
            "modules": {"image-processor-v1.2.0": SUBTLE if bad else FASTER},
            "deployment": {
                "moduleId": "image-processor-v1.2.0",
                "strategy": strategy,
                "strategyConfig": config,
                "healthCheck": gate,
            },
        }
    )


Plan = list[tuple[str, str, dict[str, Any], int]]  # strategy, gate name, gate, size


def plan(sizes: tuple[int, ...] = SIZES) -> Plan:
    """Every strategy, gate and size measured."""
    return [(s, name, gate, size) for s in STRATEGIES for name, gate in GATES.items() for size in sizes]


def cells(planned: Plan, runs: int) -> list[tuple[Scenario, int]]:
    """The runs the plan needs: a healthy and a bad module per row, ``(scenario, runs)`` each."""
    return [
        (scenario(s, size, gate, bad), runs_at(size, runs)) for s, _, gate, size in planned for bad in (False, True)
    ]


def measure(
    runs: int,
    seed: int,
    *,
    sizes: tuple[int, ...] = SIZES,
    jobs: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """One row per strategy, gate and size: false-alarm and missed-bad-module rates."""
    planned = plan(sizes)
    done = runner.sweep(cells(planned, runs), seed=seed, jobs=jobs, timeline=False)  # every cell at once
    return table(planned, runs, done, progress)


def table(
    planned: Plan,
    runs: int,
    done: Iterator[list[dict[str, Any]]],
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """The rates from the runs of ``cells(planned, runs)``, cell by cell from ``done``."""
    rows = []
    for strategy, gate_name, _, size in planned:
        if progress is not None:
            progress(f"{strategy}, {gate_name}, {size:,} nodes")
        n = runs_at(size, runs)
        healthy, bad = next(done), next(done)
        rows.append(
            {
                "strategy": strategy,
                "gate": gate_name,
                "nodes": size,
                "runs": n,
                "falseAlarmRate": sum(r["outcome"] != "Succeeded" for r in healthy) / n,
                "missedBadRate": sum(r["outcome"] == "Succeeded" for r in bad) / n,
            }
        )
    return pd.DataFrame(rows)
