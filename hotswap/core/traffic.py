"""Traffic over time: each region's request rate per node, as both backends read it.

A curve answers, for region ``g`` (its index in the fleet) and stretches ``[t0, t1)`` of
rollout time (arrays: one entry per stretch), how many requests one node receives in each
(``requests``, the rate's integral) and, when a recording says so, the previous module's
error rate and median latency then (``previous``); ``at`` is the rate at one moment (the
real fleet's router follows it) and ``peak`` the highest rate anywhere, any time (its
pace is set for it). Three curves: flat (``trafficPerNode``), a recording replayed
step-wise, and a cosine day between a peak and a trough in each region's local time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from hotswap.core.recording import EVERY_REGION, Recording, Row

DAY = 86_400.0
Times = TypeVar("Times", float, np.ndarray)  # one moment, or one per stretch


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

    def requests(self, region: int, t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
        return np.asarray(self.rate * (t1 - t0), dtype=float)

    def previous(self, region: int, t0: np.ndarray, t1: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
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

    def _phase(self, region: int, t: Times) -> Times:
        return 2 * math.pi * (self.start + t + self.offsets[region] - self.peak_at) / DAY

    def at(self, region: int, t: float) -> float:
        mid, swing = self._levels()
        return mid + swing * math.cos(self._phase(region, t))

    def requests(self, region: int, t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
        mid, swing = self._levels()
        waves = np.sin(self._phase(region, t1)) - np.sin(self._phase(region, t0))
        return np.asarray(mid * (t1 - t0) + swing * DAY / (2 * math.pi) * waves, dtype=float)

    def previous(self, region: int, t0: np.ndarray, t1: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
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

    def requests(self, region: int, t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
        return self._integral(region, 1, t0, t1)

    def previous(self, region: int, t0: np.ndarray, t1: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Time averages over each ``[t0, t1)`` of the recorded error rate and median
        latency (an empty stretch: the first recorded value)."""
        out: list[np.ndarray | None] = []
        dt = t1 - t0
        for column in (2, 3):
            values = self.steps[region][column]
            if values is None:
                out.append(None)
                continue
            mean = self._integral(region, column, t0, t1) / np.where(dt > 0, dt, 1.0)
            out.append(np.where(dt > 0, mean, values[0]))
        return out[0], out[1]

    def _position(self, t: float) -> float:
        return (self.start + t) % DAY if self.wrap else self.start + t

    def _integral(self, region: int, column: int, t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
        if not self.wrap:
            return np.asarray(
                self._cumulative(region, column, self.start + t1) - self._cumulative(region, column, self.start + t0)
            )
        a, b = self.start + t0, self.start + t1
        days = np.floor(a / DAY)
        a, b = a - days * DAY, b - days * DAY
        total = self._cumulative(region, column, np.array(DAY))
        whole = np.floor(b / DAY)
        return np.asarray(
            whole * total + self._cumulative(region, column, b - whole * DAY) - self._cumulative(region, column, a)
        )

    def _cumulative(self, region: int, column: int, x: np.ndarray) -> np.ndarray:
        """The integral of a column from 0 to each ``x`` (the first row holds from time 0)."""
        times = self.steps[region][0]
        values = self.steps[region][column]
        assert values is not None
        before = np.concatenate(([0.0], np.cumsum(values[:-1] * np.diff(times))))
        i = np.maximum(np.searchsorted(times, x, side="right") - 1, 0)
        return np.asarray(before[i] + values[i] * (x - times[i]), dtype=float)


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
