"""What every importer shares: the draft scenario it fills in, notes on fields that were
approximated or ignored, durations as the tools write them, and module ids."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
GUIDE_FLEET: dict[str, Any] = {
    "regions": [
        {"name": "us-east", "nodes": 20, "idleNodes": 20},
        {"name": "us-west", "nodes": 15, "idleNodes": 15},
        {"name": "eu-central", "nodes": 18, "idleNodes": 18},
        {"name": "apac-east", "nodes": 12, "idleNodes": 12},
    ]
}
GUIDE_TRIGGERS = "the guide's triggers (error rate > 5%, crash rate > 1%, average latency > 100 ms)"


class ImportRefused(ValueError):
    """Input that cannot be imported; ``str()`` is the one-line message (file and field)."""

    def __init__(self, source: str, field: str, message: str) -> None:
        super().__init__(f"{source}: {field}: {message}" if field else f"{source}: {message}")


@dataclass
class Draft:
    """A scenario being written from a tool's spec: its deployment, the module id, and a
    note per field that HotSwap models only approximately or not at all."""

    source: str
    kind: str
    module_id: str
    deployment: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    description: str = ""

    def approximated(self, name: str, how: str) -> None:
        self.notes.append(f"approximated: {name}: {how}")

    def ignored(self, name: str, why: str) -> None:
        self.notes.append(f"ignored: {name}: {why}")


_GO_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def seconds(value: Any, source: str, name: str) -> float:
    """A duration as Kubernetes tools write it (``30s``, ``1m30s``, ``2h``, or seconds)."""
    if isinstance(value, bool):
        raise ImportRefused(source, name, f"expected a duration such as 30s or 5m, got {value!r}")
    if isinstance(value, int | float) and value >= 0:
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d+(\.\d+)?", text):
            return float(text)
        parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", text)
        if parts and "".join(n + u for n, u in parts) == text:
            return sum(float(n) * _GO_UNITS[u] for n, u in parts)
    raise ImportRefused(source, name, f"expected a duration such as 30s or 5m, got {value!r}")


def iso(seconds_: float) -> str:
    """Seconds as an ISO 8601 duration (``PT1M30S``)."""
    whole = round(seconds_, 3)
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    out = "PT" + (f"{h:g}H" if h else "") + (f"{m:g}M" if m else "") + (f"{s:g}S" if s or not (h or m) else "")
    return out


def module_id(reference: str) -> str:
    """A module id from an image reference or a config name:
    ``registry/image-processor:v1.2.0`` -> ``image-processor-v1.2.0``, within the safe-name
    rule (letters, digits, ``.``, ``_``, ``-``; no ``..``; at most 128)."""
    name = reference.split("@", 1)[0].rsplit("/", 1)[-1].replace(":", "-")
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name)
    name = re.sub(r"\.{2,}", ".", name).lstrip("._-")[:128] or "module"
    assert SAFE_NAME.fullmatch(name)
    return name


def number(value: Any, source: str, name: str, *, low: float = 0, high: float = float("inf")) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ImportRefused(source, name, f"expected a number in [{low:g}, {high:g}], got {value!r}")
    return float(value)
