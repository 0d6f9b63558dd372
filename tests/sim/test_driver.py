"""The SimPy backend on every bundled scenario, end to end."""

import json
from pathlib import Path

import pytest

from hotswap.reports import guide
from hotswap.runs import runner
from hotswap.scenario import load
from hotswap.scenario.model import Scenario
from sim.driver import simulate

SCENARIOS = Path(__file__).parents[2] / "scenarios"
EXPECTED = {
    "canary": {"Succeeded"},
    "blue-green": {"Succeeded"},
    "rolling": {"Succeeded"},
    "regional": {"Succeeded"},
    "ab-testing": {"Succeeded"},
    "canary-bad-module": {"RolledBack"},
    "blue-green-bad-module": {"RolledBack"},
    "rolling-bad-module": {"Paused"},
    "regional-bad-module": {"RolledBack", "PartialSuccess"},
    "ab-testing-bad-module": {"RolledBack"},
    "fleet-100k": {"Succeeded"},
    "canary-node-faults": {"Succeeded"},
    "fleet-10k": {"Succeeded"},
    "regional-waves": {"Succeeded"},
    "regional-waves-bad-module": {"RolledBack"},
    "canary-quiet-start": {"RolledBack"},
    "canary-diurnal": {"RolledBack"},
    "canary-late-metrics": {"RolledBack"},
}


def test_every_bundled_scenario_has_an_expectation_here():
    assert {p.stem for p in SCENARIOS.glob("*.yaml")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bundled_scenario_outcome(name):
    scenario = load(SCENARIOS / f"{name}.yaml")
    for seed in range(3 if name != "fleet-100k" else 1):
        run = simulate(scenario, seed)
        assert run["outcome"] in EXPECTED[name], run["reason"]
        assert run["backend"] == "sim" and run["seed"] == seed
        assert run["deployTimeSeconds"] > 0
        # a Regional rollout ends PartialSuccess only with a region rolled back
        regional_partial = run["strategy"] == "Regional" and run["outcome"] == "PartialSuccess"
        rolled_back = run["outcome"] == "RolledBack" or regional_partial
        assert (run["rollbackTimeSeconds"] is not None) == rolled_back
        times = [e["t"] for e in run["timeline"]]
        assert times == sorted(times)


@pytest.mark.parametrize("path", sorted(guide.EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_guide_configs_run_verbatim_on_the_default_fleet(path):
    run = simulate(load(path), 0)
    assert run["outcome"] in {"Succeeded", "Paused"}  # A/B of two identical modules is inconclusive
    assert run["fleet"]["nodes"] == 65


def test_same_seed_same_bytes_other_seed_other_result():
    scenario = load(SCENARIOS / "canary-bad-module.yaml")
    a, b = (json.dumps(simulate(scenario, 11)) for _ in range(2))
    assert a == b
    assert json.dumps(simulate(scenario, 12)) != a


def test_process_pool_gives_the_same_runs_as_one_process():
    scenario = load(SCENARIOS / "rolling-bad-module.yaml")
    pooled = runner.replicate(scenario, seed=3, runs=8, jobs=2)
    alone = runner.replicate(scenario, seed=3, runs=8, jobs=1)
    assert json.dumps(pooled) == json.dumps(alone)
    assert [r["seed"] for r in pooled] == list(range(3, 11))


def _scenario(strategy, **extra):
    return Scenario.model_validate(
        {"previousModuleId": "old", "deployment": {"moduleId": "new", "strategy": strategy}, **extra}
    )


def test_canary_times_follow_the_configuration():
    run = simulate(_scenario("Canary", fleet={"nodeFailures": {"perNodeYear": 0}}), 0)
    # four 5-minute evaluations plus four deploys (a few seconds each) and health checks
    assert 1200 < run["deployTimeSeconds"] < 1200 + 4 * 60
    assert run["blastRadius"]["nodes"] == 65 and run["finalState"]["newModuleNodes"] == 65


def test_blue_green_needs_idle_capacity():
    run = simulate(_scenario("BlueGreen", fleet={"regions": [{"name": "a", "nodes": 10, "idleNodes": 5}]}), 0)
    assert run["outcome"] == "Failed"
    assert run["reason"].startswith("Insufficient capacity for Green environment")
    assert run["blastRadius"]["nodes"] == 0


def test_blue_green_costs_double_capacity_and_rolls_back_by_switching():
    bad = _scenario("BlueGreen", modules={"new": {"errorRate": 0.2}})
    run = simulate(bad, 0)
    assert run["outcome"] == "RolledBack"
    assert run["capacity"]["overheadPercent"] == 100.0
    assert run["rollbackTimeSeconds"] == bad.fleet.route_update_seconds  # a switch, no redeploy
    assert run["finalState"]["newModuleNodes"] == 0  # green unloaded after the switch back


def test_rolling_pause_leaves_the_failed_batch_exposed():
    run = simulate(_scenario("Rolling", modules={"new": {"healthCheckFailureRate": 1.0}}), 0)
    assert run["outcome"] == "Paused"
    assert run["finalState"]["newModuleNodes"] == 1  # batchSize 1: the first batch stays
    assert run["blastRadius"]["nodeSeconds"] > 0


def test_region_outage_makes_nodes_unreachable_not_unhealthy():
    scenario = _scenario(
        "Regional",
        fleet={
            "regions": [{"name": "us-east", "nodes": 10}, {"name": "us-west", "nodes": 10}],
            "outages": [{"region": "us-west", "at": 0, "duration": "PT1H", "fraction": 0.5}],
            "nodeFailures": {"perNodeYear": 0},
        },
    )
    run = simulate(scenario, 0)
    assert run["outcome"] == "Succeeded"
    assert "15 of 20 nodes" in run["reason"]
    checks = [e for e in run["timeline"] if e["event"] == "HealthCheck"]
    assert [c["unreachable"] for c in checks] == [5, 0]  # the guide order: us-west first
    assert next(e["event"] for e in run["timeline"]) == "RegionOutage"


def test_guide_literal_gate_fails_on_unreachable_nodes():
    scenario = _scenario(
        "Canary",
        fleet={
            "regions": [{"name": "a", "nodes": 20}],
            "outages": [{"region": "a", "at": 0, "duration": "PT2H", "fraction": 0.1}],
        },
    )
    literal = scenario.model_copy(
        update={
            "deployment": scenario.deployment.model_copy(
                update={"health_check": scenario.deployment.health_check.model_copy(update={"unreachable": "fail"})}
            )
        }
    )
    assert simulate(scenario, 0)["outcome"] == "Succeeded"
    assert simulate(literal, 0)["outcome"] == "RolledBack"


def test_scenario_faults_kill_stop_and_slow_nodes():
    scenario = _scenario(
        "Canary",
        fleet={
            "regions": [{"name": "a", "nodes": 20}],
            "nodeFailures": {"perNodeYear": 0},
            "faults": [
                {"action": "stop", "region": "a", "at": 0, "duration": "PT1H", "nodes": 1},
                {"action": "slow", "region": "a", "at": 0, "duration": "PT1H", "nodes": 2, "slowMs": 500},
            ],
        },
        deployment={"moduleId": "new", "strategy": "Canary", "autoRollback": {"enabled": False}},
    )
    run = simulate(scenario, 0)
    first = next(e for e in run["timeline"] if e["event"] == "HealthCheck")
    assert first["unreachable"] == 1  # the stopped node: unreachable, not unhealthy
    assert run["outcome"] == "Succeeded" and "19 of 20 nodes" in run["reason"]
    evaluated = next(e for e in run["timeline"] if e["event"] == "Evaluated")
    # stage 1 is nodes 0 (stopped) and 1 (slow, +500 ms): the new module's mean latency is
    # about the profile's mean plus 500 ms
    assert evaluated["new"]["avgLatencyMs"] > 500
    assert [e["action"] for e in run["timeline"] if e["event"] == "Fault"] == ["stop", "slow"]


def outage_that_ends(strategy: str) -> Scenario:
    """A healthy module; region a is down during the first deploy and back (on
    the previous module) before the stage is checked."""
    config = (
        {"regionOrder": ["a", "b"], "interRegionDelay": 600}
        if strategy == "Regional"
        else {"stages": [50, 100], "evaluationPeriod": 600}
    )
    return Scenario.model_validate(
        {
            "previousModuleId": "old",
            "fleet": {
                "regions": [{"name": "a", "nodes": 10}, {"name": "b", "nodes": 10}],
                "outages": [{"region": "a", "at": 0, "duration": 200}],
            },
            "modules": {"new": {"errorRate": 0}, "old": {"errorRate": 0}},
            "deployment": {"moduleId": "new", "strategy": strategy, "strategyConfig": config},
        }
    )


@pytest.mark.parametrize("strategy", ["Regional", "Canary"])
def test_a_healthy_module_is_not_rolled_back_for_nodes_down_in_an_outage_that_ended(strategy):
    """Nodes down during the deploy are deployed to and checked afresh, not counted unhealthy."""
    scenario = outage_that_ends(strategy)
    for seed in range(20):
        run = simulate(scenario, seed)
        assert run["outcome"] == "Succeeded", run["reason"]
        assert run["finalState"]["newModuleNodes"] == 20
        deploys = [e for e in run["timeline"] if e["event"] == "Deploy"]
        assert deploys[0]["unreachable"] > 0  # the outage did hit the first deploy
        assert all(e["unhealthy"] == 0 for e in run["timeline"] if e["event"] == "HealthCheck")


def _sim_driver(s: Scenario):
    import numpy as np
    import simpy

    from hotswap.runs import loop, setup
    from sim.downtime import Downtime
    from sim.driver import SimDriver
    from sim.population import Population

    rng = np.random.default_rng(1)
    run = loop.begin(s, rng)
    downtime = Downtime(s.fleet.node_failures, run.layout.size, run.disruptions, rng)
    population = Population(s, run.layout, run.ledger, downtime, rng, run.disruptions, curve=setup.traffic(s))
    return SimDriver(simpy.Environment(), population, s.fleet.route_update_seconds)


def test_a_forecast_lets_no_time_pass_and_keep_serves_only_the_intervals_kept():
    driver = _sim_driver(load(SCENARIOS / "canary.yaml"))
    series = driver.forecast((30.0,) * 10)
    assert driver.now == 0 and driver.served() == {} and len(series) == 10
    driver.keep(4)
    assert driver.now == 120.0
    served = driver.served()
    assert set(served) == set(series.versions)
    for module_id, m in served.items():
        c = series.versions[module_id]
        assert (m.requests, m.failed_requests) == (int(c.requests[:4].sum()), int(c.failed[:4].sum()))
    assert 0.9 * 65 * 20 * 120 < sum(m.requests for m in served.values()) < 1.1 * 65 * 20 * 120  # 65 nodes, 20/s
    assert driver.served() == {}  # booked once


MARGINAL = {  # a module just past the error-rate trigger: it fires after a few intervals
    "previousModuleId": "old",
    "fleet": {"regions": [{"name": "a", "nodes": 40}], "trafficPerNode": 2},
    "modules": {"new": {"errorRate": 0.065}},
    "deployment": {
        "moduleId": "new",
        "strategy": "Canary",
        "strategyConfig": {"stages": [25, 100], "evaluationPeriod": "PT30M"},
    },
}


def test_a_trigger_fires_at_the_end_of_the_interval_that_showed_it():
    """Measured ahead or not, the rollback starts when the deciding interval ends: the
    wait's start plus the intervals it took, never the end of what was measured ahead."""
    s = Scenario.model_validate(MARGINAL)
    after = []
    for seed in range(6):
        timeline = simulate(s, seed)["timeline"]
        i = next(i for i, e in enumerate(timeline) if e["event"] == "TriggerFired")
        start = [e for e in timeline[:i] if e["event"] in ("Deploy", "HealthCheck", "Route")][-1]
        fired = timeline[i]
        assert fired["t"] == pytest.approx(start["t"] + start["seconds"] + fired["afterSeconds"], abs=1e-6)
        assert timeline[i + 1]["event"] == "RollbackStarted" and timeline[i + 1]["t"] == fired["t"]
        after.append(fired["afterSeconds"])
    assert all(a % 30 == 0 for a in after) and max(after) > 60  # some fire intervals into a 30-minute wait
