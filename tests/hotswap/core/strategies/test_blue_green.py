from hotswap.core.effects import Deploy, DeployReport, HealthCheck, Milestone, Observe, ObserveSeries, Report, Route
from hotswap.core.nodes import NodeSet
from tests.hotswap.core.strategies.hand import NEW, OLD, drive, failing, of, rollout, traffic, watched


def test_green_is_deployed_on_idle_nodes_checked_then_switched_to():
    r = rollout("BlueGreen")
    effects, outcome = drive(r)
    assert outcome.status == "Succeeded"
    assert outcome.reason == f"All 65 nodes run {NEW} (green); traffic switched from blue"
    green = r.fleet.idle
    deploy, check = of(effects, Deploy)[0], of(effects, HealthCheck)[0]
    assert (deploy.nodes, deploy.module_id) == (green, NEW)
    assert (check.nodes, check.module_id) == (green, NEW)
    assert not green & r.fleet.active  # blue is never touched
    assert of(effects, Route)[0].pools == ((green, 1.0),)
    # deploy, then check, then switch
    kinds = [type(e) for e in effects if not isinstance(e, Report)]
    assert kinds[:3] == [Deploy, HealthCheck, Route]
    assert [p.progress for p in of(effects, Report) if p.milestone is Milestone.PROGRESS] == [100]


def test_green_takes_only_as_many_idle_nodes_as_there_are_blue_ones():
    fleet = {"regions": [{"name": "us-east", "nodes": 4, "idleNodes": 6}]}
    effects, outcome = drive(rollout("BlueGreen", fleet=fleet))
    assert outcome.status == "Succeeded"
    assert of(effects, Deploy)[0].nodes == NodeSet.span(4, 8)


def test_insufficient_idle_capacity_fails_with_the_guides_message():
    fleet = {
        "regions": [{"name": "us-east", "nodes": 4, "idleNodes": 4}, {"name": "eu-west", "nodes": 4, "idleNodes": 3}]
    }
    effects, outcome = drive(rollout("BlueGreen", fleet=fleet))
    assert outcome.status == "Failed"
    assert outcome.reason.startswith("Insufficient capacity for Green environment")
    assert "7 idle nodes for 8 blue nodes" in outcome.reason
    assert effects == []  # nothing deployed, nothing routed


def test_no_idle_nodes_at_all_fails():
    _, outcome = drive(rollout("BlueGreen", fleet={"regions": [{"name": "us-east", "nodes": 4}]}))
    assert outcome.status == "Failed"
    assert outcome.reason.startswith("Insufficient capacity for Green environment")


def test_target_regions_limit_blue_and_green():
    r = rollout("BlueGreen", targetRegions=["us-west"])
    effects, outcome = drive(r)
    assert outcome.reason.startswith("All 15 nodes")
    assert of(effects, Deploy)[0].nodes == NodeSet.span(55, 70)  # us-west's idle nodes


def test_health_check_timeout_is_the_deadline_of_the_green_check():
    effects, _ = drive(rollout("BlueGreen"))
    assert of(effects, HealthCheck)[0].policy.deadline == 30.0  # the guide's PT30S
    effects, _ = drive(rollout("BlueGreen", {"healthCheckTimeout": "PT45S"}))
    assert of(effects, HealthCheck)[0].policy.deadline == 45.0


def test_failed_green_health_check_cleans_green_up_and_never_switches():
    r = rollout("BlueGreen")
    effects, outcome = drive(r, health=failing(0.1))
    assert outcome.status == "Failed"
    assert outcome.reason.startswith("Green environment health checks failed (6 of 65 nodes unhealthy")
    assert outcome.reason.endswith("traffic stayed on blue")
    assert not of(effects, Route)
    assert not watched(effects)
    cleanup = of(effects, Deploy)[-1]
    assert (cleanup.nodes, cleanup.module_id) == (r.fleet.idle, None)


def test_tolerated_unhealthy_green_nodes_still_switch():
    _, outcome = drive(rollout("BlueGreen", healthCheck={"maxUnhealthyPercent": 10}), health=failing(0.05))
    assert outcome.status == "Succeeded"


def test_blue_is_kept_for_the_retention_period_while_triggers_watch():
    effects, _ = drive(rollout("BlueGreen"))
    assert watched(effects) == [30.0] * 120  # PT1H in 30 s intervals
    effects, _ = drive(rollout("BlueGreen", {"blueRetentionPeriod": "PT10M"}))
    assert watched(effects) == [30.0] * 20
    # the watch starts after the switch
    assert effects.index(of(effects, Route)[0]) < effects.index(of(effects, Observe | ObserveSeries)[0])


def test_retention_watched_in_one_window_without_auto_rollback():
    effects, outcome = drive(rollout("BlueGreen", autoRollback={"enabled": False}), observe=traffic(error_rate=0.5))
    assert outcome.status == "Succeeded"
    assert watched(effects) == [3600.0]


def test_trigger_after_the_switch_routes_traffic_back_to_blue():
    r = rollout("BlueGreen")
    effects, outcome = drive(r, observe=traffic(error_rate=0.12))
    assert outcome.status == "RolledBack"
    assert "error_rate 12 > 5" in outcome.reason
    assert outcome.reason.endswith("traffic back on blue")
    assert len(watched(effects)) == 1
    routes = of(effects, Route)
    assert [rt.pools for rt in routes] == [((r.fleet.idle, 1.0),), ((r.fleet.active, 1.0),)]
    # the rollback is a switch, not a redeploy of the previous module
    assert all(d.module_id != OLD for d in of(effects, Deploy))
    reports = [e for e in effects if isinstance(e, Report)]
    started = effects.index(next(e for e in reports if e.milestone is Milestone.ROLLBACK_STARTED))
    completed = effects.index(next(e for e in reports if e.milestone is Milestone.ROLLBACK_COMPLETED))
    assert started < effects.index(routes[1]) < completed


def test_without_keep_blue_environment_nothing_is_watched_after_the_switch():
    effects, outcome = drive(rollout("BlueGreen", {"keepBlueEnvironment": False}), observe=traffic(error_rate=0.12))
    assert outcome.status == "Succeeded"
    assert not watched(effects)
    assert len(of(effects, Route)) == 1


def test_zero_retention_period_skips_the_watch():
    effects, outcome = drive(rollout("BlueGreen", {"blueRetentionPeriod": 0}), observe=traffic(error_rate=0.12))
    assert outcome.status == "Succeeded"
    assert not watched(effects)


def test_without_keep_blue_environment_blue_is_terminated_after_the_switch():
    r = rollout("BlueGreen", {"keepBlueEnvironment": False})
    effects, _ = drive(r)
    deploys = of(effects, Deploy)
    assert (deploys[-1].nodes, deploys[-1].module_id) == (r.fleet.active, None)
    assert effects.index(deploys[-1]) > effects.index(of(effects, Route)[0])


def test_blue_is_released_when_the_retention_period_ends():
    r = rollout("BlueGreen", {"blueRetentionPeriod": "PT1M"})
    effects, outcome = drive(r)
    assert outcome.status == "Succeeded"
    release = of(effects, Deploy)[-1]
    assert (release.nodes, release.module_id) == (r.fleet.active, None)
    assert effects.index(release) > effects.index(of(effects, Observe | ObserveSeries)[-1])


def test_unreachable_green_nodes_are_reported():
    def deploy(effect):
        n = len(effect.nodes)
        return DeployReport(requested=n, updated=n - 2, failed=1, unreachable=1, seconds=1.0)

    _, outcome = drive(rollout("BlueGreen"), deploy=deploy)
    assert outcome.status == "Succeeded"
    assert outcome.reason.startswith(f"63 of 65 nodes run {NEW} (green); traffic switched from blue; 2 were")


def test_health_checks_disabled_switch_without_a_check():
    effects, outcome = drive(rollout("BlueGreen", healthCheck={"enabled": False}), health=failing(1.0))
    assert outcome.status == "Succeeded"
    assert not of(effects, HealthCheck)
