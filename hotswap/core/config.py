"""The core's vocabulary: the configuration types strategies and judgements read
(health-check settings, triggers, automatic rollback, each strategy's config, the A/B
winner criteria) and the guide's names. Scenario files are parsed into these types."""

from __future__ import annotations

import itertools
import math
import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from hotswap.core.fields import Count, Model, Percent, Seconds

STRATEGIES = ("Canary", "BlueGreen", "Rolling", "Regional", "ABTesting")
OUTCOMES = ("Succeeded", "RolledBack", "PartialSuccess", "Paused", "Failed")

Metric = Literal["error_rate", "crash_rate", "avg_latency_ms", "p95_latency_ms", "p99_latency_ms", "memory_mb"]


class HealthCheckSettings(Model):
    enabled: bool = True
    function_name: str = "health_check"
    timeout: Seconds = 5.0
    interval: Seconds = 1.0
    success_threshold: Annotated[int, Field(strict=True, ge=1)] = 1
    failure_threshold: Annotated[int, Field(strict=True, ge=1)] = 3
    max_unhealthy_percent: Percent = 0.0
    unreachable: Literal["exclude", "fail"] = "exclude"

    @field_validator("timeout")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("timeout must be positive")
        return value


class Trigger(Model):
    """Roll back when ``metric`` of the new version crosses ``threshold`` during a window.
    Rates (error_rate, crash_rate) are in percent."""

    metric: Metric
    threshold: float = Field(ge=0)
    unit: Literal["percent", "ms", "mb"] | None = None
    comparison: Literal["greater_than", "less_than"] = "greater_than"


def _guide_triggers() -> list[Trigger]:
    return [
        Trigger(metric="error_rate", threshold=5, unit="percent"),
        Trigger(metric="crash_rate", threshold=1, unit="percent"),
        Trigger(metric="avg_latency_ms", threshold=100, comparison="greater_than"),
    ]


class AutoRollback(Model):
    """Triggers watched every ``interval``; request-based metrics are judged only once
    the window holds ``minRequests`` requests (Kayenta: at least 50 data points), and a
    request's outcome reaches them ``metricsDelay`` after it was served."""

    enabled: bool = True
    interval: Seconds = 30.0
    min_requests: Count = 100
    triggers: list[Trigger] = Field(default_factory=_guide_triggers)
    metrics_delay: Seconds = 0.0

    @field_validator("interval")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("interval must be positive")
        return value


class Stages(Model):
    """A canary's stages (percent of each region's nodes) and the watch after each."""

    stages: list[float] = Field(default_factory=lambda: [10.0, 25.0, 50.0, 100.0], min_length=1)
    evaluation_period: Seconds = 300.0

    @field_validator("stages")
    @classmethod
    def _increasing(cls, stages: list[float]) -> list[float]:
        if any(not 0 < s <= 100 for s in stages):
            raise ValueError("each stage must be a percentage in (0, 100]")
        if any(b <= a for a, b in itertools.pairwise(stages)):
            raise ValueError("stages must increase")
        if stages[-1] != 100:
            raise ValueError("the last stage must be 100")
        return stages


class CanaryConfig(Stages):
    health_check_function: str | None = None
    success_threshold: Annotated[int, Field(strict=True, ge=1)] | None = None
    failure_threshold: Annotated[int, Field(strict=True, ge=1)] | None = None
    auto_promote: bool = True


class BlueGreenConfig(Model):
    health_check_timeout: Seconds = 30.0
    keep_blue_environment: bool = True
    blue_retention_period: Seconds = 3600.0


class RollingConfig(Model):
    batch_size: Annotated[int, Field(strict=True)] | str = 1
    batch_delay: Seconds = 30.0
    health_check_timeout: Seconds = 10.0
    pause_on_failure: bool = True

    @field_validator("batch_size")
    @classmethod
    def _batch(cls, value: int | str) -> int | str:
        if isinstance(value, int) and value < 1:
            raise ValueError("batchSize must be at least 1")
        if isinstance(value, str):
            match = re.fullmatch(r"(\d+(?:\.\d+)?)%", value.strip())
            if not match or not 0 < float(match[1]) <= 100:
                raise ValueError("batchSize must be a node count or a percentage such as '5%'")
        return value

    def batch_nodes(self, targets: int) -> int:
        """The batch size in nodes for a fleet of ``targets`` nodes."""
        if isinstance(self.batch_size, int):
            return self.batch_size
        percent = float(self.batch_size.strip().rstrip("%"))
        return max(1, math.ceil(targets * percent / 100 - 1e-9))


GUIDE_REGION_ORDER = ["dev", "staging", "us-west", "eu-west", "us-east", "eu-central", "apac-east"]


class RegionalConfig(Model):
    """Regions in ``waves`` (the regions of a wave deploy in parallel), or one at a time
    in ``regionOrder``; optionally a canary inside each region."""

    region_order: list[str] | None = None
    waves: list[Annotated[list[str], Field(min_length=1)]] | None = Field(default=None, min_length=1)
    inter_region_delay: Seconds = 600.0
    abort_on_region_failure: bool = False
    health_check_function: str | None = None
    canary_within_region: Stages | None = None

    @field_validator("region_order")
    @classmethod
    def _once_each(cls, order: list[str] | None) -> list[str] | None:
        _named_once(order or [])
        return order

    @field_validator("waves")
    @classmethod
    def _once_in_waves(cls, waves: list[list[str]] | None) -> list[list[str]] | None:
        _named_once([n for wave in waves or [] for n in wave])
        return waves

    @model_validator(mode="after")
    def _order_or_waves(self) -> RegionalConfig:
        if self.region_order is not None and self.waves is not None:
            raise ValueError("give regionOrder (one region per wave) or waves, not both")
        return self


def _named_once(names: list[str]) -> None:
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"regions named more than once: {', '.join(twice)}")


class WinnerCriteria(Model):
    metric: Metric = "avg_latency_ms"
    threshold: float = Field(default=10.0, ge=0)
    comparison: Literal["lower_is_better", "higher_is_better"] = "lower_is_better"


class ABTestingConfig(Model):
    variant_b_percentage: float = Field(default=20.0, gt=0, lt=100)
    experiment_duration: Seconds = 7200.0
    winner_criteria: WinnerCriteria = WinnerCriteria()
    minimum_sample_size: Count = 1000
    confidence: float = Field(default=0.95, gt=0, lt=1)
