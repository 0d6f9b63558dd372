import numpy as np
import pytest

from hotswap.core.config import Trigger, WinnerCriteria
from hotswap.core.effects import HealthPolicy, HealthReport, VersionMetrics
from hotswap.core.judgements import Judgement, fired, gate, judge, measure, merge, metric
from hotswap.core.running import SAMPLE_CAP


def health(healthy: int, unhealthy: int = 0, unreachable: int = 0) -> HealthReport:
    return HealthReport(
        checked=healthy + unhealthy + unreachable,
        healthy=healthy,
        unhealthy=unhealthy,
        unreachable=unreachable,
        seconds=1.0,
    )


def traffic(
    requests: int = 10_000,
    failed: int = 10,
    *,
    nodes: int = 10,
    crashed: int = 0,
    latency: float = 20.0,
    samples: tuple[float, ...] = (),
    memory: float = 64.0,
) -> VersionMetrics:
    return VersionMetrics(
        nodes=nodes,
        requests=requests,
        failed_requests=failed,
        crashed_nodes=crashed,
        latency_mean_ms=latency,
        latency_samples=samples,
        memory_mb=memory,
    )


def spread(centre: float, n: int = 300) -> tuple[float, ...]:
    return tuple(centre + i % 7 for i in range(n))


LATENCY = WinnerCriteria(metric="avg_latency_ms", threshold=10, comparison="lower_is_better")


# gate


def test_gate_passes_all_healthy_and_fails_any_unhealthy_by_default():
    policy = HealthPolicy()
    assert gate(health(10), policy).passed
    verdict = gate(health(9, 1), policy)
    assert not verdict.passed
    assert verdict.reason == "1 of 10 nodes unhealthy (10% > 0% allowed)"


def test_gate_tolerates_up_to_max_unhealthy_percent():
    policy = HealthPolicy(max_unhealthy_percent=20)
    assert gate(health(8, 2), policy).passed  # exactly 20%
    assert not gate(health(7, 3), policy).passed


def test_unreachable_nodes_are_excluded_by_default():
    verdict = gate(health(8, 0, 2), HealthPolicy())
    assert verdict.passed
    assert verdict.reason == "0 of 10 nodes unhealthy, 2 unreachable"
    # and the share is taken of the nodes that answered: 1 of 5 is 20%
    assert not gate(health(4, 1, 5), HealthPolicy(max_unhealthy_percent=19)).passed
    assert gate(health(4, 1, 5), HealthPolicy(max_unhealthy_percent=20)).passed


def test_unreachable_nodes_fail_when_the_policy_says_so():
    policy = HealthPolicy(unreachable_fails=True)
    verdict = gate(health(8, 0, 2), policy)
    assert not verdict.passed
    assert "(20% > 0% allowed)" in verdict.reason
    assert gate(health(8, 0, 2), HealthPolicy(unreachable_fails=True, max_unhealthy_percent=20)).passed


def test_a_check_no_node_answered_does_not_pass():
    verdict = gate(health(0, 0, 5), HealthPolicy())
    assert not verdict.passed
    assert verdict.reason == "none of 5 nodes answered the health check"
    assert not gate(health(0, 0, 5), HealthPolicy(unreachable_fails=True)).passed


# metric


def test_metrics_read_off_traffic():
    m = traffic(requests=2000, failed=50, nodes=8, crashed=2, latency=42.0, samples=tuple(range(1, 101)), memory=90.0)
    assert metric(m, "error_rate") == 2.5
    assert metric(m, "crash_rate") == 25.0
    assert metric(m, "avg_latency_ms") == 42.0
    assert metric(m, "p95_latency_ms") == pytest.approx(95.05)
    assert metric(m, "p99_latency_ms") == pytest.approx(99.01)
    assert metric(m, "memory_mb") == 90.0


def test_metrics_with_nothing_to_measure_are_none():
    idle = traffic(requests=0, failed=0, nodes=0)
    for name in ("error_rate", "crash_rate", "avg_latency_ms", "p95_latency_ms", "p99_latency_ms", "memory_mb"):
        assert metric(idle, name) is None


def test_unknown_metric_is_an_error():
    with pytest.raises(ValueError, match="unknown metric 'cpu'"):
        metric(traffic(), "cpu")


# fired


def test_greater_than_trigger_fires_strictly_above_its_threshold():
    trigger = [Trigger(metric="error_rate", threshold=5)]
    assert fired(traffic(failed=600), trigger) == "error_rate 6 > 5"
    assert fired(traffic(failed=500), trigger) is None  # exactly 5%


def test_less_than_trigger_fires_strictly_below_its_threshold():
    trigger = [Trigger(metric="memory_mb", threshold=32, comparison="less_than")]
    assert fired(traffic(memory=16), trigger) == "memory_mb 16 < 32"
    assert fired(traffic(memory=32), trigger) is None


def test_first_firing_trigger_is_reported_and_unmeasurable_ones_skipped():
    triggers = [
        Trigger(metric="p99_latency_ms", threshold=1),  # no samples: skipped
        Trigger(metric="avg_latency_ms", threshold=100),
        Trigger(metric="crash_rate", threshold=1),
        Trigger(metric="error_rate", threshold=5),
    ]
    assert fired(traffic(crashed=1, failed=900), triggers) == "crash_rate 10 > 1"
    assert fired(None, triggers) is None
    assert fired(traffic(failed=900), []) is None


def test_observed_baseline_trigger_compares_the_same_interval_of_the_previous_module():
    """``test: observed`` with ``baseline: previous``: the interval's new rate against the
    previous module's in that interval times the allowed increase; no previous traffic in
    the interval (a canary's 100% stage): not judged, never an error."""
    relative = [Trigger(metric="error_rate", threshold=100, baseline="previous")]
    before = traffic(failed=10)  # 0.1%
    assert measure(traffic(failed=21), relative, 100, before) == (
        "Failed",
        "error_rate 0.21 vs previous 0.1 (allowed +100%)",
    )
    assert measure(traffic(failed=20), relative, 100, before)[0] == "Successful"  # exactly double
    assert measure(traffic(failed=900), relative, 100, None)[0] == "Successful"
    assert measure(None, relative, 100, before)[0] == "Error"


# merge


def test_merge_adds_counts_and_weights_means():
    a = traffic(requests=1000, failed=10, nodes=5, crashed=1, latency=10.0, samples=(1.0, 2.0), memory=60)
    b = traffic(requests=3000, failed=30, nodes=8, crashed=0, latency=30.0, samples=(3.0,), memory=50)
    m = merge(a, b)
    assert (m.requests, m.failed_requests) == (4000, 40)
    assert (m.nodes, m.crashed_nodes) == (8, 0)  # node state is the later window's
    assert m.latency_mean_ms == 25.0
    assert m.latency_samples == (1.0, 2.0, 3.0)
    assert m.memory_mb == 60


def test_merge_onto_nothing_is_the_window_itself():
    b = traffic()
    assert merge(None, b) is b


def test_merge_of_empty_windows_has_zero_mean():
    empty = traffic(requests=0, failed=0)
    assert merge(empty, empty).latency_mean_ms == 0.0


def test_merge_thins_latency_samples_keeping_every_window_in_proportion():
    a = traffic(samples=(1.0,) * (2 * SAMPLE_CAP))
    m = merge(a, traffic(samples=(2.0,) * 10))
    assert len(m.latency_samples) == SAMPLE_CAP + 5  # past twice the cap, every other sample goes
    # a later window keeps its share, never dropped for an earlier one
    assert np.count_nonzero(m.latency_samples.values == 2.0) == 5
    merged = traffic(samples=(0.0,) * SAMPLE_CAP)
    for window in range(1, 400):  # many windows: the first is still there, as large a share as the last
        merged = merge(merged, traffic(samples=(float(window),) * 200))
    assert len(merged.latency_samples) <= 2 * SAMPLE_CAP
    kept = merged.latency_samples.values
    assert np.count_nonzero(kept == 399.0) * 100 >= np.count_nonzero(kept == 1.0) * 50


# judge


def test_b_wins_when_better_by_the_threshold_and_significant():
    a, b = traffic(latency=25, samples=spread(25)), traffic(latency=15, samples=spread(15))
    result = judge(a, b, LATENCY, minimum_sample_size=1000, confidence=0.95)
    assert result.winner == "B"
    assert result.reason.startswith("avg_latency_ms A 25 vs B 15: B better by 40% (threshold 10%)")


def test_a_wins_when_b_is_worse_by_the_threshold():
    a, b = traffic(latency=25, samples=spread(25)), traffic(latency=30, samples=spread(30))
    assert judge(a, b, LATENCY, minimum_sample_size=1000, confidence=0.95).winner == "A"


def test_difference_short_of_the_threshold_is_inconclusive():
    a, b = traffic(latency=25, samples=spread(25)), traffic(latency=24, samples=spread(24))
    result = judge(a, b, LATENCY, minimum_sample_size=1000, confidence=0.95)
    assert result.winner == "Inconclusive"
    assert result.reason.endswith("smaller than the threshold")
    lower = WinnerCriteria(metric="avg_latency_ms", threshold=4)
    assert judge(a, b, lower, minimum_sample_size=1000, confidence=0.95).winner == "B"


def test_difference_that_is_not_significant_is_inconclusive():
    # means 40% apart but the samples are the same distribution
    a, b = traffic(latency=25, samples=spread(20)), traffic(latency=15, samples=spread(20))
    result = judge(a, b, LATENCY, minimum_sample_size=1000, confidence=0.95)
    assert result.winner == "Inconclusive"
    assert "not significant at 0.95" in result.reason
    # fewer than two samples on a side cannot be tested
    b = traffic(latency=15, samples=(15.0,))
    assert judge(a, b, LATENCY, minimum_sample_size=1000, confidence=0.95).winner == "Inconclusive"


def test_confidence_sets_the_significance_bar():
    # Fisher's exact test on 10 vs 2 failures in 10,000: p = 0.0385
    errors = WinnerCriteria(metric="error_rate", threshold=10)
    a, b = traffic(failed=10), traffic(failed=2)
    assert judge(a, b, errors, minimum_sample_size=1000, confidence=0.95).winner == "B"
    assert judge(a, b, errors, minimum_sample_size=1000, confidence=0.99).winner == "Inconclusive"


def test_too_few_samples_on_either_side_is_inconclusive():
    a, b = traffic(latency=25, samples=spread(25)), traffic(requests=999, failed=0, latency=15, samples=spread(15))
    result = judge(a, b, LATENCY, minimum_sample_size=1000, confidence=0.95)
    assert result == Judgement("Inconclusive", "999 samples, fewer than minimumSampleSize 1000")
    assert judge(b, a, LATENCY, minimum_sample_size=1000, confidence=0.95).winner == "Inconclusive"
    assert judge(a, b, LATENCY, minimum_sample_size=999, confidence=0.95).winner == "B"


def test_higher_is_better_reverses_the_winner():
    higher = WinnerCriteria(metric="avg_latency_ms", threshold=10, comparison="higher_is_better")
    a, b = traffic(latency=25, samples=spread(25)), traffic(latency=15, samples=spread(15))
    result = judge(a, b, higher, minimum_sample_size=1000, confidence=0.95)
    assert result.winner == "A"
    assert "B better by -40%" in result.reason
    assert judge(b, a, higher, minimum_sample_size=1000, confidence=0.95).winner == "B"


def test_error_rate_from_zero_on_a():
    errors = WinnerCriteria(metric="error_rate", threshold=10)
    a, b = traffic(failed=0), traffic(failed=50)
    assert judge(a, b, errors, minimum_sample_size=1000, confidence=0.95).winner == "A"
    assert judge(a, traffic(failed=0), errors, minimum_sample_size=1000, confidence=0.95).winner == "Inconclusive"


def test_memory_has_no_sampling_noise():
    memory = WinnerCriteria(metric="memory_mb", threshold=10)
    # the guide's example, 95 MB vs 85 MB: 10.5% better, significant without any test
    result = judge(traffic(memory=95), traffic(memory=85), memory, minimum_sample_size=1000, confidence=0.99)
    assert result.winner == "B"
    assert result.reason.endswith("p=0")
    result = judge(traffic(memory=95), traffic(memory=90), memory, minimum_sample_size=1000, confidence=0.99)
    assert result.winner == "Inconclusive"
    assert result.reason.endswith("smaller than the threshold")


def test_unmeasurable_metric_is_inconclusive():
    p99 = WinnerCriteria(metric="p99_latency_ms", threshold=10)
    result = judge(traffic(), traffic(), p99, minimum_sample_size=0, confidence=0.95)
    assert result.winner == "Inconclusive"
    assert result.reason == "no p99_latency_ms measured"


def test_mann_whitney_agrees_with_scipy_with_and_without_ties():
    from scipy import stats

    from hotswap.core.judgements import mann_whitney

    rng = np.random.default_rng(7)
    for n1, n2, shift, rounded in [
        (9, 9, 0.0, False),
        (50, 70, 0.3, True),
        (2000, 1500, 0.02, False),
        (400, 400, 0, True),
    ]:
        x, y = rng.lognormal(3, 0.6, n1), rng.lognormal(3 + shift, 0.6, n2)
        if rounded:  # many ties
            x, y = np.round(x), np.round(y)
        expected = float(stats.mannwhitneyu(x, y).pvalue)
        assert abs(mann_whitney(x, y) - expected) <= 1e-12 * max(expected, 1e-300)
    assert mann_whitney(np.ones(10), np.ones(12)) == 1.0  # all tied: no evidence
    assert mann_whitney(np.arange(3.0), np.arange(3.0) + 10) == float(
        stats.mannwhitneyu(np.arange(3.0), np.arange(3.0) + 10).pvalue
    )
