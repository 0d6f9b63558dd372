import pytest

from hotswap.core.effects import Deploy, DeployReport, HealthCheck, HealthReport, Milestone, Report
from hotswap.core.rollout import Rollout
from tests.hotswap.core.strategies.hand import NEW, OLD, drive, kinds, of, rollout, traffic, watched

FAST = {"interRegionDelay": "PT1M"}


def regions_deployed(r: Rollout, effects: list, module_id: str = NEW) -> list[str]:
    """The regions, in order, whose active nodes were deployed ``module_id``."""
    names = {g.active: g.name for g in r.fleet.regions}
    return [names[d.nodes] for d in of(effects, Deploy) if d.module_id == module_id]


def failing_in(r: Rollout, *names: str):
    """Health checks where every node of the new module fails in the named regions."""
    bad_nodes = [r.fleet.region(n).active for n in names]

    def check(effect: HealthCheck) -> HealthReport:
        n = len(effect.nodes)
        bad = n if effect.module_id == NEW and effect.nodes in bad_nodes else 0
        return HealthReport(checked=n, healthy=n - bad, unhealthy=bad, unreachable=0, seconds=1.0)

    return check


def test_default_order_follows_the_guide_then_the_fleet():
    r = rollout("Regional", FAST)
    effects, outcome = drive(r)
    assert outcome.status == "Succeeded"
    assert outcome.reason == f"All 65 nodes run {NEW} in 4 regions"
    # the guide's order restricted to the fleet: us-west, (eu-west), us-east, eu-central, apac-east
    assert regions_deployed(r, effects) == ["us-west", "us-east", "eu-central", "apac-east"]
    progress = [p.progress for p in of(effects, Report) if p.milestone is Milestone.PROGRESS]
    assert progress == pytest.approx([100 * n / 65 for n in (15, 35, 53, 65)])  # the share of nodes exposed


def test_default_order_puts_unknown_regions_last_in_fleet_order():
    fleet = {
        "regions": [
            {"name": n, "nodes": 2} for n in ["ap-south", "us-east", "dev", "zz-lab", "staging", "eu-west", "apac-east"]
        ]
    }
    r = rollout("Regional", FAST, fleet=fleet)
    effects, _ = drive(r)
    assert regions_deployed(r, effects) == ["dev", "staging", "eu-west", "us-east", "apac-east", "ap-south", "zz-lab"]


def test_region_order_is_followed():
    r = rollout("Regional", {**FAST, "regionOrder": ["us-east", "us-west", "eu-central", "apac-east"]})
    effects, _ = drive(r)
    assert regions_deployed(r, effects) == ["us-east", "us-west", "eu-central", "apac-east"]


def test_regions_left_out_of_the_order_are_not_deployed():
    r = rollout("Regional", {**FAST, "regionOrder": ["apac-east", "us-west"]})
    effects, outcome = drive(r)
    assert regions_deployed(r, effects) == ["apac-east", "us-west"]
    assert (
        outcome.reason == f"All 27 nodes run {NEW} in 2 regions; not in the region order, left on {OLD}: "
        "us-east, eu-central"
    )


def test_regions_outside_the_fleet_or_without_nodes_are_skipped():
    fleet = {
        "regions": [
            {"name": "dev", "nodes": 0, "idleNodes": 3},
            {"name": "us-east", "nodes": 4},
            {"name": "eu-west", "nodes": 2},
        ]
    }
    r = rollout("Regional", {**FAST, "regionOrder": ["dev", "eu-west", "us-east"]}, fleet=fleet)
    effects, outcome = drive(r)
    assert regions_deployed(r, effects) == ["eu-west", "us-east"]
    assert outcome.reason == f"All 6 nodes run {NEW} in 2 regions"
    # a region of the order that target regions leave out is skipped as well
    r = rollout("Regional", {**FAST, "regionOrder": ["us-east", "us-west"]}, targetRegions=["us-west"])
    effects, _ = drive(r)
    assert regions_deployed(r, effects) == ["us-west"]


def test_an_order_that_names_no_targeted_region_is_not_a_success():
    r = rollout("Regional", {**FAST, "regionOrder": ["us-east"]}, targetRegions=["us-west"])
    effects, outcome = drive(r)
    assert not of(effects, Deploy)
    assert outcome.status == "Failed"


def test_inter_region_delay_is_watched_before_each_region_check():
    r = rollout("Regional", {"interRegionDelay": "PT2M"})
    effects, _ = drive(r)
    assert watched(effects) == [30.0] * 4 * 4
    assert kinds(effects) == ["Deploy", "Observe", "Observe", "Observe", "Observe", "HealthCheck"] * 4


def test_default_inter_region_delay_is_ten_minutes():
    effects, _ = drive(rollout("Regional", autoRollback={"enabled": False}))
    assert watched(effects) == [600.0] * 4


def test_failed_region_is_rolled_back_and_the_rollout_goes_on():
    r = rollout("Regional", FAST)
    effects, outcome = drive(r, health=failing_in(r, "us-east"))
    assert outcome.status == "PartialSuccess"
    assert outcome.reason == f"{NEW} runs in us-west, eu-central, apac-east; rolled back in us-east"
    assert regions_deployed(r, effects) == ["us-west", "us-east", "eu-central", "apac-east"]
    assert regions_deployed(r, effects, OLD) == ["us-east"]
    rollback = of(effects, Deploy)[2]
    assert (rollback.nodes, rollback.module_id) == (r.fleet.region("us-east").active, OLD)
    assert of(effects, HealthCheck)[2].module_id == OLD  # the previous module verified there
    progress = [p.progress for p in of(effects, Report) if p.milestone is Milestone.PROGRESS]
    assert progress == pytest.approx([100 * n / 65 for n in (15, 33, 45)])  # never 100: us-east rolled back


def test_abort_on_region_failure_stops_at_the_failed_region():
    r = rollout("Regional", {**FAST, "abortOnRegionFailure": True})
    effects, outcome = drive(r, health=failing_in(r, "us-east"))
    assert outcome.status == "PartialSuccess"
    assert outcome.reason == (
        f"{NEW} runs in us-west; rolled back in us-east; 2 regions not attempted (abortOnRegionFailure)"
    )
    assert regions_deployed(r, effects) == ["us-west", "us-east"]
    assert regions_deployed(r, effects, OLD) == ["us-east"]


def test_first_region_failing_with_abort_is_rolled_back():
    r = rollout("Regional", {**FAST, "abortOnRegionFailure": True})
    effects, outcome = drive(r, health=failing_in(r, "us-west"))
    assert outcome.status == "RolledBack"
    assert outcome.reason == "No region succeeded; rolled back in us-west"
    assert regions_deployed(r, effects) == ["us-west"]


def test_every_region_failing_is_rolled_back():
    r = rollout("Regional", FAST)
    names = [g.name for g in r.fleet.regions]
    effects, outcome = drive(r, health=failing_in(r, *names))
    assert outcome.status == "RolledBack"
    assert outcome.reason == "No region succeeded; rolled back in us-west, us-east, eu-central, apac-east"
    assert regions_deployed(r, effects, OLD) == ["us-west", "us-east", "eu-central", "apac-east"]
    milestones = [p.milestone for p in of(effects, Report)]
    assert milestones.count(Milestone.ROLLBACK_STARTED) == milestones.count(Milestone.ROLLBACK_COMPLETED) == 4


def test_trigger_during_the_delay_rolls_the_region_back():
    r = rollout("Regional", {**FAST, "abortOnRegionFailure": True})
    effects, outcome = drive(r, observe=traffic(error_rate=0.12))
    assert outcome.status == "RolledBack"
    assert outcome.reason == "No region succeeded; rolled back in us-west"
    rollback = next(p for p in of(effects, Report) if p.milestone is Milestone.ROLLBACK_STARTED)
    assert (
        rollback.detail["reason"]
        == "Rollback trigger fired (error_rate 12 > 5, shown at confidence 0.95) in region us-west"
    )
    assert len(watched(effects)) == 1
    assert [c.module_id for c in of(effects, HealthCheck)] == [OLD]  # no gate, just the verification


def test_health_check_function_reaches_the_region_checks():
    effects, _ = drive(rollout("Regional", {**FAST, "healthCheckFunction": "region_ping"}))
    assert {c.policy.function for c in of(effects, HealthCheck)} == {"region_ping"}
    effects, _ = drive(rollout("Regional", FAST))
    assert {c.policy.function for c in of(effects, HealthCheck)} == {"health_check"}
    effects, _ = drive(rollout("Regional", FAST, healthCheck={"functionName": "ready"}))
    assert {c.policy.function for c in of(effects, HealthCheck)} == {"ready"}


def test_unreachable_nodes_in_succeeded_regions_are_reported():
    def deploy(effect):
        n = len(effect.nodes)
        return DeployReport(requested=n, updated=n - 1, failed=0, unreachable=1, seconds=1.0)

    _, outcome = drive(rollout("Regional", FAST), deploy=deploy)
    assert outcome.reason.startswith(f"61 of 65 nodes run {NEW} in 4 regions; 4 were unreachable")
