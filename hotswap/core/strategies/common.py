"""Steps every strategy is built from: watch traffic, check health, roll back.

Each is a generator to ``yield from`` inside a strategy; none reads a clock or draws a
random number.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

from hotswap.core import judgements
from hotswap.core.effects import (
    Deploy,
    DeployReport,
    HealthCheck,
    HealthPolicy,
    Milestone,
    Observe,
    Outcome,
    Report,
    Route,
    VersionMetrics,
)
from hotswap.core.nodes import NodeSet
from hotswap.core.rollout import Limits, Rollout

Steps = Generator[Any, Any, Any]


@dataclass(frozen=True)
class Watch:
    """What a watch saw: the trigger that fired (if any), the window's metrics, and why
    the analysis is held (too many inconclusive measurements), if it is."""

    fired: str | None
    metrics: dict[str, VersionMetrics] = field(default_factory=dict)
    held: str | None = None
    decided: judgements.Judgement | None = None


@dataclass
class Tally:
    """The measurements of an observed analysis so far (``autoRollback.test: observed``),
    kept across the stages of a rollout as an analysis run keeps them."""

    limits: Limits
    failed: int = 0
    errors_in_a_row: int = 0
    inconclusive: int = 0

    def add(self, kind: str, seen: str) -> tuple[str | None, str | None]:
        """Count one measurement; returns (why to roll back, why to hold), either or none."""
        lim = self.limits
        self.errors_in_a_row = self.errors_in_a_row + 1 if kind == "Error" else 0
        if kind == "Failed":
            self.failed += 1
            if lim.threshold is not None and self.failed >= lim.threshold:
                return f"{seen}; {self.failed} failed checks reach threshold {lim.threshold}", None
            if lim.threshold is None and self.failed > lim.failure_limit:
                return f"{seen}; {self.failed} failed measurements > failureLimit {lim.failure_limit}", None
        if kind == "Error" and self.errors_in_a_row > lim.consecutive_error_limit:
            why = f"{seen}; {self.errors_in_a_row} consecutive errors > consecutiveErrorLimit"
            return f"{why} {lim.consecutive_error_limit}", None
        if kind == "Inconclusive":
            self.inconclusive += 1
            if self.inconclusive > lim.inconclusive_limit:
                return None, f"{seen}; {self.inconclusive} inconclusive > inconclusiveLimit {lim.inconclusive_limit}"
        return None, None


def watch(
    r: Rollout, seconds: float, tally: Tally | None = None, experiment: judgements.Experiment | None = None
) -> Steps:
    """Let traffic run for ``seconds``; every interval, test the rollback triggers and
    stop at the first that fires. ``autoRollback.test: sequential`` (no ``r.limits``):
    the anytime-valid test on the new version's traffic since the wait began;
    ``observed``: one measurement of that interval's traffic, counted in ``tally``. An
    ``experiment`` (A/B with early stopping) also ends the wait once decided."""
    monitor = judgements.Monitor(
        list(r.triggers),
        new_id=r.module_id,
        previous_id=r.previous_id,
        confidence=r.confidence,
        min_requests=r.min_requests,
    )
    metrics = monitor.metrics
    elapsed = 0.0
    if r.limits is not None and tally is None:
        tally = Tally(r.limits)
    while seconds - elapsed > 1e-9:
        step = min(r.watch_interval or seconds, seconds - elapsed)
        observation = yield Observe(step)
        elapsed += step
        why, held = None, None
        if tally is not None:
            monitor.merge(observation.versions)
            if r.triggers:
                versions = observation.versions
                now, before = versions.get(r.module_id), versions.get(r.previous_id)
                kind, seen = judgements.measure(now, list(r.triggers), r.min_requests, before)
                why, held = tally.add(kind, seen)
        else:
            why = monitor.see(observation.versions)
        if held:
            yield Report(Milestone.DECISION, {"decision": "Paused", "reason": held, "afterSeconds": elapsed})
            return Watch(None, metrics, held)
        if why:
            yield Report(Milestone.TRIGGER_FIRED, {"trigger": why, "afterSeconds": elapsed, **_summary(metrics)})
            return Watch(why, metrics)
        decided = experiment.see(observation.versions) if experiment is not None else None
        if decided is not None:
            yield Report(Milestone.EVALUATED, {"seconds": elapsed, "stoppedEarly": True, **_summary(metrics)})
            return Watch(None, metrics, decided=decided)
    if metrics:
        weak = monitor.low_power() if tally is None else None
        yield Report(
            Milestone.EVALUATED, {"seconds": elapsed, **_summary(metrics), **({"lowPower": weak} if weak else {})}
        )
    return Watch(None, metrics)


def _summary(metrics: dict[str, VersionMetrics]) -> dict[str, Any]:
    return {
        module_id: {
            "requests": m.requests,
            "errorRatePercent": judgements.metric(m, "error_rate"),
            "avgLatencyMs": judgements.metric(m, "avg_latency_ms"),
        }
        for module_id, m in metrics.items()
    }


def check(r: Rollout, nodes: NodeSet, policy: HealthPolicy | None) -> Steps:
    """Health-check the new module on ``nodes``; returns the gate's ``GateVerdict``."""
    if policy is None:
        return judgements.GateVerdict(True, "health checks disabled")
    report = yield HealthCheck(nodes, r.module_id, policy)
    verdict = judgements.gate(report, policy)
    yield Report(Milestone.HEALTH_GATE, {"passed": verdict.passed, "detail": verdict.reason})
    return verdict


def evaluate(
    r: Rollout,
    nodes: NodeSet,
    seconds: float,
    policy: HealthPolicy | None,
    deployed: DeployReport,
    tally: Tally | None = None,
) -> Steps:
    """Watch for ``seconds``, then health-check ``nodes``; returns why it failed (or None)
    and the latest deploy report of ``nodes``.

    Nodes the deploy could not reach (down in an outage, say) may be back by the end of
    the watch, still on the previous module: they are deployed to again first (nodes
    already on the module cost nothing), so that a node back from an outage is checked
    afresh, never counted against the module for having been down."""
    seen = yield from watch(r, seconds, tally)
    if seen.fired:
        return f"Rollback trigger fired ({seen.fired})", deployed
    if deployed.unreachable and policy is not None:
        deployed = yield Deploy(nodes, r.module_id)
    verdict = yield from check(r, nodes, policy)
    return (None if verdict.passed else f"Health checks failed ({verdict.reason})"), deployed


def roll_back(
    r: Rollout, reason: str, *, nodes: NodeSet | None = None, route: Route | None = None, then: Route | None = None
) -> Steps:
    """Switch traffic back (``route``) and/or put ``nodes`` back on the previous module
    (and spread traffic as ``then`` says once they run it), then verify the previous
    module's health on the nodes restored (the guide's step 4); returns the ``RolledBack``
    outcome."""
    yield Report(Milestone.ROLLBACK_STARTED, {"reason": reason})
    if route is not None:
        yield route
    if nodes:
        yield Deploy(nodes, r.previous_id)
    if then is not None:
        yield then
    restored = nodes or (route.nodes if route is not None else None)
    if restored and r.health is not None:
        yield HealthCheck(restored, r.previous_id, r.health)
    yield Report(Milestone.ROLLBACK_COMPLETED)
    return Outcome("RolledBack", reason)


def missed(report: DeployReport) -> int:
    """Nodes a deploy did not reach or whose load failed."""
    return report.unreachable + report.failed


def succeeded(r: Rollout, nodes: int, left: int, how: str = "", *, stay: str = "") -> Outcome:
    """The success outcome, honest about nodes the new module did not reach (they stay
    on the previous module, or ``stay`` says where)."""
    if not left:
        return Outcome("Succeeded", f"All {nodes:,} nodes run {r.module_id}{how}")
    return Outcome(
        "Succeeded",
        f"{nodes - left:,} of {nodes:,} nodes run {r.module_id}{how}; "
        f"{left:,} were unreachable or failed to load it and stay "
        f"{stay or 'on ' + r.previous_id}",
    )


def progress(percent: float, **detail: Any) -> Report:
    return Report(Milestone.PROGRESS, detail, progress=percent)
