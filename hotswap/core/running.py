"""Traffic folded together since a wait began, and how it stands after each interval.

- ``merge``: one window following another; ``fold``: many at once (a series' columns),
  to the bit what merging them one by one gives;
- ``Seen``: the windows a judge has taken, per module version, with each version's
  latency moments over every sample seen (a variance costs nothing per look);
- ``Running``: what ``Seen`` would hold after each interval of a series, as arrays,
  without taking it: the judgements test every interval of a series at once with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hotswap.core.effects import VersionMetrics
from hotswap.core.samples import Samples
from hotswap.core.series import Columns, sample_sum

SAMPLE_CAP = 20_000  # latency samples kept per version when windows are merged (up to twice)


def merge(a: VersionMetrics | None, b: VersionMetrics) -> VersionMetrics:
    """``b`` following ``a``: counts add up, node state is ``b``'s, means are weighted."""
    if a is None:
        return b
    requests = a.requests + b.requests
    mean = (a.latency_mean_ms * a.requests + b.latency_mean_ms * b.requests) / requests if requests else 0.0
    return VersionMetrics(
        nodes=b.nodes,
        requests=requests,
        failed_requests=a.failed_requests + b.failed_requests,
        crashed_nodes=b.crashed_nodes,
        latency_mean_ms=mean,
        latency_samples=_thin(a.latency_samples + b.latency_samples),
        memory_mb=max(a.memory_mb, b.memory_mb),
    )


def _thin(both: Samples) -> Samples:
    """Past ``2 * SAMPLE_CAP`` samples every other one is dropped, so every window seen
    keeps the same share (unbiased in time, and cheap: a slice)."""
    return both if len(both) <= 2 * SAMPLE_CAP else both.every_other()


def means(before: VersionMetrics | None, c: Columns, n: int) -> list[float]:
    """The mean latency ``merge`` gives after each of the first ``n`` intervals of ``c``
    (weighted by requests, in the same order of operations)."""
    requests, mean_of = c.requests[:n].tolist(), c.latency_mean[:n].tolist()
    if before is None:
        total, mean = requests[0], mean_of[0]
        out = [mean]
        pairs = zip(requests[1:], mean_of[1:], strict=True)
    else:
        total, mean, out = before.requests, before.latency_mean_ms, []
        pairs = zip(requests, mean_of, strict=True)
    for r, m in pairs:
        both = total + r
        mean = (mean * total + m * r) / both if both else 0.0
        total = both
        out.append(mean)
    return out


def fold(before: VersionMetrics | None, c: Columns, n: int, mean: float | None = None) -> VersionMetrics:
    """The first ``n`` intervals of ``c`` merged onto ``before``, one by one as
    ``merge`` would (``mean``: their mean latency, if already worked out)."""
    if n == 0:
        if before is None:
            raise ValueError("nothing to fold")
        return before
    samples, b = c.samples, c.bounds
    kept = before.latency_samples if before is not None else Samples(samples[: b[1]])
    first = 0 if before is not None else 1
    length, pending = len(kept), first  # samples[b[pending]:...] are not in ``kept`` yet
    for i in range(first, n):  # only thinnings need a step of their own
        length += int(b[i + 1] - b[i])
        if length > 2 * SAMPLE_CAP:
            kept = (kept + Samples(samples[b[pending] : b[i + 1]])).every_other()
            length, pending = len(kept), i + 1
    kept = kept + Samples(samples[b[pending] : b[n]])
    requests, failed = int(c.requests[:n].sum()), int(c.failed[:n].sum())
    memory = float(c.memory[:n].max())
    if before is not None:
        requests, failed = requests + before.requests, failed + before.failed_requests
        memory = max(memory, before.memory_mb)
    return VersionMetrics(
        nodes=int(c.nodes[n - 1]),
        requests=requests,
        failed_requests=failed,
        crashed_nodes=int(c.crashed[n - 1]),
        latency_mean_ms=means(before, c, n)[-1] if mean is None else mean,
        latency_samples=kept,
        memory_mb=memory,
    )


@dataclass(frozen=True)
class Running:
    """One version's traffic since the wait began, after each interval of a series
    (arrays of its length): what ``Seen`` would say then."""

    nodes: np.ndarray
    requests: np.ndarray
    failed: np.ndarray
    crashed: np.ndarray
    mean: np.ndarray
    memory: np.ndarray
    moments: tuple[np.ndarray, np.ndarray, np.ndarray]  # latency samples seen, their sum, sum of squares

    @property
    def variance(self) -> np.ndarray:
        """Per-request latency variance, from every sample seen (0 with fewer than 2)."""
        n, total, squares = self.moments
        spread = (squares - total * total / np.maximum(n, 1)) / np.maximum(n - 1, 1)
        out: np.ndarray = np.where(n > 1, np.maximum(0.0, spread), 0.0)
        return out


class Seen:
    """Windows of traffic folded together per module id (``metrics``), with each module's
    latency moments over every sample seen, so a variance costs nothing per look."""

    def __init__(self) -> None:
        self.metrics: dict[str, VersionMetrics] = {}
        self.moments: dict[str, tuple[int, float, float]] = {}  # samples, their sum, sum of squares

    def add(self, versions: dict[str, VersionMetrics]) -> None:
        """Take one window (as ``take`` takes a series of one)."""
        for module_id, m in versions.items():
            self.metrics[module_id] = merge(self.metrics.get(module_id), m)
            if m.latency_samples:
                x = m.latency_samples.values
                n, total, squares = self.moments.get(module_id, (0, 0.0, 0.0))
                self.moments[module_id] = (n + len(x), total + sample_sum(x), squares + sample_sum(x * x))

    def take(self, columns: dict[str, Columns], n: int, ahead: dict[str, Running | None] | None = None) -> None:
        """Take the first ``n`` intervals of a series (``ahead``: what ``running`` said of
        them, per module id, if asked already)."""
        for module_id, c in columns.items():
            run = (ahead or {}).get(module_id)
            if run is None or len(run.requests) < n:
                run = self.running(columns, module_id, n)
                assert run is not None
            self.metrics[module_id] = fold(self.metrics.get(module_id), c, n, float(run.mean[n - 1]))
            count, total, squares = run.moments
            self.moments[module_id] = (int(count[n - 1]), float(total[n - 1]), float(squares[n - 1]))

    def variance(self, module_id: str) -> float:
        """Per-request latency variance of ``module_id``, from its samples (0 with fewer than 2)."""
        n, total, squares = self.moments.get(module_id, (0, 0.0, 0.0))
        return max(0.0, (squares - total * total / n) / (n - 1)) if n > 1 else 0.0

    def running(self, columns: dict[str, Columns], module_id: str, k: int) -> Running | None:
        """``module_id``'s traffic after each of the ``k`` intervals of ``columns``; None
        when it has none, before or in them."""
        before, c = self.metrics.get(module_id), columns.get(module_id)
        if c is None:
            if before is None:
                return None
            ints = np.full(k, 1, dtype=np.int64)
            n, total, squares = self.moments.get(module_id, (0, 0.0, 0.0))
            return Running(
                ints * before.nodes,
                ints * before.requests,
                ints * before.failed_requests,
                ints * before.crashed_nodes,
                np.full(k, before.latency_mean_ms),
                np.full(k, before.memory_mb),
                (ints * n, np.full(k, total), np.full(k, squares)),
            )
        c = c.head(k) if len(c) != k else c
        requests, failed, memory = c.requests.cumsum(), c.failed.cumsum(), np.maximum.accumulate(c.memory)
        if before is not None:
            requests, failed = requests + before.requests, failed + before.failed_requests
            memory = np.maximum(memory, before.memory_mb)
        return Running(
            c.nodes, requests, failed, c.crashed, np.array(means(before, c, k)), memory, self._moments(module_id, c)
        )

    def _moments(self, module_id: str, c: Columns) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sample count, sum and sum of squares after each interval of ``c``, added to
        what was seen one interval at a time."""
        n0, t0, q0 = self.moments.get(module_id, (0, 0.0, 0.0))
        count, sums, squares = c.sample_sums
        if len(c) == 1:  # one interval: one addition each, as below
            return n0 + count, np.array([t0 + float(sums[0])]), np.array([q0 + float(squares[0])])
        return (
            n0 + count.cumsum(),
            np.concatenate(([t0], sums)).cumsum()[1:],
            np.concatenate(([q0], squares)).cumsum()[1:],
        )
