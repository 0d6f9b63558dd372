"""Canary: deploy to a growing share of nodes, evaluating each stage before the next.

As in the guide, each stage deploys to all its nodes: deploys are idempotent, so nodes
already on the module cost nothing and nodes missed earlier (down, unreachable) get
another chance. Unlike the guide, traffic triggers are watched during the evaluation
period, and with ``autoPromote: false`` the rollout stops before its final 100% stage
as ``Paused``. A stage's progress is the share of nodes it really exposes (``stage``
keeps the percent requested: on a small fleet the two differ).
"""

from __future__ import annotations

from hotswap.core.effects import Deploy, Milestone, Outcome, Report
from hotswap.core.nodes import EMPTY
from hotswap.core.rollout import Rollout
from hotswap.core.strategies.common import Steps, evaluate, missed, progress, roll_back, succeeded


def canary(r: Rollout) -> Steps:
    cfg = r.config
    policy = r.policy(function=cfg.health_check_function, success=cfg.success_threshold, failure=cfg.failure_threshold)
    deployed, reached = EMPTY, 0.0
    for stage in cfg.stages:
        if stage == 100 and not cfg.auto_promote and deployed:
            reason = f"Held at stage {reached:g}% for manual promotion (autoPromote is false)"
            yield Report(Milestone.DECISION, {"decision": "Paused", "reason": reason})
            return Outcome("Paused", reason)
        nodes = r.fleet.share(stage)
        report = yield Deploy(nodes, r.module_id)
        deployed = nodes
        failure = yield from evaluate(r, nodes, cfg.evaluation_period, policy)
        if failure:
            return (yield from roll_back(r, f"{failure} at stage {stage:g}%", nodes=deployed))
        reached = stage
        yield progress(100 * len(nodes) / len(r.fleet.active), stage=stage, nodes=len(nodes))
    return succeeded(r, len(deployed), missed(report))
