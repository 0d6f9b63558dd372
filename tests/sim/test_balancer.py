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


def test_shares_per_version_and_group_follow_moves():
    """With groups (the regions), each key's share (version * groups + group) is the sum
    of its nodes' shares, kept by counts as nodes move."""
    rng = np.random.default_rng(5)
    version = rng.integers(0, 3, 1000).astype(np.int8)
    group = np.repeat(np.arange(4), 250)
    route = Route(((NodeSet(((0, 600),)), 3.0), (NodeSet(((400, 1000),)), 1.0)))
    balancer = Balancer(route, version, group, 4)
    plain = Balancer(route, version.copy())
    dense = route.weights(1000)
    for _ in range(20):
        nodes = np.unique(rng.integers(0, 1000, 80))
        new = int(rng.integers(0, 3))
        balancer.move(nodes, version[nodes], new)
        plain.move(nodes, version[nodes], new)
        version[nodes] = new
        keys = version.astype(np.int64) * 4 + group
        assert balancer.per_key() == pytest.approx(np.bincount(keys, weights=dense, minlength=12), rel=1e-12)
        assert np.array_equal(balancer.per_version(), plain.per_version())  # groups change nothing per version
