"""The population model: bulk sampling of deploys, health checks and traffic."""

import numpy as np
import pytest

from hotswap.core.effects import HealthPolicy, Route
from hotswap.core.ledger import Ledger
from hotswap.runs.loop import book
from hotswap.runs.setup import disruptions, topology
from hotswap.scenario.model import Scenario
from sim.downtime import Downtime
from sim.population import Population


def population(n=10_000, seed=0, fleet=None, new=None):
    scenario = Scenario.model_validate(
        {
            "previousModuleId": "old",
            "fleet": {"regions": [{"name": "a", "nodes": n}], "nodeFailures": {"perNodeYear": 0}, **(fleet or {})},
            "modules": {"new": new or {}},
            "deployment": {"moduleId": "new", "strategy": "Canary"},
        }
    )
    return populated(scenario, seed)


def populated(scenario, seed, **options):
    """The population of ``scenario`` (modules ``old`` and ``new``), seeded, with its
    layout and ledger; ``options``: the population's keywords (curve, by_region)."""
    layout = topology(scenario)
    ledger = Ledger(layout.size, layout.active, "old", "new")
    rng = np.random.default_rng(seed)
    plan = disruptions(scenario, layout, rng)
    downtime = Downtime(scenario.fleet.node_failures, layout.size, plan, rng)
    return Population(scenario, layout, ledger, downtime, rng, plan, **options), layout, ledger


def deploy_all(pop, layout, at=0.0):
    report, pending = pop.deploy(layout.active, "new", at)
    pop.apply(pending)
    return report


def test_deploy_time_is_the_slowest_node_and_concurrency_adds_waves():
    pop, layout, ledger = population()
    report = deploy_all(pop, layout)
    assert report.updated == 10_000 and report.failed == report.unreachable == 0
    assert 8 < report.seconds < 40  # p99 is 8 s: the max of 10,000 nodes lies beyond it
    assert np.all(ledger.version == 2)
    waved, layout2, _ = population(fleet={"deployConcurrency": 1000})
    assert deploy_all(waved, layout2).seconds > 5 * report.seconds  # 10 waves, each a max of 1,000


def test_deploy_is_idempotent():
    pop, layout, _ = population()
    deploy_all(pop, layout)
    again = deploy_all(pop, layout)
    assert again.updated == 0 and again.seconds == 0.0


def test_health_check_failure_rate_is_the_share_of_unhealthy_nodes():
    pop, layout, _ = population(new={"healthCheckFailureRate": 0.3})
    deploy_all(pop, layout)
    report = pop.health_check(layout.active, "new", HealthPolicy(), now=60.0)
    assert report.unhealthy / report.checked == pytest.approx(0.3, abs=0.02)
    assert report.unreachable == 0
    assert report.seconds == pytest.approx(2 * HealthPolicy().interval)  # 3 failures, 1 s apart


def test_deploy_failures_show_as_unhealthy():
    pop, layout, _ = population(new={"deployFailureRate": 0.1})
    report = deploy_all(pop, layout)
    assert report.failed / report.requested == pytest.approx(0.1, abs=0.02)
    health = pop.health_check(layout.active, "new", HealthPolicy(), now=60.0)
    assert health.unhealthy == report.failed


def test_flaky_checks_need_failure_threshold_failures_in_a_row():
    pop, layout, _ = population(fleet={"healthCheckFlakeRate": 0.2})
    deploy_all(pop, layout)
    one = pop.health_check(layout.active, "new", HealthPolicy(failure_threshold=1), now=60.0)
    three = pop.health_check(layout.active, "new", HealthPolicy(failure_threshold=3), now=60.0)
    assert one.unhealthy / one.checked == pytest.approx(0.2, abs=0.02)
    assert three.unhealthy / three.checked == pytest.approx(0.2**3, abs=0.005)


def test_down_nodes_are_unreachable_and_cost_timeouts():
    pop, layout, _ = population(fleet={"outages": [{"region": "a", "at": 0, "duration": 600, "fraction": 0.25}]})
    deploy = deploy_all(pop, layout)
    assert deploy.unreachable == 2500
    policy = HealthPolicy(attempt_timeout=5, interval=1, failure_threshold=3)
    during = pop.health_check(layout.active, "new", policy, now=60.0)
    assert (during.unreachable, during.unhealthy) == (2500, 0)  # down: unreachable, not the module's fault
    assert during.seconds == 3 * 5 + 2 * 1
    capped = pop.health_check(layout.active, "new", HealthPolicy(deadline=4.0), now=60.0)
    assert capped.seconds == 4.0


def test_traffic_error_rate_and_crashes():
    pop, layout, ledger = population(n=1000, new={"errorRate": 0.1, "crashRate": 0.5, "meanTimeToCrash": 10})
    deploy_all(pop, layout)
    metrics = book(ledger, pop.traffic(100.0, 400.0))["new"]
    assert metrics.requests == pytest.approx(20 * 1000 * 300, rel=0.01)
    assert metrics.crashed_nodes == pytest.approx(500, abs=60)
    # crashed workers fail what reaches them; the rest fail at the error rate
    assert metrics.failed_requests / metrics.requests == pytest.approx(0.5 + 0.5 * 0.1, abs=0.05)
    assert ledger.requests[2] == metrics.requests


def test_route_weights_split_traffic():
    pop, layout, _ = population(n=100)
    _report, pending = pop.deploy(layout.active.head(10), "new", 0.0)
    pop.apply(pending)
    pop.route(Route(((layout.active - layout.active.head(10), 80.0), (layout.active.head(10), 20.0))))
    m = pop.traffic(10.0, 1010.0)
    share = m["new"].requests / (m["new"].requests + m["old"].requests)
    assert share == pytest.approx(0.2, abs=0.01)


def test_latency_mean_matches_the_profile():
    pop, layout, _ = population(n=1000, new={"latencyMs": {"median": 15, "p99": 60}})
    deploy_all(pop, layout)
    m = pop.traffic(10.0, 70.0)["new"]
    spread = pop.profiles[2].latency_ms
    assert m.latency_mean_ms == pytest.approx(spread.mean, rel=0.01)
    assert np.median(m.latency_samples.values) == pytest.approx(15, rel=0.2)
