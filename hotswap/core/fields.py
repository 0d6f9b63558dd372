"""Field types shared by scenario sections: the camelCase base model, durations,
names, and latency distributions. Every number is finite and bounded (core/limits.py)."""

import math
import re
from datetime import timedelta
from typing import Annotated

import isodate
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator
from pydantic.alias_generators import to_camel

from hotswap.core import limits


class Model(BaseModel):
    """Scenario sections: camelCase keys, unknown keys rejected, immutable; strict types
    (``true`` is not a number, ``"5"`` is not a number), finite numbers, bounded strings.

    A field's docstring is its description in ``hotswap schema``, read there
    (scenario/schema.py) rather than at every start."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=False,
        extra="forbid",
        frozen=True,
        defer_build=True,  # each model is built when first used, not at import
        strict=True,
        allow_inf_nan=False,
        str_max_length=limits.TEXT,
    )


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
        except (isodate.ISO8601Error, ValueError, OverflowError):
            raise ValueError(f"{value!r} is not an ISO 8601 duration such as PT5M") from None
        if not isinstance(parsed, timedelta):
            raise ValueError(f"{value!r}: years and months have no fixed length; use days")
        seconds = parsed.total_seconds()
    else:
        raise ValueError("expected an ISO 8601 duration such as PT5M, or seconds")
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"duration must be finite and not negative, got {str(value)[:40]!r}")
    if seconds > limits.SECONDS:
        raise ValueError(f"duration must be at most a year (P365D), got {str(value)[:40]!r}")
    return seconds


def _name(value: str) -> str:
    problem = limits.name_problem(value)
    if problem:
        raise ValueError(problem)
    return value


DURATION_SCHEMA = {
    "anyOf": [
        {"type": "number", "minimum": 0},
        {"type": "string", "pattern": r"^[Pp](\d+(\.\d+)?[WwDd])*([Tt](\d+(\.\d+)?[HhMmSs])+)?$"},
    ],
    "description": "seconds, or an ISO 8601 duration such as PT5M",
}
Seconds = Annotated[float, BeforeValidator(_seconds), WithJsonSchema(DURATION_SCHEMA)]
Percent = Annotated[float, Field(ge=0, le=100)]
Count = Annotated[int, Field(strict=True, ge=0, le=limits.COUNT)]  # strict: true and 1.5 are not counts
Rate = Annotated[float, Field(ge=0, le=1)]
Name = Annotated[str, AfterValidator(_name)]  # module ids, deployment ids, region names: never paths


class Spread(Model):
    """A positive quantity's distribution, by its median and 99th percentile
    (a log-normal through both points)."""

    median: float = Field(gt=0)
    """The median, in the quantity's unit."""
    p99: float = Field(gt=0)
    """The 99th percentile, not below the median."""

    @model_validator(mode="after")
    def _ordered(self) -> "Spread":
        if self.p99 < self.median:
            raise ValueError("p99 must not be below the median")
        if self.p99 > limits.SPREAD_RATIO * self.median:
            raise ValueError(f"p99 must be at most {limits.SPREAD_RATIO:,.0f} times the median")
        return self

    @property
    def sigma(self) -> float:
        """Log-normal shape: ln(p99 / median) / z(0.99)."""
        return math.log(self.p99 / self.median) / 2.3263478740408408

    @property
    def mean(self) -> float:
        return self.median * math.exp(self.sigma**2 / 2)


def _at_most(cap: float, unit: str) -> AfterValidator:
    def check(value: Spread) -> "Spread":
        if value.p99 > cap:
            raise ValueError(f"p99 must be at most {cap:,.0f} {unit}")
        return value

    return AfterValidator(check)


SecondsSpread = Annotated[Spread, _at_most(limits.SPREAD_SECONDS, "s")]
MsSpread = Annotated[Spread, _at_most(limits.LATENCY_MS, "ms")]


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
