"""Scaling a scenario's fleet down to a few worker processes."""

from __future__ import annotations

import pytest

from hotswap.runs.scale import scale, shares
from hotswap.scenario import load
from hotswap.scenario.model import Scenario
from tests.sim.test_driver import SCENARIOS

GUIDE = [20, 15, 18, 12]


def regions(s: Scenario) -> list[tuple[str, int, int]]:
    return [(r.name, r.nodes, r.idle_nodes) for r in s.fleet.regions]


@pytest.mark.parametrize("total", [4, 5, 6, 8, 13, 40])
def test_shares_keep_each_regions_share_with_at_least_one_each(total):
    out = shares(GUIDE, total)
    assert sum(out) == total and min(out) >= 1
    exact = [n * total / sum(GUIDE) for n in GUIDE]
    assert all(abs(o - e) < 1 for o, e in zip(out, exact, strict=True))


def test_shares_give_empty_regions_nothing_and_small_regions_one():
    assert shares([0, 100, 1], 4) == [0, 3, 1]
    assert shares(GUIDE, 8) == [2, 2, 2, 2]
    assert shares([60, 20, 20], 5) == [3, 1, 1]


def test_scale_keeps_region_names_order_and_shares():
    s = load(SCENARIOS / "canary.yaml")
    scaled = scale(s, 6)
    assert [r[0] for r in regions(scaled)] == [r[0] for r in regions(s)]
    assert sum(r[1] for r in regions(scaled)) == 6
    assert [r[1] for r in regions(scaled)] == shares(GUIDE, 6)
    assert all(r[1] >= 1 for r in regions(scaled))


def test_scale_keeps_the_ratio_of_idle_to_active_nodes():
    blue_green = scale(load(SCENARIOS / "blue-green-bad-module.yaml"), 4)
    assert regions(blue_green) == [("us-east", 1, 1), ("us-west", 1, 1), ("eu-central", 1, 1), ("apac-east", 1, 1)]
    half = Scenario.model_validate(
        {
            "deployment": {"moduleId": "new", "strategy": "Canary"},
            "fleet": {
                "regions": [
                    {"name": "a", "nodes": 40, "idleNodes": 20},
                    {"name": "b", "nodes": 40},
                    {"name": "spare", "nodes": 0, "idleNodes": 7},
                ]
            },
        }
    )
    assert regions(scale(half, 8)) == [("a", 4, 2), ("b", 4, 0), ("spare", 0, 1)]


def test_scale_changes_nothing_but_the_regions():
    s = load(SCENARIOS / "canary-bad-module.yaml")
    scaled = scale(s, 4)
    assert scaled.modules == s.modules and scaled.deployment == s.deployment
    assert scaled.fleet.model_dump(exclude={"regions"}) == s.fleet.model_dump(exclude={"regions"})
    assert sum(r.nodes for r in s.fleet.regions) == 65  # the original is untouched


def test_scale_rejects_fewer_nodes_than_regions_with_nodes():
    with pytest.raises(ValueError, match="--nodes 3 is fewer than the 4 regions with nodes"):
        scale(load(SCENARIOS / "canary.yaml"), 3)


def test_small_scenarios_are_left_unchanged():
    small = Scenario.model_validate(
        {
            "deployment": {"moduleId": "new", "strategy": "Rolling"},
            "fleet": {"regions": [{"name": "a", "nodes": 3, "idleNodes": 3}, {"name": "b", "nodes": 2}]},
        }
    )
    assert scale(small, 5) is small
    assert scale(small, 16) is small
    assert regions(scale(small, 2)) == [("a", 1, 1), ("b", 1, 0)]
