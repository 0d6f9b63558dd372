import itertools

from hotswap.core.effects import Deploy, DeployReport, HealthCheck, Milestone, Report
from tests.hotswap.core.strategies.hand import NEW, OLD, bad_from, drive, failing, of, rollout, traffic, watched


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
    assert watched(effects) == [30.0] * 4 * 4  # 4 stages x 120 s / 30 s


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
    assert len(watched(effects)) == 1  # stopped at the first interval
    assert not of(effects, HealthCheck)[:-1]  # no gate check before the rollback's verification


def test_crash_rate_and_latency_triggers():
    _, crash = drive(rollout("Canary"), observe=traffic(crashed=1))  # 1 of 10 nodes
    assert "crash_rate 10 > 1" in crash.reason
    _, slow = drive(rollout("Canary"), observe=traffic(latency_new=150))
    assert "avg_latency_ms 150 > 100" in slow.reason


def test_triggers_off_without_auto_rollback():
    effects, outcome = drive(rollout("Canary", autoRollback={"enabled": False}), observe=traffic(error_rate=0.5))
    assert outcome.status == "Succeeded"
    assert watched(effects) == [300.0] * 4  # one window per stage


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


def _observed(**limits):
    return {"interval": "PT1M", "test": "observed", **limits}


def test_a_traffic_stage_splits_the_load_balancer_then_spreads_it_again():
    from hotswap.core.effects import Route

    effects, outcome = drive(rollout("Canary", {"stages": [{"nodes": 10, "traffic": 5}, 100]}))
    assert outcome.status == "Succeeded"
    routes = of(effects, Route)
    assert len(routes) == 2
    (canary, w1), (rest, w2) = routes[0].pools
    assert (len(canary), w1, len(rest), w2) == (8, 5, 57, 95)
    assert routes[1].pools == ((of(effects, Deploy)[1].nodes, 1.0),)
    progress = [r.detail for r in of(effects, Report) if r.milestone is Milestone.PROGRESS]
    assert progress[0]["traffic"] == 5 and "traffic" not in progress[1]


def test_plain_stages_never_touch_the_route():
    from hotswap.core.effects import Route

    effects, _ = drive(rollout("Canary"))
    assert not of(effects, Route)


def test_a_linear_rule_holds_each_stage_every():
    effects, outcome = drive(rollout("Canary", {"stages": {"linear": 10, "every": "PT1M"}}, autoRollback=_observed()))
    assert outcome.status == "Succeeded"
    assert len(of(effects, Deploy)) == 10
    assert sum(watched(effects)) == 10 * 60


def test_an_exponential_rule_is_capped_at_100():
    effects, _ = drive(rollout("Canary", {"stages": {"exponential": 2, "start": 1, "every": "PT4M"}}))
    progress = [r.detail["stage"] for r in of(effects, Report) if r.milestone is Milestone.PROGRESS]
    assert progress == [1, 2, 4, 8, 16, 32, 64, 100]


def test_an_approval_stage_waits_its_delay_while_the_triggers_watch():
    from hotswap.core.effects import Approval

    cfg = {"stages": [10, {"approval": "PT30M"}, 100], "evaluationPeriod": "PT1M"}
    effects, outcome = drive(rollout("Canary", cfg, autoRollback={"interval": "PT1M"}))
    assert outcome.status == "Succeeded"
    assert [a.delay for a in of(effects, Approval)] == [1800.0]
    assert sum(watched(effects)) == 60 + 1800 + 60
    _, bad = drive(rollout("Canary", cfg, autoRollback={"interval": "PT1M"}), observe=bad_from(5, error_rate=0.2))
    assert bad.status == "RolledBack" and bad.reason.endswith("at stage 10% awaiting approval")


def test_an_approval_delay_may_be_drawn_from_a_spread():
    from hotswap.core.effects import Approval
    from hotswap.core.fields import Spread

    cfg = {"stages": [{"approval": {"median": "PT30M", "p99": "PT4H"}}, 100]}
    effects, _ = drive(rollout("Canary", cfg))
    (approval,) = of(effects, Approval)
    assert approval.delay == Spread(median=1800, p99=14400)


def test_the_bake_watches_after_the_last_stage():
    cfg = {"stages": [50, 100], "evaluationPeriod": "PT1M", "bakeTime": "PT10M"}
    effects, outcome = drive(rollout("Canary", cfg, autoRollback={"interval": "PT1M"}))
    assert outcome.status == "Succeeded"
    assert sum(watched(effects)) == 60 + 60 + 600
    _, bad = drive(rollout("Canary", cfg, autoRollback={"interval": "PT1M"}), observe=bad_from(4, error_rate=0.2))
    assert bad.status == "RolledBack" and bad.reason.endswith("during the bake")


def test_triggers_watch_from_the_starting_stage_on():
    cfg = {"stages": [10, 20, 100], "evaluationPeriod": "PT1M", "startingStage": 2}
    effects, outcome = drive(rollout("Canary", cfg, autoRollback={"interval": "PT1M"}), observe=traffic(error_rate=0.2))
    assert outcome.status == "RolledBack"
    assert outcome.reason.endswith("at stage 20%")  # stage 1 was not watched
    assert len(watched(effects)) == 2


def test_observed_analysis_rolls_back_when_failures_exceed_the_failure_limit():
    cfg = {"stages": {"linear": 10, "every": "PT5M"}}
    _, outcome = drive(rollout("Canary", cfg, autoRollback=_observed(failureLimit=2)), observe=bad_from(3))
    assert outcome.status == "Succeeded"  # traffic(): healthy; _bad_from with no bad args stays healthy
    effects, outcome = drive(
        rollout("Canary", cfg, autoRollback=_observed(failureLimit=2)), observe=bad_from(3, error_rate=0.2)
    )
    assert outcome.status == "RolledBack"
    assert "3 failed measurements > failureLimit 2" in outcome.reason
    assert len(watched(effects)) == 2 + 3  # two good intervals, then three failed ones


def test_observed_analysis_judges_each_interval_alone():
    # one bad interval after seven good ones: the merged window stays under 5%, the measurement fails
    seen = [0]
    good, worse = traffic(), traffic(error_rate=0.2)

    def one_bad(effect):
        seen[0] += 1
        return (worse if seen[0] == 8 else good)(effect)

    cfg = {"stages": [10, 100], "evaluationPeriod": "PT10M"}
    _, outcome = drive(rollout("Canary", cfg, autoRollback=_observed(failureLimit=0)), observe=one_bad)
    assert outcome.status == "RolledBack" and "1 failed measurements > failureLimit 0" in outcome.reason
    seen[0] = 0
    _, sequential = drive(rollout("Canary", cfg, autoRollback={"interval": "PT1M"}), observe=one_bad)
    assert sequential.status == "Succeeded"


def test_flagger_threshold_counts_failed_checks():
    cfg = {"stages": {"linear": 10, "every": "PT1M"}}
    effects, outcome = drive(
        rollout("Canary", cfg, autoRollback=_observed(threshold=5)), observe=bad_from(1, error_rate=0.2)
    )
    assert "5 failed checks reach threshold 5" in outcome.reason
    assert len(watched(effects)) == 5


def test_measurement_errors_and_inconclusive_measurements():
    def nothing(effect):
        from hotswap.core.effects import Observation

        return Observation(effect.seconds, {})

    cfg = {"stages": {"linear": 10, "every": "PT1M"}}
    _, outcome = drive(rollout("Canary", cfg, autoRollback=_observed(consecutiveErrorLimit=2)), observe=nothing)
    assert outcome.status == "RolledBack" and "3 consecutive errors > consecutiveErrorLimit 2" in outcome.reason
    _, held = drive(rollout("Canary", cfg, autoRollback=_observed(inconclusiveLimit=1)), observe=traffic(requests=50))
    assert held.status == "Paused" and "2 inconclusive > inconclusiveLimit 1" in held.reason
