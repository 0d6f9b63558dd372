from hotswap.core.effects import Deploy, HealthCheck, Milestone, Report, Route
from hotswap.core.nodes import NodeSet
from tests.hotswap.core.strategies.hand import NEW, OLD, drive, failing, of, rollout, traffic, watched

SHORT = {"experimentDuration": "PT1M"}  # two 30 s windows of 10,000 requests per version


def decision(effects: list) -> dict:
    return next(r for r in of(effects, Report) if r.milestone is Milestone.DECISION).detail


def test_split_deploys_b_on_a_share_of_each_region_and_routes_by_weight():
    r = rollout("ABTesting", SHORT)
    effects, _ = drive(r, observe=traffic(latency_new=15, latency_old=25))
    b = r.fleet.share(20)  # ceil per region: 4 + 3 + 4 + 3
    first = of(effects, Deploy)[0]
    assert (first.nodes, first.module_id, len(first.nodes)) == (b, NEW, 14)
    assert of(effects, HealthCheck)[0].nodes == b
    assert of(effects, Route)[0].pools == ((r.fleet.active - b, 80), (b, 20))


def test_guide_example_twenty_nodes_split_sixteen_four():
    r = rollout("ABTesting", SHORT, fleet={"regions": [{"name": "us-east", "nodes": 20}]})
    effects, _ = drive(r, observe=traffic(latency_new=15, latency_old=25))
    a, b = of(effects, Route)[0].pools
    assert (len(a[0]), a[1], len(b[0]), b[1]) == (16, 80, 4, 20)
    assert b[0] == NodeSet.span(0, 4)


def test_variant_b_percentage_sets_weights_and_node_count():
    r = rollout("ABTesting", {**SHORT, "variantBPercentage": 50})
    effects, _ = drive(r, observe=traffic(latency_new=15, latency_old=25))
    (a_nodes, wa), (b_nodes, wb) = of(effects, Route)[0].pools
    assert (wa, wb) == (50, 50)
    assert len(b_nodes) == 10 + 8 + 9 + 6
    assert len(a_nodes) == 65 - 33


def test_fleet_too_small_to_split_fails_before_deploying():
    effects, outcome = drive(rollout("ABTesting", fleet={"regions": [{"name": "us-east", "nodes": 1}]}))
    assert outcome.status == "Failed"
    assert outcome.reason.startswith("Fleet too small to split")
    assert effects == []


def test_experiment_duration_is_watched_in_trigger_intervals():
    effects, _ = drive(rollout("ABTesting", {"experimentDuration": "PT5M"}))
    assert watched(effects) == [30.0] * 10
    effects, _ = drive(rollout("ABTesting"))  # the guide's two hours
    assert sum(watched(effects)) == 7200.0
    effects, _ = drive(rollout("ABTesting", {"experimentDuration": "PT5M"}, autoRollback={"enabled": False}))
    assert watched(effects) == [300.0]


def test_b_wins_and_is_promoted_to_the_a_nodes():
    r = rollout("ABTesting", SHORT)
    effects, outcome = drive(r, observe=traffic(latency_new=15, latency_old=25))
    assert outcome.status == "Succeeded"
    assert outcome.reason.startswith(
        f"All 65 nodes run {NEW}; variant B won: avg_latency_ms A 25 vs B 15: B better by 40%"
    )
    assert decision(effects)["winner"] == "B"
    b = r.fleet.share(20)
    deploys = of(effects, Deploy)
    assert [(d.nodes, d.module_id) for d in deploys] == [(b, NEW), (r.fleet.active - b, NEW)]
    # the split is lifted after the promotion
    routes = of(effects, Route)
    assert routes[-1].pools == ((r.fleet.active, 1.0),)
    assert effects.index(deploys[-1]) < effects.index(routes[-1])
    assert [p.progress for p in of(effects, Report) if p.milestone is Milestone.PROGRESS] == [100]


def test_a_wins_and_b_is_rolled_back():
    r = rollout("ABTesting", SHORT)
    effects, outcome = drive(r, observe=traffic(latency_new=30, latency_old=25))
    assert outcome.status == "RolledBack"
    assert outcome.reason.startswith("Variant A won: avg_latency_ms A 25 vs B 30: B better by -20%")
    assert decision(effects)["winner"] == "A"
    b = r.fleet.share(20)
    deploys = of(effects, Deploy)
    assert [(d.nodes, d.module_id) for d in deploys] == [(b, NEW), (b, OLD)]
    assert of(effects, Route)[-1].pools == ((r.fleet.active, 1.0),)
    assert of(effects, HealthCheck)[-1].module_id == OLD


def test_difference_below_the_threshold_is_inconclusive_and_pauses_with_the_split_held():
    effects, outcome = drive(rollout("ABTesting", SHORT), observe=traffic(latency_new=24, latency_old=25))
    assert outcome.status == "Paused"
    assert outcome.reason.startswith("Inconclusive: avg_latency_ms A 25 vs B 24: B better by 4%")
    assert "smaller than the threshold" in outcome.reason
    assert outcome.reason.endswith("split held at 80/20")
    assert decision(effects)["winner"] == "Inconclusive"
    assert len(of(effects, Deploy)) == 1  # neither promoted nor rolled back
    assert len(of(effects, Route)) == 1


def test_winner_threshold_is_configurable():
    cfg = {**SHORT, "winnerCriteria": {"metric": "avg_latency_ms", "threshold": 3, "comparison": "lower_is_better"}}
    _, outcome = drive(rollout("ABTesting", cfg), observe=traffic(latency_new=24, latency_old=25))
    assert outcome.status == "Succeeded"
    assert "(threshold 3%)" in outcome.reason


def test_higher_is_better_flips_the_comparison():
    cfg = {**SHORT, "winnerCriteria": {"metric": "avg_latency_ms", "threshold": 10, "comparison": "higher_is_better"}}
    _, outcome = drive(rollout("ABTesting", cfg), observe=traffic(latency_new=30, latency_old=25))
    assert outcome.status == "Succeeded"
    assert "B better by 20%" in outcome.reason
    _, outcome = drive(rollout("ABTesting", cfg), observe=traffic(latency_new=15, latency_old=25))
    assert outcome.status == "RolledBack"


def test_the_criteria_metric_is_the_one_compared():
    # same latency on both sides; B errs less (0.01% vs 0.1%)
    cfg = {**SHORT, "winnerCriteria": {"metric": "error_rate", "threshold": 10}}
    _, outcome = drive(rollout("ABTesting", cfg), observe=traffic(error_rate=0.0001))
    assert outcome.status == "Succeeded"
    assert "error_rate A 0.1 vs B 0.01" in outcome.reason
    # B errs more (0.4%, below the 5% rollback trigger)
    _, outcome = drive(rollout("ABTesting", cfg), observe=traffic(error_rate=0.004))
    assert outcome.status == "RolledBack"
    assert outcome.reason.startswith("Variant A won: error_rate")
    # the guide's DetermineWinner compares latency whatever the metric: equal latency decides nothing
    _, outcome = drive(rollout("ABTesting", SHORT), observe=traffic(error_rate=0.0001))
    assert outcome.status == "Paused"


def test_too_few_samples_is_inconclusive_whatever_the_difference():
    cfg = {**SHORT, "minimumSampleSize": 20_001}  # each side serves 20,000 requests
    effects, outcome = drive(rollout("ABTesting", cfg), observe=traffic(latency_new=15, latency_old=25))
    assert outcome.status == "Paused"
    assert "20000 samples, fewer than minimumSampleSize 20001" in outcome.reason
    assert decision(effects)["winner"] == "Inconclusive"
    cfg = {**SHORT, "minimumSampleSize": 20_000}
    _, outcome = drive(rollout("ABTesting", cfg), observe=traffic(latency_new=15, latency_old=25))
    assert outcome.status == "Succeeded"


def test_confidence_decides_whether_a_difference_is_significant():
    # one window: A 10 failures in 10,000, B 2 in 10,000; Fisher's exact p = 0.0385
    cfg = {"experimentDuration": "PT30S", "winnerCriteria": {"metric": "error_rate", "threshold": 10}}
    _, outcome = drive(rollout("ABTesting", cfg), observe=traffic(error_rate=0.0002))
    assert outcome.status == "Succeeded"
    assert "p=0.0385" in outcome.reason
    _, outcome = drive(rollout("ABTesting", {**cfg, "confidence": 0.99}), observe=traffic(error_rate=0.0002))
    assert outcome.status == "Paused"
    assert "not significant at 0.99" in outcome.reason


def test_trigger_during_the_experiment_rolls_b_back_without_a_decision():
    r = rollout("ABTesting", SHORT)
    effects, outcome = drive(r, observe=traffic(error_rate=0.12, latency_new=15, latency_old=25))
    assert outcome.status == "RolledBack"
    assert outcome.reason == "Rollback trigger fired on variant B (error_rate 12 > 5, shown at confidence 0.95)"
    assert len(watched(effects)) == 1
    assert not [p for p in of(effects, Report) if p.milestone is Milestone.DECISION]
    b = r.fleet.share(20)
    assert of(effects, Route)[-1].pools == ((r.fleet.active, 1.0),)
    assert of(effects, Deploy)[-1] == Deploy(b, OLD)


def test_unhealthy_b_is_rolled_back_before_any_traffic_split():
    r = rollout("ABTesting", SHORT)
    effects, outcome = drive(r, health=failing(0.5))
    assert outcome.status == "RolledBack"
    assert outcome.reason.startswith("Health checks failed on variant B (7 of 14 nodes unhealthy")
    assert not of(effects, Route)
    assert not watched(effects)
    assert of(effects, Deploy)[-1] == Deploy(r.fleet.share(20), OLD)
