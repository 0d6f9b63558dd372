"""A series of intervals judged at once decides exactly as its intervals one by one:
the same first interval, the same words, the same state afterwards (hand-fed data)."""

from __future__ import annotations

import math
from dataclasses import replace
from functools import reduce

import numpy as np
import pytest

from hotswap.core.config import Trigger, WinnerCriteria
from hotswap.core.effects import Observation, VersionMetrics
from hotswap.core.judgements import Experiment, Monitor
from hotswap.core.running import SAMPLE_CAP, Seen, fold, merge
from hotswap.core.series import Columns, Series


def window(
    rng: np.random.Generator, requests: int, error_rate: float, median: float, *, crashed: int = 0, samples: int = 50
) -> VersionMetrics:
    x = rng.lognormal(math.log(median), 0.5, samples)
    return VersionMetrics(
        nodes=10,
        requests=requests,
        failed_requests=int(rng.binomial(requests, error_rate)),
        crashed_nodes=crashed,
        latency_mean_ms=float(median * math.exp(0.125) + rng.normal(0, median * 0.55 / math.sqrt(requests))),
        latency_samples=x,
        memory_mb=float(rng.uniform(60, 90)),
    )


def windows(seed: int, k: int, *, turn: int, bad: dict[str, float]) -> list[dict[str, VersionMetrics]]:
    """``k`` windows of two versions; the new one turns ``bad`` from window ``turn`` on."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(k):
        worse = bad if i >= turn else {}
        out.append(
            {
                "new": window(
                    rng,
                    300,
                    worse.get("error_rate", 0.01),
                    worse.get("median", 25.0),
                    crashed=int(worse.get("crashed", 0)),
                ),
                "old": window(rng, 1500, 0.01, 25.0),
            }
        )
    return out


def as_series(ws: list[dict[str, VersionMetrics]]) -> Series:
    return Series.of([Observation(30.0, w) for w in ws])


TRIGGERS = [
    [Trigger(metric="error_rate", threshold=5)],
    [Trigger(metric="error_rate", threshold=50, baseline="previous")],
    [Trigger(metric="error_rate", threshold=3, comparison="less_than")],
    [Trigger(metric="avg_latency_ms", threshold=30)],
    [Trigger(metric="avg_latency_ms", threshold=20, baseline="previous")],
    [Trigger(metric="p95_latency_ms", threshold=50, baseline="previous")],
    [Trigger(metric="crash_rate", threshold=15)],
    [Trigger(metric="memory_mb", threshold=89)],
    [
        Trigger(metric="error_rate", threshold=5),
        Trigger(metric="crash_rate", threshold=15),
        Trigger(metric="avg_latency_ms", threshold=100),
    ],
]
BAD = {"error_rate": 0.09, "median": 45.0, "crashed": 3}


@pytest.mark.parametrize(
    "triggers", TRIGGERS, ids=lambda ts: "+".join(f"{t.metric}{'/prev' if t.baseline else ''}" for t in ts)
)
@pytest.mark.parametrize("seed", range(6))
def test_a_series_fires_at_the_interval_one_by_one_fires(triggers: list[Trigger], seed: int):
    ws = windows(seed, 40, turn=5 + 5 * seed, bad=BAD)
    one = Monitor(triggers, new_id="new", previous_id="old", min_requests=500)
    by_one = next(((i, why) for i, w in enumerate(ws) if (why := one.see(w))), None)
    many = Monitor(triggers, new_id="new", previous_id="old", min_requests=500)
    series = as_series(ws)
    at_once = many.scan(series.versions, len(series))
    assert at_once == by_one
    if at_once is not None:  # the state after the deciding interval is the same, to the bit
        many.take(series.versions, at_once[0] + 1)
        assert many.seen.metrics == one.seen.metrics and many.seen.moments == one.seen.moments
        assert all(np.array_equal(many.ratios[i].log_lr, one.ratios[i].log_lr) for i in one.ratios)


def test_a_series_split_anywhere_decides_as_one():
    ws = windows(11, 30, turn=12, bad=BAD)
    triggers = [Trigger(metric="avg_latency_ms", threshold=30)]
    whole = Monitor(triggers, new_id="new", previous_id="old")
    expected = whole.scan(as_series(ws).versions, 30)
    assert expected is not None and expected[0] > 12
    for cut in (1, 7, 12):
        parts = Monitor(triggers, new_id="new", previous_id="old")
        head = as_series(ws[:cut])
        assert parts.scan(head.versions, cut) is None
        parts.take(head.versions, cut)
        tail = as_series(ws[cut:])
        hit = parts.scan(tail.versions, len(tail))
        assert hit is not None and (hit[0] + cut, hit[1]) == expected


@pytest.mark.parametrize("metric", ["error_rate", "avg_latency_ms"])
@pytest.mark.parametrize("comparison", ["lower_is_better", "higher_is_better"])
@pytest.mark.parametrize("seed", range(4))
def test_an_experiment_stops_at_the_interval_one_by_one_stops(metric: str, comparison: str, seed: int):
    criteria = WinnerCriteria(metric=metric, threshold=10, comparison=comparison)
    rng = np.random.default_rng(seed)
    b_error, b_median = (0.006, 20.0) if seed % 2 else (0.016, 31.0)
    ws = [{"A": window(rng, 400, 0.01, 25.0), "B": window(rng, 100, b_error, b_median)} for _ in range(240)]
    one = Experiment(criteria, a_id="A", b_id="B", minimum_sample_size=1000, confidence=0.95)
    by_one = next(((i, d) for i, w in enumerate(ws) if (d := one.see(w)) is not None), None)
    many = Experiment(criteria, a_id="A", b_id="B", minimum_sample_size=1000, confidence=0.95)
    series = as_series(ws)
    at_once = many.scan(series.versions, len(series))
    assert at_once == by_one
    assert at_once is not None  # each of these shows a winner within two hours
    limited = Experiment(criteria, a_id="A", b_id="B", minimum_sample_size=1000, confidence=0.95)
    assert limited.scan(series.versions, at_once[0]) is None  # looking only before it: nothing yet


def test_fold_merges_as_one_by_one_past_the_sample_cap():
    rng = np.random.default_rng(3)
    parts = [window(rng, 300, 0.01, 25.0, samples=int(n)) for n in rng.integers(0, SAMPLE_CAP // 3, 20)]
    c = Columns.stack(parts)
    before = window(rng, 100, 0.01, 25.0, samples=SAMPLE_CAP)
    for start in (None, before):
        for n in (1, 7, 20):
            expected = reduce(merge, parts[:n], start) if start is not None else reduce(merge, parts[:n])
            assert fold(start, c, n) == expected
    assert len(fold(None, c, 20).latency_samples) <= 2 * SAMPLE_CAP  # thinned on the way


def test_a_series_taken_at_once_leaves_what_one_by_one_leaves():
    ws = windows(5, 12, turn=99, bad={})
    one, many = Seen(), Seen()
    for w in ws:
        one.add(w)
    many.take(as_series(ws).versions, 12)
    assert many.metrics == one.metrics and many.moments == one.moments
    assert many.variance("new") == one.variance("new") > 0


def test_series_hold_one_entry_per_interval():
    ws = windows(1, 3, turn=99, bad={})
    series = as_series(ws)
    assert len(series) == 3 and series.at(1) == Observation(30.0, ws[1])
    assert series.head(2).at(1) == series.at(1)
    with pytest.raises(ValueError):
        Series((30.0,), series.versions)  # three intervals of columns for one step
    with pytest.raises(ValueError):
        replace(Columns.stack([ws[0]["new"]]), failed=np.array([10**9]))  # more failures than requests
