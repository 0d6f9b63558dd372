"""The one run loop: effects go to the driver, traffic is booked once, marks fire on time."""

from __future__ import annotations

import numpy as np
import pytest

from hotswap.core.effects import (
    Deploy,
    DeployReport,
    HealthCheck,
    HealthReport,
    Keep,
    ObserveSeries,
    Route,
    RouteReport,
    VersionMetrics,
)
from hotswap.runs import loop
from hotswap.runs.setup import disruptions, topology
from hotswap.scenario.model import Scenario


class HandDriver:
    """Every deploy takes 2 s and updates every node, every check passes, every window
    serves 100 requests of the new module, 5 of them failed."""

    def __init__(self, ledger):
        self.now, self.ledger, self.calls, self._served, self.waited = 0.0, ledger, [], {}, []

    def deploy(self, effect: Deploy) -> DeployReport:
        self.calls.append("deploy")
        nodes = effect.nodes.indices()
        self.ledger.switch(nodes, effect.module_id, self.now)
        self.now += 2.0
        return DeployReport(len(nodes), len(nodes), 0, 0, 2.0)

    def health_check(self, effect: HealthCheck) -> HealthReport:
        self.calls.append("health")
        return HealthReport(len(effect.nodes), len(effect.nodes), 0, 0, 0.0)

    def route(self, effect: Route) -> RouteReport:
        self.calls.append("route")
        return RouteReport(0.0)

    def wait(self, seconds: float) -> None:
        self.calls.append("wait")
        self.waited.append(seconds)
        self.now += seconds
        self._served = {"new": VersionMetrics(nodes=10, requests=100, failed_requests=5)}

    def served(self):
        served, self._served = self._served, {}
        return served

    def served_by_region(self):
        return {}


def scenario(armed: bool = False, **fleet):
    return Scenario.model_validate(
        {
            "previousModuleId": "old",
            "fleet": {"regions": [{"name": "a", "nodes": 10}], "nodeFailures": {"perNodeYear": 0}, **fleet},
            "deployment": {"moduleId": "new", "strategy": "Canary", "autoRollback": {"enabled": armed}},
        }
    )


def test_the_loop_carries_a_canary_out_books_its_traffic_and_records_it():
    run = loop.begin(scenario(), np.random.default_rng(0))
    driver = HandDriver(run.ledger)
    run.carry_out(driver, loop.Schedule(run.marks()))
    result = run.record("hand", 0)
    assert result["outcome"] == "Succeeded" and result["backend"] == "hand"
    windows = driver.calls.count("wait")
    assert windows >= 4  # a window a stage at least
    # every window's traffic booked once, into the new module's account
    assert result["blastRadius"]["requests"] == 100 * windows
    assert result["blastRadius"]["failedRequests"] == 5 * windows
    assert driver.calls[0] == "deploy"


def test_marks_fire_in_time_order_as_the_clock_passes_them():
    s = scenario(
        outages=[{"region": "a", "at": 100, "duration": 50, "fraction": 0.5}],
        faults=[{"action": "slow", "region": "a", "at": 10, "duration": 5}],
    )
    run = loop.begin(s, np.random.default_rng(0))
    fired = []
    schedule = loop.Schedule([*run.marks(), (120.0, lambda: fired.append(120.0)), (5.0, lambda: fired.append(5.0))])
    schedule.fire_due(100.0)
    assert fired == [5.0]
    assert [e["event"] for e in run.ledger.timeline] == ["Fault", "RegionOutage"]
    assert schedule.next_at() == 120.0
    schedule.fire_due(1e9)
    assert fired == [5.0, 120.0]
    assert [e["event"] for e in run.ledger.timeline][-1] == "RegionRecovered"


def test_outage_nodes_are_drawn_once_for_every_backend():
    s = scenario(outages=[{"region": "a", "at": 0, "duration": 50, "fraction": 0.3}])
    layout = topology(s)
    a = disruptions(s, layout, np.random.default_rng(7))
    b = disruptions(s, layout, np.random.default_rng(7))
    assert [d.kind for d in a] == ["outage"] and len(a[0].nodes) == 3
    assert np.array_equal(a[0].nodes, b[0].nodes) and np.all(np.diff(a[0].nodes) > 0)
    whole = scenario(outages=[{"region": "a", "at": 0, "duration": 50}])
    assert np.array_equal(disruptions(whole, layout, np.random.default_rng(7))[0].nodes, np.arange(10))


def test_a_driver_that_cannot_measure_ahead_serves_a_series_an_interval_at_a_time():
    """The real fleet's way: each interval passes, is booked and judged before the next."""
    run = loop.begin(scenario(armed=True), np.random.default_rng(0))
    driver = HandDriver(run.ledger)
    run.carry_out(driver, loop.Schedule(run.marks()))
    result = run.record("hand", 0)
    assert result["outcome"] == "Succeeded"
    assert driver.waited == [30.0] * 4 * 10  # four stages of 5 minutes in 30 s intervals, one at a time
    assert result["blastRadius"]["requests"] == 100 * len(driver.waited)


def test_several_intervals_are_kept_only_of_a_series_measured_ahead():
    run = loop.begin(scenario(armed=True), np.random.default_rng(0))
    driver = HandDriver(run.ledger)
    assert loop.dispatch(driver, ObserveSeries((30.0, 30.0)), run.rng) is None  # its first interval, as it passed
    assert driver.waited == [30.0]
    assert loop.dispatch(driver, Keep(1), run.rng) is None
    with pytest.raises(ValueError, match="one at a time"):
        loop.dispatch(driver, Keep(2), run.rng)
