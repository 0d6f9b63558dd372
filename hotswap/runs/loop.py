"""The one run loop both backends use: set-up from the scenario, the effect loop over
``Execution``, the scenario's timed marks, traffic booked into the ledger, the record.

A backend supplies a ``Driver``: how to deploy, health-check, route and let scenario time
pass on its fleet, and the traffic its fleet served meanwhile. Everything else a run does
happens here, once, so the two backends cannot differ in it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol, runtime_checkable

import numpy as np

from hotswap.core import strategies
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
    Result,
    Route,
    RouteReport,
    VersionMetrics,
)
from hotswap.core.execution import Execution
from hotswap.core.ledger import Ledger
from hotswap.core.nodes import Topology
from hotswap.core.record import RunRecord, Warning, record
from hotswap.core.rollout import Rollout
from hotswap.core.series import Series
from hotswap.runs import setup
from hotswap.runs.setup import Disruption
from hotswap.scenario import Scenario, hints

Action = tuple[float, Callable[[], None]]  # something to do at a scenario time


class Driver(Protocol):
    """What a backend carries out; each call advances ``now``, the scenario clock."""

    @property
    def now(self) -> float: ...

    def deploy(self, effect: Deploy) -> DeployReport: ...

    def health_check(self, effect: HealthCheck) -> HealthReport: ...

    def route(self, effect: Route) -> RouteReport: ...

    def wait(self, seconds: float) -> None:
        """Let ``seconds`` of scenario time pass with traffic running."""

    def served(self) -> dict[str, VersionMetrics]:
        """The traffic served since the last call, per module id."""

    def served_by_region(self) -> dict[str, dict[str, VersionMetrics]]:
        """The same traffic per region (region -> module id -> metrics) when the rollout
        asks for it (``Rollout.by_region``), else empty."""


@runtime_checkable
class Forecaster(Protocol):
    """A driver that can measure traffic ahead (the simulator: its fleet changes only
    by the effects it carries out). Without it, a series is served an interval at a
    time, as it passes."""

    def forecast(self, steps: tuple[float, ...]) -> Series:
        """The traffic of the next intervals (``steps`` seconds each); no time passes."""

    def keep(self, intervals: int) -> None:
        """The first ``intervals`` of the last forecast happen: time passes through the
        end of the last, and their traffic is served (``served`` reports it)."""


class Schedule:
    """Actions due at scenario times, fired in time order (ties in the order given) as
    the clock passes them."""

    def __init__(self, actions: list[Action]) -> None:
        self.actions = sorted(actions, key=lambda a: a[0])

    def next_at(self) -> float | None:
        return self.actions[0][0] if self.actions else None

    def fire_due(self, now: float) -> None:
        while self.actions and self.actions[0][0] <= now:
            _, act = self.actions.pop(0)
            act()


@dataclass
class Run:
    """One run's state, set up from its scenario the same way for every backend."""

    scenario: Scenario
    rollout: Rollout
    layout: Topology
    ledger: Ledger
    disruptions: list[Disruption]
    execution: Execution
    rng: np.random.Generator  # the run's generator: approval delays are drawn from it

    def marks(self) -> list[Action]:
        """The timeline marks of the scenario's outages and faults, as actions."""
        marks = setup.fault_marks(self.scenario)
        return [(at, partial(self.ledger.note, at, event, **detail)) for at, event, detail in marks]

    def carry_out(self, driver: Driver, schedule: Schedule) -> None:
        """Step the strategy to its outcome: each effect carried out by ``driver``, the
        traffic served meanwhile booked, the actions of ``schedule`` fired on time."""
        execution = self.execution
        effect = execution.start(driver.now)
        while effect is not None:
            schedule.fire_due(driver.now)
            started = driver.now
            result = dispatch(driver, effect, self.rng)
            served = driver.served()
            regions = driver.served_by_region()
            metrics = book(self.ledger, served, regions)
            if isinstance(effect, Observe):
                result = Observation(effect.seconds, metrics, regions)
            elif isinstance(effect, ObserveSeries) and result is None:  # served as it passed
                result = Series.of([Observation(effect.steps[0], metrics, regions)])
            schedule.fire_due(driver.now)
            effect = execution.advance(effect, result, started, driver.now)

    def record(self, backend: str, seed: int, extra: dict[str, Any] | None = None) -> RunRecord:
        """The run's record; its warnings begin with the scenario's likely mistakes (a
        percent threshold written as a fraction, default triggers replaced)."""
        done = record(
            self.scenario.name,
            self.rollout,
            backend=backend,
            seed=seed,
            execution=self.execution,
            ledger=self.ledger,
            extra=extra,
        )
        said = [Warning(code=h["code"], message=f"{h['field']}: {h['message']}") for h in hints.warnings(self.scenario)]
        done["warnings"] = [*said, *done["warnings"]]
        return done


def begin(scenario: Scenario, rng: np.random.Generator) -> Run:
    """Set a run up: the rollout, the fleet's layout and ledger, and the nodes the
    scenario's outages and faults hit (the first draws of ``rng``)."""
    rollout = setup.rollout(scenario)
    layout = setup.topology(scenario)
    ledger = Ledger(layout.size, layout.active, rollout.previous_id, rollout.module_id)
    disruptions = setup.disruptions(scenario, layout, rng)
    execution = Execution(strategies.start(rollout), ledger, metrics_delay=rollout.metrics_delay)
    return Run(scenario, rollout, layout, ledger, disruptions, execution, rng)


def dispatch(driver: Driver, effect: Effect, rng: np.random.Generator) -> Result | Series:
    """Carry one effect out (observations are completed by the loop; an approval takes
    no time itself: its delay, drawn here, is watched by the strategy). A series is
    measured ahead by a ``Forecaster``; any other driver serves its first interval as
    it passes (the one a following ``Keep`` keeps)."""
    if isinstance(effect, Deploy):
        return driver.deploy(effect)
    if isinstance(effect, HealthCheck):
        return driver.health_check(effect)
    if isinstance(effect, Route):
        return driver.route(effect)
    if isinstance(effect, Observe):
        driver.wait(effect.seconds)
        return None
    if isinstance(effect, ObserveSeries):
        if isinstance(driver, Forecaster):
            return driver.forecast(effect.steps)
        driver.wait(effect.steps[0])
        return None
    if isinstance(effect, Keep):
        if isinstance(driver, Forecaster):
            driver.keep(effect.intervals)
        elif effect.intervals != 1:
            raise ValueError(f"{effect.intervals} intervals kept of a series served one at a time")
        return None
    if isinstance(effect, Approval):
        return ApprovalReport(effect.draw(rng))
    raise TypeError(f"no backend carries out {effect!r}")


def book(
    ledger: Ledger, served: dict[str, VersionMetrics], regions: dict[str, dict[str, VersionMetrics]] | None = None
) -> dict[str, VersionMetrics]:
    """Book traffic served into the ledger (per region too, when broken down); the same
    metrics, for an observation."""
    for module_id, metrics in served.items():
        split = {
            n: (m[module_id].requests, m[module_id].failed_requests)
            for n, m in (regions or {}).items()
            if module_id in m
        }
        ledger.serve(ledger.code(module_id), metrics.requests, metrics.failed_requests, split or None)
    return served
