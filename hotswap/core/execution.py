"""Step a strategy generator on behalf of a backend driver, the way SimPy steps a
process: ``send`` each effect's result in and take the outcome from ``StopIteration``.

``Report`` effects are handled here (they only mark the timeline), so a driver sees
``Deploy``, ``HealthCheck``, ``Observe``, ``ObserveSeries``, ``Keep`` and ``Route`` only. Late metrics are played
here too, the same for every backend: with a ``metrics_delay`` an observation hands the
strategy the windows that ended at least that long ago, merged, instead of its own.
The execution also times the rollout: deploy time runs until the rollout reaches 100% (or until it stops, less
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
    Keep,
    Milestone,
    Observation,
    Observe,
    ObserveSeries,
    Outcome,
    Report,
    Result,
    Route,
    VersionMetrics,
)
from hotswap.core.ledger import Ledger
from hotswap.core.running import merge
from hotswap.core.series import Series
from hotswap.core.strategies.common import Steps


class Execution:
    def __init__(self, steps: Steps, ledger: Ledger, *, metrics_delay: float = 0.0) -> None:
        self.steps, self.ledger, self.metrics_delay = steps, ledger, metrics_delay
        self._late: list[tuple[float, Observation]] = []  # windows served, not yet seen
        self.outcome: Outcome | None = None
        self.finished_at = 0.0
        self.completed_at: float | None = None
        self.rollback_seconds: float | None = None
        self._rollback_from: float | None = None

    def start(self, now: float) -> Effect | None:
        return self._resume(lambda: next(self.steps), now)

    def advance(self, effect: Effect, result: Result | Series, started: float, now: float) -> Effect | None:
        """Record ``effect``'s result and resume the strategy; None when it has finished."""
        if isinstance(effect, Route):
            self.ledger.route(effect)
        entry = describe(effect, result)
        if entry is not None:
            if isinstance(effect, Deploy):
                entry[1].update(self.ledger.final_state())
            self.ledger.note(started, entry[0], **entry[1])
        if self.metrics_delay and isinstance(result, Observation):
            result = self._seen(result, now)
        return self._resume(lambda: self.steps.send(result), now)

    def _seen(self, observation: Observation, now: float) -> Observation:
        """What the monitoring shows at ``now``: the windows that ended at least
        ``metrics_delay`` ago (this one included, if the delay is that short), merged."""
        self._late.append((now, observation))
        due = [o for t, o in self._late if t + self.metrics_delay <= now + 1e-9]
        self._late = [(t, o) for t, o in self._late if t + self.metrics_delay > now + 1e-9]
        versions: dict[str, VersionMetrics] = {}
        regions: dict[str, dict[str, VersionMetrics]] = {}
        for seen in due:
            for module_id, m in seen.versions.items():
                versions[module_id] = merge(versions.get(module_id), m)
            for name, per_module in seen.regions.items():
                into = regions.setdefault(name, {})
                for module_id, m in per_module.items():
                    into[module_id] = merge(into.get(module_id), m)
        return Observation(observation.seconds, versions, regions)

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


def describe(effect: Effect, result: Result | Series) -> tuple[str, dict[str, Any]] | None:
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
    if isinstance(effect, Observe | ObserveSeries | Keep):
        return None
    raise TypeError(f"no timeline entry for {type(effect).__name__} with {type(result).__name__}")
