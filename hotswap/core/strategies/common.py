"""Steps every strategy is built from: watch traffic, check health, roll back.

Each is a generator to ``yield from`` inside a strategy; none reads a clock or draws a
random number.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field, replace
from itertools import accumulate
from typing import Any

from hotswap.core import judgements
from hotswap.core.effects import (
    Deploy,
    DeployReport,
    HealthCheck,
    HealthPolicy,
    Keep,
    Milestone,
    Observation,
    Observe,
    ObserveSeries,
    Outcome,
    Report,
    Route,
    VersionMetrics,
)
from hotswap.core.nodes import NodeSet
from hotswap.core.rollout import Limits, Rollout
from hotswap.core.running import fold, merge
from hotswap.core.series import Columns, Series

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
    with an observed analysis, one measurement of each interval's, counted in ``tally``.
    ``scan`` finds the first interval of a series that decides, ``take`` then takes the
    intervals that happened."""

    monitor: judgements.Monitor
    region: str | None = None
    tally: Tally | None = None

    def columns(self, series: Series) -> dict[str, Columns]:
        return series.versions if self.region is None else series.regions.get(self.region, {})

    def add(self, r: Rollout, observation: Observation) -> tuple[str | None, str | None]:
        """Judge one interval; returns (why to roll back, why to hold), either or none."""
        versions = observation.versions if self.region is None else observation.regions.get(self.region, {})
        if self.tally is None:
            return self.monitor.see(versions), None
        self.monitor.merge(versions)
        if not r.triggers:
            return None, None
        kind, seen = judgements.measure(
            versions.get(r.module_id), list(r.triggers), r.min_requests, versions.get(r.previous_id)
        )
        return self.tally.add(kind, seen)

    def scan(self, r: Rollout, series: Series) -> tuple[int, str | None, str | None] | None:
        """The first interval at which this judge would roll back or hold, with (why to
        roll back, why to hold); nothing is taken."""
        columns = self.columns(series)
        if self.tally is None:
            hit = self.monitor.scan(columns, len(series))
            return (hit[0], hit[1], None) if hit else None
        tally = replace(self.tally)
        for i in range(len(series)):
            why, hold = self._count(r, tally, {m: c.at(i) for m, c in columns.items()})
            if why or hold:
                return i, why, hold
        return None

    def take(self, r: Rollout, series: Series, n: int) -> None:
        """Take the first ``n`` intervals of ``series`` as judged."""
        columns = self.columns(series)
        if self.tally is not None:
            for i in range(n):
                self._count(r, self.tally, {m: c.at(i) for m, c in columns.items()})
        self.monitor.take(columns, n)

    @staticmethod
    def _count(r: Rollout, tally: Tally, versions: dict[str, VersionMetrics]) -> tuple[str | None, str | None]:
        """One measurement of one interval's traffic alone, counted in ``tally``."""
        if not r.triggers:
            return None, None
        now, before = versions.get(r.module_id), versions.get(r.previous_id)
        kind, seen = judgements.measure(now, list(r.triggers), r.min_requests, before)
        return tally.add(kind, seen)

    def low_power(self) -> str | None:
        """Why the sequential test could not have shown a module just past a trigger."""
        return self.monitor.low_power() if self.tally is None else None


Hits = dict[str, tuple[int, str | None, str | None]]  # judge -> (interval, why to roll back, why to hold)


def intervals(every: float, seconds: float) -> list[float]:
    """A wait of ``seconds`` in intervals of ``every`` seconds, the last one shorter."""
    steps, elapsed = [], 0.0
    while seconds - elapsed > 1e-9:
        step = min(every, seconds - elapsed)
        steps.append(step)
        elapsed += step
    return steps


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
    on from the watch ``since``, when given.

    The intervals are asked for as one series (``ObserveSeries``) and judged all at
    once, then ``Keep`` says how many happened: up to the first that decides, which is
    where the wait ends, as if they had been looked at one by one. With late metrics
    (``metricsDelay``) each interval is observed on its own (``Observe``)."""
    if judges is None:
        if r.limits is not None and tally is None:
            tally = Tally(r.limits)
        judges = {"": Judge(monitor(r), None, tally)}
    metrics: dict[str, VersionMetrics] = dict(since.metrics) if since else {}
    regional = any(j.region is not None for j in judges.values())
    steps = intervals(r.watch_interval or seconds, seconds)
    ends = list(accumulate(steps))
    done, elapsed = 0, 0.0
    while done < len(steps):
        got, ahead = yield from _observe(r, steps[done:])
        if isinstance(got, Observation):  # one interval: judged as it comes
            hits, decided, n = _judge_one(r, judges, experiment, got)
            for module_id, m in got.versions.items():
                metrics[module_id] = merge(metrics.get(module_id), m)
        else:
            hits, decided, n = _judge_many(r, judges, experiment, got)
            if ahead:
                yield Keep(n)
            for module_id, c in got.versions.items():
                metrics[module_id] = fold(metrics.get(module_id), c, n)
        first = min((hit[0] for hit in hits.values()), default=None)
        done += n
        elapsed = ends[done - 1]
        if decided is not None:
            yield Report(Milestone.EVALUATED, {"seconds": elapsed, "stoppedEarly": True, **_summary(metrics)})
            return Watch(None, metrics, decided=decided[1], seconds=elapsed)
        if first is not None:
            at = [hit for hit in hits.items() if hit[1][0] == first]
            held = next((hold for _, (_, _, hold) in at if hold), None)
            if held:
                yield Report(Milestone.DECISION, {"decision": "Paused", "reason": held, "afterSeconds": elapsed})
                return Watch(None, metrics, held, seconds=elapsed)
            failed = {name: why for name, (_, why, _) in at if why}
            why = next(iter(failed.values()))
            where = {"regions": list(failed)} if regional else {}
            yield Report(
                Milestone.TRIGGER_FIRED, {"trigger": why, "afterSeconds": elapsed, **where, **_summary(metrics)}
            )
            return Watch(why, metrics, failed=failed, seconds=elapsed)
    if metrics:
        weak = next((w for j in judges.values() if (w := j.low_power())), None)
        yield Report(
            Milestone.EVALUATED, {"seconds": elapsed, **_summary(metrics), **({"lowPower": weak} if weak else {})}
        )
    return Watch(None, metrics, seconds=elapsed)


def _observe(r: Rollout, steps: list[float]) -> Steps:
    """The traffic of the next intervals: a series of several, measured ahead (then a
    ``Keep`` must follow: the second value says so), or one interval's observation.
    With late metrics, or one interval left, one ``Observe``."""
    if len(steps) > 1 and not r.metrics_delay:
        series = yield ObserveSeries(tuple(steps))
        if len(series) > 1:
            return series, True
        yield Keep(1)  # served as it passed
        return series.at(0), False
    observation = yield Observe(steps[0])
    return observation, False


def _judge_one(
    r: Rollout, judges: dict[str, Judge], experiment: judgements.Experiment | None, observation: Observation
) -> tuple[Hits, tuple[int, judgements.Judgement] | None, int]:
    """One interval judged: each judge's verdict, the experiment's (looked at only when
    no trigger fired), and how many intervals happened (one)."""
    hits: Hits = {}
    for name, judge in judges.items():
        why, hold = judge.add(r, observation)
        if why or hold:
            hits[name] = (0, why, hold)
    decided = experiment.see(observation.versions) if experiment is not None and not hits else None
    return hits, ((0, decided) if decided is not None else None), 1


def _judge_many(
    r: Rollout, judges: dict[str, Judge], experiment: judgements.Experiment | None, series: Series
) -> tuple[Hits, tuple[int, judgements.Judgement] | None, int]:
    """A series judged at once: each judge's first verdict, the experiment's first before
    any trigger fired, and how many intervals happened: up to the first that decides.
    Every judge takes those intervals, as they would have one by one."""
    hits = {name: hit for name, judge in judges.items() if (hit := judge.scan(r, series)) is not None}
    first = min((hit[0] for hit in hits.values()), default=None)
    seen = len(series) if first is None else first  # an experiment looks only while no trigger fired
    decided = experiment.scan(series.versions, seen) if experiment is not None else None
    stop = decided[0] if decided is not None else first
    n = len(series) if stop is None else stop + 1
    for judge in judges.values():
        judge.take(r, series, n)
    if experiment is not None and min(n, seen):
        experiment.take(series.versions, min(n, seen))
    return hits, decided, n


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
