"""The deployment strategies guide as data: its example configurations and its claims.

The claims are quoted from the guide's strategy table, its comparison matrix and each
strategy's section, so a report can put each next to what the runs measure.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hotswap.core.config import STRATEGIES

EXAMPLES = Path(__file__).parent / "guide-examples"  # the guide's JSON, verbatim: the one copy
FILES = {
    "Canary": "canary",
    "BlueGreen": "blue-green",
    "Rolling": "rolling",
    "Regional": "regional",
    "ABTesting": "ab-testing",
}


def example(strategy: str) -> Path:
    """The file of the guide's example deployment of ``strategy`` (runnable as a scenario)."""
    return EXAMPLES / f"{FILES[strategy]}.json"


def _configs() -> dict[str, dict[str, Any]]:
    return {s: json.loads(example(s).read_text()) for s in STRATEGIES}


# the guide's example configuration of each strategy
CONFIGS: dict[str, dict[str, Any]] = _configs()

TABLE: dict[str, tuple[str, str, str]] = {
    "Canary": ("15-30 min", "30 sec", "Low"),
    "BlueGreen": ("2-5 min", "10 sec", "Medium"),
    "Rolling": ("10-20 min", "60 sec", "Low"),
    "Regional": ("30-60 min", "2 min", "Very Low"),
    "ABTesting": ("5-10 min", "30 sec", "Low"),
}

# the comparison matrix, rows that a run can measure
MATRIX: dict[str, dict[str, str]] = {
    "Deployment Speed": {
        "Canary": "Slow",
        "BlueGreen": "Fast",
        "Rolling": "Medium",
        "Regional": "Very Slow",
        "ABTesting": "Medium",
    },
    "Rollback Speed": {
        "Canary": "Fast",
        "BlueGreen": "Very Fast",
        "Rolling": "Medium",
        "Regional": "Medium",
        "ABTesting": "Fast",
    },
    "Resource Overhead": {
        "Canary": "Low",
        "BlueGreen": "High",
        "Rolling": "Low",
        "Regional": "Low",
        "ABTesting": "Low",
    },
    "Risk Level": {
        "Canary": "Very Low",
        "BlueGreen": "Medium",
        "Rolling": "Low",
        "Regional": "Very Low",
        "ABTesting": "Low",
    },
}

# ordinal words of the matrix, from least to most
SCALES = {
    "Deployment Speed": ("Very Slow", "Slow", "Medium", "Fast"),
    "Rollback Speed": ("Medium", "Fast", "Very Fast"),
    "Resource Overhead": ("Low", "High"),
    "Risk Level": ("Very Low", "Low", "Medium"),
}

UNITS = {"sec": 1, "second": 1, "seconds": 1, "min": 60, "minute": 60, "minutes": 60, "hour": 3600, "hours": 3600}


@dataclass(frozen=True)
class Span:
    """A claimed duration in seconds: a range ("15-30 min"), or about one value ("30 sec"),
    read as half to twice it."""

    low: float
    high: float
    text: str

    def holds(self, seconds: float) -> bool:
        return self.low <= seconds <= self.high


def span(text: str) -> Span:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)(?:\s*-\s*(\d+(?:\.\d+)?))?\s*([a-z]+)\s*", text)
    if not match or match[3] not in UNITS:
        raise ValueError(f"not a duration claim: {text!r}")
    unit = UNITS[match[3]]
    if match[2]:
        return Span(float(match[1]) * unit, float(match[2]) * unit, text)
    value = float(match[1]) * unit
    return Span(value / 2, value * 2, text)
