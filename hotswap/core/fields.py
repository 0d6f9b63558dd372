"""Field types shared by scenario sections: the camelCase base model, durations,
and latency distributions."""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import Annotated

import isodate
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel


class Model(BaseModel):
    """Scenario sections: camelCase keys, unknown keys rejected, immutable."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=False, extra="forbid", frozen=True)


def _seconds(value: object) -> float:
    """ISO 8601 duration (``PT5M``) or a plain number of seconds, as seconds."""
    if isinstance(value, bool):
        raise ValueError("expected an ISO 8601 duration such as PT5M, or seconds")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        if value.strip().upper().endswith("T"):  # isodate takes "PT" as 0 s and "P1DT" as P1D
            raise ValueError(f"{value!r} is not an ISO 8601 duration such as PT5M")
        try:
            parsed = isodate.parse_duration(value)
        except (isodate.ISO8601Error, ValueError):
            raise ValueError(f"{value!r} is not an ISO 8601 duration such as PT5M") from None
        if not isinstance(parsed, timedelta):
            raise ValueError(f"{value!r}: years and months have no fixed length; use days")
        seconds = parsed.total_seconds()
    else:
        raise ValueError("expected an ISO 8601 duration such as PT5M, or seconds")
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"duration must be finite and not negative, got {value!r}")
    return seconds


Seconds = Annotated[float, BeforeValidator(_seconds)]
Percent = Annotated[float, Field(ge=0, le=100)]
Count = Annotated[int, Field(strict=True, ge=0)]  # strict: true and 1.5 are not counts
Rate = Annotated[float, Field(ge=0, le=1)]


class Spread(Model):
    """A positive quantity's distribution, by its median and 99th percentile
    (a log-normal through both points)."""

    median: float = Field(gt=0)
    p99: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Spread:
        if self.p99 < self.median:
            raise ValueError("p99 must not be below the median")
        return self

    @property
    def sigma(self) -> float:
        """Log-normal shape: ln(p99 / median) / z(0.99)."""
        return math.log(self.p99 / self.median) / 2.3263478740408408

    @property
    def mean(self) -> float:
        return self.median * math.exp(self.sigma**2 / 2)


def _clock(value: object) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise ValueError(f"expected a time of day as HH:MM (00:00 to 23:59), got {value!r}")
    return value


def _offset(value: object) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[+-](0\d|1[0-4]):[0-5]\d", value):
        raise ValueError(f"expected a UTC offset as +HH:MM or -HH:MM (at most 14 hours), got {value!r}")
    return value


Clock = Annotated[str, BeforeValidator(_clock)]  # a time of day, "HH:MM"
UtcOffset = Annotated[str, BeforeValidator(_offset)]  # "+05:30"


def clock_seconds(value: str) -> float:
    """Seconds since midnight of an ``HH:MM`` time of day, or of a ``+HH:MM`` offset."""
    sign = -1 if value.startswith("-") else 1
    hours, minutes = value.lstrip("+-").split(":")
    return sign * (int(hours) * 3600 + int(minutes) * 60)
