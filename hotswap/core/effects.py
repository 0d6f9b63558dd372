"""Effects: the commands a strategy yields, and the results sent back for them.

Rules:
- An effect is a frozen dataclass, validated when built; so is every result.
- A strategy never carries an effect out: a backend's driver does, and sends the
  result back into the generator. Results hold counts and metrics, never backend objects.
- A rollback is not an effect of its own: it is a ``Deploy`` of the previous module (or a
  ``Route`` back to blue) between ``Milestone.ROLLBACK_STARTED`` and ``ROLLBACK_COMPLETED``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

from hotswap.core.config import OUTCOMES
from hotswap.core.fields import Spread
from hotswap.core.nodes import NodeSet
from hotswap.core.samples import Samples


@dataclass(frozen=True)
class Deploy:
    """Load ``module_id`` on ``nodes`` (idempotent: nodes already on it are skipped);
    ``None`` unloads, returning the nodes to idle."""

    nodes: NodeSet
    module_id: str | None


@dataclass(frozen=True)
class DeployReport:
    requested: int
    updated: int
    failed: int
    unreachable: int
    seconds: float


@dataclass(frozen=True)
class HealthPolicy:
    """How nodes are checked and how many failures the gate tolerates.

    ``attempt_timeout`` bounds one call of the health function; ``deadline`` (optional)
    bounds the whole check. ``unreachable_fails`` makes a node that does not answer count
    as unhealthy (the guide's literal "all healthy"); by default it is reported apart.
    """

    function: str = "health_check"
    attempt_timeout: float = 5.0
    interval: float = 1.0
    success_threshold: int = 1
    failure_threshold: int = 3
    deadline: float | None = None
    max_unhealthy_percent: float = 0.0
    unreachable_fails: bool = False

    def __post_init__(self) -> None:
        if self.success_threshold < 1 or self.failure_threshold < 1:
            raise ValueError("health check thresholds must be at least 1")
        if self.attempt_timeout <= 0 or self.interval < 0:
            raise ValueError("health check timeout must be positive, interval non-negative")
        if not 0 <= self.max_unhealthy_percent <= 100:
            raise ValueError("max_unhealthy_percent must be within 0..100")


@dataclass(frozen=True)
class HealthCheck:
    """Call the health function of ``module_id`` on ``nodes``."""

    nodes: NodeSet
    module_id: str
    policy: HealthPolicy


@dataclass(frozen=True)
class HealthReport:
    """``unhealthy``: the module failed (bad answer, trap, crash, not loaded);
    ``unreachable``: the node itself did not answer (hardware, network, outage)."""

    checked: int
    healthy: int
    unhealthy: int
    unreachable: int
    seconds: float

    def __post_init__(self) -> None:
        if self.healthy + self.unhealthy + self.unreachable != self.checked:
            raise ValueError("healthy + unhealthy + unreachable must equal checked")


@dataclass(frozen=True)
class Observe:
    """Let traffic run for ``seconds`` and measure it, per module version."""

    seconds: float

    def __post_init__(self) -> None:
        if self.seconds <= 0:
            raise ValueError("an observation window must be positive")


@dataclass(frozen=True)
class ObserveSeries:
    """Measure the traffic of consecutive intervals from now (``steps``: seconds each),
    interval by interval, as a ``core.series.Series``, and let no time pass yet: the
    strategy judges the intervals and then says with ``Keep`` how many of them happened
    (up to the first that decides). A backend may serve fewer intervals than asked, at
    least one; one that cannot measure ahead serves the first, as it passes."""

    steps: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.steps or min(self.steps) <= 0:
            raise ValueError("a series needs intervals, each positive")


@dataclass(frozen=True)
class Keep:
    """The first ``intervals`` of the series just observed happen (time passes through
    the end of the last, their traffic is served); the rest never do."""

    intervals: int

    def __post_init__(self) -> None:
        if self.intervals < 1:
            raise ValueError("keep at least one interval")


@dataclass(frozen=True)
class VersionMetrics:
    """Traffic served by one module version in a window.

    ``crashed_nodes`` is how many of its ``nodes`` had a crashed worker by the window's
    end; ``latency_samples`` is a sample of single-request latencies for tests.
    """

    nodes: int
    requests: int
    failed_requests: int
    crashed_nodes: int = 0
    latency_mean_ms: float = 0.0
    latency_samples: Samples = field(default_factory=Samples)
    memory_mb: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.latency_samples, Samples):  # any sequence of floats
            object.__setattr__(self, "latency_samples", Samples(self.latency_samples))
        if not 0 <= self.failed_requests <= self.requests:
            raise ValueError("failed_requests must be within 0..requests")
        if not 0 <= self.crashed_nodes <= self.nodes:
            raise ValueError("crashed_nodes must be within 0..nodes")


@dataclass(frozen=True)
class Observation:
    """Traffic of a window per module version; ``regions`` breaks it down per region
    (region name -> module id -> metrics) when the rollout asks for it (``Rollout.by_region``)."""

    seconds: float
    versions: dict[str, VersionMetrics] = field(default_factory=dict)
    regions: dict[str, dict[str, VersionMetrics]] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    """Point the load balancer at ``pools``: ``(nodes, weight)`` pairs; traffic splits
    across pools by weight and evenly across a pool's nodes."""

    pools: tuple[tuple[NodeSet, float], ...]

    def __post_init__(self) -> None:
        if not self.pools or any(w < 0 for _, w in self.pools) or not sum(w for _, w in self.pools):
            raise ValueError("a route needs at least one pool and a positive total weight")

    def weights(self, size: int) -> np.ndarray:
        """Each node's share of the traffic, for a fleet of ``size`` nodes."""
        out = np.zeros(size)
        total = sum(w for _, w in self.pools)
        for nodes, w in self.pools:
            if len(nodes):
                out[nodes.indices()] += w / total / len(nodes)
        return out

    @property
    def nodes(self) -> NodeSet:
        """Every node the route sends traffic to."""
        return NodeSet(tuple(rng for pool, w in self.pools if w > 0 for rng in pool.ranges))


@dataclass(frozen=True)
class RouteReport:
    seconds: float


@dataclass(frozen=True)
class Approval:
    """Wait for a person's approval: a fixed delay, or one drawn from ``delay`` (a
    log-normal) by the backend. It takes no time itself: the answer says how long the
    approval took, and the strategy watches the traffic that long."""

    delay: float | Spread

    def draw(self, rng: np.random.Generator) -> float:
        """The approval delay in seconds (a fixed delay draws nothing)."""
        if not isinstance(self.delay, Spread):
            return float(self.delay)
        return float(rng.lognormal(math.log(self.delay.median), self.delay.sigma))


@dataclass(frozen=True)
class ApprovalReport:
    seconds: float


class Milestone(StrEnum):
    PROGRESS = "Progress"
    EVALUATED = "Evaluated"
    TRIGGER_FIRED = "TriggerFired"
    HEALTH_GATE = "HealthGate"
    ROLLBACK_STARTED = "RollbackStarted"
    ROLLBACK_COMPLETED = "RollbackCompleted"
    DECISION = "Decision"
    APPROVAL = "Approval"


@dataclass(frozen=True)
class Report:
    """A milestone for the timeline; ``progress`` is the rollout's percent complete."""

    milestone: Milestone
    detail: dict[str, Any] = field(default_factory=dict)
    progress: float | None = None


Effect = Deploy | HealthCheck | Observe | ObserveSeries | Keep | Route | Approval | Report
Result = DeployReport | HealthReport | Observation | RouteReport | ApprovalReport | None


@dataclass(frozen=True)
class Outcome:
    """What a strategy returns."""

    status: str
    reason: str

    STATUSES = OUTCOMES

    def __post_init__(self) -> None:
        if self.status not in self.STATUSES:
            raise ValueError(f"unknown outcome {self.status!r}")
