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


def _deployments(planned: Plan) -> dict[tuple[str, int], list[tuple[str, dict[str, Any]]]]:
    """The plan by deployment (strategy and size): the gates each is measured with."""
    out: dict[tuple[str, int], list[tuple[str, dict[str, Any]]]] = {}
    for strategy, name, gate, size in planned:
        out.setdefault((strategy, size), []).append((name, gate))
    return out


def cells(planned: Plan, runs: int) -> list[runner.Task]:
    """The runs the plan needs: per deployment, a healthy and a bad module, each seed a
    task that runs it under every gate (``outcomes``)."""
    return [
        runner.Task(outcomes, _alike([scenario(s, size, gate, bad) for _, gate in gated]), runs_at(size, runs))
        for (s, size), gated in _deployments(planned).items()
        for bad in (False, True)
    ]


def _alike(scenarios: list[Scenario]) -> tuple[Scenario, ...]:
    """``scenarios``, which must differ in the gate only (what ``outcomes`` relies on)."""

    def without_gate(s: Scenario) -> dict[str, Any]:
        dumped = s.model_dump()
        gate = dumped["deployment"]["health_check"]
        for field in ("unreachable", "max_unhealthy_percent"):
            gate.pop(field)
        return dumped

    if any(without_gate(s) != without_gate(scenarios[0]) for s in scenarios[1:]):
        raise ValueError("the gates' scenarios must differ in the health gate only")
    return tuple(scenarios)


def outcomes(job: tuple[tuple[Scenario, ...], int]) -> tuple[str, ...]:
    """One seed's outcome under each gate (``scenarios``: one deployment, a gate each).
    The gates read health reports only, so until a health check finds a node unhealthy
    or unreachable they pass the same checks and the runs are one run: the first gate's
    run is simulated, and the others only when one of its checks found such a node."""
    scenarios, seed = job
    simulate = runner.backend("sim")
    first = simulate(scenarios[0], seed)
    if all(e["unhealthy"] == 0 and e["unreachable"] == 0 for e in first["timeline"] if e["event"] == "HealthCheck"):
        return (first["outcome"],) * len(scenarios)
    return (first["outcome"], *(simulate(s, seed)["outcome"] for s in scenarios[1:]))


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
    done = runner.sweep(cells(planned, runs), seed=seed, jobs=jobs)  # every cell at once
    return table(planned, runs, done, progress)


def table(
    planned: Plan,
    runs: int,
    done: Iterator[list[Any]],
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """The rates from the results of ``cells(planned, runs)``, cell by cell from ``done``."""
    seen = {}
    for (strategy, size), gated in _deployments(planned).items():
        seen[strategy, size] = [name for name, _ in gated], next(done), next(done)  # healthy, bad
        if progress is not None:
            for name, _ in gated:
                progress(f"{strategy}, {name}, {size:,} nodes")
    rows = []
    for strategy, gate_name, _, size in planned:
        names, healthy, bad = seen[strategy, size]
        at, n = names.index(gate_name), runs_at(size, runs)
        rows.append(
            {
                "strategy": strategy,
                "gate": gate_name,
                "nodes": size,
                "runs": n,
                "falseAlarmRate": sum(r[at] != "Succeeded" for r in healthy) / n,
                "missedBadRate": sum(r[at] == "Succeeded" for r in bad) / n,
            }
        )
    return pd.DataFrame(rows)
