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
    Observation,
    Observe,
    Outcome,
    Report,
    Route,
    RouteReport,
    VersionMetrics,
)
from hotswap.core.rollout import Rollout
from hotswap.core.strategies import start
from hotswap.runs import setup
from hotswap.scenario.model import Scenario

NEW, OLD = "image-processor-v1.2.0", "image-processor-v1.1.0"


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


def drive(
    r: Rollout,
    *,
    deploy: Callable[[Deploy], DeployReport] = deployed,
    health: Callable[[HealthCheck], HealthReport] = healthy,
    observe: Callable[[Observe], Observation] | None = None,
) -> tuple[list[Effect], Outcome]:
    """Run the strategy to its end, answering each effect; the effects it yielded and
    its outcome."""
    observe = observe or traffic()
    answer: dict[type, Callable[[Any], Any]] = {
        Deploy: deploy,
        HealthCheck: health,
        Observe: observe,
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


def failing(share: float, *, module: str = NEW) -> Callable[[HealthCheck], HealthReport]:
    """Health checks where ``share`` of the nodes of ``module`` fail."""

    def check(effect: HealthCheck) -> HealthReport:
        n = len(effect.nodes)
        bad = round(n * share) if effect.module_id == module else 0
        return HealthReport(checked=n, healthy=n - bad, unhealthy=bad, unreachable=0, seconds=3.0)

    return check
