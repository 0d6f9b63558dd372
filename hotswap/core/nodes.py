"""Node sets and the fleet topology strategies plan against.

Rules:
- Nodes are numbered 0..N-1, region by region: each region's active nodes (running
  the previous module) first, then its idle nodes (spare capacity).
- A ``NodeSet`` is an immutable, normalised tuple of half-open index ranges, so a
  stage of a million nodes costs a handful of integers, not a million objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from hotswap.core.config import stage_nodes


@dataclass(frozen=True)
class NodeSet:
    """A set of node indices, held as sorted, disjoint, non-adjacent ranges."""

    ranges: tuple[tuple[int, int], ...] = ()

    def __post_init__(self) -> None:
        merged: list[tuple[int, int]] = []
        for start, stop in sorted(r for r in self.ranges if r[1] > r[0]):
            if start < 0:
                raise ValueError(f"node index {start} is negative")
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(stop, merged[-1][1]))
            else:
                merged.append((start, stop))
        object.__setattr__(self, "ranges", tuple(merged))

    @classmethod
    def span(cls, start: int, stop: int) -> NodeSet:
        return cls(((start, stop),))

    def __len__(self) -> int:
        return sum(stop - start for start, stop in self.ranges)

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def __or__(self, other: NodeSet) -> NodeSet:
        return NodeSet(self.ranges + other.ranges)

    def __and__(self, other: NodeSet) -> NodeSet:
        out = []
        for a0, a1 in self.ranges:
            for b0, b1 in other.ranges:
                if min(a1, b1) > max(a0, b0):
                    out.append((max(a0, b0), min(a1, b1)))
        return NodeSet(tuple(out))

    def __sub__(self, other: NodeSet) -> NodeSet:
        out = []
        for start, stop in self.ranges:
            cursor = start
            for b0, b1 in other.ranges:
                if b1 <= cursor or b0 >= stop:
                    continue
                if b0 > cursor:
                    out.append((cursor, b0))
                cursor = max(cursor, b1)
            if cursor < stop:
                out.append((cursor, stop))
        return NodeSet(tuple(out))

    def __contains__(self, node: int) -> bool:
        return any(start <= node < stop for start, stop in self.ranges)

    def holds(self, nodes: np.ndarray) -> np.ndarray:
        """Which of ``nodes`` (an index array) are in the set: a binary search over the
        ranges' bounds for each (inside when an odd number of them is at or below it), so
        the cost follows ``nodes``, not the set's size."""
        inside: np.ndarray = self._bounds.searchsorted(nodes, side="right") % 2 == 1
        return inside

    def positions(self, nodes: np.ndarray) -> np.ndarray:
        """Where those of ``nodes`` in the set sit in ``indices()`` (the others left
        out): the same binary search, so a few nodes cost a few steps whatever the
        set's size."""
        bound = self._bounds.searchsorted(nodes, side="right")
        inside = bound % 2 == 1
        at = bound[inside] // 2  # the range each is in
        out: np.ndarray = self._offsets[at] + nodes[inside] - self._bounds[2 * at]
        return out

    @cached_property
    def _bounds(self) -> np.ndarray:
        """Every range's start and stop, in order (strictly increasing)."""
        return np.array(self.ranges, dtype=np.int64).reshape(-1)

    @cached_property
    def _offsets(self) -> np.ndarray:
        """Where each range begins in ``indices()``."""
        lengths = self._bounds[1::2] - self._bounds[0::2]
        return np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)

    def head(self, count: int) -> NodeSet:
        """The first ``count`` nodes in index order."""
        out, left = [], count
        for start, stop in self.ranges:
            if left <= 0:
                break
            take = min(left, stop - start)
            out.append((start, start + take))
            left -= take
        return NodeSet(tuple(out))

    def chunks(self, size: int) -> Iterator[NodeSet]:
        """Consecutive batches of ``size`` nodes (the last may be smaller)."""
        if size < 1:
            raise ValueError(f"batch size must be at least 1, got {size}")
        batch: list[tuple[int, int]] = []
        left = size  # room left in the batch being filled
        for start, stop in self.ranges:
            while start < stop:
                take = min(left, stop - start)
                batch.append((start, start + take))
                start, left = start + take, left - take
                if not left:
                    yield NodeSet(tuple(batch))
                    batch, left = [], size
        if batch:
            yield NodeSet(tuple(batch))

    def indices(self) -> np.ndarray:
        """The node indices as an int64 array (for backends)."""
        if len(self.ranges) == 1:
            return np.arange(*self.ranges[0], dtype=np.int64)
        if not self.ranges:
            return np.empty(0, dtype=np.int64)
        return np.concatenate([np.arange(a, b, dtype=np.int64) for a, b in self.ranges])


EMPTY = NodeSet()


@dataclass(frozen=True)
class Region:
    """One region: its active nodes (serving the previous module) and idle spares."""

    name: str
    active: NodeSet
    idle: NodeSet


@dataclass(frozen=True)
class Topology:
    """The fleet as strategies see it: regions, in fleet order."""

    regions: tuple[Region, ...]

    @classmethod
    def build(cls, sizes: list[tuple[str, int, int]]) -> Topology:
        """Lay out ``(name, active, idle)`` region sizes as consecutive index blocks."""
        regions, cursor = [], 0
        for name, active, idle in sizes:
            regions.append(
                Region(
                    name, NodeSet.span(cursor, cursor + active), NodeSet.span(cursor + active, cursor + active + idle)
                )
            )
            cursor += active + idle
        return cls(tuple(regions))

    @property
    def size(self) -> int:
        """All nodes, active and idle."""
        return sum(len(r.active) + len(r.idle) for r in self.regions)

    @property
    def active(self) -> NodeSet:
        return _union(r.active for r in self.regions)

    @property
    def idle(self) -> NodeSet:
        return _union(r.idle for r in self.regions)

    def region(self, name: str) -> Region | None:
        return next((r for r in self.regions if r.name == name), None)

    def only(self, names: list[str] | None) -> Topology:
        """The fleet restricted to the named regions (all when ``names`` is None)."""
        if names is None:
            return self
        return Topology(tuple(r for r in self.regions if r.name in names))

    def share(self, percent: float) -> NodeSet:
        """``ceil(percent%)`` of each region's active nodes, from the front.

        The guide takes ``ceil(N * p / 100)`` nodes from the front of one list; taking
        it per region spreads a canary over every region and keeps stages nested.
        """
        return _union(r.active.head(stage_nodes(len(r.active), percent)) for r in self.regions)


def _union(sets: Iterator[NodeSet] | list[NodeSet]) -> NodeSet:
    out: tuple[tuple[int, int], ...] = ()
    for s in sets:
        out += s.ranges
    return NodeSet(out)
