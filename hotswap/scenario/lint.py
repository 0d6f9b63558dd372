"""Semantic lint: configurations that are valid but will surprise, one line each.

- analysis that starts after traffic has shifted (``startingStage`` > 1);
- a hold or an approval wait with nothing watching the traffic;
- traffic that never reaches half before the final jump to 100%;
- stages finer than the fleet can realise (two stages on the same nodes, or far more
  nodes than a stage asks for: core/stages.py, also in every run's record);
- a bake shorter than the interval the triggers are measured in.
"""

from __future__ import annotations

from hotswap.core.config import CanaryConfig, RegionalConfig
from hotswap.core.stages import regional_warnings
from hotswap.core.stages import warnings as stage_warnings
from hotswap.scenario.model import Scenario

JUMP = 50.0  # traffic below this share before the final stage: promotion is a leap


def warnings(scenario: Scenario) -> list[str]:
    """What in the scenario's deployment will surprise (Canary stages and their watch, a
    Regional rollout's ``canaryWithinRegion`` stages)."""
    d = scenario.deployment
    if isinstance(d.strategy_config, RegionalConfig):
        return _regional(scenario, d.strategy_config)
    if not isinstance(d.strategy_config, CanaryConfig):
        return []
    cfg, ar = d.strategy_config, d.auto_rollback
    watching = ar.enabled and bool(ar.triggers)
    where = "deployment.strategyConfig"
    out: list[str] = []
    steps = cfg.plan()
    if watching and cfg.starting_stage > 1:
        out.append(
            f"{where}.startingStage: the analysis starts at stage {cfg.starting_stage}: "
            f"{cfg.starting_stage - 1} stage(s) shift traffic with nothing watching"
        )
    for i, step in enumerate(steps):  # stages before startingStage are in the warning above
        hold = step.approval if step.approval is not None else cfg.evaluation_period if step.hold is None else step.hold
        if hold and not watching and (step.approval is not None or step.nodes < 100):
            what = "an approval wait" if step.approval is not None else f"stage {step.nodes:g}% holds"
            out.append(f"{where}.stages[{i}]: {what} with nothing watching the traffic (no trigger armed)")
    shares = [s for s in steps if s.approval is None]
    before = [s.nodes if s.traffic is None else s.traffic for s in shares[:-1]]
    if before and max(before) < JUMP:
        out.append(
            f"{where}.stages: traffic never exceeds {max(before):g}% before the final stage: "
            f"promotion jumps from {max(before):g}% to 100% in one step"
        )
    regions = [r.nodes for r in scenario.fleet.regions if d.target_regions is None or r.name in d.target_regions]
    out += [f"{where}.stages: {w['code']}: {w['message']}" for w in stage_warnings(regions, steps)]
    if cfg.bake_time and watching and cfg.bake_time < ar.interval:
        out.append(
            f"{where}.bakeTime: {cfg.bake_time:g} s is shorter than the {ar.interval:g} s the triggers are "
            "measured in: the bake ends before a full measurement"
        )
    return out


def _regional(scenario: Scenario, cfg: RegionalConfig) -> list[str]:
    """Stage collapse of ``canaryWithinRegion``, judged in each region of the waves."""
    if cfg.canary_within_region is None:
        return []
    d, sizes = scenario.deployment, {r.name: r.nodes for r in scenario.fleet.regions}
    names = [n for wave in cfg.wave_names(list(sizes)) for n in wave if n in sizes]
    regions = [(n, sizes[n]) for n in names if d.target_regions is None or n in d.target_regions]
    where = "deployment.strategyConfig.canaryWithinRegion.stages"
    staged = regional_warnings(regions, cfg.canary_within_region.plan())
    return [f"{where}: {w['code']}: {w['message']}" for w in staged]
