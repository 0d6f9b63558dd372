"""Traffic curves: the rate per node by region and time, and its integral."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hotswap.core.recording import Recording, Row
from hotswap.core.traffic import DAY, Diurnal, Flat, Replay


def numeric(curve, region: int, t0: float, t1: float) -> float:
    ts = np.linspace(t0, t1, 20_001)
    values = np.array([curve.at(region, t) for t in ts])
    return float(np.sum((values[1:] + values[:-1]) / 2 * np.diff(ts)))


def test_flat_is_the_rate_times_the_time():
    assert Flat(20).requests(0, 10, 40) == 600
    assert Flat(20).previous(0, 0, 1) == (None, None)


def test_a_diurnal_day_peaks_and_dips_in_each_regions_local_time():
    day = Diurnal(peak=20, ratio=40, peak_at=20 * 3600, start=13 * 3600, offsets=(-5 * 3600, 0.0))
    assert day.at(0, 0) == pytest.approx(0.5)  # 13:00 UTC is 08:00 at -05:00: the trough
    assert day.at(0, 12 * 3600) == pytest.approx(20)
    assert day.at(1, 7 * 3600) == pytest.approx(20)  # 20:00 UTC at +00:00
    for t0, t1 in [(0, 60), (100, 5000), (3 * 3600, 30 * 3600)]:
        assert day.requests(0, t0, t1) == pytest.approx(numeric(day, 0, t0, t1), rel=1e-6)
    assert day.requests(1, 0, DAY) == pytest.approx((20 + 0.5) / 2 * DAY)


RECORDING = Recording(
    "day.csv",
    (
        Row(0, "*", 1.0, 0.01, 20.0),
        Row(600, "a", 5.0, 0.02, 30.0),
        Row(1200, "*", 2.0, 0.03, 40.0),
    ),
)


def test_a_replay_holds_each_row_until_the_regions_next():
    replay = Replay(RECORDING, ["a", "b"], None)
    assert [replay.at(0, t) for t in (0, 599, 600, 1199, 1200, 99_999)] == [1, 1, 5, 5, 2, 2]
    assert [replay.at(1, t) for t in (0, 600, 1200)] == [1, 1, 2]
    assert replay.requests(0, 0, 1800) == 600 * 1 + 600 * 5 + 600 * 2
    assert replay.requests(0, 500, 700) == 100 * 1 + 100 * 5
    assert replay.previous(0, 500, 700) == pytest.approx((0.015, 25.0))
    assert replay.previous(1, 500, 700) == pytest.approx((0.01, 20.0))


def test_a_replay_with_a_start_time_counts_from_midnight_and_repeats_daily():
    replay = Replay(RECORDING, ["a"], 300.0)
    assert replay.at(0, 0) == 1 and replay.at(0, 300) == 5
    assert replay.at(0, DAY - 300) == 1  # the next day starts over
    assert replay.requests(0, 0, DAY) == pytest.approx(replay.requests(0, DAY, 2 * DAY))
    assert replay.requests(0, DAY - 600, DAY) == pytest.approx(numeric(replay, 0, DAY - 600, DAY), rel=1e-3)
    whole = 600 * 1 + 600 * 5 + (DAY - 1200) * 2
    assert replay.requests(0, 0, 3 * DAY) == pytest.approx(3 * whole)
    assert math.isclose(replay.requests(0, -300, 0), 300 * 1)


@pytest.mark.parametrize(
    "curve",
    [
        Flat(20),
        Diurnal(peak=20, ratio=40, peak_at=20 * 3600, start=13 * 3600, offsets=(-5 * 3600, 0.0)),
        Replay(RECORDING, ["a", "b"], None),
        Replay(RECORDING, ["a", "b"], 300.0),
    ],
    ids=["flat", "diurnal", "replay", "replay-daily"],
)
def test_many_stretches_at_once_are_each_stretch_alone(curve):
    t0 = np.array([0.0, 500.0, 599.0, 1200.0, DAY - 600, 5.0])
    t1 = np.array([600.0, 700.0, 601.0, 1800.0, DAY + 900, 5.0])  # the last one empty
    for region in (0, 1):
        many = curve.requests(region, t0, t1)
        assert list(many) == [curve.requests(region, a, b) for a, b in zip(t0, t1, strict=True)]
        errors, medians = curve.previous(region, t0, t1)
        for column, i in ((errors, 0), (medians, 1)):
            alone = [curve.previous(region, a, b)[i] for a, b in zip(t0, t1, strict=True)]
            assert column is None if alone[0] is None else list(column) == alone
    if isinstance(curve, Replay):  # an empty stretch: the first recorded value
        assert curve.previous(0, t0, t1)[1][-1] == 20.0
