"""A rollout: everything a strategy needs, in the core's own types."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from hotswap.core.config import Trigger
from hotswap.core.effects import HealthPolicy
from hotswap.core.nodes import Topology


@dataclass(frozen=True)
class Rollout:
    """What to deploy, where, and under which policies.

    ``health`` is None when health checks are disabled; ``watch_interval`` is None when
    automatic rollback is off (a window is then observed in one piece).
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
    test: str = "sequential"
    confidence: float = 0.95

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
        changes = {
            "function": function,
            "success_threshold": success,
            "failure_threshold": failure,
            "deadline": deadline,
        }
        return replace(self.health, **{k: v for k, v in changes.items() if v is not None})
