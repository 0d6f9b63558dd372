"""Tests of the tests: seeded simulations of many sequences, looked at again and again.

Under the null (the worst case: a rate or mean exactly at the threshold) the share of
sequences that ever fire stays within alpha plus three standard errors of the
simulation; against stated alternatives most sequences fire (power)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hotswap.core import sequential
from hotswap.core.config import Trigger
from hotswap.core.effects import VersionMetrics
from hotswap.core.judgements import Monitor, measure

SEQUENCES = 400
ALPHA = 0.05


def bar(alpha: float = ALPHA, n: int = SEQUENCES) -> float:
    """Alpha plus three standard errors of a simulated rate."""
    return alpha + 3 * math.sqrt(alpha * (1 - alpha) / n)


def ever_fires_bernoulli(rate: float, p0: float, *, looks: int, per_look: int, seed: int) -> float:
    """Share of sequences whose cumulative counts ever show a rate above ``p0``."""
    rng = np.random.default_rng(seed)
    counts = np.cumsum(rng.binomial(per_look, rate, size=(SEQUENCES, looks)), axis=1)
    fired = 0
    for row in counts:
        if any(sequential.bernoulli_above(int(k), per_look * (i + 1), p0, ALPHA) for i, k in enumerate(row)):
            fired += 1
    return fired / SEQUENCES


@pytest.mark.parametrize("p0", [0.001, 0.05, 0.3])
def test_bernoulli_false_positive_rate_within_alpha_under_repeated_looks(p0):
    assert ever_fires_bernoulli(p0, p0, looks=60, per_look=200, seed=1) <= bar()


def test_bernoulli_power_against_a_rate_half_again_the_threshold():
    # 5% threshold, 7.5% true: 4,800 requests (the guide's first canary stage at 2 rps a node)
    assert ever_fires_bernoulli(0.075, 0.05, looks=10, per_look=480, seed=2) >= 0.9


def test_bernoulli_edges():
    assert sequential.bernoulli_above(1, 10, 0.0, ALPHA)  # any event shows a rate above 0
    assert not sequential.bernoulli_above(0, 10, 0.0, ALPHA)
    assert not sequential.bernoulli_above(10, 10, 1.0, ALPHA)
    assert not sequential.bernoulli_above(0, 0, 0.05, ALPHA)
    assert sequential.bernoulli_below(0, 5000, 0.05, ALPHA)
    assert not sequential.bernoulli_below(250, 5000, 0.05, ALPHA)


def test_one_look_gives_to_the_bit_what_many_at_once_give():
    """The scalar paths (a test looks after every window) and the array paths (a series
    judged at once) must agree exactly, or a run would depend on how it was stepped."""
    rng = np.random.default_rng(7)
    n = rng.integers(0, 2_000_000, 300)
    events = rng.binomial(n, rng.uniform(0, 0.2, 300))
    for p0 in (0.0, 0.001, 0.05, 0.3, 1.0):
        pairs = list(zip(events.tolist(), n.tolist(), strict=True))
        one = [sequential.bernoulli_evidence(e, k, p0) for e, k in pairs]
        assert np.array_equal(sequential.bernoulli_evidences(events, n, p0), one)
        shown = sequential.bernoulli_shows_above(events, n, p0, ALPHA)
        assert shown.tolist() == [sequential.bernoulli_above(e, k, p0, ALPHA) for e, k in pairs]
    d, se, rho = rng.normal(0, 1, 300), rng.uniform(0, 2, 300), rng.uniform(0.01, 50, 300)
    many = sequential.normal_shows(d, se, ALPHA, rho)
    assert many.tolist() == [sequential.normal_exceeds(*x, ALPHA, r) for *x, r in zip(d, se, rho, strict=True)]
    ratio = sequential.RatioEvidence(1.2)
    ratio.add(30, 1000, 100, 9000)
    assert ratio.evidence() == float(sequential.logmeanexp(ratio.log_lr))


def ever_fires_ratio(new_rate: float, old_rate: float, r0: float, *, seed: int, windows: int = 40) -> float:
    """Share of sequences in which the new version is shown worse than ``r0`` times the
    previous one; 1,200 new and 8,550 previous requests a window (a canary stage)."""
    rng = np.random.default_rng(seed)
    fired = 0
    for _ in range(SEQUENCES):
        ratio = sequential.RatioEvidence(r0)
        for _ in range(windows):
            ratio.add(int(rng.binomial(1200, new_rate)), 1200, int(rng.binomial(8550, old_rate)), 8550)
            if ratio.evidence() >= math.log(1 / ALPHA):
                fired += 1
                break
    return fired / SEQUENCES


def test_ratio_false_positive_rate_within_alpha_at_exactly_the_allowed_increase():
    assert ever_fires_ratio(0.002, 0.001, 2.0, seed=3) <= bar()


def test_ratio_power_against_twenty_times_worse():
    assert ever_fires_ratio(0.02, 0.001, 2.0, seed=4, windows=10) >= 0.95


def test_ratio_rarely_fires_on_a_slightly_worse_module():
    assert ever_fires_ratio(0.0012, 0.001, 2.0, seed=5) <= bar()


def ever_fires_mean(mean: float, threshold: float, *, seed: int, looks: int = 40, per_look: int = 300) -> float:
    """Share of log-normal latency sequences (median 25 ms, sigma 0.6) whose mean is
    ever shown above ``threshold``, the variance estimated from the data."""
    rng = np.random.default_rng(seed)
    sigma = 0.6
    mu = math.log(mean) - sigma**2 / 2
    fired = 0
    for _ in range(SEQUENCES):
        data = rng.lognormal(mu, sigma, looks * per_look)
        for i in range(1, looks + 1):
            seen = data[: i * per_look]
            se = float(np.std(seen, ddof=1)) / math.sqrt(len(seen))
            rho = sequential.rho_for(0.1 * threshold, ALPHA)
            if sequential.normal_exceeds(float(np.mean(seen)) - threshold, se, ALPHA, rho):
                fired += 1
                break
    return fired / SEQUENCES


def test_mean_false_positive_rate_within_alpha_at_the_threshold():
    assert ever_fires_mean(30.0, 30.0, seed=6) <= bar()


def test_mean_power_against_a_mean_twenty_percent_over():
    assert ever_fires_mean(36.0, 30.0, seed=7, looks=10) >= 0.95


def window(nodes: int, requests: int, failed: int, rng: np.random.Generator, median: float = 25.0) -> VersionMetrics:
    samples = rng.lognormal(math.log(median), 0.5, requests)
    return VersionMetrics(
        nodes=nodes,
        requests=requests,
        failed_requests=failed,
        latency_mean_ms=float(np.mean(samples)),
        latency_samples=tuple(samples.tolist()),
    )


def monitor_fires(trigger: Trigger, new_median: float, *, seed: int, windows: int = 10) -> float:
    """Share of waits in which a Monitor fires ``trigger``: the previous version's
    latency has median 25 ms, the new version's ``new_median``."""
    rng = np.random.default_rng(seed)
    fired = 0
    for _ in range(SEQUENCES // 2):
        monitor = Monitor([trigger], new_id="new", previous_id="old")
        for _ in range(windows):
            seen = {"new": window(8, 200, 0, rng, new_median), "old": window(57, 1400, 0, rng)}
            if monitor.see(seen):
                fired += 1
                break
    return fired / (SEQUENCES // 2)


P95 = 25.0 * math.exp(1.6449 * 0.5)  # the 95th percentile of the latencies at median 25 ms


def test_p95_trigger_false_positive_rate_at_the_threshold():
    assert monitor_fires(Trigger(metric="p95_latency_ms", threshold=P95), 25.0, seed=8) <= bar(n=SEQUENCES // 2)


def test_p95_trigger_power_against_a_slower_module():
    assert monitor_fires(Trigger(metric="p95_latency_ms", threshold=P95), 30.0, seed=9) >= 0.95


def test_relative_latency_trigger_false_positive_rate_and_power():
    relative = Trigger(metric="avg_latency_ms", threshold=20, baseline="previous")
    assert monitor_fires(relative, 25.0 * 1.2, seed=10) <= bar(n=SEQUENCES // 2)
    assert monitor_fires(relative, 25.0 * 1.5, seed=11) >= 0.95


def test_relative_p95_trigger_false_positive_rate_and_power():
    relative = Trigger(metric="p95_latency_ms", threshold=20, baseline="previous")
    assert monitor_fires(relative, 25.0, seed=12) <= bar(n=SEQUENCES // 2)
    assert monitor_fires(relative, 25.0 * 1.5, seed=13) >= 0.95


def test_observed_rule_fires_on_noise_the_sequential_test_does_not():
    """4% errors under a 5% trigger, 60 requests a window: the guide's literal rule
    (``test: observed``, one measurement per window, the first failed one rolls back)
    rolls back most healthy modules; the sequential test keeps within alpha."""
    trigger = Trigger(metric="error_rate", threshold=5)
    rng = np.random.default_rng(14)
    fired = {"observed": 0, "sequential": 0}
    for _ in range(SEQUENCES // 2):
        windows = [VersionMetrics(nodes=8, requests=60, failed_requests=int(k)) for k in rng.binomial(60, 0.04, 10)]
        monitor = Monitor([trigger], new_id="new", previous_id="old")
        fired["sequential"] += any(monitor.see({"new": w}) for w in windows)
        fired["observed"] += any(measure(w, [trigger])[0] == "Failed" for w in windows)
    assert fired["sequential"] / (SEQUENCES // 2) <= bar(n=SEQUENCES // 2)
    assert fired["observed"] / (SEQUENCES // 2) > 0.5


def test_low_power_is_reported_when_a_wait_could_not_have_shown_the_mildest_bad_grade():
    trigger = Trigger(metric="error_rate", threshold=5)
    few = Monitor([trigger], new_id="new", previous_id="old")
    few.see({"new": VersionMetrics(nodes=8, requests=150, failed_requests=6)})
    assert (
        few.low_power()
        == "150 requests of the new module could not have shown error_rate 7.5% (1.5 times its threshold)"
    )
    enough = Monitor([trigger], new_id="new", previous_id="old")
    enough.see({"new": VersionMetrics(nodes=8, requests=4800, failed_requests=192)})
    assert enough.low_power() is None
