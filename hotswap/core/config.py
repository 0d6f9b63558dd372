"""The core's vocabulary: the configuration types strategies and judgements read
(health-check settings, triggers, automatic rollback, each strategy's config, the A/B
winner criteria) and the guide's names. Scenario files are parsed into these types."""

from __future__ import annotations

import itertools
import math
import re
from typing import Annotated, Literal

from pydantic import Field, field_validator

from hotswap.core.fields import Count, Model, Percent, Seconds

STRATEGIES = ("Canary", "BlueGreen", "Rolling", "Regional", "ABTesting")
OUTCOMES = ("Succeeded", "RolledBack", "PartialSuccess", "Paused", "Failed")

Metric = Literal["error_rate", "crash_rate", "avg_latency_ms", "p95_latency_ms", "p99_latency_ms", "memory_mb"]


class HealthCheckSettings(Model):
    enabled: bool = True
    """false: every health gate passes without checking."""
    function_name: str = "health_check"
    """The module's exported health function."""
    timeout: Seconds = 5.0
    """Bound on one health call (seconds); a node that is down costs this per attempt."""
    interval: Seconds = 1.0
    """Time between attempts on a node (seconds)."""
    success_threshold: Annotated[int, Field(strict=True, ge=1)] = 1
    """Passes in a row that make a node healthy."""
    failure_threshold: Annotated[int, Field(strict=True, ge=1)] = 3
    """Failures in a row that make a node unhealthy."""
    max_unhealthy_percent: Percent = 0.0
    """The gate passes when at most this share (percent, 0-100) of answering nodes is unhealthy."""
    unreachable: Literal["exclude", "fail"] = "exclude"
    """Nodes that do not answer: left out of the gate (exclude) or counted unhealthy (fail)."""

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
    """Measured on the new module: error_rate and crash_rate in percent, latencies in ms, memory in MB."""
    threshold: float = Field(ge=0)
    """In the metric's unit: percent (0-100) for rates, so 5 means 5%, ms for latency, MB for memory."""
    unit: Literal["percent", "ms", "mb"] | None = None
    """Informational only; not read."""
    comparison: Literal["greater_than", "less_than"] = "greater_than"
    """Fire when the metric is above (greater_than) or below (less_than) the threshold."""


def _guide_triggers() -> list[Trigger]:
    return [
        Trigger(metric="error_rate", threshold=5, unit="percent"),
        Trigger(metric="crash_rate", threshold=1, unit="percent"),
        Trigger(metric="avg_latency_ms", threshold=100, comparison="greater_than"),
    ]


class AutoRollback(Model):
    """Triggers watched every ``interval``; request-based metrics are judged only once
    the window holds ``minRequests`` requests (Kayenta: at least 50 data points)."""

    enabled: bool = True
    """false: waits are observed in one piece and no trigger fires."""
    interval: Seconds = 30.0
    """How often the triggers are tested during a wait (seconds)."""
    min_requests: Count = 100
    """A request metric is judged only once the window holds this many requests of the new module."""
    triggers: list[Trigger] = Field(default_factory=_guide_triggers)
    """Roll back when one fires. A list replaces the defaults (error_rate > 5%, crash_rate > 1%, latency > 100 ms)."""

    @field_validator("interval")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("interval must be positive")
        return value


class CanaryConfig(Model):
    stages: list[float] = Field(default_factory=lambda: [10.0, 25.0, 50.0, 100.0], min_length=1)
    """Percent (0-100] of each target region's active nodes per stage, increasing, the last 100."""
    evaluation_period: Seconds = 300.0
    """Watch time after each stage (seconds)."""
    health_check_function: str | None = None
    """Overrides healthCheck.functionName."""
    success_threshold: Annotated[int, Field(strict=True, ge=1)] | None = None
    """Overrides healthCheck.successThreshold."""
    failure_threshold: Annotated[int, Field(strict=True, ge=1)] | None = None
    """Overrides healthCheck.failureThreshold."""
    auto_promote: bool = True
    """false: stop before the final 100% stage, as Paused."""

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


class BlueGreenConfig(Model):
    health_check_timeout: Seconds = 30.0
    """Bound on the whole health check of green (seconds)."""
    keep_blue_environment: bool = True
    """Keep blue warm after the switch, watching the triggers; a rollback switches back."""
    blue_retention_period: Seconds = 3600.0
    """How long blue is kept and the triggers watched (seconds)."""


class RollingConfig(Model):
    batch_size: Annotated[int, Field(strict=True)] | str = 1
    """Nodes per batch, or a share of the target nodes as a string such as '5%'."""
    batch_delay: Seconds = 30.0
    """Wait between batches, watching the triggers (seconds)."""
    health_check_timeout: Seconds = 10.0
    """Bound on each batch's whole health check (seconds)."""
    pause_on_failure: bool = True
    """On a failed batch stop as Paused (the batch stays on the new module); false rolls back."""

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
    region_order: list[str] | None = None
    """Regions in rollout order; default: the guide's order, then the fleet's other regions."""
    inter_region_delay: Seconds = 600.0
    """Wait after each region, watching the triggers (seconds)."""
    abort_on_region_failure: bool = False
    """Stop the whole rollout when a region fails; false goes on to the next region."""
    health_check_function: str | None = None
    """Overrides healthCheck.functionName."""

    @field_validator("region_order")
    @classmethod
    def _once_each(cls, order: list[str] | None) -> list[str] | None:
        twice = sorted({n for n in order or [] if (order or []).count(n) > 1})
        if twice:
            raise ValueError(f"regions named more than once: {', '.join(twice)}")
        return order


class WinnerCriteria(Model):
    metric: Metric = "avg_latency_ms"
    """The metric compared between variants A and B."""
    threshold: float = Field(default=10.0, ge=0)
    """Relative difference (percent) B must beat A by to win."""
    comparison: Literal["lower_is_better", "higher_is_better"] = "lower_is_better"
    """Whether a lower or a higher metric is better."""


class ABTestingConfig(Model):
    variant_b_percentage: float = Field(default=20.0, gt=0, lt=100)
    """Percent (0-100) of traffic sent to variant B, the new module."""
    experiment_duration: Seconds = 7200.0
    """How long the experiment runs (seconds)."""
    winner_criteria: WinnerCriteria = WinnerCriteria()
    """How the winner is chosen."""
    minimum_sample_size: Count = 1000
    """Requests each variant needs before a winner can be declared."""
    confidence: float = Field(default=0.95, gt=0, lt=1)
    """Confidence level (a fraction, e.g. 0.95) of the significance test."""
