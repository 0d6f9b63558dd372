"""A/B under repeated looks: with early stopping an always-valid test decides as the
experiment runs; without it one look at the end. Between equal versions either way
declares a winner at most 1 - confidence of the time (seeded simulations)."""

from __future__ import annotations

import math

import numpy as np

from hotswap.core.config import WinnerCriteria
from hotswap.core.effects import Milestone, Report, VersionMetrics
from hotswap.core.judgements import Experiment, judge, merge
from tests.hotswap.core.strategies.hand import drive, of, rollout, traffic, watched

EXPERIMENTS = 200
WINDOWS = 240  # the guide's two hours in 30 s windows
BAR = 0.05 + 3 * math.sqrt(0.05 * 0.95 / EXPERIMENTS)


def window(rng: np.random.Generator, requests: int, error_rate: float, median: float) -> VersionMetrics:
    samples = rng.lognormal(math.log(median), 0.5, 20)
    return VersionMetrics(
        nodes=10,
        requests=requests,
        failed_requests=int(rng.binomial(requests, error_rate)),
        latency_mean_ms=float(median * math.exp(0.125) + rng.normal(0, median * 0.55 / math.sqrt(requests))),
        latency_samples=tuple(samples.tolist()),
    )


def winners(criteria: WinnerCriteria, *, b_error: float, b_median: float, seed: int, early: bool) -> list[str]:
    """The decision of each simulated experiment (A: 1% errors, 25 ms median)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(EXPERIMENTS):
        experiment = Experiment(criteria, a_id="A", b_id="B", minimum_sample_size=1000, confidence=0.95)
        seen: dict[str, VersionMetrics] = {}
        decided = None
        for _ in range(WINDOWS):
            versions = {"A": window(rng, 400, 0.01, 25.0), "B": window(rng, 100, b_error, b_median)}
            if early:
                decided = experiment.see(versions)
                if decided is not None:
                    break
            else:
                seen = {k: merge(seen.get(k), v) for k, v in versions.items()}
        if early:
            out.append(decided.winner if decided else "Inconclusive")
        else:
            out.append(judge(seen["A"], seen["B"], criteria, minimum_sample_size=1000, confidence=0.95).winner)
    return out


def false_winners(decisions: list[str]) -> float:
    return sum(d != "Inconclusive" for d in decisions) / len(decisions)


def test_false_winner_rate_within_five_percent_with_early_stopping():
    for metric in ("error_rate", "avg_latency_ms"):
        criteria = WinnerCriteria(metric=metric, threshold=0)
        assert false_winners(winners(criteria, b_error=0.01, b_median=25.0, seed=1, early=True)) <= BAR


def test_false_winner_rate_within_five_percent_at_one_look():
    criteria = WinnerCriteria(metric="error_rate", threshold=0)
    assert false_winners(winners(criteria, b_error=0.01, b_median=25.0, seed=2, early=False)) <= BAR


def test_early_stopping_finds_a_better_b_and_a_worse_one():
    latency = WinnerCriteria(metric="avg_latency_ms", threshold=10)
    assert winners(latency, b_error=0.01, b_median=20.0, seed=3, early=True).count("B") >= 0.95 * EXPERIMENTS
    errors = WinnerCriteria(metric="error_rate", threshold=10)
    assert winners(errors, b_error=0.03, b_median=25.0, seed=4, early=True).count("A") >= 0.95 * EXPERIMENTS


def test_strategy_stops_the_experiment_once_decided():
    r = rollout("ABTesting", {"earlyStopping": True})  # the guide's two hours
    effects, outcome = drive(r, observe=traffic(latency_new=15, latency_old=25))
    assert outcome.status == "Succeeded"
    assert "early stopping" in outcome.reason
    assert len(watched(effects)) < 240
    assert any(e.detail.get("stoppedEarly") for e in of(effects, Report) if e.milestone is Milestone.EVALUATED)


def test_without_early_stopping_the_experiment_runs_its_duration():
    effects, outcome = drive(rollout("ABTesting", {}), observe=traffic(latency_new=15, latency_old=25))
    assert outcome.status == "Succeeded"
    assert len(watched(effects)) == 240
