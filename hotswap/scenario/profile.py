"""Timing profiles (``hotswap measure``): untrusted files, read within the scenario
reader's limits and checked field by field; a problem is a ``ProfileError`` naming the
field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hotswap.core import limits
from hotswap.core.fields import Spread
from hotswap.scenario.read import ReadError, read

REQUIRED = ("swapMs", "rollbackMs")
SPREADS = (*REQUIRED, "healthCheckMs", "workerRestartMs", "batchMs")
QUIET = ("batchMs", "swapMs", "rollbackMs", "healthCheckMs")  # also timed with the router sending nothing


class ProfileError(ValueError):
    """Not a timing profile; ``field`` is where (empty: the file as a whole)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)

    def line(self) -> str:
        """``field: message``, or the message alone."""
        return f"{self.field}: {self}" if self.field else str(self)


def read_profile(path: Path) -> dict[str, Any]:
    """The profile in ``path`` (``ProfileError`` when it is not one)."""
    try:
        data = read(path)
    except ReadError as exc:
        raise ProfileError(exc.field, str(exc)) from None
    return checked(data)


def checked(data: Any) -> dict[str, Any]:
    """``data`` when it is a timing profile: ``requestsPerSecond``, the spreads in
    milliseconds as ``{median, p99}`` (``swapMs`` and ``rollbackMs`` required),
    ``latencyMs`` per module id, and ``quiet``: some of the call timings again, timed
    with the router sending nothing."""
    if not isinstance(data, dict):
        raise ProfileError("", "expected a mapping")
    rate = data.get("requestsPerSecond")
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= limits.CLI_RATE:
        raise ProfileError(
            "requestsPerSecond",
            f"a number of requests a second, above 0 and at most {limits.CLI_RATE:,.0f}, is required",
        )
    for key in SPREADS:
        if key in REQUIRED or key in data:
            _spread(key, data.get(key))
    latency = data.get("latencyMs", {})
    if not isinstance(latency, dict):
        raise ProfileError("latencyMs", "expected a mapping of module id to {median, p99}")
    for module_id, spread in latency.items():
        _spread(f"latencyMs.{module_id}", spread)
    quiet = data.get("quiet", {})
    if not isinstance(quiet, dict) or not set(quiet) <= set(QUIET):
        raise ProfileError("quiet", f"expected a mapping of {', '.join(QUIET)} to {{median, p99}}")
    for key, spread in quiet.items():
        _spread(f"quiet.{key}", spread)
    return data


def _spread(field: str, value: Any) -> None:
    try:
        Spread.model_validate(value)
    except ValidationError:
        raise ProfileError(field, "{median, p99} in milliseconds is required") from None
