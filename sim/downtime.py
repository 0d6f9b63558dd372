"""When nodes are down for reasons of their own: background failures, region outages,
and the scenario's ``kill`` (down while the worker restarts) and ``stop`` faults.

Background failures are a Poisson process over the whole fleet (a uniform node each
time, exponential repair), sampled lazily a day at a time; outages are the scenario's.
The scenario's share comes set up (``runs.setup.disruptions``).
Both are kept as ``(node, start, end)`` arrays, so a million nodes cost nothing until
one of them fails.
"""

from __future__ import annotations

import numpy as np

from hotswap.runs.setup import Disruption
from hotswap.scenario.fleet import NodeFailures

YEAR = 365 * 86400.0
CHUNK = 86400.0


class Downtime:
    def __init__(
        self, failures: NodeFailures, size: int, disruptions: list[Disruption], rng: np.random.Generator
    ) -> None:
        self.rng, self.size = rng, size
        self.rate = failures.per_node_year / YEAR * self.size
        self.repair = failures.repair_time
        self.node = np.empty(0, dtype=np.int64)
        self.start = np.empty(0)
        self.end = np.empty(0)
        self.horizon = 0.0
        for d in disruptions:
            if d.kind != "slow":
                self._add(d.nodes, np.full(len(d.nodes), d.at), np.full(len(d.nodes), d.until))

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
