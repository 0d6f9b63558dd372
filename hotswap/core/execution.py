"""Step a strategy generator on behalf of a backend driver, the way SimPy steps a
process: ``send`` each effect's result in and take the outcome from ``StopIteration``.

``Report`` effects are handled here (they only mark the timeline), so a driver sees
``Deploy``, ``HealthCheck``, ``Observe`` and ``Route`` only. The execution also times
the rollout: deploy time runs until the rollout reaches 100% (or until it stops, less
any rollback), rollback time from each ``ROLLBACK_STARTED`` to its ``ROLLBACK_COMPLETED``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hotswap.core.effects import (
    Approval,
    ApprovalReport,
    Deploy,
    DeployReport,
    Effect,
    HealthCheck,
    HealthReport,
    Milestone,
    Observe,
    Outcome,
    Report,
    Result,
    Route,
)
from hotswap.core.ledger import Ledger
from hotswap.core.strategies.common import Steps


class Execution:
    def __init__(self, steps: Steps, ledger: Ledger) -> None:
        self.steps, self.ledger = steps, ledger
        self.outcome: Outcome | None = None
        self.finished_at = 0.0
        self.completed_at: float | None = None
        self.rollback_seconds: float | None = None
        self._rollback_from: float | None = None

    def start(self, now: float) -> Effect | None:
        return self._resume(lambda: next(self.steps), now)

    def advance(self, effect: Effect, result: Result, started: float, now: float) -> Effect | None:
        """Record ``effect``'s result and resume the strategy; None when it has finished."""
        if isinstance(effect, Route):
            self.ledger.route(effect)
        entry = describe(effect, result)
        if entry is not None:
            if isinstance(effect, Deploy):
                entry[1].update(self.ledger.final_state())
            self.ledger.note(started, entry[0], **entry[1])
        return self._resume(lambda: self.steps.send(result), now)

    @property
    def deploy_seconds(self) -> float:
        if self.completed_at is not None:
            return self.completed_at
        return self.finished_at - (self.rollback_seconds or 0.0)

    def _resume(self, step: Callable[[], Any], now: float) -> Effect | None:
        while True:
            try:
                effect = step()
            except StopIteration as stop:
                self.outcome, self.finished_at = stop.value, now
                return None
            if not isinstance(effect, Report):
                return effect  # type: ignore[no-any-return]  # a strategy yields effects
            self._mark(effect, now)
            step = lambda: self.steps.send(None)  # noqa: E731

    def _mark(self, report: Report, now: float) -> None:
        if report.milestone is Milestone.ROLLBACK_STARTED:
            self._rollback_from = now
        elif report.milestone is Milestone.ROLLBACK_COMPLETED and self._rollback_from is not None:
            self.rollback_seconds = (self.rollback_seconds or 0.0) + now - self._rollback_from
            self._rollback_from = None
        if report.progress is not None and report.progress >= 100 and self.completed_at is None:
            self.completed_at = now
        extra = {"progress": report.progress} if report.progress is not None else {}
        self.ledger.note(now, report.milestone.value, **extra, **report.detail)


def describe(effect: Effect, result: Result) -> tuple[str, dict[str, Any]] | None:
    """The timeline entry for a carried-out effect (observations are summarised by the
    strategy's own ``Evaluated`` and ``TriggerFired`` milestones instead)."""
    if isinstance(effect, Deploy) and isinstance(result, DeployReport):
        return "Deploy", {
            "module": effect.module_id,
            "nodes": result.requested,
            "updated": result.updated,
            "failed": result.failed,
            "unreachable": result.unreachable,
            "seconds": result.seconds,
        }
    if isinstance(effect, HealthCheck) and isinstance(result, HealthReport):
        return "HealthCheck", {
            "module": effect.module_id,
            "nodes": result.checked,
            "healthy": result.healthy,
            "unhealthy": result.unhealthy,
            "unreachable": result.unreachable,
            "seconds": result.seconds,
        }
    if isinstance(effect, Route):
        return "Route", {
            "pools": [{"nodes": len(n), "weight": w} for n, w in effect.pools],
            "seconds": getattr(result, "seconds", 0.0),
        }
    if isinstance(effect, Approval) and isinstance(result, ApprovalReport):
        return "Approval", {"waitSeconds": result.seconds}
    if isinstance(effect, Observe):
        return None
    raise TypeError(f"no timeline entry for {type(effect).__name__} with {type(result).__name__}")
