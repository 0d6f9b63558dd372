"""When nodes are down for reasons of their own: background failures, region outages,
and the scenario's ``kill`` (down while the worker restarts) and ``stop`` faults.

Background failures are a Poisson process over the whole fleet (a uniform node each
time, exponential repair), sampled lazily a day at a time; outages are the scenario's.
Both are kept as ``(node, start, end)`` arrays, so a million nodes cost nothing until
one of them fails.
"""

from __future__ import annotations

import numpy as np

from hotswap.core.nodes import Topology
from hotswap.runs.setup import fault_nodes
from hotswap.scenario.fleet import Fleet

YEAR = 365 * 86400.0
CHUNK = 86400.0


class Downtime:
    def __init__(self, fleet: Fleet, topology: Topology, rng: np.random.Generator) -> None:
        self.rng, self.size = rng, topology.size
        self.rate = fleet.node_failures.per_node_year / YEAR * self.size
        self.repair = fleet.node_failures.repair_time
        self.node = np.empty(0, dtype=np.int64)
        self.start = np.empty(0)
        self.end = np.empty(0)
        self.horizon = 0.0
        for outage in fleet.outages:
            region = topology.region(outage.region)
            assert region is not None
            members = (region.active | region.idle).indices()
            count = round(len(members) * outage.fraction)
            hit = members if count == len(members) else np.sort(rng.choice(members, count, replace=False))
            self._add(hit, np.full(count, outage.at), np.full(count, outage.at + outage.duration))
        for fault in fleet.faults:
            if fault.action in ("kill", "stop"):
                hit = fault_nodes(topology, fault).indices()
                lasts = fleet.restart_seconds if fault.action == "kill" else fault.duration
                self._add(hit, np.full(len(hit), fault.at), np.full(len(hit), fault.at + lasts))

    def _add(self, node: np.ndarray, start: np.ndarray, end: np.ndarray) -> None:
        self.node = np.concatenate([self.node, node])
        self.start = np.concatenate([self.start, start])
        self.end = np.concatenate([self.end, end])

    def _extend(self, t: float) -> None:
        while self.horizon <= t:
            count = self.rng.poisson(self.rate * CHUNK) if self.rate else 0
            start = self.horizon + self.rng.random(count) * CHUNK
            self._add(self.rng.integers(0, self.size, count), start, start + self.rng.exponential(self.repair, count))
            self.horizon += CHUNK

    def down(self, nodes: np.ndarray, t: float) -> np.ndarray:
        """Which of ``nodes`` are down at time ``t``."""
        self._extend(t)
        now = (self.start <= t) & (self.end > t)
        if not now.any():
            return np.zeros(len(nodes), dtype=bool)
        return np.isin(nodes, self.node[now])

    def overlap(self, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray]:
        """Nodes down at some point in ``[t0, t1)``, and for how many seconds each."""
        self._extend(t1)
        seconds = np.minimum(self.end, t1) - np.maximum(self.start, t0)
        hit = seconds > 0
        return self.node[hit], seconds[hit]
