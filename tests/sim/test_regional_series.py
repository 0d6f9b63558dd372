"""Traffic that depends on the region and the time, sampled for many intervals at once
(``Population.series``) and for one window (``Population.sample``): the same code, so the
same draws for one interval; the same expected traffic for k intervals as for k windows.
Real numpy and SimPy-free population, a fleet with down nodes, crashing and slow nodes."""

from __future__ import annotations

import numpy as np
import pytest

import sim.population
from hotswap.core.recording import Recording, Row
from hotswap.core.series import Series
from hotswap.core.traffic import Curve, Diurnal, Replay
from hotswap.scenario.model import Scenario
from sim.population import Population
from tests.sim.test_population import populated

REGIONS = ("a", "b", "c")
DAY = Diurnal(peak=20, ratio=10, peak_at=0.0, start=0.0, offsets=(0.0, 8 * 3600.0, 16 * 3600.0))
RECORDED = Replay(
    Recording(
        "day.csv",
        (
            Row(0, "*", 4.0, 0.01, 20.0),
            Row(300, "b", 12.0, 0.05, 40.0),  # region b busier and worse from 300 s on
            Row(500, "*", 8.0, 0.02, 30.0),
        ),
    ),
    list(REGIONS),
    None,
)


def regional(seed: int, curve: Curve, by_region: bool = True) -> Population:
    """Three regions, the candidate on part of a and all of c (b keeps the previous
    module); background node failures, an outage in b, slow nodes in a, crashing workers."""
    scenario = Scenario.model_validate(
        {
            "previousModuleId": "old",
            "fleet": {
                "regions": [{"name": "a", "nodes": 400}, {"name": "b", "nodes": 300}, {"name": "c", "nodes": 300}],
                "nodeFailures": {"perNodeYear": 100, "repairTime": "PT5M"},
                "outages": [{"region": "b", "at": 250, "duration": 300, "fraction": 0.3}],
                "faults": [{"action": "slow", "region": "a", "at": 0, "nodes": 20, "duration": 900, "slowMs": 50}],
            },
            "modules": {"new": {"errorRate": 0.05, "crashRate": 0.2, "meanTimeToCrash": 300}},
            "deployment": {"moduleId": "new", "strategy": "Canary"},
        }
    )
    pop, layout, _ = populated(scenario, seed, curve=curve, by_region=by_region)
    a, c = layout.region("a"), layout.region("c")
    assert a is not None and c is not None
    _report, pending = pop.deploy(a.active.head(200) | c.active, "new", 0.0)
    pop.apply(pending)
    return pop


def intervals(k: int, t0: float = 200.0, step: float = 60.0) -> tuple[tuple[float, ...], list[float]]:
    return (step,) * k, [t0 + step * (i + 1) for i in range(k)]


@pytest.mark.parametrize("curve", [DAY, RECORDED], ids=["diurnal", "recorded"])
@pytest.mark.parametrize("by_region", [True, False])
def test_a_series_of_one_interval_is_the_window_sampled_alone_bit_for_bit(curve: Curve, by_region: bool) -> None:
    alone = regional(7, curve, by_region).sample(230.0, 290.0)
    one = regional(7, curve, by_region).series(230.0, (60.0,), [290.0]).at(0)
    assert alone == (one.versions, one.regions)
    assert set(alone[0]) == {"old", "new"}
    assert (set(alone[1]) == set(REGIONS)) == by_region
    if by_region:  # b keeps the previous module only; a runs both
        assert set(alone[1]["b"]) == {"old"} and set(alone[1]["a"]) == {"old", "new"}


def test_a_series_worked_out_a_slice_of_intervals_at_a_time_is_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    steps, ends = intervals(12)
    whole = regional(3, RECORDED).series(200.0, steps, ends)
    monkeypatch.setattr(sim.population, "CELLS", 1)  # one interval per slice
    sliced = regional(3, RECORDED).series(200.0, steps, ends)
    assert [whole.at(i) for i in range(12)] == [sliced.at(i) for i in range(12)]


def totals(parts: list[Series]) -> dict[tuple[str, str], np.ndarray]:
    """Per region and version: requests, failed requests, and the answered requests'
    latency summed (mean times answered), over every interval of ``parts``."""
    out: dict[tuple[str, str], np.ndarray] = {}
    for series in parts:
        for region, per in series.regions.items():
            for module, c in per.items():
                answered = c.requests - c.failed
                row = np.array([c.requests.sum(), c.failed.sum(), (c.latency_mean * answered).sum()], dtype=float)
                out[(region, module)] = out.get((region, module), 0) + row
    return out


def test_k_intervals_at_once_draw_the_traffic_of_k_windows_sampled_one_by_one() -> None:
    """Forty seeds of eight one-minute intervals (across the recording's steps, the
    outage's start and crashes) as one series and as eight windows, each on its own
    population (independent draws): per region and version the mean requests, failures
    and latency-weighted answers agree within four standard errors of their difference
    (a false alarm about once in 16,000 per figure if the two are the same; 400 seeds
    instead of 40 stayed within 1.5). A standard error is under 0.2% of the requests,
    1% of the latencies and 4% of the failures (crashes make them vary most), so a bias
    of 1%, 4% and 16% would show: a region's rate a recorded step off is a 50-200% bias."""
    seeds, (steps, ends) = range(40), intervals(8)
    starts = [200.0, *ends[:-1]]
    together = [totals([regional(s, RECORDED).series(200.0, steps, ends)]) for s in seeds]
    apart = []
    for s in seeds:
        pop = regional(1000 + s, RECORDED)
        apart.append(totals([pop.series(a, (b - a,), [b]) for a, b in zip(starts, ends, strict=True)]))
    assert set(together[0]) == set(apart[0]) == {("a", "old"), ("a", "new"), ("b", "old"), ("c", "new")}
    for key in together[0]:
        x = np.array([t[key] for t in together])
        y = np.array([t[key] for t in apart])
        error = np.sqrt(x.var(axis=0, ddof=1) / len(x) + y.var(axis=0, ddof=1) / len(y))
        assert (x.mean(axis=0) > 0).all()
        assert (np.abs(x.mean(axis=0) - y.mean(axis=0)) < 4 * error).all(), (key, x.mean(axis=0), y.mean(axis=0))
        assert (error < np.array([0.002, 0.04, 0.01]) * x.mean(axis=0)).all()  # what the test can see


def test_a_region_served_at_a_recorded_rate_gets_its_share_of_the_requests() -> None:
    """Until 300 s every region runs 4 requests/s per node; from 300 s to 500 s region b
    runs 12 and the rest 4, while 30% of b is down (its outage): the balancer spreads
    the fleet's requests over the nodes up, so per node up b gets three times a's."""
    pop = regional(5, RECORDED)
    steps, ends = intervals(2, t0=0.0, step=100.0)
    early = pop.series(0.0, steps, ends).regions["a"]["old"]
    assert early.requests / early.nodes / 100.0 == pytest.approx([4.0, 4.0], rel=0.02)
    later = pop.series(300.0, (200.0,), [500.0]).regions
    a = (later["a"]["old"].requests[0] + later["a"]["new"].requests[0]) / 400
    b = later["b"]["old"].requests[0] / (0.7 * 300)
    assert b / a == pytest.approx(3.0, rel=0.03)  # a node or two down at random besides


def test_a_version_is_its_regions_pooled_interval_by_interval() -> None:
    """Counts add up, the mean latency is weighted by the requests answered, each
    interval's samples are its regions' end to end, in fleet order."""
    steps, ends = intervals(6)
    series = regional(11, DAY).series(200.0, steps, ends)
    for module, whole in series.versions.items():
        assert [name for name, per in series.regions.items() if module in per] == {
            "old": ["a", "b"],
            "new": ["a", "c"],
        }[module]
        parts = [per[module] for per in series.regions.values() if module in per]
        for i in range(len(series)):
            mine = [c.at(i) for c in parts]
            pooled = whole.at(i)
            assert pooled.nodes == sum(m.nodes for m in mine)
            assert pooled.requests == sum(m.requests for m in mine)
            assert pooled.failed_requests == sum(m.failed_requests for m in mine)
            assert pooled.crashed_nodes == sum(m.crashed_nodes for m in mine)
            answered = [m.requests - m.failed_requests for m in mine]
            weighted = sum(m.latency_mean_ms * n for m, n in zip(mine, answered, strict=True)) / sum(answered)
            assert pooled.latency_mean_ms == pytest.approx(weighted, rel=1e-12)
            samples = np.concatenate([m.latency_samples.values for m in mine])
            assert np.array_equal(pooled.latency_samples.values, samples)
