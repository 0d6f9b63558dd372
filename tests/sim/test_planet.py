"""Rollouts as they happen on a planet, on the simulated fleet (real SimPy): regional
waves, traffic over time and late metrics, against the flat, one-region-at-a-time case."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from hotswap.scenario import Scenario, load
from sim.driver import simulate

SCENARIOS = Path(__file__).parents[2] / "scenarios"
SEEDS = range(8)


def variant(name: str, *, fleet: dict[str, Any] | None = None, **deployment: Any) -> Scenario:
    """A bundled scenario with keys of its fleet and deployment replaced."""
    return load(SCENARIOS / f"{name}.yaml").varied(fleet=fleet, deployment=deployment)


def mean_time(scenario: Scenario) -> float:
    runs = [simulate(scenario, seed) for seed in SEEDS]
    assert {r["outcome"] for r in runs} <= {"Succeeded", "RolledBack"}, runs[0]["reason"]
    return statistics.mean(r["deployTimeSeconds"] for r in runs)


def test_three_waves_take_an_hour_where_one_region_at_a_time_takes_eighty_minutes():
    waves = load(SCENARIOS / "regional-waves.yaml")
    config = waves.deployment.strategy_config.model_dump(by_alias=True, exclude_none=True)
    config.pop("waves")
    one_by_one = variant(
        "regional-waves", strategyConfig={**config, "regionOrder": ["us-east", "us-west", "eu-central", "apac-east"]}
    )
    assert 3540 <= mean_time(waves) <= 3720
    assert 4740 <= mean_time(one_by_one) <= 4920


def test_a_bad_module_stops_in_the_first_waves_canary_and_each_wave_is_accounted():
    for seed in SEEDS:
        run = simulate(load(SCENARIOS / "regional-waves-bad-module.yaml"), seed)
        assert run["outcome"] == "RolledBack"
        radius = run["blastRadius"]
        first, *later = radius["waves"]
        assert first["regions"] == ["us-east"] and first["nodes"] == 4
        assert abs(first["nodesPercent"] - 100 * 4 / 65) < 1e-3
        assert all(w["nodes"] == w["requests"] == 0 for w in later)
        assert first["requests"] == radius["requests"] > 0
        assert first["failedRequests"] == radius["failedRequests"] > 0


def test_wave_radii_add_up_to_the_whole_when_every_region_is_in_a_wave():
    run = simulate(load(SCENARIOS / "regional-waves.yaml"), 0)
    waves = run["blastRadius"]["waves"]
    assert [w["regions"] for w in waves] == [["us-east"], ["us-west", "eu-central"], ["apac-east"]]
    assert sum(w["nodes"] for w in waves) == 65
    assert sum(w["requests"] for w in waves) == run["blastRadius"]["requests"]


def test_quiet_traffic_takes_far_longer_to_stop_a_bad_module():
    flat = variant("canary-diurnal", fleet={"traffic": None})
    quiet = load(SCENARIOS / "canary-quiet-start.yaml")
    trough = load(SCENARIOS / "canary-diurnal.yaml")
    peak = variant("canary-diurnal", startAt="01:00")  # 20:00 local
    baseline = mean_time(flat)
    assert mean_time(quiet) >= 1.5 * baseline
    assert mean_time(trough) >= 1.5 * baseline
    assert mean_time(peak) <= 1.3 * baseline


def test_late_metrics_stop_a_bad_module_later_and_expose_more():
    on_time = variant("canary-late-metrics", autoRollback={})
    late = load(SCENARIOS / "canary-late-metrics.yaml")
    assert mean_time(late) - mean_time(on_time) >= 100
    exposed = [simulate(s, 0)["blastRadius"]["requests"] for s in (on_time, late)]
    assert exposed[1] > 2 * exposed[0]


def test_a_replayed_error_rate_is_the_previous_modules(tmp_path: Path):
    (tmp_path / "day.csv").write_text("seconds,region,requestsPerSecondPerNode,errorRate\n0,*,20,0.2\n")
    scenario = load(SCENARIOS / "canary.yaml")
    data = scenario.model_dump(by_alias=True, exclude_none=True, exclude={"expect"})
    data["fleet"]["traffic"] = {"replay": "day.csv"}
    data["fleet"].pop("trafficPerNode", None)
    import yaml

    (tmp_path / "s.yaml").write_text(yaml.safe_dump(data))
    run = simulate(load(tmp_path / "s.yaml"), 0)
    evaluated = next(e for e in run["timeline"] if e["event"] == "Evaluated")
    assert 15 < evaluated[scenario.previous]["errorRatePercent"] < 25
    assert evaluated[scenario.deployment.module_id]["errorRatePercent"] < 1
