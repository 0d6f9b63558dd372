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
from hotswap.core.rollout import Rollout

Steps = Generator[Any, Any, Any]


@dataclass(frozen=True)
class Watch:
    """What a watch saw: the trigger that fired (if any) and the window's metrics."""

    fired: str | None
    metrics: dict[str, VersionMetrics] = field(default_factory=dict)
    decided: judgements.Judgement | None = None


def watch(r: Rollout, seconds: float, experiment: judgements.Experiment | None = None) -> Steps:
    """Let traffic run for ``seconds``; every interval, test the rollback triggers on
    the new version's traffic so far (by the rollout's test), and stop at the first that
    fires; an ``experiment`` (A/B with early stopping) also ends it once decided."""
    monitor = judgements.Monitor(
        list(r.triggers),
        new_id=r.module_id,
        previous_id=r.previous_id,
        test=r.test,
        confidence=r.confidence,
        min_requests=r.min_requests,
    )
    metrics = monitor.metrics
    elapsed = 0.0
    while seconds - elapsed > 1e-9:
        step = min(r.watch_interval or seconds, seconds - elapsed)
        observation = yield Observe(step)
        elapsed += step
        why = monitor.see(observation.versions)
        if why:
            yield Report(Milestone.TRIGGER_FIRED, {"trigger": why, "afterSeconds": elapsed, **_summary(metrics)})
            return Watch(why, metrics)
        decided = experiment.see(observation.versions) if experiment is not None else None
        if decided is not None:
            yield Report(Milestone.EVALUATED, {"seconds": elapsed, "stoppedEarly": True, **_summary(metrics)})
            return Watch(None, metrics, decided)
    if metrics:
        weak = monitor.low_power()
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


def evaluate(r: Rollout, nodes: NodeSet, seconds: float, policy: HealthPolicy | None) -> Steps:
    """Watch for ``seconds``, then health-check ``nodes``; returns why it failed, or None."""
    seen = yield from watch(r, seconds)
    if seen.fired:
        return f"Rollback trigger fired ({seen.fired})"
    verdict = yield from check(r, nodes, policy)
    return None if verdict.passed else f"Health checks failed ({verdict.reason})"


def roll_back(r: Rollout, reason: str, *, nodes: NodeSet | None = None, route: Route | None = None) -> Steps:
    """Switch traffic back (``route``) and/or put ``nodes`` back on the previous module,
    then verify the previous module's health on the nodes restored (the guide's step 4);
    returns the ``RolledBack`` outcome."""
    yield Report(Milestone.ROLLBACK_STARTED, {"reason": reason})
    if route is not None:
        yield route
    if nodes:
        yield Deploy(nodes, r.previous_id)
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
