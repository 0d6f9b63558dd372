"""The simulated load balancer: how a ``Route`` spreads traffic over the nodes.

Traffic splits across pools by weight and evenly across a pool's nodes, so a node's
share is a sum over the few pools holding it. Per pool the balancer keeps how many of
its nodes run each version (exact integers, moved as deploys land), so the traffic
each version gets needs no pass over the fleet: a deploy costs the nodes it touches.
"""

from __future__ import annotations

import numpy as np

from hotswap.core.effects import Route
from hotswap.core.nodes import NodeSet

VERSIONS = 3  # NONE, PREVIOUS, CANDIDATE


class Balancer:
    def __init__(self, route: Route, version: np.ndarray) -> None:
        total = sum(w for _, w in route.pools)
        self.pools: list[tuple[NodeSet, float]] = [(n, w / total / len(n)) for n, w in route.pools if len(n)]
        self.counts = np.array(
            [np.bincount(version[n.indices()], minlength=VERSIONS) for n, _ in self.pools], dtype=np.int64
        ).reshape(-1, VERSIONS)
        self._per_version: np.ndarray | None = None

    def share(self, nodes: np.ndarray) -> np.ndarray:
        """Each of ``nodes``' share of the traffic (``Route.weights`` at those nodes)."""
        out = np.zeros(len(nodes))
        for pool, per_node in self.pools:
            out += pool.holds(nodes) * per_node
        return out

    def move(self, nodes: np.ndarray, old: np.ndarray, new: int) -> None:
        """``nodes`` left versions ``old`` for version ``new``."""
        for p, (pool, _) in enumerate(self.pools):
            inside = pool.holds(nodes)
            self.counts[p] -= np.bincount(old[inside], minlength=VERSIONS)
            self.counts[p, new] += int(np.count_nonzero(inside))
        self._per_version = None

    def per_version(self) -> np.ndarray:
        """The share of the traffic each version's nodes get together."""
        if self._per_version is None:  # only deploys change it
            self._per_version = np.zeros(VERSIONS)
            for (_, per_node), counts in zip(self.pools, self.counts, strict=True):
                self._per_version += per_node * counts
        return self._per_version
