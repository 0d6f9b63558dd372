"""`hotswap measure` on real workers: a profile the simulator's twin can read."""

from __future__ import annotations

import math

from hotswap.runs import fleet_plan
from hotswap.scenario.model import Scenario
from runtime.measure import measure

TIMINGS = ("batchMs", "swapMs", "rollbackMs", "healthCheckMs", "workerRestartMs")


def test_a_measured_profile_is_a_profile_of_one_host(tmp_path):
    scenario = Scenario.model_validate(
        {
            "previousModuleId": "image-processor-v1.1.0",
            "deployment": {"moduleId": "image-processor-v1.2.0", "strategy": "Canary"},
        }
    )
    profile = measure(scenario, nodes=4, rounds=1, seconds=0.3)
    assert profile["nodes"] == 4 and profile["requestsPerSecond"] > 0
    for key in TIMINGS:
        spread = profile[key]
        assert math.isfinite(spread["p99"]) and 0 < spread["median"] <= spread["p99"], key
    assert set(profile["latencyMs"]) == {"image-processor-v1.1.0", "image-processor-v1.2.0"}
    # the calls timed again with the router sending nothing
    assert set(profile["quiet"]) == {"batchMs", "swapMs", "rollbackMs", "healthCheckMs"}
    for key, spread in profile["quiet"].items():
        assert math.isfinite(spread["p99"]) and 0 < spread["median"] <= spread["p99"], key
    # what the twin makes of it: one host, whose batches cost batchMs and take turns
    assert fleet_plan.timings(profile)["deploy_concurrency"] == 1
    host = fleet_plan.host(profile)
    assert host is not None and set(host.quiet) == set(host.busy)
