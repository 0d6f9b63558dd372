"""When nodes are down for reasons of their own: background failures, region outages,
and the scenario's ``kill`` (down while the worker restarts) and ``stop`` faults.

Background failures are a Poisson process over the whole fleet (a uniform node each
time, exponential repair), sampled lazily a day at a time; outages are the scenario's.
The scenario's share comes set up (``runs.setup.disruptions``).
Both are kept as ``(node, start, end)`` arrays, so a million nodes cost nothing until
one of them fails; an index by start time (and the longest interval) lets a question
about time ``t`` look only at the intervals that can span it.
"""

from __future__ import annotations

import numpy as np

from hotswap.core.nodes import NodeSet
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
        self._by_start = np.empty(0, dtype=np.int64)  # positions in start order
        self._starts = np.empty(0)  # start times in that order
        self._longest = 0.0
        for d in disruptions:
            if d.kind != "slow":
                self._add(d.nodes, np.full(len(d.nodes), d.at), np.full(len(d.nodes), d.until))

    def _add(self, node: np.ndarray, start: np.ndarray, end: np.ndarray) -> None:
        self.node = np.concatenate([self.node, node])
        self.start = np.concatenate([self.start, start])
        self.end = np.concatenate([self.end, end])
        self._by_start = np.argsort(self.start, kind="stable")
        self._starts = self.start[self._by_start]
        if len(start):
            self._longest = max(self._longest, float(np.max(end - start)))

    def _spanning(self, t0: float, t1: float, ordered: bool = True) -> np.ndarray:
        """Positions of every interval that may overlap ``[t0, t1]``: those starting
        from ``t0`` less the longest interval up to ``t1`` (in insertion order when
        ``ordered``, as sums over them need)."""
        margin = self._longest * (1 + 1e-9) + 1e-9
        lo = self._starts.searchsorted(t0 - margin, side="left")
        hi = self._starts.searchsorted(t1, side="right")
        at = self._by_start[lo:hi]
        return np.sort(at) if ordered and len(at) > 1 else at

    def _extend(self, t: float) -> None:
        while self.horizon <= t:
            count = self.rng.poisson(self.rate * CHUNK) if self.rate else 0
            start = self.horizon + self.rng.random(count) * CHUNK
            self._add(self.rng.integers(0, self.size, count), start, start + self.rng.exponential(self.repair, count))
            self.horizon += CHUNK

    def down(self, nodes: NodeSet, t: float) -> np.ndarray:
        """Which of ``nodes`` (in ``indices()`` order) are down at time ``t``: the few
        nodes down then are looked up in the set, not the set among them."""
        self._extend(t)
        at = self._spanning(t, t, ordered=False)
        hit = np.zeros(len(nodes), dtype=bool)
        now = at[(self.start[at] <= t) & (self.end[at] > t)] if len(at) else at
        if len(now):
            hit[nodes.positions(self.node[now])] = True
        return hit

    def spans(self, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every down interval that may overlap ``[t0, t1)``: its node, start and end."""
        self._extend(t1)
        at = self._spanning(t0, t1)
        return self.node[at], self.start[at], self.end[at]

    def overlap(self, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray]:
        """Nodes down at some point in ``[t0, t1)``, and for how many seconds each."""
        self._extend(t1)
        at = self._spanning(t0, t1)
        if not len(at):
            return self.node[at], np.empty(0)
        seconds = np.minimum(self.end[at], t1) - np.maximum(self.start[at], t0)
        hit = seconds > 0
        return self.node[at[hit]], seconds[hit]
