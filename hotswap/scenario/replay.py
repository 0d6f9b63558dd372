"""Read a traffic recording (``fleet.traffic.replay``): a CSV file, untrusted input.

Columns (a header line first, in any order): ``seconds``, ``region`` (a fleet region or
``*`` for every region), ``requestsPerSecondPerNode``, and optionally ``errorRate`` (a
fraction) and ``latencyMsMedian`` of the previous module. Times never go back. Any
problem is a ``ValueError`` naming the line and the column; size is bounded.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from hotswap.core.recording import EVERY_REGION, Recording, Row

MAX_BYTES = 8 * 1024 * 1024
MAX_ROWS = 200_000
REQUIRED = ("seconds", "region", "requestsPerSecondPerNode")
OPTIONAL = ("errorRate", "latencyMsMedian")
MAX_RATE = 1e7  # requests per second per node, well above any real node


def read(path: Path, regions: set[str]) -> Recording:
    """The recording in ``path`` for a fleet with ``regions``."""
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ValueError(f"no such file: {path.name}") from None
    except OSError as exc:
        raise ValueError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise ValueError(f"{path.name}: larger than {MAX_BYTES // (1024 * 1024)} MiB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{path.name}: not UTF-8 text") from None
    try:
        lines = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise ValueError(f"{path.name}: malformed CSV: {exc}") from None
    if not lines:
        raise ValueError(f"{path.name}: empty; expected a header line: {','.join(REQUIRED)}")
    header = [h.strip() for h in lines[0]]
    for name in header:
        if name not in REQUIRED + OPTIONAL:
            raise ValueError(f"{path.name} line 1: unknown column {name!r}; columns: {', '.join(REQUIRED + OPTIONAL)}")
    if len(set(header)) < len(header):
        raise ValueError(f"{path.name} line 1: a column is named twice")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValueError(f"{path.name} line 1: missing column {missing[0]!r}")
    body = [(n, line) for n, line in enumerate(lines[1:], start=2) if any(cell.strip() for cell in line)]
    if not body:
        raise ValueError(f"{path.name}: no rows after the header")
    if len(body) > MAX_ROWS:
        raise ValueError(f"{path.name}: more than {MAX_ROWS:,} rows")
    rows, last = [], 0.0
    for n, line in body:
        if len(line) != len(header):
            raise ValueError(f"{path.name} line {n}: {len(line)} fields, the header has {len(header)}")
        cells = dict(zip(header, (c.strip() for c in line), strict=True))
        where = f"{path.name} line {n}"
        seconds = _number(cells["seconds"], f"{where}, column seconds", 0, math.inf)
        if seconds < last:
            raise ValueError(f"{where}, column seconds: {seconds:g} is before the line above ({last:g})")
        last = seconds
        region = cells["region"]
        if region != EVERY_REGION and region not in regions:
            raise ValueError(f"{where}, column region: unknown region {region!r} (a fleet region, or *)")
        rows.append(
            Row(
                seconds,
                region,
                _number(cells["requestsPerSecondPerNode"], f"{where}, column requestsPerSecondPerNode", 0, MAX_RATE),
                _number(cells["errorRate"], f"{where}, column errorRate", 0, 1) if "errorRate" in cells else None,
                _number(cells["latencyMsMedian"], f"{where}, column latencyMsMedian", 1e-6, 1e7)
                if "latencyMsMedian" in cells
                else None,
            )
        )
    return Recording(path.name, tuple(rows))


def _number(cell: str, where: str, low: float, high: float) -> float:
    try:
        value = float(cell)
    except ValueError:
        raise ValueError(f"{where}: expected a number, got {cell[:40]!r}") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{where}: {cell[:40]} is outside {low:g}..{high:g}")
    return value
