"""The simulator's driver: carries a strategy's effects out on the simulated fleet.

The run loop (``hotswap.runs.loop``) steps the strategy; this driver turns each effect
into sampled work and the time it takes on the SimPy clock. Every stretch of time,
whatever the effect, goes through ``_elapse``, which samples the traffic served meanwhile.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import simpy

from hotswap.core.effects import Deploy, DeployReport, HealthCheck, HealthReport, Route, RouteReport, VersionMetrics
from hotswap.core.record import RunRecord
from hotswap.core.series import Columns, Series
from hotswap.runs import fleet_plan, loop, setup
from hotswap.scenario import Scenario
from sim.downtime import Downtime
from sim.population import Population


class SimDriver:
    def __init__(self, env: simpy.Environment, population: Population, route_seconds: float) -> None:
        self.env, self.population, self.route_seconds = env, population, route_seconds
        self._served: dict[str, VersionMetrics] = {}
        self._regions: dict[str, dict[str, VersionMetrics]] = {}
        self._ahead: tuple[list[float], Series] | None = None  # the last forecast: its ends, its traffic

    @property
    def now(self) -> float:
        return self.env.now  # an int 0 at the start, as records have always shown it

    def deploy(self, effect: Deploy) -> DeployReport:
        report, pending = self.population.deploy(effect.nodes, effect.module_id, self.env.now)
        self._elapse(report.seconds)
        self.population.apply(pending)
        return report

    def health_check(self, effect: HealthCheck) -> HealthReport:
        report = self.population.health_check(effect.nodes, effect.module_id, effect.policy, self.env.now)
        self._elapse(report.seconds)
        return report

    def route(self, effect: Route) -> RouteReport:
        self._elapse(self.route_seconds)
        self.population.route(effect)
        return RouteReport(self.route_seconds)

    def wait(self, seconds: float) -> None:
        self._elapse(seconds)

    def forecast(self, steps: tuple[float, ...]) -> Series:
        """The traffic of the next intervals, sampled ahead with the fleet as it stands
        (nothing changes it while traffic runs but time: crashes, outages, slow nodes
        are laid out in time already); no time passes until ``keep``."""
        ends, t = [], self.env.now
        for step in steps:
            t += step
            ends.append(t)
        series = self.population.series(self.env.now, steps, ends)
        self._ahead = (ends, series)
        return series

    def keep(self, intervals: int) -> None:
        """The first ``intervals`` of the forecast happen: the clock runs to the end of
        the last, and their traffic is what ``served`` reports."""
        assert self._ahead is not None, "keep follows a forecast"
        ends, series = self._ahead
        self._ahead = None
        self.env.run(until=ends[intervals - 1])
        kept = series.head(intervals)
        self._served = {m: _total(c) for m, c in kept.versions.items()}
        self._regions = {name: {m: _total(c) for m, c in per.items()} for name, per in kept.regions.items()}

    def served(self) -> dict[str, VersionMetrics]:
        served, self._served = self._served, {}
        return served

    def served_by_region(self) -> dict[str, dict[str, VersionMetrics]]:
        regions, self._regions = self._regions, {}
        return regions

    def _elapse(self, seconds: float) -> None:
        if seconds <= 0:
            return
        start = self.env.now
        self.env.run(until=self.env.timeout(seconds))
        self._served, self._regions = self.population.sample(start, self.env.now)


def _total(c: Columns) -> VersionMetrics:
    """The requests and failures of a version's intervals, added up (what is booked)."""
    return VersionMetrics(nodes=int(c.nodes[-1]), requests=int(c.requests.sum()), failed_requests=int(c.failed.sum()))


def simulate(
    scenario: Scenario,
    seed: int,
    *,
    nodes: int | None = None,
    time_scale: float | None = None,
    rate: float | None = None,
    profile: str | None = None,
) -> RunRecord:
    """Run the scenario's deployment once on the simulated fleet; its result record.
    With ``nodes`` (or ``time_scale``, ``rate``) it is the twin of the real run with the
    same options; ``profile`` (a timing profile file) replaces the drawn timings."""
    scenario, host = played(scenario, nodes, time_scale, rate, profile)
    rng = np.random.default_rng(seed)
    run = loop.begin(scenario, rng)
    downtime = Downtime(scenario.fleet.node_failures, run.layout.size, run.disruptions, rng)
    population = Population(
        scenario,
        run.layout,
        run.ledger,
        downtime,
        rng,
        run.disruptions,
        curve=setup.traffic(scenario),
        by_region=run.rollout.by_region,
        host=host,
    )
    driver = SimDriver(simpy.Environment(), population, scenario.fleet.route_update_seconds)
    run.carry_out(driver, loop.Schedule(run.marks()))
    return run.record("sim", seed)


def played(
    scenario: Scenario, nodes: int | None, time_scale: float | None, rate: float | None, profile: str | None
) -> tuple[Scenario, fleet_plan.Host | None]:
    """The scenario as the simulator plays it: itself, with a profile's timings, or the
    twin of a real run (the default profile's timings unless one is given); and, for a
    profile of one host (``hotswap measure``), that host, loaded by the twin's router."""
    twin_mode = nodes is not None or time_scale is not None or rate is not None
    chosen = Path(profile) if profile else fleet_plan.scenario_profile(scenario)
    if not twin_mode and chosen is None:
        return scenario, None
    timings = fleet_plan.load_profile(chosen)
    if not twin_mode:
        fleet = scenario.fleet.model_copy(update=fleet_plan.timings(timings))
        return scenario.model_copy(update={"fleet": fleet}), fleet_plan.host(timings)
    planned = fleet_plan.plan(scenario, nodes or fleet_plan.DEFAULT_NODES, time_scale, rate, timings)
    return fleet_plan.twin(planned, timings), fleet_plan.host(timings, planned.pace.wall_rate)


def prepare(
    scenario: Scenario,
    *,
    nodes: int | None = None,
    time_scale: float | None = None,
    rate: float | None = None,
    profile: str | None = None,
    **_: Any,
) -> list[str]:
    """Refuse a profile or fleet size the twin cannot take (``ValueError``); what a
    twin's scaled-down run cannot represent and which scenario timings a profile
    (``--profile``, else the scenario's ``fleet.profile``) replaces, one line each."""
    warnings: list[str] = []
    chosen = Path(profile) if profile else fleet_plan.scenario_profile(scenario)
    if nodes is not None or time_scale is not None or rate is not None:
        timings = fleet_plan.load_profile(chosen)
        warnings += fleet_plan.plan(scenario, nodes or fleet_plan.DEFAULT_NODES, time_scale, rate, timings).warnings
    elif chosen is not None:
        fleet_plan.load_profile(chosen)
    else:
        return warnings
    if replaced := fleet_plan.overridden(scenario):
        warnings.append(f"the timing profile replaces the scenario's {', '.join(replaced)}")
    return warnings
