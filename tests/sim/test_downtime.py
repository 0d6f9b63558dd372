import numpy as np
import pytest

from hotswap.core.nodes import NodeSet, Topology
from hotswap.runs.setup import disruptions
from hotswap.scenario.fleet import Fleet
from hotswap.scenario.model import Scenario
from sim.downtime import YEAR, Downtime


def scenario_of(fleet: Fleet) -> Scenario:
    return Scenario.model_validate({"deployment": {"moduleId": "new", "strategy": "Canary"}}).model_copy(
        update={"fleet": fleet}
    )


def test_background_failures_follow_the_rate():
    fleet = Fleet.model_validate(
        {"regions": [{"name": "a", "nodes": 100_000}], "nodeFailures": {"perNodeYear": 1.0, "repairTime": "PT1H"}}
    )
    topo = Topology.build([("a", 100_000, 0)])
    rng = np.random.default_rng(0)
    down = Downtime(fleet.node_failures, topo.size, disruptions(scenario_of(fleet), topo, rng), rng)
    nodes, seconds = down.overlap(0.0, 10 * 86400.0)
    expected = 100_000 / YEAR * 10 * 86400  # ~2,740 failures in ten days
    assert len(nodes) == pytest.approx(expected, rel=0.1)
    assert seconds.mean() == pytest.approx(3600, rel=0.1)


def test_outage_takes_the_share_of_the_region_down_for_its_duration():
    fleet = Fleet.model_validate(
        {
            "regions": [{"name": "a", "nodes": 100}, {"name": "b", "nodes": 100, "idleNodes": 100}],
            "nodeFailures": {"perNodeYear": 0},
            "outages": [{"region": "b", "at": "PT10M", "duration": "PT5M", "fraction": 0.5}],
        }
    )
    topo = Topology.build([("a", 100, 0), ("b", 100, 100)])
    rng = np.random.default_rng(0)
    down = Downtime(fleet.node_failures, topo.size, disruptions(scenario_of(fleet), topo, rng), rng)
    everyone = NodeSet.span(0, 300)
    assert not down.down(everyone, 599).any()
    hit = down.down(everyone, 600)
    assert hit.sum() == 100 and not hit[:100].any()
    assert not down.down(everyone, 900).any()
