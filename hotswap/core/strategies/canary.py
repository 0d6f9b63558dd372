"""Canary: deploy to a growing share of nodes, evaluating each stage before the next.

As in the guide, each stage deploys to all its nodes: deploys are idempotent, so nodes
already on the module cost nothing and nodes missed earlier (down, unreachable) get
another chance (and nodes a stage's deploy could not reach are deployed to again before
its health check, so a node back from an outage is checked afresh). Unlike the guide,
traffic triggers are watched during the evaluation period, and with ``autoPromote: false``
the rollout stops before its final 100% stage as ``Paused``. A stage's progress is the
share of nodes it really exposes (``stage`` keeps the percent requested: on a small
fleet the two differ).

Beyond the guide: a stage may send the new module a share of the requests other than
its share of nodes (``{nodes, traffic}``: a route splits the load balancer), hold for
its own time, or wait for a person's approval; ``bakeTime`` watches the triggers after
the last stage; the triggers watch from ``startingStage`` on. An observed analysis
(``autoRollback.test: observed``) keeps its count of measurements across the stages, and
too many inconclusive ones stop the rollout as ``Paused``.
"""

from __future__ import annotations

from dataclasses import replace

from hotswap.core.config import Step
from hotswap.core.effects import Approval, Deploy, DeployReport, HealthPolicy, Milestone, Outcome, Report, Route
from hotswap.core.nodes import EMPTY, NodeSet
from hotswap.core.rollout import Rollout
from hotswap.core.strategies.common import Steps, Tally, check, missed, progress, roll_back, succeeded, watch


def split(r: Rollout, nodes: NodeSet, traffic: float) -> Route:
    """``traffic`` percent of the requests to ``nodes``, the rest to the other active nodes."""
    rest = r.fleet.active - nodes
    if not rest or traffic >= 100:
        return Route(((nodes, 1.0),))
    if traffic <= 0:
        return Route(((rest, 1.0),))
    return Route(((nodes, traffic), (rest, 100 - traffic)))


def canary(r: Rollout) -> Steps:
    cfg = r.config
    policy = r.policy(function=cfg.health_check_function, success=cfg.success_threshold, failure=cfg.failure_threshold)
    tally = Tally(r.limits) if r.limits is not None else None
    even = Route(((r.fleet.active, 1.0),))
    deployed, reached, routed = EMPTY, 0.0, False
    number = 0
    for step in cfg.plan():
        armed = r if number + (step.approval is None) >= cfg.starting_stage else replace(r, triggers=())
        if step.approval is not None:
            answer = yield Approval(step.approval)
            failure, held, _ = yield from _hold(armed, answer.seconds, tally, None, EMPTY, None)
        else:
            number += 1
            stage = step.nodes
            if stage == 100 and not cfg.auto_promote and deployed:
                reason = f"Held at stage {reached:g}% for manual promotion (autoPromote is false)"
                yield Report(Milestone.DECISION, {"decision": "Paused", "reason": reason})
                return Outcome("Paused", reason)
            nodes = r.fleet.share(stage)
            splits = step.traffic is not None and step.traffic != stage
            if splits:  # before the deploy: the new module never gets more than its share
                yield split(r, nodes, step.traffic)
            report = yield Deploy(nodes, r.module_id)
            deployed = nodes
            if routed and not splits:
                yield even
            routed = splits
            hold = cfg.evaluation_period if step.hold is None else step.hold
            failure, held, report = yield from _hold(armed, hold, tally, policy, nodes, report)
        if held:
            return Outcome("Paused", f"Analysis inconclusive at stage {reached:g}% ({held})")
        if failure:
            where = f"stage {reached:g}% awaiting approval" if step.approval is not None else f"stage {step.nodes:g}%"
            return (yield from roll_back(r, f"{failure} at {where}", nodes=deployed, then=even if routed else None))
        if step.approval is None:
            reached = step.nodes
            exposed = 100 * len(nodes) / len(r.fleet.active)
            yield progress(exposed, stage=reached, nodes=len(nodes), **_traffic(step))
    if cfg.bake_time > 0:
        failure, held, _ = yield from _hold(r, cfg.bake_time, tally, None, EMPTY, None)
        if held:
            return Outcome("Paused", f"Analysis inconclusive during the bake ({held})")
        if failure:
            return (yield from roll_back(r, f"{failure} during the bake", nodes=deployed))
    return succeeded(r, len(deployed), missed(report))


def _hold(
    r: Rollout,
    seconds: float,
    tally: Tally | None,
    policy: HealthPolicy | None,
    nodes: NodeSet,
    deployed: DeployReport | None,
) -> Steps:
    """Watch ``seconds`` then (with a policy) health-check ``nodes``, deploying first to
    those the stage's deploy could not reach (back from an outage, they are checked
    afresh); returns (why it failed, why the analysis is held, the latest deploy report)."""
    seen = yield from watch(r, seconds, tally)
    if seen.held:
        return None, seen.held, deployed
    if seen.fired:
        return f"Rollback trigger fired ({seen.fired})", None, deployed
    if policy is None:
        return None, None, deployed
    if deployed is not None and deployed.unreachable:
        deployed = yield Deploy(nodes, r.module_id)
    verdict = yield from check(r, nodes, policy)
    return (None if verdict.passed else f"Health checks failed ({verdict.reason})"), None, deployed


def _traffic(step: Step) -> dict[str, float]:
    return {} if step.traffic is None or step.traffic == step.nodes else {"traffic": step.traffic}
