"""The guide's Canary example (stages 10/25/50/100, five-minute evaluations, the
guide's triggers) on the guide's 65-node fleet in 4 regions (first stage: 8 nodes),
both versions' error rates given: the scenarios of issue 10's figures (used by
tests/sim/test_decisions.py and benchmarks/decisions.py)."""

from __future__ import annotations

from typing import Any

from hotswap.scenario.model import Scenario

PREVIOUS, NEW = "image-processor-v1.1.0", "image-processor-v1.2.0"
BASELINE_TRIGGER = [{"metric": "error_rate", "threshold": 100, "unit": "percent", "baseline": "previous"}]


def guide_canary(rps: float, old_error: float, new_error: float, **auto_rollback: Any) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "guide-canary",
            "previousModuleId": PREVIOUS,
            "fleet": {
                "regions": [
                    {"name": "us-east", "nodes": 20},
                    {"name": "us-west", "nodes": 15},
                    {"name": "eu-central", "nodes": 18},
                    {"name": "apac-east", "nodes": 12},
                ],
                "trafficPerNode": rps,
            },
            "modules": {PREVIOUS: {"errorRate": old_error}, NEW: {"errorRate": new_error}},
            "deployment": {
                "deploymentId": "deploy-123",
                "moduleId": NEW,
                "strategy": "Canary",
                "strategyConfig": {"stages": [10, 25, 50, 100], "evaluationPeriod": "PT5M"},
                "autoRollback": auto_rollback,
            },
        }
    )


def in_first_stage(record: dict[str, Any]) -> bool:
    """Rolled back while the first stage (10%) was under evaluation."""
    return record["outcome"] == "RolledBack" and "at stage 10%" in record["reason"]


def rolled_back(record: dict[str, Any]) -> bool:
    return record["outcome"] == "RolledBack"
