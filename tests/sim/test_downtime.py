import numpy as np
import pytest

from hotswap.core.nodes import Topology
from hotswap.scenario.fleet import Fleet
from sim.downtime import YEAR, Downtime


def test_background_failures_follow_the_rate():
    fleet = Fleet.model_validate(
        {"regions": [{"name": "a", "nodes": 100_000}], "nodeFailures": {"perNodeYear": 1.0, "repairTime": "PT1H"}}
    )
    topo = Topology.build([("a", 100_000, 0)])
    down = Downtime(fleet, topo, np.random.default_rng(0))
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
    down = Downtime(fleet, topo, np.random.default_rng(0))
    everyone = np.arange(300)
    assert not down.down(everyone, 599).any()
    hit = down.down(everyone, 600)
    assert hit.sum() == 100 and not hit[:100].any()
    assert not down.down(everyone, 900).any()
