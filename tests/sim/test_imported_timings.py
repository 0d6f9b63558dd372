"""The bundled imported examples with a bad module stop when the original tool would:
Argo within (failureLimit + 2) intervals of its analysis starting, Flagger within
(threshold + 1) intervals (20 seeds each, real SimPy)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotswap.scenario import load
from sim.driver import simulate

SCENARIOS = Path(__file__).resolve().parents[1].parent / "examples" / "import" / "scenarios"


@pytest.mark.parametrize(
    ("name", "intervals"),
    [("argo-rollout-bad-module", 2 + 2), ("flagger-canary-bad-module", 3 + 1)],  # failureLimit 2; threshold 3
)
def test_a_bad_module_is_stopped_in_the_tools_time(name, intervals):
    scenario = load(SCENARIOS / f"{name}.yaml")
    interval = scenario.deployment.auto_rollback.interval
    for seed in range(1, 21):
        record = simulate(scenario, seed)
        assert record["outcome"] == "RolledBack"
        timeline = record["timeline"]
        first = next(e for e in timeline if e["event"] == "Deploy")
        analysis_starts = first["t"] + first["seconds"]
        stopped = next(e["t"] for e in timeline if e["event"] == "RollbackStarted")
        assert stopped - analysis_starts <= intervals * interval, (seed, stopped - analysis_starts)
        assert stopped - analysis_starts > (intervals - 2) * interval  # not before the limit is exceeded
