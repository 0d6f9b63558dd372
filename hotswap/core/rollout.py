"""A rollout: everything a strategy needs, in the core's own types."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from hotswap.core.config import Trigger
from hotswap.core.effects import HealthPolicy
from hotswap.core.nodes import Topology


@dataclass(frozen=True)
class Limits:
    """How an observed analysis counts its measurements (``autoRollback.test: observed``)."""

    failure_limit: int = 0
    consecutive_error_limit: int = 4
    inconclusive_limit: int = 0
    threshold: int | None = None


@dataclass(frozen=True)
class Rollout:
    """What to deploy, where, and under which policies.

    ``health`` is None when health checks are disabled; ``watch_interval`` is None when
    automatic rollback is off (a window is then observed in one piece); triggers see
    traffic ``metrics_delay`` seconds after it was served.
    """

    deployment_id: str
    strategy: str
    module_id: str
    previous_id: str
    config: Any
    fleet: Topology
    health: HealthPolicy | None
    triggers: tuple[Trigger, ...]
    watch_interval: float | None
    min_requests: int = 0
    limits: Limits | None = None  # test: observed, counted so; None: the sequential test (test: sequential)
    confidence: float = 0.95  # the sequential test's
    metrics_delay: float = 0.0

    @property
    def by_region(self) -> bool:
        """Whether observations break traffic down per region (Regional rollouts: their
        waves judge each region on its own traffic, and records give each wave's share)."""
        return self.strategy == "Regional"

    def policy(
        self,
        *,
        function: str | None = None,
        success: int | None = None,
        failure: int | None = None,
        deadline: float | None = None,
    ) -> HealthPolicy | None:
        """The health policy with a strategy's own overrides (None keeps the default)."""
        if self.health is None:
            return None
        policy = self.health
        if function is not None:
            policy = replace(policy, function=function)
        if success is not None:
            policy = replace(policy, success_threshold=success)
        if failure is not None:
            policy = replace(policy, failure_threshold=failure)
        if deadline is not None:
            policy = replace(policy, deadline=deadline)
        return policy
