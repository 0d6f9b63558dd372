"""Drive a strategy by hand: no SimPy, no wasmtime, results fed by plain functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from hotswap.core.effects import (
    Approval,
    ApprovalReport,
    Deploy,
    DeployReport,
    Effect,
    HealthCheck,
    HealthReport,
    Keep,
    Observation,
    Observe,
    ObserveSeries,
    Outcome,
    Report,
    Route,
    RouteReport,
    VersionMetrics,
)
from hotswap.core.rollout import Rollout
from hotswap.core.series import Series
from hotswap.core.strategies import start
from hotswap.runs import setup
from hotswap.scenario.model import Scenario

NEW, OLD = "image-processor-v1.2.0", "image-processor-v1.1.0"
AHEAD = False  # how ``drive`` serves a series by default (conftest runs every test both ways)


def rollout(strategy: str, config: dict[str, Any] | None = None, **deployment: Any) -> Rollout:
    """A rollout of NEW over OLD on the guide's example fleet (or ``fleet=...``)."""
    fleet = deployment.pop("fleet", None)
    data: dict[str, Any] = {
        "previousModuleId": OLD,
        "deployment": {"moduleId": NEW, "strategy": strategy, "strategyConfig": config or {}, **deployment},
    }
    if fleet is not None:
        data["fleet"] = fleet
    return setup.rollout(Scenario.model_validate(data))


def deployed(effect: Deploy) -> DeployReport:
    n = len(effect.nodes)
    return DeployReport(requested=n, updated=n, failed=0, unreachable=0, seconds=2.0)


def healthy(effect: HealthCheck) -> HealthReport:
    n = len(effect.nodes)
    return HealthReport(checked=n, healthy=n, unhealthy=0, unreachable=0, seconds=0.5)


def traffic(
    *,
    error_rate: float = 0.001,
    latency_new: float = 20.0,
    latency_old: float = 20.0,
    crashed: int = 0,
    requests: int = 10_000,
) -> Callable[[Observe], Observation]:
    """Observations with both versions serving ``requests`` each per window."""

    def observe(effect: Observe) -> Observation:
        failed = round(requests * error_rate)
        return Observation(
            effect.seconds,
            {
                NEW: VersionMetrics(
                    nodes=10,
                    requests=requests,
                    failed_requests=failed,
                    crashed_nodes=crashed,
                    latency_mean_ms=latency_new,
                    latency_samples=tuple(latency_new + i % 7 for i in range(200)),
                    memory_mb=64,
                ),
                OLD: VersionMetrics(
                    nodes=55,
                    requests=requests,
                    failed_requests=round(requests * 0.001),
                    latency_mean_ms=latency_old,
                    latency_samples=tuple(latency_old + i % 7 for i in range(200)),
                    memory_mb=64,
                ),
            },
        )

    return observe


def bad_from(first: int, **bad: Any) -> Callable[[Observe], Observation]:
    """Traffic that turns bad (``traffic(**bad)``) at the ``first``-th interval (1-based)."""
    good, worse, seen = traffic(), traffic(**bad), [0]

    def observe(effect: Observe) -> Observation:
        seen[0] += 1
        return (worse if seen[0] >= first else good)(effect)

    return observe


def drive(
    r: Rollout,
    *,
    deploy: Callable[[Deploy], DeployReport] = deployed,
    health: Callable[[HealthCheck], HealthReport] = healthy,
    observe: Callable[[Observe], Observation] | None = None,
    ahead: bool | None = None,
) -> tuple[list[Effect], Outcome]:
    """Run the strategy to its end, answering each effect; the effects it yielded and
    its outcome. A series of intervals is served one interval at a time, as a real fleet
    serves it, or ``ahead`` (default ``AHEAD``) all at once, up to where the versions
    change, as the simulator does. Either way ``observe`` is asked for each interval
    once, in order: intervals served ahead and not kept are the next ones served, so
    the same intervals happen both ways."""
    see = observe or traffic()
    ahead = AHEAD if ahead is None else ahead
    coming: list[Observation] = []  # intervals served ahead and not kept: the next ones to happen

    def series(effect: ObserveSeries) -> Series:
        want = len(effect.steps) if ahead else 1
        while len(coming) < want:
            coming.append(see(Observe(effect.steps[len(coming)])))
        served = [coming[0]]
        for o in coming[1:want]:
            if o.versions.keys() != served[0].versions.keys() or o.regions.keys() != served[0].regions.keys():
                break
            served.append(o)
        return Series.of(served)

    def keep(effect: Keep) -> None:
        del coming[: effect.intervals]

    answer: dict[type, Callable[[Any], Any]] = {
        Deploy: deploy,
        HealthCheck: health,
        Observe: lambda e: coming.pop(0) if coming else see(e),
        ObserveSeries: series,
        Keep: keep,
        Route: lambda e: RouteReport(1.0),
        Approval: lambda e: ApprovalReport(e.draw(np.random.default_rng(0))),
        Report: lambda e: None,
    }
    steps, effects = start(r), []
    try:
        effect = next(steps)
        while True:
            effects.append(effect)
            effect = steps.send(answer[type(effect)](effect))
    except StopIteration as stop:
        return effects, stop.value


def of(effects: list[Effect], kind: type) -> list[Any]:
    return [e for e in effects if isinstance(e, kind)]


def kinds(effects: list[Effect]) -> list[str]:
    """The effects' kinds, reports left out, an ``Observe`` for each interval watched."""
    out: list[str] = []
    for effect, after in zip(effects, [*effects[1:], None], strict=True):
        if isinstance(effect, ObserveSeries):
            assert isinstance(after, Keep), "a series is followed by what it keeps"
            out += ["Observe"] * after.intervals
        elif not isinstance(effect, Report | Keep):
            out.append(type(effect).__name__)
    return out


def watched(effects: list[Effect]) -> list[float]:
    """The seconds of each interval of traffic that happened: an ``Observe``'s, or the
    intervals of a series its ``Keep`` kept."""
    out: list[float] = []
    for effect, after in zip(effects, [*effects[1:], None], strict=True):
        if isinstance(effect, Observe):
            out.append(effect.seconds)
        elif isinstance(effect, ObserveSeries):
            assert isinstance(after, Keep), "a series is followed by what it keeps"
            out += effect.steps[: after.intervals]
    return out


def failing(share: float, *, module: str = NEW) -> Callable[[HealthCheck], HealthReport]:
    """Health checks where ``share`` of the nodes of ``module`` fail."""

    def check(effect: HealthCheck) -> HealthReport:
        n = len(effect.nodes)
        bad = round(n * share) if effect.module_id == module else 0
        return HealthReport(checked=n, healthy=n - bad, unhealthy=bad, unreachable=0, seconds=3.0)

    return check
