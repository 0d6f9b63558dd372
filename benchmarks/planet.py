"""Rollouts on a planet: the figures issue #14 asks for, measured in one run.

    python benchmarks/planet.py [RUNS]        # default 50 seeded runs per case

1. The guide's 65-node fleet in three waves ([us-east], [us-west, eu-central], [apac-east])
   with a [20, 100] canary (5 min) inside each region and 10 min after each wave: healthy
   deploy time against one region at a time; a module failing 12% of requests, stopped
   inside the first wave's canary (nodes exposed).
2. A module failing 10% of requests on a two-region fleet (20 + 20 nodes), four-stage
   canary: time to stop (deploy time of the rolled-back runs) with flat 20 requests/s per
   node, a replay of 0.05 for 30 min then 20, a diurnal day (peak-to-trough 40) started at
   the trough and at the peak, and flat traffic with metricsDelay PT2M.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path
from typing import Any

from hotswap.runs import runner
from hotswap.scenario import Scenario, load

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def variant(name: str, *, fleet: dict[str, Any] | None = None, **deployment: Any) -> Scenario:
    """A bundled scenario with keys of its fleet and deployment replaced."""
    return load(SCENARIOS / f"{name}.yaml").varied(fleet=fleet, deployment=deployment)


def runs_of(scenario: Scenario, runs: int) -> list[dict[str, Any]]:
    return runner.replicate(scenario, seed=scenario.seed, runs=runs)


def mean(records: list[dict[str, Any]], figure: str) -> float:
    values = []
    for r in records:
        value: Any = r
        for part in figure.split("."):
            value = value[part]
        values.append(value)
    return statistics.mean(values)


def main(runs: int) -> None:
    waves = load(SCENARIOS / "regional-waves.yaml")
    config = waves.deployment.strategy_config.model_dump(by_alias=True, exclude_none=True)
    config.pop("waves")
    one_by_one = variant(
        "regional-waves", strategyConfig={**config, "regionOrder": ["us-east", "us-west", "eu-central", "apac-east"]}
    )
    healthy = runs_of(waves, runs)
    sequential = runs_of(one_by_one, runs)
    bad = runs_of(load(SCENARIOS / "regional-waves-bad-module.yaml"), runs)
    print(f"waves, healthy: deploy {mean(healthy, 'deployTimeSeconds') / 60:.1f} min (n={runs})")
    print(f"one region at a time, same canary: deploy {mean(sequential, 'deployTimeSeconds') / 60:.1f} min")
    outcomes = {r["outcome"] for r in bad}
    first_wave = statistics.mean(r["blastRadius"]["waves"][0]["nodesPercent"] for r in bad)
    later = max(w["nodes"] for r in bad for w in r["blastRadius"]["waves"][1:])
    print(
        f"waves, bad module: outcomes {sorted(outcomes)}, nodes exposed {mean(bad, 'blastRadius.nodesPercent'):.2f}% "
        f"(first wave {first_wave:.2f}%, later waves at most {later} nodes)"
    )
    flat_scenario = variant("canary-diurnal", fleet={"traffic": None})
    cases = {
        "flat 20 rps/node": flat_scenario,
        "replay 0.05 then 20": load(SCENARIOS / "canary-quiet-start.yaml"),
        "diurnal 40x, trough start": load(SCENARIOS / "canary-diurnal.yaml"),
        "diurnal 40x, peak start": variant("canary-diurnal", startAt="01:00"),
        "flat, metricsDelay PT2M": variant(
            "canary-diurnal", fleet={"traffic": None}, autoRollback={"metricsDelay": 120}
        ),
    }
    times = {}
    for label, scenario in cases.items():
        done = runs_of(scenario, runs)
        assert {r["outcome"] for r in done} == {"RolledBack"}, label
        times[label] = mean(done, "deployTimeSeconds")
    base = times["flat 20 rps/node"]
    for label, seconds in times.items():
        print(f"{label:28s} time to stop {seconds:7.1f} s  x{seconds / base:.2f} of flat  (+{seconds - base:.0f} s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
