"""Regional: region by region, or in waves of regions deployed in parallel, with
region-level rollback.

``waves`` lists the waves; ``regionOrder`` (or the guide's default order) is one region
per wave. Each wave deploys its regions at once (with ``canaryWithinRegion``, stage by
stage, exactly as Canary does, in every region of the wave in lockstep), then watches
for ``interRegionDelay`` and health-checks them; a wave takes as long as its slowest
region. A region of a multi-region wave is judged on its own traffic. A failed region is
rolled back; with ``abortOnRegionFailure`` its whole wave is rolled back and no later
wave starts, otherwise the rest go on. Unlike the guide, a rollout with a rolled-back
region ends as ``PartialSuccess`` (or ``RolledBack`` when no region succeeded), never
``Success``. Progress is the share of the target nodes really exposed: after each region
done, and after each canary stage inside a wave but its last.
"""

from __future__ import annotations

from hotswap.core.config import Step
from hotswap.core.effects import Outcome, Report, Route
from hotswap.core.nodes import NodeSet, Region, Topology
from hotswap.core.rollout import Rollout
from hotswap.core.strategies.common import Steps, missed, progress, roll_back, succeeded
from hotswap.core.strategies.stages import Plan, Walk, evaluate, even, walk


def waves(r: Rollout) -> list[list[Region]]:
    """The waves' regions that hold target nodes (waves left empty are dropped)."""
    out = []
    for names in r.config.wave_names([g.name for g in r.fleet.regions]):
        regions = [g for g in (r.fleet.region(n) for n in names) if g and g.active]
        if regions:
            out.append(regions)
    return out


def regional(r: Rollout) -> Steps:
    cfg = r.config
    policy = r.policy(function=cfg.health_check_function)
    plan = waves(r)
    if not plan:
        return Outcome("Failed", "No region in the region order has target nodes")
    regions = [g for wave in plan for g in wave]
    targets = sum(len(g.active) for g in regions)
    done: list[str] = []
    exposed = 0  # nodes of the regions done

    def stage(step: Step, nodes: NodeSet) -> Report | None:
        """A canary stage passed in the regions of a wave: the share of the target nodes
        really exposed (the wave's last stage is counted once its delay has passed)."""
        if step.nodes >= 100:
            return None
        return progress(100 * (exposed + len(nodes)) / targets, stage=step.nodes, nodes=exposed + len(nodes))

    failed: list[str] = []
    left = 0
    for wave in plan:
        state = Walk({g.name: Topology((g,)) for g in wave})

        def on_failure(
            name: str, why: str, then: Route | None, state: Walk = state, wave: list[Region] = wave
        ) -> Steps:
            reason = f"{why} in region {name}"
            if not cfg.abort_on_region_failure:
                yield from roll_back(r, reason, nodes=state.deployed[name], then=then)
                failed.append(name)
                return False
            names = [g.name for g in wave]
            if len(names) > 1:
                reason += f"; its wave rolled back ({', '.join(names)})"
            state.live.clear()
            yield from roll_back(r, reason, nodes=state.nodes(names), then=even(r) if then is not None else None)
            failed.extend(names)
            return True

        canary = cfg.canary_within_region
        if canary is None:
            plain = Plan([Step(nodes=100)], cfg.inter_region_delay)
            yield from walk(r, state, plain, policy, on_failure, at=lambda *_: "")
        else:
            yield from walk(r, state, Plan.of(canary), policy, on_failure, progress=stage)
            if state.live and not state.stopped and not state.held:
                state.stopped = yield from evaluate(r, state, cfg.inter_region_delay, policy, on_failure)
                if state.held:
                    state.held = f"Analysis inconclusive after the last stage ({state.held})"
        if state.held:
            return Outcome("Paused", f"{state.held} in {', '.join(state.live)}")
        if state.report is not None and len(state.live) == len(wave):
            left += missed(state.report)
        for name in state.live:
            done.append(name)
            exposed += len(state.deployed[name])
            yield progress(100 * exposed / targets, region=name)
        if state.stopped:
            break
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
