"""Regional: one region at a time, in ``regionOrder``, with region-level rollback.

A failed region is rolled back; with ``abortOnRegionFailure`` the rollout stops there,
otherwise it goes on. Unlike the guide, a rollout with a rolled-back region ends as
``PartialSuccess`` (or ``RolledBack`` when no region succeeded), never ``Success``.
"""

from __future__ import annotations

from hotswap.core.config import GUIDE_REGION_ORDER
from hotswap.core.effects import Deploy, Outcome
from hotswap.core.rollout import Rollout
from hotswap.core.strategies.common import Steps, evaluate, missed, progress, roll_back, succeeded


def region_order(r: Rollout) -> list[str]:
    """The configured order, or the guide's default order (dev, staging, low-traffic
    regions first) followed by the fleet's other regions in fleet order."""
    if r.config.region_order:
        return list(r.config.region_order)
    names = [region.name for region in r.fleet.regions]
    return [n for n in GUIDE_REGION_ORDER if n in names] + [n for n in names if n not in GUIDE_REGION_ORDER]


def regional(r: Rollout) -> Steps:
    cfg = r.config
    policy = r.policy(function=cfg.health_check_function)
    regions = [g for g in (r.fleet.region(n) for n in region_order(r)) if g and g.active]
    if not regions:
        return Outcome("Failed", "No region in the region order has target nodes")
    done: list[str] = []
    failed: list[str] = []
    left = 0
    for region in regions:
        report = yield Deploy(region.active, r.module_id)
        failure, report = yield from evaluate(r, region.active, cfg.inter_region_delay, policy, report)
        if failure:
            yield from roll_back(r, f"{failure} in region {region.name}", nodes=region.active)
            failed.append(region.name)
            if cfg.abort_on_region_failure:
                break
        else:
            done.append(region.name)
            left += missed(report)
            yield progress(100 * len(done) / len(regions), region=region.name)
    outside = [g.name for g in r.fleet.regions if g.active and g not in regions]
    if not failed:
        note = f"; not in the region order, left on {r.previous_id}: {', '.join(outside)}" if outside else ""
        return succeeded(r, sum(len(g.active) for g in regions), left, f" in {len(done)} regions{note}")
    rolled = f"rolled back in {', '.join(failed)}"
    if not done:
        return Outcome("RolledBack", f"No region succeeded; {rolled}")
    skipped = len(regions) - len(done) - len(failed)
    return Outcome(
        "PartialSuccess",
        f"{r.module_id} runs in {', '.join(done)}; {rolled}"
        + (f"; {skipped} regions not attempted (abortOnRegionFailure)" if skipped else ""),
    )
