"""A traffic recording as data (rows checked by ``hotswap.scenario.replay``); played by
``hotswap.core.traffic.Replay``. No numpy here: scenario files load without it."""

from __future__ import annotations

from dataclasses import dataclass

EVERY_REGION = "*"


@dataclass(frozen=True)
class Row:
    """One line of a traffic recording: from ``seconds`` on, ``region`` (or ``*``)."""

    seconds: float
    region: str
    rate: float
    error_rate: float | None = None
    latency_ms_median: float | None = None


@dataclass(frozen=True)
class Recording:
    """A traffic recording, checked (``hotswap.scenario.replay`` reads the file)."""

    file: str
    rows: tuple[Row, ...]
