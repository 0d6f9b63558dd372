"""Canary: deploy to a growing share of nodes, evaluating each stage before the next.

As in the guide, each stage deploys to all its nodes: deploys are idempotent, so nodes
already on the module cost nothing and nodes missed earlier (down, unreachable) get
another chance. Unlike the guide, traffic triggers are watched during the evaluation
period, and with ``autoPromote: false`` the rollout stops before its final 100% stage
as ``Paused``. The stage walk is shared with Regional's canary inside each region.
"""

from __future__ import annotations

from hotswap.core.effects import Milestone, Outcome, Report
from hotswap.core.rollout import Rollout
from hotswap.core.strategies.common import Steps, missed, progress, roll_back, succeeded
from hotswap.core.strategies.stages import Walk, walk

FLEET = "fleet"


def canary(r: Rollout) -> Steps:
    cfg = r.config
    policy = r.policy(function=cfg.health_check_function, success=cfg.success_threshold, failure=cfg.failure_threshold)
    held = not cfg.auto_promote and len(cfg.stages) > 1
    failures: list[str] = []

    def stop(name: str, why: str) -> Steps:
        failures.append(why)
        return True
        yield  # a generator: the rollback follows the walk

    state = yield from walk(
        r,
        Walk({FLEET: r.fleet}),
        cfg.stages[:-1] if held else cfg.stages,
        cfg.evaluation_period,
        policy,
        stop,
        progress=lambda stage, nodes: progress(stage, stage=stage, nodes=len(nodes)),
    )
    if state.stopped:
        return (yield from roll_back(r, failures[0], nodes=state.deployed[FLEET]))
    if held:
        reason = f"Held at stage {state.reached:g}% for manual promotion (autoPromote is false)"
        yield Report(Milestone.DECISION, {"decision": "Paused", "reason": reason})
        return Outcome("Paused", reason)
    assert state.report is not None
    return succeeded(r, len(state.deployed[FLEET]), missed(state.report))
