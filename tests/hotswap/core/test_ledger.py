import numpy as np

from hotswap.core.ledger import CANDIDATE, Ledger
from hotswap.core.nodes import NodeSet


def test_blast_radius_counts_node_seconds_on_the_new_module():
    ledger = Ledger(10, NodeSet.span(0, 10), "old", "new")
    ledger.switch(np.arange(4), "new", np.array([1.0, 2.0, 3.0, 4.0]))
    ledger.switch(np.arange(2), "old", 11.0)  # nodes 0, 1 back after 10 and 9 s
    ledger.serve(CANDIDATE, 100, 7)
    blast = ledger.blast_radius(now=20.0)  # nodes 2, 3 still on it: 17 and 16 s
    assert blast == {
        "nodes": 4,
        "nodesPercent": 40.0,
        "requests": 100,
        "failedRequests": 7,
        "nodeSeconds": 10 + 9 + 17 + 16,
        "trafficPercent": 40.0,  # the peak share routed to it: 4 of 10 evenly loaded nodes
    }
    assert ledger.final_state() == {"newModuleNodes": 2, "previousModuleNodes": 8}


def test_capacity_tracks_idle_nodes_brought_into_use():
    ledger = Ledger(20, NodeSet.span(0, 10), "old", "new")
    ledger.switch(np.arange(10, 20), "new", 0.0)
    ledger.switch(np.arange(10, 20), None, 5.0)
    assert ledger.capacity() == {"peakNodes": 20, "overheadPercent": 100.0}
    assert ledger.in_use == 10


def test_traffic_share_follows_the_route_not_the_node_count():
    from hotswap.core.effects import Route

    ledger = Ledger(10, NodeSet.span(0, 10), "old", "new")
    ledger.switch(np.arange(1), "new", 0.0)
    assert ledger.blast_radius(1.0)["trafficPercent"] == 10.0
    ledger.route(Route(((NodeSet.span(0, 1), 5.0), (NodeSet.span(1, 10), 95.0))))
    ledger.route(Route(((NodeSet.span(0, 10), 1.0),)))
    assert ledger.blast_radius(1.0)["trafficPercent"] == 10.0  # the peak: 5% split, then back to 10%
    ledger.route(Route(((NodeSet.span(0, 1), 30.0), (NodeSet.span(1, 10), 70.0))))
    assert abs(ledger.blast_radius(1.0)["trafficPercent"] - 30.0) < 1e-9
