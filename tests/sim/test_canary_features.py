"""Canary stages with their own traffic share, approvals and an observed analysis, on
the simulated fleet (real SimPy)."""

from __future__ import annotations

from hotswap.scenario.model import Scenario
from sim.driver import simulate


def scenario(stages: list, **auto_rollback: object) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "features",
            "modules": {"new": {"errorRate": 0.2}},
            "deployment": {
                "moduleId": "new",
                "strategy": "Canary",
                "strategyConfig": {"stages": stages, "evaluationPeriod": "PT2M"},
                "autoRollback": {"interval": "PT1M", **auto_rollback},
            },
        }
    )


def test_a_bad_module_on_ten_percent_of_nodes_gets_five_percent_of_the_requests():
    record = simulate(scenario([{"nodes": 10, "traffic": 5}, 100]), seed=3)
    assert record["outcome"] == "RolledBack"
    assert record["blastRadius"]["nodesPercent"] > 10  # ceil per region: 8 of 65
    assert record["blastRadius"]["trafficPercent"] == 5.0
    served = next(e for e in record["timeline"] if e["event"] == "TriggerFired")
    share = served["new"]["requests"] / (served["new"]["requests"] + served["new-previous"]["requests"])
    assert 0.04 < share < 0.06


def test_an_observed_analysis_stops_after_failure_limit_plus_one_intervals():
    record = simulate(scenario({"linear": 10, "every": "PT5M"}, test="observed", failureLimit=2), seed=3)
    assert record["outcome"] == "RolledBack"
    started = next(e["t"] for e in record["timeline"] if e["event"] == "RollbackStarted")
    assert 3 * 60 <= started < 4 * 60


def test_an_approval_drawn_from_a_spread_is_the_same_for_the_same_seed():
    stages = [10, {"approval": {"median": "PT30M", "p99": "PT4H"}}, 100]
    waits = [
        next(
            e["waitSeconds"]
            for e in simulate(scenario(stages, enabled=False), seed=s)["timeline"]
            if e["event"] == "Approval"
        )
        for s in (1, 1, 2)
    ]
    assert waits[0] == waits[1] != waits[2]
