import itertools

from hotswap.core.effects import Deploy, DeployReport, HealthCheck, Milestone, Observe, Report
from tests.hotswap.core.strategies.hand import NEW, OLD, drive, failing, of, rollout, traffic


def test_healthy_module_goes_through_every_stage():
    effects, outcome = drive(rollout("Canary"))
    assert outcome.status == "Succeeded"
    assert outcome.reason == f"All 65 nodes run {NEW}"
    # the guide's stages, ceil per region: 2+2+2+2, 5+4+5+3, 10+8+9+6, 65
    assert [len(d.nodes) for d in of(effects, Deploy)] == [8, 17, 33, 65]
    # progress is the share of nodes exposed; the stage keeps the percent requested
    progress = [r for r in of(effects, Report) if r.milestone is Milestone.PROGRESS]
    assert [r.progress for r in progress] == [100 * 8 / 65, 100 * 17 / 65, 100 * 33 / 65, 100]
    assert [r.detail["stage"] for r in progress] == [10, 25, 50, 100]
    # stages are nested: every stage contains the one before
    stages = [d.nodes for d in of(effects, Deploy)]
    assert all(not (a - b) for a, b in itertools.pairwise(stages))


def test_evaluation_period_is_watched_in_trigger_intervals():
    effects, _ = drive(rollout("Canary", {"evaluationPeriod": "PT2M"}, autoRollback={"interval": "PT30S"}))
    watched = [o.seconds for o in of(effects, Observe)]
    assert watched == [30.0] * 4 * 4  # 4 stages x 120 s / 30 s


def test_failed_health_check_rolls_back_every_deployed_node():
    effects, outcome = drive(rollout("Canary"), health=failing(0.3))
    assert outcome.status == "RolledBack"
    assert outcome.reason.startswith("Health checks failed (2 of 8 nodes unhealthy")
    assert outcome.reason.endswith("at stage 10%")
    deploys = of(effects, Deploy)
    assert [d.module_id for d in deploys] == [NEW, OLD]
    assert deploys[1].nodes == deploys[0].nodes
    # the previous version's health is verified after the rollback (guide step 4)
    assert of(effects, HealthCheck)[-1].module_id == OLD
    milestones = [r.milestone for r in of(effects, Report)]
    assert milestones.index(Milestone.ROLLBACK_STARTED) < milestones.index(Milestone.ROLLBACK_COMPLETED)


def test_error_rate_trigger_fires_during_the_window_not_after_it():
    effects, outcome = drive(rollout("Canary"), observe=traffic(error_rate=0.12))
    assert outcome.status == "RolledBack"
    assert "error_rate 12 > 5" in outcome.reason
    assert len(of(effects, Observe)) == 1  # stopped at the first interval
    assert not of(effects, HealthCheck)[:-1]  # no gate check before the rollback's verification


def test_crash_rate_and_latency_triggers():
    _, crash = drive(rollout("Canary"), observe=traffic(crashed=1))  # 1 of 10 nodes
    assert "crash_rate 10 > 1" in crash.reason
    _, slow = drive(rollout("Canary"), observe=traffic(latency_new=150))
    assert "avg_latency_ms 150 > 100" in slow.reason


def test_triggers_off_without_auto_rollback():
    effects, outcome = drive(rollout("Canary", autoRollback={"enabled": False}), observe=traffic(error_rate=0.5))
    assert outcome.status == "Succeeded"
    assert [o.seconds for o in of(effects, Observe)] == [300.0] * 4  # one window per stage


def test_auto_promote_false_pauses_before_the_last_stage():
    effects, outcome = drive(rollout("Canary", {"autoPromote": False}))
    assert outcome.status == "Paused"
    assert "stage 50%" in outcome.reason
    assert max(len(d.nodes) for d in of(effects, Deploy)) == 33


def test_strategy_thresholds_and_function_reach_the_health_check():
    effects, _ = drive(rollout("Canary", {"successThreshold": 2, "failureThreshold": 5, "healthCheckFunction": "ping"}))
    policy = of(effects, HealthCheck)[0].policy
    assert (policy.success_threshold, policy.failure_threshold, policy.function) == (2, 5, "ping")


def test_tolerance_lets_a_few_unhealthy_nodes_through():
    r = rollout("Canary", healthCheck={"maxUnhealthyPercent": 30})
    _, outcome = drive(r, health=failing(0.25))
    assert outcome.status == "Succeeded"
    _, outcome = drive(r, health=failing(0.5))
    assert outcome.status == "RolledBack"


def test_unreachable_nodes_left_behind_are_reported():
    def deploy(effect):
        n = len(effect.nodes)
        return DeployReport(requested=n, updated=n - 3, failed=0, unreachable=3, seconds=1.0)

    _, outcome = drive(rollout("Canary"), deploy=deploy)
    assert outcome.reason == f"62 of 65 nodes run {NEW}; 3 were unreachable or failed to load it and stay on {OLD}"


def test_health_checks_disabled_skip_the_gate():
    effects, outcome = drive(rollout("Canary", healthCheck={"enabled": False}), health=failing(1.0))
    assert outcome.status == "Succeeded"
    assert not of(effects, HealthCheck)


def test_custom_stages():
    effects, _ = drive(rollout("Canary", {"stages": [50, 100]}))
    assert [len(d.nodes) for d in of(effects, Deploy)] == [33, 65]
