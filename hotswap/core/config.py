"""The core's vocabulary: the configuration types strategies and judgements read
(health-check settings, triggers, automatic rollback, each strategy's config, the A/B
winner criteria) and the guide's names. Scenario files are parsed into these types."""

import itertools
import math
import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from hotswap.core import limits
from hotswap.core.fields import Count, Model, Name, Percent, Seconds, Spread

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
    success_threshold: Annotated[int, Field(strict=True, ge=1, le=limits.HEALTH_THRESHOLD)] = 1
    """Passes in a row that make a node healthy."""
    failure_threshold: Annotated[int, Field(strict=True, ge=1, le=limits.HEALTH_THRESHOLD)] = 3
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
    Rates (error_rate, crash_rate) are in percent. With ``baseline: previous`` the
    threshold is the allowed increase in percent over the previous module's metric in
    the same window (100: fires when the new module is worse than double)."""

    metric: Metric
    """Measured on the new module: error_rate and crash_rate in percent, latencies in ms, memory in MB."""
    threshold: float = Field(ge=0, le=limits.THRESHOLD)
    """In the metric's unit: percent (0-100) for rates, so 5 means 5%, ms for latency, MB for memory."""
    unit: Literal["percent", "ms", "mb"] | None = None
    """Informational only; not read."""
    comparison: Literal["greater_than", "less_than"] = "greater_than"
    """Fire when the metric is above (greater_than) or below (less_than) the threshold."""
    baseline: Literal["previous"] | None = None
    """previous: compare with the previous module's traffic in the same window; threshold is then
    the allowed increase in percent (100: fires when the new module is worse than double). Needs
    greater_than. Works with both tests."""

    @model_validator(mode="after")
    def _relative_increase(self) -> "Trigger":
        if self.baseline is not None and self.comparison != "greater_than":
            raise ValueError("a trigger with a baseline fires on an increase: comparison must be greater_than")
        return self


def _guide_triggers() -> list[Trigger]:
    return [
        Trigger(metric="error_rate", threshold=5, unit="percent"),
        Trigger(metric="crash_rate", threshold=1, unit="percent"),
        Trigger(metric="avg_latency_ms", threshold=100, comparison="greater_than"),
    ]


class AutoRollback(Model):
    """Triggers watched every ``interval``; request-based metrics are judged only once
    the window holds ``minRequests`` requests (Kayenta: at least 50 data points), and a
    request's outcome reaches them ``metricsDelay`` after it was served.

    ``test`` says how (two modes):

    - ``sequential`` (the default): an anytime-valid test (mixture SPRT, confidence
      sequence; core/sequential.py) on everything seen since the wait began, valid
      however often it looks; a trigger fires when the data show at ``confidence`` that
      the metric is past its threshold (with ``baseline: previous``, past the allowed
      increase over the previous module in the same window). Crash rate and memory are
      states of a few nodes: judged on the node counts as observed.
    - ``observed``: one measurement per interval on that interval's traffic alone, its
      observed value against the threshold, as Argo Rollouts and Flagger do, counted:
      the rollout is rolled back when failed measurements exceed ``failureLimit`` (or
      reach Flagger's ``threshold`` when given), or consecutive measurement errors (no
      data) exceed ``consecutiveErrorLimit``; it pauses when inconclusive ones (fewer
      than ``minRequests``) exceed ``inconclusiveLimit``. The defaults are Argo's: the
      first failed interval rolls back, the guide's literal rule.
    """

    enabled: bool = True
    """false: waits are observed in one piece and no trigger fires."""
    interval: Seconds = 30.0
    """How often the triggers are tested during a wait (seconds)."""
    min_requests: Count = 100
    """A request metric is judged only once the window holds this many requests of the new module."""
    triggers: list[Trigger] = Field(default_factory=_guide_triggers, max_length=limits.TRIGGERS)
    """Roll back when one fires. A list replaces the defaults (error_rate > 5%, crash_rate > 1%, latency > 100 ms)."""
    test: Literal["sequential", "observed"] = "sequential"
    """sequential (default): an anytime-valid test on all traffic since the wait began fires when the
    data show at `confidence` that a metric is past its threshold; observed: one measurement per
    interval on that interval's traffic, its observed value against the threshold, counted with
    failureLimit (Argo Rollouts, Flagger; with the defaults the first failed interval rolls back)."""
    confidence: float = Field(default=0.95, gt=0, lt=1)
    """sequential: how sure (a fraction) the test must be that a metric is past its threshold before it
    fires; a healthy module at its threshold is rolled back at most 1 - confidence of the time."""
    failure_limit: Count = 0
    """observed: roll back when failed measurements exceed this (Argo's failureLimit)."""
    consecutive_error_limit: Count = 4
    """observed: roll back when measurement errors (no data) in a row exceed this (Argo's consecutiveErrorLimit)."""
    inconclusive_limit: Count = 0
    """observed: pause when inconclusive measurements exceed this (Argo's inconclusiveLimit)."""
    threshold: Annotated[int, Field(strict=True, ge=1)] | None = None
    """observed: roll back at this many failed checks (Flagger's threshold); overrides failureLimit."""
    metrics_delay: Seconds = 0.0
    """How long after a request was served its outcome reaches the triggers (seconds)."""

    @field_validator("interval")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value < limits.MIN_TRIGGER_INTERVAL:
            raise ValueError(f"interval must be at least {limits.MIN_TRIGGER_INTERVAL:g} s")
        return value

    def replaced_triggers(self) -> str | None:
        """When a ``triggers`` list leaves out default triggers (it replaces them, it does
        not add to them): one line naming those no longer watched; otherwise None."""
        if "triggers" not in self.model_fields_set or not self.enabled:
            return None
        kept = {(t.metric, t.comparison) for t in self.triggers}
        dropped = [t for t in _guide_triggers() if (t.metric, t.comparison) not in kept]
        if not dropped:
            return None
        names = ", ".join(f"{t.metric} > {t.threshold:g}{'%' if t.unit == 'percent' else ''}" for t in dropped)
        return f"this list replaces the default triggers: {names} no longer watched; list them to keep them"


def stage_nodes(active: int, percent: float) -> int:
    """The nodes a stage of ``percent`` takes of a region's ``active`` nodes: the ceiling
    (the guide's rule, applied per region)."""
    return math.ceil(active * percent / 100 - 1e-9)


class TrafficStage(Model):
    """A canary stage: the new module on ``nodes`` percent of the nodes, receiving
    ``traffic`` percent of the requests (by default the nodes' own share), held for
    ``hold`` (by default the evaluation period)."""

    nodes: float = Field(gt=0, le=100)
    """Percent (0-100] of each target region's active nodes on the new module."""
    traffic: float | None = Field(default=None, ge=0, le=100)
    """Percent (0-100) of requests sent to the new module; default: the nodes' share."""
    hold: Seconds | None = None
    """How long this stage is watched (seconds); default: the evaluation period."""


class ApprovalDelay(Model):
    """How long a person takes to approve: a log-normal through its median and p99."""

    median: Seconds
    p99: Seconds

    @property
    def spread(self) -> Spread:
        return Spread(median=max(self.median, 1e-9), p99=max(self.p99, self.median, 1e-9))


class ApprovalStage(Model):
    """Wait for a person's approval (it arrives after ``approval``) before going on;
    the triggers keep watching meanwhile."""

    approval: Seconds | ApprovalDelay
    """How long a person takes to approve (seconds or a duration), or its {median, p99}."""


class LinearSchedule(Model):
    """Stages ``linear``, 2 x ``linear``, ... up to 100, each held ``every``."""

    linear: float = Field(gt=0, le=100)
    """Percent (0-100] added at each stage."""
    every: Seconds


class ExponentialSchedule(Model):
    """Stages ``start``, ``start`` x ``exponential``, ... capped at 100, each held ``every``."""

    exponential: float = Field(gt=1)
    """Each stage's percent is the previous one times this factor."""
    start: float = Field(default=1.0, gt=0, le=100)
    """The first stage's percent (0-100]."""
    every: Seconds


Stage = float | TrafficStage | ApprovalStage


@dataclass(frozen=True)
class Step:
    """One planned canary step: a share of nodes and traffic held for ``hold`` seconds
    (None: the evaluation period), or an approval wait (``approval`` set)."""

    nodes: float = 0.0
    traffic: float | None = None
    hold: float | None = None
    approval: float | Spread | None = None


def _schedule(rule: LinearSchedule | ExponentialSchedule) -> list[Step]:
    shares: list[float] = []
    if isinstance(rule, LinearSchedule):
        k = 1
        while not shares or shares[-1] < 100:
            shares.append(min(100.0, round(rule.linear * k, 9)))
            k += 1
    else:
        share = rule.start
        while not shares or shares[-1] < 100:
            shares.append(min(100.0, round(share, 9)))
            share *= rule.exponential
    return [Step(nodes=s, hold=rule.every) for s in shares]


def _step(stage: Stage) -> "Step":
    if isinstance(stage, ApprovalStage):
        a = stage.approval
        return Step(approval=a.spread if isinstance(a, ApprovalDelay) else a)
    if isinstance(stage, TrafficStage):
        return Step(nodes=stage.nodes, traffic=stage.traffic, hold=stage.hold)
    return Step(nodes=stage)


class Stages(Model):
    """A canary's stages as a list (numbers, ``{nodes, traffic, hold}``, ``{approval}``) or a rule
    (``{linear, every}``, ``{exponential, start, every}``); ``bakeTime`` watches the
    triggers after the last stage; ``startingStage`` (1-based) is the first stage whose
    hold the triggers watch (Argo's background analysis ``startingStep``)."""

    stages: Annotated[list[Stage], Field(min_length=1)] | LinearSchedule | ExponentialSchedule = Field(
        default_factory=lambda: list[Stage]([10.0, 25.0, 50.0, 100.0])
    )
    """Percent (0-100] of each target region's active nodes per stage (increasing, the last 100),
    stages with their own traffic share or an approval wait, or a linear/exponential rule."""
    evaluation_period: Seconds = 300.0
    """Watch time after each stage (seconds)."""
    bake_time: Seconds = 0.0
    """Watch time after the last stage (seconds)."""
    starting_stage: Annotated[int, Field(strict=True, ge=1)] = 1
    """The first stage (1-based) whose hold the triggers watch (Argo's startingStep)."""

    @field_validator("stages")
    @classmethod
    def _increasing(
        cls, stages: list[Stage] | LinearSchedule | ExponentialSchedule
    ) -> list[Stage] | LinearSchedule | ExponentialSchedule:
        if not isinstance(stages, list):
            return stages
        if any(not isinstance(s, TrafficStage | ApprovalStage) and not 0 < s <= 100 for s in stages):
            raise ValueError("each stage must be a percentage in (0, 100]")
        shares = [_step(s) for s in stages if not isinstance(s, ApprovalStage)]
        if not shares:
            raise ValueError("the stages need at least one share of nodes")
        pairs = [(s.nodes, s.nodes if s.traffic is None else s.traffic) for s in shares]
        if any(b[0] < a[0] or b[1] < a[1] or b == a for a, b in itertools.pairwise(pairs)):
            raise ValueError("stages must increase")
        if pairs[-1] != (100, 100) or isinstance(stages[-1], ApprovalStage):
            raise ValueError("the last stage must be 100")
        return stages

    def plan(self) -> list[Step]:
        """The stages as steps, a rule expanded."""
        if isinstance(self.stages, list):
            return [_step(s) for s in self.stages]
        return _schedule(self.stages)


class CanaryConfig(Stages):
    health_check_function: str | None = None
    """Overrides healthCheck.functionName."""
    success_threshold: Annotated[int, Field(strict=True, ge=1, le=limits.HEALTH_THRESHOLD)] | None = None
    """Overrides healthCheck.successThreshold."""
    failure_threshold: Annotated[int, Field(strict=True, ge=1, le=limits.HEALTH_THRESHOLD)] | None = None
    """Overrides healthCheck.failureThreshold."""
    auto_promote: bool = True
    """false: stop before the final 100% stage, as Paused."""


class BlueGreenConfig(Model):
    health_check_timeout: Seconds = 30.0
    """Bound on the whole health check of green (seconds)."""
    keep_blue_environment: bool = True
    """Keep blue warm after the switch, watching the triggers; a rollback switches back."""
    blue_retention_period: Seconds = 3600.0
    """How long blue is kept and the triggers watched (seconds)."""


class RollingConfig(Model):
    batch_size: Annotated[int, Field(strict=True, le=limits.TOTAL_NODES)] | str = 1
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
    """Regions in ``waves`` (the regions of a wave deploy in parallel), or one at a time
    in ``regionOrder``; optionally a canary inside each region."""

    region_order: list[Name] | None = Field(default=None, min_length=1, max_length=limits.REGIONS)
    """Regions in rollout order; default: the guide's order, then the fleet's other regions."""
    waves: list[Annotated[list[Name], Field(min_length=1, max_length=limits.REGIONS)]] | None = Field(
        default=None, min_length=1, max_length=limits.REGIONS
    )
    """Waves of regions: the regions of a wave deploy in parallel (instead of regionOrder)."""
    inter_region_delay: Seconds = 600.0
    """Wait after each region, watching the triggers (seconds)."""
    abort_on_region_failure: bool = False
    """Stop the whole rollout when a region fails; false goes on to the next region."""
    health_check_function: str | None = None
    """Overrides healthCheck.functionName."""
    canary_within_region: Stages | None = None
    """A canary inside each region: stages, evaluationPeriod, bakeTime, startingStage as Canary's."""

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
    def _order_or_waves(self) -> "RegionalConfig":
        if self.region_order is not None and self.waves is not None:
            raise ValueError("give regionOrder (one region per wave) or waves, not both")
        return self

    def order(self, names: list[str]) -> list[str]:
        """The configured order, or the guide's default order (dev, staging, low-traffic
        regions first) followed by the fleet's other regions (``names``) in fleet order."""
        if self.region_order:
            return list(self.region_order)
        return [n for n in GUIDE_REGION_ORDER if n in names] + [n for n in names if n not in GUIDE_REGION_ORDER]

    def wave_names(self, names: list[str]) -> list[list[str]]:
        """The waves as configured, or the region order as one region per wave."""
        return [list(w) for w in self.waves] if self.waves else [[n] for n in self.order(names)]


def _named_once(names: list[str]) -> None:
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"regions named more than once: {', '.join(twice)}")


class WinnerCriteria(Model):
    metric: Metric = "avg_latency_ms"
    """The metric compared between variants A and B."""
    threshold: float = Field(default=10.0, ge=0, le=limits.THRESHOLD)
    """Relative difference (percent) B must beat A by to win."""
    comparison: Literal["lower_is_better", "higher_is_better"] = "lower_is_better"
    """Whether a lower or a higher metric is better."""


class ABTestingConfig(Model):
    variant_b_percentage: float = Field(default=20.0, gt=0, lt=100)
    """Percent (0-100) of traffic sent to variant B, the new module."""
    experiment_duration: Seconds = 7200.0
    """How long the experiment runs (seconds)."""
    winner_criteria: WinnerCriteria = Field(default_factory=WinnerCriteria)
    """How the winner is chosen."""
    minimum_sample_size: Count = 1000
    """Requests each variant needs before a winner can be declared."""
    confidence: float = Field(default=0.95, gt=0, lt=1)
    """Confidence level (a fraction, e.g. 0.95) of the significance test."""
    early_stopping: bool = False
    """true: judge the experiment every autoRollback.interval by an always-valid test and stop as soon
    as a winner is shown at `confidence`; false: one look, at the end."""
