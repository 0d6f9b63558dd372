"""Traffic measured interval by interval, as columns: what an ``ObserveSeries`` returns.

A ``Series`` holds consecutive trigger intervals; per module version a ``Columns`` of
arrays (one entry per interval: nodes, requests, failures, crashed nodes, mean latency,
memory) and the intervals' latency samples end to end (``bounds`` says where each
interval's begin). A version is in every interval of a series or in none (a backend
serves a series only while the fleet's versions stay put). ``at`` gives one interval
back as an ``Observation``, so judging a series and judging its intervals one by one
read the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from hotswap.core.effects import Observation, VersionMetrics
from hotswap.core.samples import Samples


@dataclass(frozen=True)
class Columns:
    """One version's traffic, interval by interval (arrays of the series' length)."""

    nodes: np.ndarray
    requests: np.ndarray
    failed: np.ndarray
    crashed: np.ndarray
    latency_mean: np.ndarray
    memory: np.ndarray
    samples: np.ndarray  # every interval's latency samples, in order
    bounds: np.ndarray  # interval i's samples are samples[bounds[i]:bounds[i + 1]]

    def __post_init__(self) -> None:
        k = len(self.requests)
        if any(len(a) != k for a in (self.nodes, self.failed, self.crashed, self.latency_mean, self.memory)):
            raise ValueError("every column needs one entry per interval")
        if len(self.bounds) != k + 1 or self.bounds[0] != 0 or self.bounds[-1] != len(self.samples):
            raise ValueError("sample bounds must cover the samples, one span per interval")
        if (self.failed < 0).any() or (self.failed > self.requests).any() or (self.crashed > self.nodes).any():
            raise ValueError("failed requests within 0..requests, crashed nodes within 0..nodes")

    def __len__(self) -> int:
        return len(self.requests)

    @classmethod
    def stack(cls, parts: Sequence[VersionMetrics]) -> Columns:
        """Intervals given one by one, as columns."""
        lengths = [len(m.latency_samples) for m in parts]
        return cls(
            nodes=np.array([m.nodes for m in parts], dtype=np.int64),
            requests=np.array([m.requests for m in parts], dtype=np.int64),
            failed=np.array([m.failed_requests for m in parts], dtype=np.int64),
            crashed=np.array([m.crashed_nodes for m in parts], dtype=np.int64),
            latency_mean=np.array([m.latency_mean_ms for m in parts], dtype=float),
            memory=np.array([m.memory_mb for m in parts], dtype=float),
            samples=np.concatenate([m.latency_samples.values for m in parts]) if parts else np.empty(0),
            bounds=np.concatenate(([0], np.cumsum(lengths, dtype=np.int64))),
        )

    def at(self, i: int) -> VersionMetrics:
        """Interval ``i`` alone."""
        return VersionMetrics(
            nodes=int(self.nodes[i]),
            requests=int(self.requests[i]),
            failed_requests=int(self.failed[i]),
            crashed_nodes=int(self.crashed[i]),
            latency_mean_ms=float(self.latency_mean[i]),
            latency_samples=Samples(self.samples[self.bounds[i] : self.bounds[i + 1]]),
            memory_mb=float(self.memory[i]),
        )

    def head(self, n: int) -> Columns:
        """The first ``n`` intervals."""
        return Columns(
            self.nodes[:n],
            self.requests[:n],
            self.failed[:n],
            self.crashed[:n],
            self.latency_mean[:n],
            self.memory[:n],
            self.samples[: self.bounds[n]],
            self.bounds[: n + 1],
        )

    @cached_property
    def sample_sums(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per interval: how many latency samples, their sum and their sum of squares
        (each interval summed on its own, so a series of one gives the same figures)."""
        counts = self.bounds[1:] - self.bounds[:-1]
        sums, squares = np.zeros(len(self)), np.zeros(len(self))
        some = counts > 0
        if some.any():  # empty intervals left out, each kept one's span ends where the next begins
            starts = self.bounds[:-1][some]
            sums[some] = np.add.reduceat(self.samples, starts)
            squares[some] = np.add.reduceat(self.samples * self.samples, starts)
        return counts, sums, squares


def sample_sum(x: np.ndarray) -> float:
    """The sum of one interval's samples, added up as ``Columns.sample_sums`` adds each
    interval's (in order, not pairwise), so both give the same bits."""
    return float(np.add.reduceat(x, [0])[0])


@dataclass(frozen=True)
class Series:
    """Consecutive intervals of traffic: ``steps`` (seconds each), per module version
    (``versions``) and, when the rollout asks for it, per region (region -> module id)."""

    steps: tuple[float, ...]
    versions: dict[str, Columns] = field(default_factory=dict)
    regions: dict[str, dict[str, Columns]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.steps:
            raise ValueError("a series needs at least one interval")
        columns = [*self.versions.values(), *(c for per in self.regions.values() for c in per.values())]
        if any(len(c) != len(self.steps) for c in columns):
            raise ValueError("every version's columns need one entry per interval")

    def __len__(self) -> int:
        return len(self.steps)

    @classmethod
    def of(cls, observations: Sequence[Observation]) -> Series:
        """Intervals observed one by one, as a series (versions as in the first)."""
        first = observations[0]
        return cls(
            tuple(o.seconds for o in observations),
            {m: Columns.stack([o.versions[m] for o in observations]) for m in first.versions},
            {
                name: {m: Columns.stack([o.regions[name][m] for o in observations]) for m in per}
                for name, per in first.regions.items()
            },
        )

    def at(self, i: int) -> Observation:
        """Interval ``i`` as an observation."""
        return Observation(
            self.steps[i],
            {m: c.at(i) for m, c in self.versions.items()},
            {name: {m: c.at(i) for m, c in per.items()} for name, per in self.regions.items()},
        )

    def head(self, n: int) -> Series:
        """The first ``n`` intervals."""
        return Series(
            self.steps[:n],
            {m: c.head(n) for m, c in self.versions.items()},
            {name: {m: c.head(n) for m, c in per.items()} for name, per in self.regions.items()},
        )
