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
too many inconclusive ones stop the rollout as ``Paused``. The stage walk
(``stages.walk``) is shared with Regional's canary inside each region.
"""

from __future__ import annotations

from hotswap.core.config import Step
from hotswap.core.effects import Milestone, Outcome, Report, Route
from hotswap.core.nodes import NodeSet
from hotswap.core.rollout import Rollout
from hotswap.core.strategies.common import Steps, missed, progress, roll_back, succeeded
from hotswap.core.strategies.stages import Plan, Walk, walk

FLEET = "fleet"


def canary(r: Rollout) -> Steps:
    cfg = r.config
    policy = r.policy(function=cfg.health_check_function, success=cfg.success_threshold, failure=cfg.failure_threshold)
    steps = Plan.of(cfg)
    held = None if cfg.auto_promote else _promotion(steps.steps)
    if held is not None:
        steps = Plan(steps.steps[:held], steps.hold, 0.0, steps.starting)
    failures: list[tuple[str, Route | None]] = []

    def stop(name: str, why: str, then: Route | None) -> Steps:
        failures.append((why, then))
        return True
        yield  # a generator: the rollback follows the walk

    def exposed(step: Step, nodes: NodeSet) -> Report:  # the share of nodes really exposed
        extra = {} if step.traffic is None or step.traffic == step.nodes else {"traffic": step.traffic}
        return progress(100 * len(nodes) / len(r.fleet.active), stage=step.nodes, nodes=len(nodes), **extra)

    state = yield from walk(r, Walk({FLEET: r.fleet}), steps, policy, stop, progress=exposed)
    if state.stopped:
        why, then = failures[0]
        return (yield from roll_back(r, why, nodes=state.deployed[FLEET], then=then))
    if state.held:
        return Outcome("Paused", state.held)
    if held is not None:
        reason = f"Held at stage {state.reached:g}% for manual promotion (autoPromote is false)"
        yield Report(Milestone.DECISION, {"decision": "Paused", "reason": reason})
        return Outcome("Paused", reason)
    assert state.report is not None
    return succeeded(r, len(state.deployed[FLEET]), missed(state.report))


def _promotion(steps: list[Step]) -> int | None:
    """Where a rollout without automatic promotion stops: the first 100% stage after
    another stage of nodes (None when the first stage of nodes is 100%)."""
    shares = [i for i, s in enumerate(steps) if s.approval is None]
    full = next(i for i in shares if steps[i].nodes == 100)
    return full if full != shares[0] else None
