"""Canary: deploy to a growing share of nodes, evaluating each stage before the next.

Unlike the guide's pseudo-code, each stage deploys only the nodes it adds (deploys are
idempotent anyway), traffic triggers are watched during the evaluation period, and with
``autoPromote: false`` the rollout stops before its final 100% stage as ``Paused``.
"""

from __future__ import annotations

from hotswap.effects import Deploy, Milestone, Outcome, Report
from hotswap.nodes import EMPTY
from hotswap.rollout import Rollout
from hotswap.strategies.common import Steps, evaluate, progress, roll_back


def canary(r: Rollout) -> Steps:
    cfg = r.config
    policy = r.policy(function=cfg.health_check_function, success=cfg.success_threshold,
                      failure=cfg.failure_threshold)
    deployed, reached = EMPTY, 0.0
    for stage in cfg.stages:
        if stage == 100 and not cfg.auto_promote and deployed:
            reason = f"Held at stage {reached:g}% for manual promotion (autoPromote is false)"
            yield Report(Milestone.DECISION, {"decision": "Paused", "reason": reason})
            return Outcome("Paused", reason)
        nodes = r.fleet.share(stage)
        yield Deploy(nodes - deployed, r.module_id)
        deployed = deployed | nodes
        failure = yield from evaluate(r, nodes, cfg.evaluation_period, policy)
        if failure:
            return (yield from roll_back(r, f"{failure} at stage {stage:g}%", nodes=deployed))
        reached = stage
        yield progress(stage, stage=stage, nodes=len(nodes))
    return Outcome("Succeeded", f"All {len(deployed)} nodes run {r.module_id}")
