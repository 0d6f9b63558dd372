"""Live traffic through real workers: batches by routing weight, tallies per module, and
a router that stops sending to nodes it cannot reach."""

from __future__ import annotations

import time

import numpy as np

from hotswap.scenario import load
from runtime.catalog import build
from runtime.fleet import Fleet
from runtime.traffic import Traffic
from tests.runtime.conftest import NEW, OLD, variant_of

RATE = 2000.0


def serve(traffic: Traffic, weights: list[float], seconds: float, settle: float = 0.05) -> dict:
    traffic.take()
    traffic.route(np.array(weights))
    time.sleep(seconds)
    traffic.route(np.zeros(len(weights)))
    time.sleep(settle)  # let the last batches come back
    return traffic.take()


def old_and_new(fleet: Fleet) -> None:
    """Node 0 on the previous module, node 1 on the new one."""
    fleet.deploy(0, OLD, 2.0)
    fleet.deploy(1, NEW, 2.0)


def test_traffic_follows_the_routing_weights(exact_artifacts):
    with Fleet(2, exact_artifacts, [0, 0]) as fleet:
        old_and_new(fleet)
        with Traffic(fleet, RATE, seed=1) as traffic:
            only_old = serve(traffic, [1.0, 0.0], 0.4)
            split = serve(traffic, [0.25, 0.75], 0.6)
            idle = serve(traffic, [0.0, 0.0], 0.1)
    assert set(only_old) == {OLD} and only_old[OLD].failed == 0
    assert 0.3 * RATE * 0.4 < only_old[OLD].requests <= RATE * 0.5
    assert set(split) == {OLD, NEW}
    share = split[NEW].requests / (split[NEW].requests + split[OLD].requests)
    assert 0.65 < share < 0.85
    assert idle == {}
    tally = split[NEW]
    assert tally.latency_count == tally.requests and len(tally.samples) == min(tally.requests, 5000)
    assert tally.latency_sum_ms > 0 and tally.memory_mb > 0 and not tally.crashed


def test_a_stopped_node_is_ejected_and_its_share_served_by_the_others(exact_artifacts):
    with Fleet(2, exact_artifacts, [0, 0]) as fleet:
        old_and_new(fleet)
        with Traffic(fleet, RATE, timeout=0.05, seed=1) as traffic:
            both = serve(traffic, [0.5, 0.5], 1.2, settle=0.5)  # what this host serves with both nodes up
            fleet.stop(1)
            served = serve(traffic, [0.5, 0.5], 1.2, settle=0.5)
    assert NEW not in served  # the stopped node served nothing, and nothing is charged to its module
    assert served[OLD].failed == 0
    offered = both[OLD].requests + both[NEW].requests
    assert served[OLD].requests > 0.6 * offered  # more than its own half: the stopped node's share, retried


def test_traffic_to_a_hung_node_is_retried_on_the_others(exact_artifacts):
    with Fleet(2, exact_artifacts, [0, 0]) as fleet:
        for i in range(2):
            fleet.deploy(i, NEW, 2.0)
        with Traffic(fleet, RATE, timeout=0.1, seed=1) as traffic:
            both = serve(traffic, [0.5, 0.5], 2.0, settle=0.1)
            fleet.stop(1)
            served = serve(traffic, [0.5, 0.5], 2.0, settle=0.1)
    # the rate served with both nodes up is served (measured in the same run, as a loaded
    # host falls behind either way): node 1's share, unanswered, goes to node 0
    assert served[NEW].requests > 0.6 * both[NEW].requests  # more than node 0's own half
    assert served[NEW].failed == 0  # a node down for its own reasons is not the module's failure


def test_a_crashing_module_is_tallied_with_its_node(tmp_path):
    crashing = build(load(variant_of("canary.yaml", tmp_path, new={"crashRate": 1.0, "errorRate": 0})), tmp_path)
    with Fleet(2, crashing, [5, 7]) as fleet:
        for i in range(2):
            fleet.deploy(i, NEW, 2.0)
        with Traffic(fleet, RATE, seed=1) as traffic:
            served = serve(traffic, [0.5, 0.5], 0.4)
    assert served[NEW].crashed == {0, 1}
    assert 0 < served[NEW].failed < served[NEW].requests


def test_the_router_takes_each_weight_times_the_nodes_traffic_level(exact_artifacts):
    with Fleet(2, exact_artifacts, [0, 0]) as fleet:
        old_and_new(fleet)
        with Traffic(fleet, RATE, seed=1) as traffic:
            flat = serve(traffic, [0.5, 0.5], 0.6)
            traffic.level = lambda: np.array([1.0, 0.1])  # node 1's region at a tenth of the peak
            curved = serve(traffic, [0.5, 0.5], 0.6)
    assert 0.7 < flat[NEW].requests / flat[OLD].requests < 1.4
    assert 0.04 < curved[NEW].requests / curved[OLD].requests < 0.2
    whole = curved[OLD].requests + curved[NEW].requests
    assert whole < 0.8 * (flat[OLD].requests + flat[NEW].requests)  # the fleet's rate fell with the level
