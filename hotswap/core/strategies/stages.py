"""The stage walk Canary and Regional share: deploy a growing share of some groups of
nodes at once, watch, health-check, and hand each group that fails to the strategy.

A *group* is a named node set: the whole fleet for Canary, one region for each region of
a Regional wave. Groups walk the stages in lockstep, so a stage takes as long as its
slowest group. With one group the watch judges the new module's traffic as a whole; with
several, each group is judged on its own traffic and health-checked on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from hotswap.core.effects import Deploy, DeployReport, HealthPolicy, Report
from hotswap.core.nodes import NodeSet, Topology
from hotswap.core.rollout import Rollout
from hotswap.core.strategies.common import Steps, Watch, check, watch

# a failed group: (group name, why) -> generator that rolls back as the strategy sees fit,
# returning True to stop the walk
OnFailure = Callable[[str, str], Steps]


@dataclass
class Walk:
    """Where a walk stands: each live group's nodes on the new module, the stage reached,
    the last deploy's report, and whether a failure stopped it."""

    live: dict[str, Topology]
    deployed: dict[str, NodeSet] = field(default_factory=dict)
    reached: float = 0.0
    report: DeployReport | None = None
    stopped: bool = False

    def nodes(self, names: Iterable[str] | None = None) -> NodeSet:
        """The new module's nodes of the named groups (by default the live ones)."""
        return _union(self.deployed.get(n, NodeSet()) for n in (self.live if names is None else names))


def walk(
    r: Rollout,
    state: Walk,
    stages: list[float],
    seconds: float,
    policy: HealthPolicy | None,
    on_failure: OnFailure,
    *,
    where: Callable[[float], str] = lambda stage: f" at stage {stage:g}%",
    progress: Callable[[float, NodeSet], Report] | None = None,
) -> Steps:
    """Walk ``stages`` (percent of each region's active nodes) over ``groups``: each stage
    deploys to every live group of ``state`` at once, then ``evaluate``s for ``seconds``.
    Returns ``state``, updated."""
    for stage in stages:
        shares = {name: g.share(stage) for name, g in state.live.items()}
        state.report = yield Deploy(_union(shares.values()), r.module_id)
        state.deployed.update(shares)
        if (yield from evaluate(r, state, seconds, policy, on_failure, where(stage))):
            state.stopped = True
            return state
        if not state.live:
            return state
        state.reached = stage
        if progress is not None:
            yield progress(stage, state.nodes())
    return state


def evaluate(
    r: Rollout, state: Walk, seconds: float, policy: HealthPolicy | None, on_failure: OnFailure, where: str = ""
) -> Steps:
    """Watch the live groups for ``seconds``, then health-check each. A group that fails
    leaves ``state.live`` and goes to ``on_failure``; the others keep being watched for the
    rest of the time, their traffic so far kept. Returns True when ``on_failure`` stops.

    Nodes the last deploy could not reach (down in an outage, say) may be back by the end
    of the watch, still on the previous module: they are deployed to again before the
    check (nodes already on the module cost nothing), so that a node back from an outage
    is checked afresh, never counted against the module for having been down."""
    several = len(state.live) > 1
    seen: Watch | None = None
    left = seconds
    while left > 1e-9 and state.live:
        seen = yield from watch(r, left, tuple(state.live) if several else (), since=seen)
        left -= seen.seconds
        if not seen.fired:
            break
        failed = seen.failed if several else {name: seen.fired for name in state.live}
        for name, why in failed.items():
            del state.live[name]
            if (yield from on_failure(name, f"Rollback trigger fired ({why}){where}")):
                return True
    if state.live and state.report is not None and state.report.unreachable and policy is not None:
        state.report = yield Deploy(state.nodes(), r.module_id)
    for name in list(state.live):
        verdict = yield from check(r, state.deployed[name], policy)
        if not verdict.passed:
            del state.live[name]
            if (yield from on_failure(name, f"Health checks failed ({verdict.reason}){where}")):
                return True
    return False


def _union(sets: Iterable[NodeSet]) -> NodeSet:
    out = NodeSet()
    for s in sets:
        out = out | s
    return out
