"""A watch asks for its intervals as one series and keeps those up to the first that
decides: the same decisions, at the same intervals, with the same figures, as when
the intervals come one at a time."""

from __future__ import annotations

from hotswap.core.effects import Keep, ObserveSeries, Report
from tests.hotswap.core.strategies.hand import bad_from, drive, of, rollout, traffic, watched


def both_ways(r, make_observe):
    return {ahead: drive(r, observe=make_observe(), ahead=ahead) for ahead in (False, True)}


def test_a_trigger_fires_at_the_same_interval_ahead_or_one_by_one():
    runs = both_ways(
        rollout("Canary", {"stages": [10, 100], "evaluationPeriod": "PT10M"}), lambda: bad_from(7, error_rate=0.2)
    )
    (one, one_outcome), (ahead, ahead_outcome) = runs[False], runs[True]
    assert one_outcome == ahead_outcome and one_outcome.status == "RolledBack"
    assert [r for r in of(one, Report)] == [r for r in of(ahead, Report)]  # every milestone, figures and times
    n = len(watched(one))  # the traffic turned bad at the 7th: shown a little later, from all seen since
    assert 7 <= n < 20 and watched(one) == watched(ahead) == [30.0] * n
    fired = [r.detail for r in of(ahead, Report) if r.milestone.value == "TriggerFired"]
    assert fired[0]["afterSeconds"] == n * 30.0
    assert [len(e.steps) for e in of(ahead, ObserveSeries)] == [20]  # asked for the whole wait at once ...
    assert [e.intervals for e in of(ahead, Keep)] == [n]  # ... and kept up to the deciding interval
    assert len(of(one, ObserveSeries)) == n  # one at a time: each interval asked for, and served, alone


def test_an_experiment_stops_early_at_the_same_interval_ahead_or_one_by_one():
    cfg = {"experimentDuration": "PT2H", "earlyStopping": True, "minimumSampleSize": 1000}
    runs = both_ways(rollout("ABTesting", cfg), lambda: traffic(latency_new=15, latency_old=25, requests=200))
    (one, one_outcome), (ahead, ahead_outcome) = runs[False], runs[True]
    assert one_outcome == ahead_outcome
    assert [r for r in of(one, Report)] == [r for r in of(ahead, Report)]
    assert watched(one) == watched(ahead) and 1 < len(watched(ahead)) < 240
    assert len(of(ahead, ObserveSeries)) == 1


def test_a_quiet_wait_is_one_series_kept_whole():
    (effects, outcome) = drive(rollout("BlueGreen"), ahead=True)
    assert outcome.status == "Succeeded"
    assert [len(e.steps) for e in of(effects, ObserveSeries)] == [120]
    assert [e.intervals for e in of(effects, Keep)] == [120]
