"""Regional waves, fed by hand: regions of a wave deploy at once, a canary inside each
region walks its stages like Canary, and a failed region rolls back alone or with its wave."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError

from hotswap.core.config import RegionalConfig
from hotswap.core.effects import (
    Approval,
    Deploy,
    DeployReport,
    HealthCheck,
    Milestone,
    Observation,
    Observe,
    Report,
    Route,
    VersionMetrics,
)
from hotswap.core.nodes import NodeSet
from hotswap.core.rollout import Rollout
from hotswap.core.strategies.stages import even
from tests.hotswap.core.strategies.hand import NEW, OLD, drive, failing, healthy, of, rollout, watched

WAVES = [["us-east"], ["us-west", "eu-central"], ["apac-east"]]
CANARY = {"stages": [20, 100], "evaluationPeriod": "PT5M"}


def active(r: Rollout, *names: str) -> NodeSet:
    out = NodeSet()
    for name in names:
        out = out | r.fleet.region(name).active
    return out


def by_region(bad: set[str], *, rate: float = 0.12):
    """Observations broken down by region: the new module fails ``rate`` of its requests
    in the ``bad`` regions, 0.1% elsewhere."""

    def observe(effect: Observe) -> Observation:
        regions = {}
        for name in ("us-east", "us-west", "eu-central", "apac-east"):
            share = rate if name in bad else 0.001
            regions[name] = {NEW: VersionMetrics(nodes=4, requests=1000, failed_requests=round(1000 * share))}
        failed = sum(m[NEW].failed_requests for m in regions.values())
        versions = {NEW: VersionMetrics(nodes=16, requests=4000, failed_requests=failed)}
        return Observation(effect.seconds, versions, regions)

    return observe


def test_waves_deploy_their_regions_in_parallel_with_a_canary_inside():
    r = rollout("Regional", {"waves": WAVES, "canaryWithinRegion": CANARY})
    effects, outcome = drive(r, observe=by_region(set()))
    assert outcome.status == "Succeeded"
    deploys = [d.nodes for d in of(effects, Deploy)]
    assert deploys == [
        active(r, "us-east").head(4),
        active(r, "us-east"),
        r.fleet.region("us-west").active.head(3) | r.fleet.region("eu-central").active.head(4),
        active(r, "us-west", "eu-central"),
        r.fleet.region("apac-east").active.head(3),
        active(r, "apac-east"),
    ]
    # per wave: two 5-minute stages and the 10-minute delay, watched every 30 s
    assert sum(watched(effects)) == 3 * (300 + 300 + 600)
    progress = [p.progress for p in of(effects, Report) if p.milestone is Milestone.PROGRESS]
    # the share of nodes really exposed: after each stage but a wave's last, and each region done
    assert progress == pytest.approx([100 * n / 65 for n in (4, 20, 27, 35, 53, 56, 65)])


def test_a_wave_of_several_regions_judges_each_on_its_own_traffic():
    r = rollout("Regional", {"waves": WAVES, "canaryWithinRegion": CANARY})
    effects, outcome = drive(r, observe=by_region({"eu-central"}))
    assert outcome.status == "PartialSuccess"
    assert outcome.reason == f"{NEW} runs in us-east, us-west, apac-east; rolled back in eu-central"
    started = [p.detail["reason"] for p in of(effects, Report) if p.milestone is Milestone.ROLLBACK_STARTED]
    assert started == [
        "Rollback trigger fired (error_rate 12 > 5, shown at confidence 0.95) at stage 20% in region eu-central"
    ]
    rollback = next(d for d in of(effects, Deploy) if d.module_id == OLD)
    assert rollback.nodes == r.fleet.region("eu-central").active.head(4)  # only what it had deployed
    # us-west went on alone to 100%, in the same wave
    later = [d.nodes for d in of(effects, Deploy) if d.module_id == NEW]
    assert active(r, "us-west") in later and active(r, "eu-central") not in later


def test_abort_rolls_back_the_whole_wave_and_starts_no_later_wave():
    r = rollout("Regional", {"waves": WAVES, "canaryWithinRegion": CANARY, "abortOnRegionFailure": True})
    effects, outcome = drive(r, observe=by_region({"eu-central"}))
    assert outcome.status == "PartialSuccess"
    assert outcome.reason == (
        f"{NEW} runs in us-east; rolled back in us-west, eu-central; 1 regions not attempted (abortOnRegionFailure)"
    )
    rollback = [d.nodes for d in of(effects, Deploy) if d.module_id == OLD]
    assert rollback == [r.fleet.region("us-west").active.head(3) | r.fleet.region("eu-central").active.head(4)]
    assert not any(d.nodes & active(r, "apac-east") for d in of(effects, Deploy))


def test_a_bad_module_is_stopped_in_the_first_waves_canary():
    r = rollout("Regional", {"waves": WAVES, "canaryWithinRegion": CANARY, "abortOnRegionFailure": True})
    effects, outcome = drive(r, observe=by_region({"us-east", "us-west", "eu-central", "apac-east"}))
    assert outcome.status == "RolledBack"
    assert [d.nodes for d in of(effects, Deploy) if d.module_id == NEW] == [active(r, "us-east").head(4)]


def test_a_failed_health_check_in_one_region_of_a_wave_rolls_back_that_region():
    r = rollout("Regional", {"waves": [["us-west", "eu-central"]], "interRegionDelay": "PT1M"})
    bad = r.fleet.region("us-west").active

    def check(effect: HealthCheck):
        return failing(1.0)(effect) if effect.nodes == bad else healthy(effect)

    effects, outcome = drive(r, health=check, observe=by_region(set()))
    assert outcome.status == "PartialSuccess"
    assert [c.nodes for c in of(effects, HealthCheck) if c.module_id == NEW] == [bad, active(r, "eu-central")]
    assert outcome.reason.startswith(f"{NEW} runs in eu-central; rolled back in us-west")


def test_region_order_is_one_region_per_wave():
    r = rollout("Regional", {"regionOrder": ["us-east", "us-west"], "interRegionDelay": "PT1M"})
    same = rollout("Regional", {"waves": [["us-east"], ["us-west"]], "interRegionDelay": "PT1M"})
    assert drive(r) == drive(same)


def test_waves_and_region_order_exclude_each_other():
    with pytest.raises(ValidationError, match=r"regionOrder .* or waves, not both"):
        RegionalConfig.model_validate({"regionOrder": ["a"], "waves": [["a"]]})
    with pytest.raises(ValidationError, match="regions named more than once: a"):
        RegionalConfig.model_validate({"waves": [["a", "b"], ["a"]]})
    with pytest.raises(ValidationError, match="at least 1 item"):
        RegionalConfig.model_validate({"waves": [["a"], []]})
    with pytest.raises(ValidationError, match="the last stage must be 100"):
        RegionalConfig.model_validate({"canaryWithinRegion": {"stages": [20, 50]}})


# --- canaryWithinRegion walks the same steps as Canary (one stage walk) ----------------


def test_a_traffic_stage_splits_each_regions_own_requests_before_the_deploy():
    stages = [{"nodes": 20, "traffic": 5}, 100]
    r = rollout("Regional", {"waves": [["us-west", "eu-central"]], "canaryWithinRegion": {"stages": stages}})
    effects, outcome = drive(r, observe=by_region(set()))
    assert outcome.status == "Succeeded"
    assert isinstance(effects[0], Route)  # the split comes before the new module is on any node
    weights = effects[0].weights(r.fleet.size)
    total = len(r.fleet.active)
    for name in ("us-west", "eu-central"):
        region = r.fleet.region(name).active
        canary = region.head(math.ceil(len(region) * 0.2))
        # each region keeps its own share of the fleet's requests, 5% of it to its canary
        assert weights[region.indices()].sum() == pytest.approx(len(region) / total)
        assert weights[canary.indices()].sum() == pytest.approx(0.05 * len(region) / total)
    elsewhere = r.fleet.region("us-east").active
    assert weights[elsewhere.indices()] == pytest.approx(np.full(len(elsewhere), 1 / total))
    routes = of(effects, Route)
    assert len(routes) == 2 and routes[1].weights(r.fleet.size) == pytest.approx(even(r).weights(r.fleet.size))


def test_a_failed_region_under_a_split_rolls_back_and_its_route_keeps_the_others_split():
    stages = [{"nodes": 20, "traffic": 5}, 100]
    r = rollout("Regional", {"waves": [["us-west", "eu-central"]], "canaryWithinRegion": {"stages": stages}})
    effects, outcome = drive(r, observe=by_region({"eu-central"}))
    assert outcome.status == "PartialSuccess"
    after = of(effects, Route)[1]  # once eu-central is back on the previous module
    weights = after.weights(r.fleet.size)
    west, central = r.fleet.region("us-west").active, r.fleet.region("eu-central").active
    assert weights[west.head(3).indices()].sum() == pytest.approx(0.05 * len(west) / len(r.fleet.active))
    assert weights[central.indices()] == pytest.approx(np.full(len(central), 1 / len(r.fleet.active)))


def test_approvals_schedules_holds_and_the_bake_inside_each_region():
    canary = {"stages": {"linear": 50, "every": "PT2M"}, "bakeTime": "PT3M"}
    r = rollout("Regional", {"waves": [["us-east"]], "canaryWithinRegion": canary, "interRegionDelay": "PT1M"})
    effects, outcome = drive(r)
    assert outcome.status == "Succeeded"
    assert sum(watched(effects)) == 2 * 120 + 180 + 60
    stages = [{"approval": "PT7M"}, {"nodes": 50, "hold": "PT1M"}, 100]
    r = rollout("Regional", {"waves": [["us-east"]], "canaryWithinRegion": {"stages": stages}, "interRegionDelay": 60})
    effects, outcome = drive(r)
    assert len(of(effects, Approval)) == 1 and isinstance(effects[0], Approval)
    assert sum(watched(effects)) == 420 + 60 + 300 + 60


def test_nodes_a_region_stage_missed_are_deployed_to_again_before_its_check():
    r = rollout("Regional", {"waves": [["us-east", "us-west"]], "canaryWithinRegion": {"stages": [100]}})

    def deploy(effect: Deploy) -> DeployReport:
        n = len(effect.nodes)
        first = len(of(seen, Deploy)) == 0
        seen.append(effect)
        return DeployReport(requested=n, updated=n - first, failed=0, unreachable=int(first), seconds=2.0)

    seen: list[Deploy] = []
    effects, outcome = drive(r, deploy=deploy, observe=by_region(set()))
    both = active(r, "us-east", "us-west")
    assert [d.nodes for d in of(effects, Deploy)] == [both, both]
    assert outcome.status == "Succeeded" and "unreachable" not in outcome.reason


def test_an_observed_analysis_counts_each_regions_measurements_across_its_stages():
    canary = {"stages": [20, 50, 100], "evaluationPeriod": "PT1M"}
    rollback = {"test": "observed", "interval": "PT30S", "failureLimit": 2}
    r = rollout("Regional", {"waves": [["us-west", "eu-central"]], "canaryWithinRegion": canary}, autoRollback=rollback)
    effects, outcome = drive(r, observe=by_region({"eu-central"}))
    started = [p.detail["reason"] for p in of(effects, Report) if p.milestone is Milestone.ROLLBACK_STARTED]
    # two failed measurements at 20% are within the limit; the third, at 50%, is not
    assert len(started) == 1 and "at stage 50% in region eu-central" in started[0]
    assert "3 failed measurements > failureLimit 2" in started[0]
    assert outcome.reason.startswith(f"{NEW} runs in us-west; rolled back in eu-central")


def test_inconclusive_measurements_in_a_region_pause_the_rollout():
    rollback = {"test": "observed", "interval": "PT30S", "minRequests": 10_000}
    canary = {"stages": [50, 100], "evaluationPeriod": "PT1M"}
    r = rollout("Regional", {"waves": [["us-east"]], "canaryWithinRegion": canary}, autoRollback=rollback)
    effects, outcome = drive(r, observe=by_region(set()))
    assert outcome.status == "Paused"
    assert not [d for d in of(effects, Deploy) if d.module_id == NEW and d.nodes == active(r, "us-east")]
    assert outcome.reason.startswith("Analysis inconclusive at stage 50% (")
    assert outcome.reason.endswith("in us-east")
