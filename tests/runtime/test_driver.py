"""The real backend end to end: ``runtime.driver.run_fleet`` on small fleets of wasmtime workers,
at a high time scale, against the outcomes the simulator gives the same scenarios."""

from __future__ import annotations

import os
import re
import signal
from typing import Any

import numpy as np
import pytest
import yaml

from hotswap.core.effects import Outcome
from hotswap.core.traffic import Diurnal
from hotswap.runs.scale import scale
from hotswap.scenario import load
from hotswap.scenario.model import Scenario
from runtime import driver
from sim.driver import simulate
from tests.runtime.conftest import NEW, OLD, SCENARIOS, variant_of
from tests.runtime.procs import alive, pid_of
from tests.sim.test_driver import outage_that_ends

FAST = 3000.0  # time scale: a 5-minute evaluation waits 0.1 s
REAL_KEYS = {
    "workers",
    "scaledFrom",
    "timeScale",
    "requestRate",
    "wantedRequestsPerScenarioSecond",
    "achievedRequestsPerScenarioSecond",
    "workerRestarts",
    "wallSeconds",
    "warnings",
}
RATE = 2000.0  # requests a wall second: at FAST, windows hold enough requests to judge (not the machine's profile)


def run_fleet(scenario: Scenario, seed: int, **options: Any) -> dict[str, Any]:
    return driver.run_fleet(scenario, seed, **{"rate": RATE, **options})


def keys(record: dict[str, Any], prefix: str = "") -> set[str]:
    """Every key of a record, nested ones as ``a.b``; timeline entries are left out."""
    out = set()
    for k, v in record.items():
        out.add(prefix + k)
        if isinstance(v, dict):
            out |= keys(v, f"{prefix}{k}.")
    return out


def check_record(result: dict[str, Any], scenario: Scenario, seed: int, workers: int, time_scale: float = FAST) -> None:
    assert result["backend"] == "real" and result["seed"] == seed
    assert result["outcome"] in Outcome.STATUSES and result["reason"]
    assert set(result["real"]) == REAL_KEYS
    assert result["real"]["workers"] == workers
    assert result["real"]["scaledFrom"] == sum(r.nodes for r in scenario.fleet.regions)
    assert result["real"]["timeScale"] == time_scale
    assert (result["rollbackTimeSeconds"] is not None) == (result["outcome"] == "RolledBack")
    times = [e["t"] for e in result["timeline"]]
    assert times == sorted(times)
    # the same record as the simulator's, plus "real"
    assert keys(result) == keys(simulate(scenario, seed)) | {"real"} | {f"real.{k}" for k in REAL_KEYS}


@pytest.mark.parametrize(
    ("name", "nodes", "workers", "outcome", "reason", "restarts"),
    [
        pytest.param("canary", 8, 8, "Succeeded", r"^All 8 nodes run image-processor-v1\.2\.0$", 0, id="canary"),
        # on 4 workers stage 10% is one node a region: all of them, so a window holds autoRollback.minRequests
        pytest.param(
            "canary-bad-module",
            4,
            4,
            "RolledBack",
            r"^Rollback trigger fired \(error_rate .* at stage 10%$",
            0,
            id="canary-bad-module",
        ),
        pytest.param(
            "rolling-bad-module", 8, 8, "Paused", r"^Health checks failed in batch \d of 4", 0, id="rolling-bad-module"
        ),
        pytest.param(
            "blue-green-bad-module",
            4,
            8,
            "RolledBack",  # 4 active workers and 4 idle ones for green
            r"^Rollback trigger fired after the switch .*traffic back on blue",
            0,
            id="blue-green-bad-module",
        ),
        # a killed, a stopped and two slow workers (scenario faults): none of it is the module's fault
        pytest.param(
            "canary-node-faults",
            4,
            4,
            "Succeeded",
            r"^All 4 nodes run image-processor-v1\.2\.0$",
            1,
            id="canary-node-faults",
        ),
    ],
)
def test_bundled_scenario_on_real_workers(name, nodes, workers, outcome, reason, restarts):
    scenario = load(SCENARIOS / f"{name}.yaml")
    result = run_fleet(scenario, scenario.seed, nodes=nodes, time_scale=FAST)
    assert result["outcome"] == outcome, result["reason"]
    assert re.search(reason, result["reason"]), result["reason"]
    check_record(result, scenario, scenario.seed, workers)
    assert result["fleet"]["nodes"] == nodes
    assert result["real"]["workerRestarts"] == restarts
    if outcome != "Paused":  # a rollout paused at its first batch served nothing on the new module yet
        assert result["blastRadius"]["requests"] > 0
    if outcome == "RolledBack":
        assert result["finalState"]["newModuleNodes"] == 0
    if outcome == "Succeeded":
        assert result["finalState"] == {"newModuleNodes": nodes, "previousModuleNodes": 0}


FAULTY = {
    "infinite-loop": ({"variant": "infinite-loop"}, r"^Rollback trigger fired \(error_rate"),
    "memory-bomb": ({"variant": "memory-bomb"}, r"^Rollback trigger fired \((error|crash)_rate"),
    "missing-export": ({"variant": "missing-export"}, r"^Health checks failed \(4 of 4 nodes unhealthy"),
    "invalid-bytes": ({"variant": "invalid-bytes"}, r"^Health checks failed \(4 of 4 nodes unhealthy"),
    "trap": ({"crashRate": 0.5}, r"^Rollback trigger fired \((crash|error)_rate"),
}


def test_the_bad_canary_stops_at_the_same_stage_at_time_scales_30_and_300_and_says_what_traffic_it_achieved():
    """The bundled bad-module canary on 16 workers, paced by the shipped profile's rate:
    at 30 the router is asked for the scenario's traffic, at 300 for what it can send
    (a ninth of it or less); the same stage and outcome either way."""
    scenario = load(SCENARIOS / "canary-bad-module.yaml")
    for time_scale in (30.0, 300.0):
        result = driver.run_fleet(scenario, 1, nodes=16, time_scale=time_scale)
        assert result["outcome"] == "RolledBack", (time_scale, result["reason"])
        assert result["reason"].endswith("at stage 10%"), (time_scale, result["reason"])
        real = result["real"]
        assert real["timeScale"] == time_scale and real["wantedRequestsPerScenarioSecond"] == 16 * 20
        assert real["achievedRequestsPerScenarioSecond"] > 0
        short = real["requestRate"] / time_scale < real["wantedRequestsPerScenarioSecond"]
        assert short == any("requests per scenario-second at time scale" in w for w in real["warnings"])


@pytest.mark.parametrize("case", FAULTY)
def test_faulty_module_is_detected_and_rolled_back(tmp_path, case):
    profile, reason = FAULTY[case]
    scenario = load(variant_of("canary.yaml", tmp_path, new=profile))
    # a hung request holds its node's traffic lane: at 3000x a window holds too few requests (see below)
    time_scale = 100.0 if case == "infinite-loop" else FAST
    result = run_fleet(scenario, scenario.seed, nodes=4, time_scale=time_scale)
    assert result["outcome"] == "RolledBack", result["reason"]
    assert re.search(reason, result["reason"]), result["reason"]
    assert result["reason"].endswith("at stage 10%")
    assert result["finalState"] == {"newModuleNodes": 0, "previousModuleNodes": 4}
    check_record(result, scenario, scenario.seed, 4, time_scale)
    deploy = next(e for e in result["timeline"] if e["event"] == "Deploy")
    if case in ("missing-export", "invalid-bytes"):  # every hot swap refused: nothing to roll back on the nodes
        assert (deploy["updated"], deploy["failed"]) == (0, 4)
        assert result["blastRadius"]["requests"] == 0
    else:
        assert (deploy["updated"], deploy["failed"]) == (4, 0)
        assert result["blastRadius"]["failedRequests"] > 0


def test_error_rate_trigger_fires_in_the_first_stage_at_a_high_time_scale(tmp_path):
    scenario = load(
        variant_of("canary.yaml", tmp_path, new={"errorRate": 0.5}, fleet={"regions": [{"name": "a", "nodes": 8}]})
    )
    assert simulate(scenario, 0)["reason"].endswith("at stage 10%")
    result = run_fleet(scenario, 0, nodes=8, time_scale=FAST)
    assert result["outcome"] == "RolledBack", result["reason"]
    assert result["reason"].endswith("at stage 10%"), result["reason"]


def test_a_worker_killed_during_the_rollout_is_restarted_and_the_run_finishes():
    scenario = load(SCENARIOS / "rolling.yaml")
    victims: list[int] = []

    def kill_next_batch(entry: dict[str, Any]) -> None:
        # right after batch 1's deploy, SIGKILL a worker of batch 2: its deploy meets a dead or restarting worker
        if entry["event"] == "Deploy" and not victims:
            victims.append(pid_of("node-2"))
            os.kill(victims[0], signal.SIGKILL)

    result = run_fleet(scenario, 0, nodes=4, time_scale=FAST, progress=kill_next_batch)
    assert victims and not alive(victims[0])
    assert result["outcome"] in Outcome.STATUSES and result["reason"]
    assert result["real"]["workerRestarts"] >= 1
    deploys = [e for e in result["timeline"] if e["event"] == "Deploy"]
    assert len(deploys) == 2 and all(d["updated"] + d["unreachable"] == 2 and d["failed"] == 0 for d in deploys)
    assert sum(result["finalState"].values()) == 4


def test_a_kill_fault_at_the_start_is_survived_by_the_first_deploy(tmp_path):
    scenario = load(
        variant_of("rolling.yaml", tmp_path, fleet={"faults": [{"action": "kill", "region": "us-east", "at": 0}]})
    )
    result = run_fleet(scenario, 0, nodes=4, time_scale=FAST)
    assert result["outcome"] == "Succeeded", result["reason"]
    assert result["real"]["workerRestarts"] == 1
    events = [e["event"] for e in result["timeline"]]
    assert events.index("Fault") < events.index("Deploy")
    first = next(e for e in result["timeline"] if e["event"] == "Deploy")
    assert (first["updated"], first["unreachable"]) == (2, 0)  # the killed node got it once restarted
    assert result["finalState"] == {"newModuleNodes": 4, "previousModuleNodes": 0}


def test_region_outage_stops_workers_who_are_unreachable_not_unhealthy():
    scenario = Scenario.model_validate(
        {
            "previousModuleId": "old",
            "deployment": {"moduleId": "new", "strategy": "Regional"},
            "fleet": {
                "regions": [{"name": "us-east", "nodes": 10}, {"name": "us-west", "nodes": 10}],
                "outages": [{"region": "us-west", "at": 0, "duration": "PT1H", "fraction": 0.5}],
                "nodeFailures": {"perNodeYear": 0},
            },
        }
    )
    result = run_fleet(scenario, 0, nodes=4, time_scale=FAST)
    assert result["outcome"] == "Succeeded", result["reason"]
    assert "3 of 4 nodes run new" in result["reason"] and "unreachable" in result["reason"]
    first_deploy, first_check = (
        next(e for e in result["timeline"] if e["event"] == ev) for ev in ("Deploy", "HealthCheck")
    )
    assert (first_deploy["updated"], first_deploy["unreachable"]) == (1, 1)
    assert (first_check["unhealthy"], first_check["unreachable"]) == (0, 1)
    assert result["real"]["workerRestarts"] == 0  # stopped, not dead
    assert result["finalState"] == {"newModuleNodes": 3, "previousModuleNodes": 1}


def test_a_health_check_failure_rate_afflicts_that_share_of_the_workers(tmp_path):
    # one batch of all six workers: one health check of every worker
    one_batch = load(variant_of("rolling.yaml", tmp_path, new={"healthCheckFailureRate": 0.5}, config={"batchSize": 6}))
    for seed in range(6):  # independent draws give exactly 3 of 6 on all six seeds about once in a thousand
        result = run_fleet(one_batch, seed, nodes=6, time_scale=FAST)
        check = next(e for e in result["timeline"] if e["event"] == "HealthCheck")
        assert (check["nodes"], check["unhealthy"]) == (6, 3), f"seed {seed}"


def test_scaled_scenario_is_what_the_record_describes():
    scenario = load(SCENARIOS / "canary.yaml")
    result = run_fleet(scenario, 3, nodes=5, time_scale=FAST, rate=500)
    assert result["fleet"] == {"nodes": 5, "regions": 4, "idleNodes": 0}
    assert result["real"]["requestRate"] == 500 and result["real"]["workers"] == 5
    assert result["fleet"]["nodes"] == sum(r.nodes for r in scale(scenario, 5).fleet.regions)


@pytest.mark.parametrize("strategy", ["Regional", "Canary"])
def test_a_healthy_module_is_not_rolled_back_for_workers_stopped_in_an_outage_that_ended(strategy):
    """The simulator's test on real workers: stopped during the deploy, resumed before the
    check, deployed to and checked afresh."""
    result = run_fleet(outage_that_ends(strategy), 0, nodes=8, time_scale=FAST)
    assert result["outcome"] == "Succeeded", result["reason"]
    assert result["finalState"]["newModuleNodes"] == 8
    deploys = [e for e in result["timeline"] if e["event"] == "Deploy"]
    assert deploys[0]["unreachable"] > 0  # region a's workers were stopped
    assert all(e["unhealthy"] == 0 for e in result["timeline"] if e["event"] == "HealthCheck")


def test_the_level_is_each_nodes_regions_rate_at_the_scenario_time_as_a_share_of_the_peak():
    day = Diurnal(peak=20, ratio=40, peak_at=12 * 3600, start=0.0, offsets=(0.0, 12 * 3600.0))
    now = [12 * 3600.0]
    level = driver.Level(day, np.array([0, 0, 1]), lambda: now[0])
    assert level() == pytest.approx([1.0, 1.0, 1 / 40])  # noon in region 0, midnight in region 1
    now[0] = 0.0
    assert level() == pytest.approx([1 / 40, 1 / 40, 1.0])


def test_the_router_replays_a_recording_in_scaled_time(tmp_path):
    (tmp_path / "day.csv").write_text("seconds,region,requestsPerSecondPerNode\n0,*,20\n300,*,0.05\n")
    path = variant_of("canary.yaml", tmp_path, config={"stages": [50, 100], "evaluationPeriod": "PT5M"})
    data = yaml.safe_load(path.read_text())
    data["fleet"] = {"regions": [{"name": "a", "nodes": 4}], "traffic": {"replay": "day.csv"}}
    path.write_text(yaml.safe_dump(data))
    scenario = load(path)
    result = run_fleet(scenario, 0, nodes=4, time_scale=300.0)
    assert result["outcome"] == "Succeeded", result["reason"]
    assert result["real"]["wantedRequestsPerScenarioSecond"] == 4 * 20  # paced for the recording's peak
    # the first stage's five minutes are loud, the second's (from 300 s on) 400 times quieter
    windows = [e for e in result["timeline"] if e["event"] == "Evaluated"]
    served = [sum(e.get(m, {}).get("requests", 0) for m in (OLD, NEW)) for e in windows]
    assert len(served) == 2 and served[0] > 50 * max(served[1], 1), served
