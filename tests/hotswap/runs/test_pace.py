"""The pace of a scaled-down real run: time scale and request rate for the scenario's traffic."""

from __future__ import annotations

import pytest

from hotswap.runs.pace import MAX_AUTO_SCALE, pace


def test_auto_picks_the_largest_scale_the_router_can_deliver():
    p = pace(wanted=320.0, capacity=1000.0)
    assert p.time_scale == 3.0  # 3 x 320 = 960 <= 1000 < 4 x 320
    assert p.wall_rate == 960.0 and p.delivered == 320.0 and not p.short and p.warning() is None


def test_auto_stops_at_300_when_the_router_could_do_more():
    p = pace(wanted=10.0, capacity=1e6)
    assert p.time_scale == MAX_AUTO_SCALE and p.delivered == 10.0


def test_a_router_that_cannot_deliver_even_at_scale_1_sends_what_it_can_and_says_so():
    p = pace(wanted=5000.0, capacity=1000.0)
    assert p.time_scale == 1.0 and p.wall_rate == 1000.0 and p.delivered == 1000.0
    assert p.short and "1,000.0 requests per scenario-second" in p.warning() and "5,000.0" in p.warning()


def test_a_given_scale_beyond_the_router_delivers_less_per_scenario_second():
    p = pace(wanted=320.0, capacity=1000.0, time_scale=300.0)
    assert p.wall_rate == 1000.0
    assert p.delivered == pytest.approx(1000.0 / 300)
    assert p.short


def test_no_traffic_runs_at_300():
    p = pace(wanted=0.0, capacity=1000.0)
    assert (p.time_scale, p.wall_rate, p.short) == (300.0, 0.0, False)
