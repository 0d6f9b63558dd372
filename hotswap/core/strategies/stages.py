"""The stage walk Canary and Regional share: deploy a growing share of some groups of
nodes at once, watch, health-check, and hand each group that fails to the strategy.

A *group* is a named node set: the whole fleet for Canary, one region for each region of
a Regional wave. Groups walk the steps in lockstep, so a stage takes as long as its
slowest group. With one group the triggers judge the new module's traffic as a whole;
with several, each group is judged on its own traffic and health-checked on its own.

Every step of a canary plan works the same for any groups: a share of nodes (and, with
``{nodes, traffic}``, its own share of each group's requests: the load balancer is split
before the deploy, so the new module never gets more than its share), held for its own
time or the evaluation period, or a wait for a person's approval; the triggers watch
from ``starting`` on; a bake watches them after the last step. Nodes a stage's deploy
could not reach are deployed to again before its health check. With an observed analysis
(``autoRollback.test: observed``) each group keeps its count of measurements across the
steps, and too many inconclusive ones hold the walk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from hotswap.core.config import Stages, Step
from hotswap.core.effects import Approval, Deploy, DeployReport, HealthPolicy, Report, Route
from hotswap.core.nodes import NodeSet, Topology
from hotswap.core.rollout import Rollout
from hotswap.core.strategies.common import Judge, Steps, Tally, Watch, check, monitor, watch

# a failed group: (group name, why, the route once its nodes are back) -> generator that
# rolls back as the strategy sees fit, returning True to stop the walk
OnFailure = Callable[[str, str, Route | None], Steps]


@dataclass
class Walk:
    """Where a walk stands: each live group's nodes on the new module, the stage reached,
    the last deploy's report, each group's observed analysis, whether a failure stopped
    it and why the analysis holds it, if it does."""

    live: dict[str, Topology]
    deployed: dict[str, NodeSet] = field(default_factory=dict)
    reached: float = 0.0
    report: DeployReport | None = None
    stopped: bool = False
    held: str | None = None
    tallies: dict[str, Tally] = field(default_factory=dict)
    traffic: float | None = None  # the live groups' share of requests, while a route splits them

    def nodes(self, names: Iterable[str] | None = None) -> NodeSet:
        """The new module's nodes of the named groups (by default the live ones)."""
        return _union(self.deployed.get(n, NodeSet()) for n in (self.live if names is None else names))


def where(step: Step | None, reached: float) -> str:
    """Where in the walk a failure happened, for its reason."""
    if step is None:
        return " during the bake"
    if step.approval is not None:
        return f" at stage {reached:g}% awaiting approval"
    return f" at stage {step.nodes:g}%"


@dataclass(frozen=True)
class Plan:
    """What to walk: the steps, each held ``hold`` seconds unless it says otherwise, a
    ``bake`` after the last, the triggers watching from step ``starting`` (1-based,
    approvals not counted) on."""

    steps: list[Step]
    hold: float
    bake: float = 0.0
    starting: int = 1

    @classmethod
    def of(cls, cfg: Stages) -> Plan:
        """A canary configuration's walk: its steps, evaluation period, bake and start."""
        return cls(cfg.plan(), cfg.evaluation_period, cfg.bake_time, cfg.starting_stage)


def walk(
    r: Rollout,
    state: Walk,
    plan: Plan,
    policy: HealthPolicy | None,
    on_failure: OnFailure,
    *,
    at: Callable[[Step | None, float], str] = where,
    progress: Callable[[Step, NodeSet], Report | None] | None = None,
) -> Steps:
    """Walk ``plan`` over the live groups of ``state``: each step deploys to every live
    group at once (or waits for an approval), then watches and health-checks them.
    Returns ``state``, updated; a held analysis leaves its reason in ``state.held``.
    ``progress`` gives the report of a stage passed (given the live groups' nodes on the
    new module), if any."""
    if r.limits is not None:
        for name in state.live:
            state.tallies.setdefault(name, Tally(r.limits))
    number = 0
    for step in plan.steps:
        armed = r if number + (step.approval is None) >= plan.starting else replace(r, triggers=())
        if step.approval is not None:
            answer = yield Approval(step.approval)
            seconds, checked = answer.seconds, None
        else:
            number += 1
            shares = {name: g.share(step.nodes) for name, g in state.live.items()}
            splits = step.traffic is not None and step.traffic != step.nodes
            if step.traffic is not None and splits:  # before the deploy: never more than its share
                yield split(r, state, shares, step.traffic)
            report = yield Deploy(_union(shares.values()), r.module_id)
            state.report = report
            state.deployed.update(shares)
            if state.traffic is not None and not splits:
                yield even(r)
            state.traffic = step.traffic if splits else None
            seconds = plan.hold if step.hold is None else step.hold
            checked = policy
        place = at(step, state.reached)
        if (yield from evaluate(armed, state, seconds, checked, on_failure, place)):
            state.stopped = True
            return state
        if state.held:
            state.held = f"Analysis inconclusive{place} ({state.held})"
            return state
        if not state.live:
            return state
        if step.approval is None:
            state.reached = step.nodes
            shown = progress(step, state.nodes()) if progress is not None else None
            if shown is not None:
                yield shown
    if plan.bake > 0:
        place = at(None, state.reached)
        if (yield from evaluate(r, state, plan.bake, None, on_failure, place)):
            state.stopped = True
        elif state.held:
            state.held = f"Analysis inconclusive{place} ({state.held})"
    return state


def evaluate(
    r: Rollout, state: Walk, seconds: float, policy: HealthPolicy | None, on_failure: OnFailure, at: str = ""
) -> Steps:
    """Watch the live groups for ``seconds``, then (with a ``policy``) health-check each.
    A group that fails leaves ``state.live`` and goes to ``on_failure``; the others keep
    being watched for the rest of the time, their traffic so far kept. Returns True when
    ``on_failure`` stops the walk; a held analysis stops the watch, its reason in
    ``state.held``.

    Nodes the last deploy could not reach (down in an outage, say) may be back by the end
    of the watch, still on the previous module: they are deployed to again before the
    check (nodes already on the module cost nothing), so that a node back from an outage
    is checked afresh, never counted against the module for having been down."""
    several = len(state.live) > 1
    judges = {name: Judge(monitor(r), name if several else None, state.tallies.get(name)) for name in state.live}
    seen: Watch | None = None
    left = seconds
    while left > 1e-9 and state.live:
        seen = yield from watch(r, left, judges=judges, since=seen)
        left -= seen.seconds
        if seen.held:
            state.held = seen.held
            return False
        if not seen.fired:
            break
        for name, why in seen.failed.items():
            del state.live[name], judges[name]
            if (yield from on_failure(name, f"Rollback trigger fired ({why}){at}", _after(r, state))):
                return True
    if policy is None:
        return False
    if state.live and state.report is not None and state.report.unreachable:
        state.report = yield Deploy(state.nodes(), r.module_id)
    for name in list(state.live):
        verdict = yield from check(r, state.deployed[name], policy)
        if not verdict.passed:
            del state.live[name]
            if (yield from on_failure(name, f"Health checks failed ({verdict.reason}){at}", _after(r, state))):
                return True
    return False


def split(r: Rollout, state: Walk, shares: dict[str, NodeSet], traffic: float) -> Route:
    """``traffic`` percent of each live group's requests to its ``shares``, the rest to
    its other active nodes; nodes outside the groups keep their even share."""
    total = len(r.fleet.active)
    pools: list[tuple[NodeSet, float]] = []
    inside = NodeSet()
    for name, group in state.live.items():
        nodes, rest = shares[name], group.active - shares[name]
        inside = inside | group.active
        part = len(group.active) / total if len(group.active) != total else 1.0
        if not rest or traffic >= 100:
            pools.append((nodes, 100 * part))
        elif traffic <= 0:
            pools.append((rest, 100 * part))
        else:
            pools += [(nodes, traffic * part), (rest, (100 - traffic) * part)]
    outside = r.fleet.active - inside
    if outside:
        pools.append((outside, 100 * len(outside) / total))
    return Route(tuple(pools))


def even(r: Rollout) -> Route:
    """Every active node its even share of the requests."""
    return Route(((r.fleet.active, 1.0),))


def _after(r: Rollout, state: Walk) -> Route | None:
    """The route once a failed group is back on the previous module: the live groups'
    split as it stands, or even; None when no route splits the requests."""
    if state.traffic is None:
        return None
    if not state.live:
        return even(r)
    return split(r, state, {n: state.deployed[n] for n in state.live}, state.traffic)


def _union(sets: Iterable[NodeSet]) -> NodeSet:
    out = NodeSet()
    for s in sets:
        out = out | s
    return out
