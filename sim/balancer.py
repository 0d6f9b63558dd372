"""The simulated load balancer: how a ``Route`` spreads traffic over the nodes.

Traffic splits across pools by weight and evenly across a pool's nodes, so a node's
share is a sum over the few pools holding it. Per pool the balancer keeps how many of
its nodes run each version, per group of nodes (the regions, when given; exact
integers, moved as deploys land), so the traffic each version (and region) gets needs
no pass over the fleet: a deploy costs the nodes it touches.
"""

from __future__ import annotations

import numpy as np

from hotswap.core.effects import Route
from hotswap.core.nodes import NodeSet

VERSIONS = 3  # NONE, PREVIOUS, CANDIDATE


class Balancer:
    def __init__(self, route: Route, version: np.ndarray, group: np.ndarray | None = None, groups: int = 1) -> None:
        """``group``: each node's group (0..groups-1), e.g. its region; None: one group."""
        total = sum(w for _, w in route.pools)
        self.pools: list[tuple[NodeSet, float]] = [(n, w / total / len(n)) for n, w in route.pools if len(n)]
        self.group, self.groups = group, groups
        size = VERSIONS * groups
        held = [n.indices() for n, _ in self.pools]
        self.counts = np.array(  # per pool, its nodes per key: version * groups + group
            [np.bincount(self._key(i, version[i]), minlength=size) for i in held], dtype=np.int64
        ).reshape(-1, size)
        self._per_key: np.ndarray | None = None
        self._per_version: np.ndarray | None = None

    def _key(self, nodes: np.ndarray, on: np.ndarray) -> np.ndarray:
        """The keys of ``nodes``, running versions ``on`` (one per node)."""
        key: np.ndarray = on.astype(np.int64) * self.groups
        return key + self.group[nodes] if self.group is not None else key

    def share(self, nodes: np.ndarray) -> np.ndarray:
        """Each of ``nodes``' share of the traffic (``Route.weights`` at those nodes)."""
        out = np.zeros(len(nodes))
        for pool, per_node in self.pools:
            out += pool.holds(nodes) * per_node
        return out

    def move(self, nodes: np.ndarray, old: np.ndarray, new: int) -> None:
        """``nodes`` left versions ``old`` (one per node) for version ``new``."""
        size = VERSIONS * self.groups
        left = self._key(nodes, old)
        came = left + (new - old.astype(np.int64)) * self.groups
        for p, (pool, _) in enumerate(self.pools):
            inside = pool.holds(nodes)
            self.counts[p] += np.bincount(came[inside], minlength=size) - np.bincount(left[inside], minlength=size)
        self._per_key = self._per_version = None

    def per_key(self) -> np.ndarray:
        """The share of the traffic the nodes of each key (``version * groups + group``)
        get together."""
        if self._per_key is None:  # only deploys change it
            self._per_key = np.zeros(VERSIONS * self.groups)
            for (_, per_node), counts in zip(self.pools, self.counts, strict=True):
                self._per_key += per_node * counts
        return self._per_key

    def per_version(self) -> np.ndarray:
        """The share of the traffic each version's nodes get together."""
        if self._per_version is None:  # from exact counts per version, whatever the groups
            self._per_version = np.zeros(VERSIONS)
            by_version = self.counts.reshape(-1, VERSIONS, self.groups).sum(axis=2)
            for (_, per_node), counts in zip(self.pools, by_version, strict=True):
                self._per_version += per_node * counts
        return self._per_version
