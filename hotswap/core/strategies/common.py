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
    """What a watch saw: the trigger that fired (if any), the window's metrics per
    version and, when regions were watched, the new module's traffic in each region and
    the regions whose triggers fired (region -> trigger)."""

    fired: str | None
    metrics: dict[str, VersionMetrics] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    regions: dict[str, VersionMetrics] = field(default_factory=dict)
    seconds: float = 0.0


def watch(r: Rollout, seconds: float, regions: tuple[str, ...] = (), since: Watch | None = None) -> Steps:
    """Let traffic run for ``seconds``; every interval, test the rollback triggers on
    the new version's traffic so far (``since`` an earlier watch, when given), and stop at
    the first that fires. With ``regions``, each region is judged on its own traffic."""
    metrics = dict(since.metrics) if since else {}
    own = {n: m for n, m in (since.regions if since else {}).items() if n in regions}
    elapsed = 0.0
    while seconds - elapsed > 1e-9:
        step = min(r.watch_interval or seconds, seconds - elapsed)
        observation = yield Observe(step)
        elapsed += step
        for module_id, m in observation.versions.items():
            metrics[module_id] = judgements.merge(metrics.get(module_id), m)
        for name in regions:
            seen = observation.regions.get(name, {}).get(r.module_id)
            if seen is not None:
                own[name] = judgements.merge(own.get(name), seen)
        if regions:
            failed = {
                n: why for n in regions if (why := judgements.fired(own.get(n), list(r.triggers), r.min_requests))
            }
        else:
            why = judgements.fired(metrics.get(r.module_id), list(r.triggers), r.min_requests)
            failed = {"": why} if why else {}
        if failed:
            why = next(iter(failed.values()))
            where = {"regions": list(failed)} if regions else {}
            yield Report(
                Milestone.TRIGGER_FIRED, {"trigger": why, "afterSeconds": elapsed, **where, **_summary(metrics)}
            )
            return Watch(why, metrics, failed, own, elapsed)
    if metrics:
        yield Report(Milestone.EVALUATED, {"seconds": elapsed, **_summary(metrics)})
    return Watch(None, metrics, {}, own, elapsed)


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
