"""Blue-green: bring the new module up on idle (green) nodes, check them, switch traffic.

Green needs as many idle nodes as there are blue ones, or the deployment fails with the
guide's message; each region's green nodes come from its own idle nodes when it has
enough. With ``keepBlueEnvironment`` the blue nodes stay warm for ``blueRetentionPeriod``
while the rollback triggers watch the live traffic; a rollback is a traffic switch back to
blue, after which green is unloaded. Blue is unloaded once it is no longer kept.
"""

from __future__ import annotations

from hotswap.core.effects import Deploy, Outcome, Route
from hotswap.core.nodes import NodeSet
from hotswap.core.rollout import Rollout
from hotswap.core.strategies.common import Steps, check, missed, progress, roll_back, succeeded, watch


def green_nodes(r: Rollout) -> NodeSet:
    """As many idle nodes as blue ones: region by region when every region can, else
    the first idle nodes of the fleet."""
    regions = r.fleet.regions
    if all(len(g.idle) >= len(g.active) for g in regions):
        return NodeSet(tuple(rng for g in regions for rng in g.idle.head(len(g.active)).ranges))
    return r.fleet.idle.head(len(r.fleet.active))


def blue_green(r: Rollout) -> Steps:
    cfg = r.config
    blue, idle = r.fleet.active, r.fleet.idle
    if len(idle) < len(blue):
        return Outcome(
            "Failed", f"Insufficient capacity for Green environment ({len(idle)} idle nodes for {len(blue)} blue nodes)"
        )
    green = green_nodes(r)
    report = yield Deploy(green, r.module_id)
    verdict = yield from check(r, green, r.policy(deadline=cfg.health_check_timeout))
    if not verdict.passed:
        yield Deploy(green, None)
        return Outcome("Failed", f"Green environment health checks failed ({verdict.reason}); traffic stayed on blue")
    yield Route(((green, 1.0),))
    yield progress(100, switchedNodes=len(green))
    if cfg.keep_blue_environment and cfg.blue_retention_period > 0:
        seen = yield from watch(r, cfg.blue_retention_period)
        if seen.fired:
            outcome = yield from roll_back(
                r,
                f"Rollback trigger fired after the switch ({seen.fired}); traffic back on blue",
                route=Route(((blue, 1.0),)),
            )
            yield Deploy(green, None)
            return outcome
    yield Deploy(blue, None)
    return succeeded(
        r,
        len(green),
        missed(report),
        " (green); traffic switched from blue",
        stay="idle (the switch spreads their traffic over the others)",
    )
