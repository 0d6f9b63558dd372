"""The SimPy driver: carries a strategy's effects out on the simulated fleet.

SimPy only waits on its own events, so the strategy generator is not a SimPy process
itself: ``SimDriver.run`` is the adapter process that steps it through ``Execution``
and turns each effect into the time it takes. Every stretch of time, whatever the
effect, goes through ``_elapse``, which samples the traffic served meanwhile.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from hotswap.core import strategies
from hotswap.core.effects import Deploy, Effect, HealthCheck, Observation, Observe, Result, Route, RouteReport
from hotswap.core.execution import Execution
from hotswap.core.ledger import Ledger
from hotswap.core.record import record
from hotswap.runs import setup
from hotswap.runs.setup import fault_marks, topology
from hotswap.scenario import Scenario
from sim.downtime import Downtime
from sim.population import Population

Process = Generator[simpy.Event, Any, Any]


class SimDriver:
    def __init__(self, env: simpy.Environment, population: Population, route_seconds: float) -> None:
        self.env, self.population, self.route_seconds = env, population, route_seconds

    def run(self, execution: Execution) -> Process:
        effect = execution.start(self.env.now)
        while effect is not None:
            started = self.env.now
            result = yield from self.carry_out(effect)
            effect = execution.advance(effect, result, started, self.env.now)

    def carry_out(self, effect: Effect) -> Generator[simpy.Event, Any, Result]:
        population, now = self.population, self.env.now
        if isinstance(effect, Deploy):
            report, pending = population.deploy(effect.nodes, effect.module_id, now)
            yield from self._elapse(report.seconds)
            population.apply(pending)
            return report
        if isinstance(effect, HealthCheck):
            health = population.health_check(effect.nodes, effect.module_id, effect.policy, now)
            yield from self._elapse(health.seconds)
            return health
        if isinstance(effect, Observe):
            metrics = yield from self._elapse(effect.seconds)
            return Observation(effect.seconds, metrics)
        if isinstance(effect, Route):
            yield from self._elapse(self.route_seconds)
            population.route(effect)
            return RouteReport(self.route_seconds)
        raise TypeError(f"the simulator cannot carry out {effect!r}")

    def _elapse(self, seconds: float) -> Process:
        if seconds <= 0:
            return {}
        start = self.env.now
        yield self.env.timeout(seconds)
        return self.population.traffic(start, self.env.now)


def announce_faults(env: simpy.Environment, scenario: Scenario, ledger: Ledger) -> Process:
    """Put the scenario's region outages and faults on the timeline as they happen."""
    for at, event, detail in fault_marks(scenario):
        yield env.timeout(at - env.now)
        ledger.note(env.now, event, **detail)


def simulate(scenario: Scenario, seed: int) -> dict[str, Any]:
    """Run the scenario's deployment once on the simulated fleet; its result record."""
    rng = np.random.default_rng(seed)
    rollout = setup.rollout(scenario)
    layout = topology(scenario)
    ledger = Ledger(layout.size, layout.active, rollout.previous_id, rollout.module_id)
    downtime = Downtime(scenario.fleet, layout, rng)
    population = Population(scenario, layout, ledger, downtime, rng)
    env = simpy.Environment()
    execution = Execution(strategies.start(rollout), ledger)
    env.process(announce_faults(env, scenario, ledger))
    done = env.process(SimDriver(env, population, scenario.fleet.route_update_seconds).run(execution))
    env.run(until=done)
    return record(scenario.name, rollout, backend="sim", seed=seed, execution=execution, ledger=ledger)


def prepare(scenario: Scenario, **_: Any) -> None:
    """The simulator takes every scenario the loader accepts."""
