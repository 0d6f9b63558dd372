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
    Observation,
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
    """What a watch saw: the trigger that fired (if any), the window's metrics, why the
    analysis is held (too many inconclusive measurements), if it is, an experiment's
    decision, and for how long it watched; ``failed`` names each judge whose trigger
    fired (judge -> trigger)."""

    fired: str | None
    metrics: dict[str, VersionMetrics] = field(default_factory=dict)
    held: str | None = None
    decided: judgements.Judgement | None = None
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


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


def monitor(r: Rollout) -> judgements.Monitor:
    """The sequential test of one wait on ``r``'s triggers."""
    return judgements.Monitor(
        list(r.triggers),
        new_id=r.module_id,
        previous_id=r.previous_id,
        confidence=r.confidence,
        min_requests=r.min_requests,
    )


@dataclass
class Judge:
    """Judges the new module's traffic in one ``region`` (None: all of it) by the
    triggers: the sequential test on its traffic since the wait began (``monitor``), or,
    with an observed analysis, one measurement of each interval's, counted in ``tally``."""

    monitor: judgements.Monitor
    region: str | None = None
    tally: Tally | None = None

    def add(self, r: Rollout, observation: Observation) -> tuple[str | None, str | None]:
        """Judge one interval; returns (why to roll back, why to hold), either or none."""
        versions = observation.versions if self.region is None else observation.regions.get(self.region, {})
        if self.tally is None:
            return self.monitor.see(versions), None
        self.monitor.merge(versions)
        if not r.triggers:
            return None, None
        now, before = versions.get(r.module_id), versions.get(r.previous_id)
        kind, seen = judgements.measure(now, list(r.triggers), r.min_requests, before)
        return self.tally.add(kind, seen)

    def low_power(self) -> str | None:
        """Why the sequential test could not have shown a module just past a trigger."""
        return self.monitor.low_power() if self.tally is None else None


def watch(
    r: Rollout,
    seconds: float,
    tally: Tally | None = None,
    experiment: judgements.Experiment | None = None,
    *,
    judges: dict[str, Judge] | None = None,
    since: Watch | None = None,
) -> Steps:
    """Let traffic run for ``seconds``; every interval, test the rollback triggers and
    stop at the first that fires. ``autoRollback.test: sequential`` (no ``r.limits``):
    the anytime-valid test on the new version's traffic since the wait began;
    ``observed``: one measurement of that interval's traffic, counted in ``tally``. An
    ``experiment`` (A/B with early stopping) also ends the wait once decided. ``judges``
    (by name) judge parts of the traffic, regions say, each on its own; the metrics carry
    on from the watch ``since``, when given."""
    if judges is None:
        if r.limits is not None and tally is None:
            tally = Tally(r.limits)
        judges = {"": Judge(monitor(r), None, tally)}
    metrics: dict[str, VersionMetrics] = dict(since.metrics) if since else {}
    regional = any(j.region is not None for j in judges.values())
    elapsed = 0.0
    while seconds - elapsed > 1e-9:
        step = min(r.watch_interval or seconds, seconds - elapsed)
        observation = yield Observe(step)
        elapsed += step
        for module_id, m in observation.versions.items():
            metrics[module_id] = judgements.merge(metrics.get(module_id), m)
        failed: dict[str, str] = {}
        held = None
        for name, judge in judges.items():
            why, hold = judge.add(r, observation)
            held = held or hold
            if why:
                failed[name] = why
        if held:
            yield Report(Milestone.DECISION, {"decision": "Paused", "reason": held, "afterSeconds": elapsed})
            return Watch(None, metrics, held, seconds=elapsed)
        if failed:
            why = next(iter(failed.values()))
            where = {"regions": list(failed)} if regional else {}
            yield Report(
                Milestone.TRIGGER_FIRED, {"trigger": why, "afterSeconds": elapsed, **where, **_summary(metrics)}
            )
            return Watch(why, metrics, failed=failed, seconds=elapsed)
        decided = experiment.see(observation.versions) if experiment is not None else None
        if decided is not None:
            yield Report(Milestone.EVALUATED, {"seconds": elapsed, "stoppedEarly": True, **_summary(metrics)})
            return Watch(None, metrics, decided=decided, seconds=elapsed)
    if metrics:
        weak = next((w for j in judges.values() if (w := j.low_power())), None)
        yield Report(
            Milestone.EVALUATED, {"seconds": elapsed, **_summary(metrics), **({"lowPower": weak} if weak else {})}
        )
    return Watch(None, metrics, seconds=elapsed)


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
