import pytest

from hotswap.core.effects import Deploy, DeployReport, HealthCheck, HealthReport, Milestone, Report
from tests.hotswap.core.strategies.hand import NEW, OLD, drive, failing, kinds, of, rollout, traffic, watched


def failing_batch(number: int):
    """Health checks where every node of the ``number``-th batch checked fails."""
    seen = []

    def check(effect: HealthCheck) -> HealthReport:
        n = len(effect.nodes)
        if effect.module_id == NEW:
            seen.append(effect.nodes)
        bad = n if effect.module_id == NEW and len(seen) == number else 0
        return HealthReport(checked=n, healthy=n - bad, unhealthy=bad, unreachable=0, seconds=1.0)

    return check


def test_default_updates_one_node_at_a_time():
    r = rollout("Rolling")
    effects, outcome = drive(r)
    assert outcome.status == "Succeeded"
    assert outcome.reason == f"All 65 nodes run {NEW} (65 batches)"
    deploys = of(effects, Deploy)
    assert [len(d.nodes) for d in deploys] == [1] * 65
    assert {d.module_id for d in deploys} == {NEW}
    # every active node exactly once, in index order; idle nodes never
    assert list(r.fleet.active.indices()) == [int(d.nodes.indices()[0]) for d in deploys]
    # each batch is checked right after its deploy
    checks = of(effects, HealthCheck)
    assert [c.nodes for c in checks] == [d.nodes for d in deploys]


def test_batch_size_as_a_node_count():
    effects, outcome = drive(rollout("Rolling", {"batchSize": 2}))
    assert outcome.reason.endswith("(33 batches)")
    assert [len(d.nodes) for d in of(effects, Deploy)] == [2] * 32 + [1]


def test_batch_size_as_a_share_of_the_fleet():
    effects, outcome = drive(rollout("Rolling", {"batchSize": "5%"}))  # 5% of 65 = 3.25 -> 4 (rounded up)
    assert outcome.reason.endswith("(17 batches)")
    assert [len(d.nodes) for d in of(effects, Deploy)] == [4] * 16 + [1]
    fleet = {"regions": [{"name": "us-east", "nodes": 10}]}
    effects, _ = drive(rollout("Rolling", {"batchSize": "50%"}, fleet=fleet))
    assert [len(d.nodes) for d in of(effects, Deploy)] == [5, 5]


def test_a_tiny_share_is_still_one_node():
    fleet = {"regions": [{"name": "us-east", "nodes": 10}]}
    effects, _ = drive(rollout("Rolling", {"batchSize": "1%"}, fleet=fleet))
    assert [len(d.nodes) for d in of(effects, Deploy)] == [1] * 10


def test_half_the_fleet_per_batch_makes_two_batches():
    effects, _ = drive(rollout("Rolling", {"batchSize": "50%"}))
    assert [len(d.nodes) for d in of(effects, Deploy)] == [33, 32]


def test_progress_is_the_share_of_updated_nodes():
    effects, _ = drive(rollout("Rolling", {"batchSize": 20}))
    progress = [r.progress for r in of(effects, Report) if r.milestone is Milestone.PROGRESS]
    assert progress == pytest.approx([100 * 20 / 65, 100 * 40 / 65, 100 * 60 / 65, 100])


def test_batch_delay_is_observed_between_batches_not_after_the_last():
    effects, _ = drive(rollout("Rolling", {"batchSize": 20, "batchDelay": "PT1M"}))
    assert watched(effects) == [30.0] * 6  # 3 gaps of 60 s, 30 s intervals
    assert kinds(effects) == (["Deploy", "HealthCheck", "Observe", "Observe"] * 3 + ["Deploy", "HealthCheck"])


def test_batch_delay_in_one_window_without_auto_rollback():
    effects, _ = drive(rollout("Rolling", {"batchSize": 20, "batchDelay": "PT45S"}, autoRollback={"enabled": False}))
    assert watched(effects) == [45.0] * 3


def test_default_batch_delay_is_the_guides_thirty_seconds():
    effects, _ = drive(rollout("Rolling", {"batchSize": 20}))
    assert watched(effects) == [30.0] * 3


def test_zero_batch_delay_goes_straight_to_the_next_batch():
    effects, outcome = drive(rollout("Rolling", {"batchSize": 20, "batchDelay": 0}))
    assert outcome.status == "Succeeded"
    assert not watched(effects)


def test_health_check_timeout_is_the_deadline_of_each_batch_check():
    effects, _ = drive(rollout("Rolling", {"batchSize": 20}))
    assert {c.policy.deadline for c in of(effects, HealthCheck)} == {10.0}  # the guide's PT10S
    effects, _ = drive(rollout("Rolling", {"batchSize": 20, "healthCheckTimeout": "PT20S"}))
    assert {c.policy.deadline for c in of(effects, HealthCheck)} == {20.0}


def test_failed_batch_pauses_and_stays_on_the_new_module():
    effects, outcome = drive(rollout("Rolling", {"batchSize": 20}), health=failing_batch(3))
    assert outcome.status == "Paused"
    assert outcome.reason.startswith("Health checks failed in batch 3 of 4 (20 of 20 nodes unhealthy")
    assert outcome.reason.endswith(f"20 nodes left on {NEW}, 40 updated before")
    deploys = of(effects, Deploy)
    assert len(deploys) == 3  # batch 4 is never started
    assert {d.module_id for d in deploys} == {NEW}  # nothing is rolled back
    milestones = [r.milestone for r in of(effects, Report)]
    assert Milestone.ROLLBACK_STARTED not in milestones
    decision = next(r for r in of(effects, Report) if r.milestone is Milestone.DECISION)
    assert decision.detail["decision"] == "Paused"


def test_failed_batch_without_pause_rolls_back_every_updated_node():
    r = rollout("Rolling", {"batchSize": 20, "pauseOnFailure": False})
    effects, outcome = drive(r, health=failing_batch(3))
    assert outcome.status == "RolledBack"
    assert outcome.reason.startswith("Health checks failed in batch 3 of 4")
    deploys = of(effects, Deploy)
    assert [d.module_id for d in deploys] == [NEW, NEW, NEW, OLD]
    updated = deploys[0].nodes | deploys[1].nodes | deploys[2].nodes
    assert deploys[-1].nodes == updated  # the failed batch included
    assert len(updated) == 60
    verify = of(effects, HealthCheck)[-1]
    assert (verify.nodes, verify.module_id) == (updated, OLD)


def test_first_batch_failing_without_pause_rolls_back_just_that_batch():
    effects, outcome = drive(rollout("Rolling", {"batchSize": 2, "pauseOnFailure": False}), health=failing(0.5))
    assert outcome.status == "RolledBack"
    deploys = of(effects, Deploy)
    assert [(len(d.nodes), d.module_id) for d in deploys] == [(2, NEW), (2, OLD)]


def test_trigger_during_batch_delay_rolls_back_even_with_pause_on_failure():
    effects, outcome = drive(rollout("Rolling", {"batchSize": 20}), observe=traffic(error_rate=0.12))
    assert outcome.status == "RolledBack"
    assert outcome.reason == "Rollback trigger fired after batch 1 (error_rate 12 > 5, shown at confidence 0.95)"
    deploys = of(effects, Deploy)
    assert [d.module_id for d in deploys] == [NEW, OLD]
    assert deploys[1].nodes == deploys[0].nodes
    assert len(watched(effects)) == 1


def test_trigger_after_several_batches_rolls_back_all_of_them():
    windows = iter([traffic(), traffic(), traffic(error_rate=0.2)])

    def observe(effect):
        return next(windows)(effect)

    effects, outcome = drive(rollout("Rolling", {"batchSize": 20}), observe=observe)
    assert outcome.status == "RolledBack"
    assert "after batch 3" in outcome.reason
    deploys = of(effects, Deploy)
    assert deploys[-1].module_id == OLD
    assert len(deploys[-1].nodes) == 60


def test_unreachable_nodes_left_behind_are_reported():
    def deploy(effect):
        n = len(effect.nodes)
        return DeployReport(requested=n, updated=n - 1, failed=0, unreachable=1, seconds=1.0)

    _, outcome = drive(rollout("Rolling", {"batchSize": 20}), deploy=deploy)
    assert outcome.reason == (
        f"61 of 65 nodes run {NEW} (4 batches); 4 were unreachable or failed to load it and stay on {OLD}"
    )


def test_target_regions_limit_the_batches():
    r = rollout("Rolling", {"batchSize": 10}, targetRegions=["eu-central"])
    effects, outcome = drive(r)
    assert outcome.reason.endswith("(2 batches)")
    assert [d.nodes for d in of(effects, Deploy)] == list(r.fleet.region("eu-central").active.chunks(10))
