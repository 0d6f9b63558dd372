"""The load balancer's split: per-node shares as ``Route.weights``, per-version shares
kept exact as nodes change version."""

import numpy as np
import pytest

from hotswap.core.effects import Route
from hotswap.core.nodes import NodeSet
from sim.balancer import Balancer


def test_shares_are_the_routes_weights_and_follow_moves():
    rng = np.random.default_rng(3)
    version = rng.integers(0, 3, 1000).astype(np.int8)
    a, b = NodeSet(((0, 300), (500, 900))), NodeSet(((250, 520),))  # overlapping pools
    route = Route(((a, 70.0), (b, 30.0)))
    balancer = Balancer(route, version)
    everyone = np.arange(1000)
    dense = route.weights(1000)
    assert np.array_equal(balancer.share(everyone), dense)
    for _ in range(20):
        nodes = np.unique(rng.integers(0, 1000, 50))
        new = int(rng.integers(0, 3))
        balancer.move(nodes, version[nodes], new)
        version[nodes] = new
        assert balancer.per_version() == pytest.approx(np.bincount(version, weights=dense, minlength=3), rel=1e-12)
    assert balancer.per_version().sum() == pytest.approx(1.0)
