"""Traffic over time: each region's request rate per node, as both backends read it.

A curve answers, for region ``g`` (its index in the fleet) and a stretch ``[t0, t1)`` of
rollout time, how many requests one node receives (``requests``, the rate's integral)
and, when a recording says so, the previous module's error rate and median latency then
(``previous``); ``at`` is the rate at one moment (the real fleet's router follows it) and
``peak`` the highest rate anywhere, any time (its pace is set for it). Three curves: flat
(``trafficPerNode``), a recording replayed step-wise, and a cosine day between a peak and
a trough in each region's local time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hotswap.core.recording import EVERY_REGION, Recording, Row

DAY = 86_400.0


@dataclass(frozen=True)
class Flat:
    """The same rate everywhere, all the time."""

    rate: float

    @property
    def peak(self) -> float:
        """The highest rate per node, anywhere, any time."""
        return self.rate

    def at(self, region: int, t: float) -> float:
        return self.rate

    def requests(self, region: int, t0: float, t1: float) -> float:
        return self.rate * (t1 - t0)

    def previous(self, region: int, t0: float, t1: float) -> tuple[float | None, float | None]:
        return None, None


@dataclass(frozen=True)
class Diurnal:
    """A cosine day: ``peak`` at ``peak_at`` local time, ``peak / ratio`` twelve hours
    later; region ``g``'s local time is ``start + t + offsets[g]`` (seconds of day)."""

    peak: float
    ratio: float
    peak_at: float
    start: float
    offsets: tuple[float, ...]

    def _phase(self, region: int, t: float) -> float:
        return 2 * math.pi * (self.start + t + self.offsets[region] - self.peak_at) / DAY

    def at(self, region: int, t: float) -> float:
        mid, swing = self._levels()
        return mid + swing * math.cos(self._phase(region, t))

    def requests(self, region: int, t0: float, t1: float) -> float:
        mid, swing = self._levels()
        waves = math.sin(self._phase(region, t1)) - math.sin(self._phase(region, t0))
        return mid * (t1 - t0) + swing * DAY / (2 * math.pi) * waves

    def previous(self, region: int, t0: float, t1: float) -> tuple[float | None, float | None]:
        return None, None

    def _levels(self) -> tuple[float, float]:
        trough = self.peak / self.ratio
        return (self.peak + trough) / 2, (self.peak - trough) / 2


class Replay:
    """A recording played step-wise: a row holds from its time until the region's next
    row. Times count from the rollout's start, plus ``start`` (seconds of day) when the
    rollout has a start time; then the recorded day repeats every 24 hours."""

    def __init__(self, recording: Recording, regions: list[str], start: float | None) -> None:
        self.start, self.wrap = start or 0.0, start is not None
        self.steps = [_steps(recording.rows, name) for name in regions]
        self.peak = max(float(rates.max()) for _, rates, _, _ in self.steps)  # the highest rate recorded

    def at(self, region: int, t: float) -> float:
        times, rates = self.steps[region][:2]
        return float(rates[np.searchsorted(times, self._position(t), side="right") - 1])

    def requests(self, region: int, t0: float, t1: float) -> float:
        return self._integral(region, 1, t0, t1)

    def previous(self, region: int, t0: float, t1: float) -> tuple[float | None, float | None]:
        """Time averages over ``[t0, t1)`` of the recorded error rate and median latency."""
        out: list[float | None] = []
        for column in (2, 3):
            if self.steps[region][column] is None:
                out.append(None)
            elif t1 > t0:
                out.append(self._integral(region, column, t0, t1) / (t1 - t0))
            else:
                out.append(float(self.steps[region][column][0]))  # type: ignore[index]
        return out[0], out[1]

    def _position(self, t: float) -> float:
        return (self.start + t) % DAY if self.wrap else self.start + t

    def _integral(self, region: int, column: int, t0: float, t1: float) -> float:
        if not self.wrap:
            return self._cumulative(region, column, self.start + t1) - self._cumulative(region, column, self.start + t0)
        a, b = self.start + t0, self.start + t1
        days = math.floor(a / DAY)
        a, b = a - days * DAY, b - days * DAY
        total = self._cumulative(region, column, DAY)
        whole = math.floor(b / DAY)
        return whole * total + self._cumulative(region, column, b - whole * DAY) - self._cumulative(region, column, a)

    def _cumulative(self, region: int, column: int, x: float) -> float:
        """The integral of a column from 0 to ``x`` (the first row holds from time 0)."""
        times = self.steps[region][0]
        values = self.steps[region][column]
        assert values is not None
        spans = np.diff(np.append(times, max(x, times[-1])))
        before = np.concatenate(([0.0], np.cumsum(values[:-1] * spans[:-1])))
        i = int(np.searchsorted(times, x, side="right") - 1)
        i = max(i, 0)
        return float(before[i] + values[i] * (x - times[i]))


def _steps(rows: tuple[Row, ...], region: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """One region's step function: its rows and the ``*`` rows, in time order (a later
    line at the same time wins); the first holds from time 0."""
    mine = [row for row in rows if row.region in (region, EVERY_REGION)]
    times: list[float] = []
    picked: list[Row] = []
    for row in mine:
        if times and times[-1] == row.seconds:
            picked[-1] = row
        else:
            times.append(row.seconds)
            picked.append(row)
    times[0] = 0.0
    errors = [row.error_rate for row in picked]
    latencies = [row.latency_ms_median for row in picked]
    return (
        np.array(times),
        np.array([row.rate for row in picked]),
        None if None in errors else np.array(errors, dtype=float),
        None if None in latencies else np.array(latencies, dtype=float),
    )


Curve = Flat | Diurnal | Replay
