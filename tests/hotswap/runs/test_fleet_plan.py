"""The scaled-down run and its twin: the same workers, traffic and measured timings."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotswap.runs import fleet_plan
from hotswap.scenario import load
from tests.sim.test_driver import SCENARIOS

PROFILE = {
    "requestsPerSecond": 1000.0,
    "swapMs": {"median": 10.0, "p99": 40.0},
    "rollbackMs": {"median": 0.5, "p99": 2.0},
    "healthCheckMs": {"median": 1.0, "p99": 5.0},
    "workerRestartMs": {"median": 400.0, "p99": 500.0},
}


def test_the_shipped_default_profile_is_a_profile():
    profile = fleet_plan.load_profile()
    assert profile["requestsPerSecond"] > 0 and profile["swapMs"]["median"] > 0


def test_a_profile_without_a_rate_is_refused_naming_the_file_and_field(tmp_path: Path):
    bad = tmp_path / "p.yaml"
    bad.write_text("swapMs: {median: 1, p99: 2}\n")
    with pytest.raises(ValueError, match=r"p\.yaml: requestsPerSecond"):
        fleet_plan.load_profile(bad)
    bad.write_text("requestsPerSecond: 10\nswapMs: {median: 3, p99: 2}\n")
    with pytest.raises(ValueError, match=r"p\.yaml: swapMs"):
        fleet_plan.load_profile(bad)


def test_the_plan_keeps_the_traffic_per_node_and_warns_where_it_cannot_represent_the_scenario():
    scenario = load(SCENARIOS / "canary-bad-module.yaml")
    planned = fleet_plan.plan(scenario, 16, None, None, PROFILE)
    assert planned.scenario.fleet.traffic_per_node == scenario.fleet.traffic_per_node
    assert planned.pace.wanted == 16 * scenario.fleet.traffic_per_node
    assert planned.pace.time_scale == 3.0 and not planned.pace.short
    assert any("stage 10% reaches 25% of 16 workers" in w for w in planned.warnings)
    fast = fleet_plan.plan(scenario, 16, 300.0, None, PROFILE)
    assert fast.pace.short and "requests per scenario-second" in fast.warnings[0]
    squeezed = fleet_plan.plan(scenario, 4, None, None, PROFILE)
    assert sum("has 1 worker for its" in w for w in squeezed.warnings) == 4


def test_the_plan_reads_stages_of_every_form_imported_rollouts_use():
    """{nodes, hold} stages and schedules (Argo, CodeDeploy, AppConfig imports) are planned like numbers."""
    examples = SCENARIOS.parent / "examples" / "import" / "scenarios"
    for name in ("argo-rollout.yaml", "codedeploy-linear.yaml", "appconfig-strategy.yaml"):
        planned = fleet_plan.plan(load(examples / name), 8, 300.0, None, PROFILE)
        assert planned.scenario.deployment.strategy == "Canary"
    argo = fleet_plan.plan(load(examples / "argo-rollout.yaml"), 8, 300.0, None, PROFILE)
    assert any("canary stage 10% reaches 50% of 8 workers" in w for w in argo.warnings)


def test_the_twin_plays_the_delivered_traffic_and_the_measured_timings():
    scenario = load(SCENARIOS / "canary-bad-module.yaml")
    planned = fleet_plan.plan(scenario, 16, 300.0, None, PROFILE)
    twin = fleet_plan.twin(planned, PROFILE)
    assert sum(r.nodes for r in twin.fleet.regions) == 16
    assert twin.fleet.traffic_per_node * 16 == pytest.approx(1000.0 / 300)
    assert twin.fleet.deploy_seconds.median == 0.01 and twin.fleet.swap_seconds.median == 0.0005
    assert twin.fleet.route_update_seconds == 0.0 and twin.fleet.restart_seconds == 0.4
    assert twin.fleet.health_check_seconds is not None and twin.fleet.health_check_seconds.median == 0.001
    assert twin.deployment == scenario.deployment and twin.modules == scenario.modules


def test_a_profile_names_the_timings_the_scenario_set_that_it_replaces():
    scenario = load(SCENARIOS / "canary.yaml")
    custom = scenario.model_copy(
        update={"fleet": scenario.fleet.model_validate({"deploySeconds": {"median": 1, "p99": 2}})}
    )
    assert fleet_plan.overridden(custom) == ["deploySeconds"]


def test_a_curve_is_paced_for_its_peak_and_the_twin_replays_what_the_router_delivers(tmp_path: Path):
    rows = "seconds,region,requestsPerSecondPerNode,errorRate\n0,*,0.5,0.01\n600,*,50,0.01\n"
    (tmp_path / "day.csv").write_text(rows)
    data = (SCENARIOS / "canary-quiet-start.yaml").read_text().replace("traffic/quiet-start.csv", "day.csv")
    (tmp_path / "s.yaml").write_text(data)
    scenario = load(tmp_path / "s.yaml")
    planned = fleet_plan.plan(scenario, 16, 300.0, None, PROFILE)
    assert planned.pace.wanted == 16 * 50  # the recording's peak, not trafficPerNode's default
    assert any("not the previous module's errorRate" in w for w in planned.warnings)
    twin = fleet_plan.twin(planned, PROFILE)
    assert twin.recording is not None
    share = (1000.0 / 300) / (16 * 50)  # what the router delivers of what the peak asks
    assert [r.rate for r in twin.recording.rows] == pytest.approx([0.5 * share, 50 * share])
    assert all(r.error_rate is None for r in twin.recording.rows)  # the router does not replay it
    diurnal = load(SCENARIOS / "canary-diurnal.yaml")
    day = fleet_plan.plan(diurnal, 16, 300.0, None, PROFILE)
    assert day.pace.wanted == 16 * diurnal.fleet.traffic_per_node
    assert fleet_plan.twin(day, PROFILE).fleet.traffic_per_node * 16 == pytest.approx(1000.0 / 300)


def test_a_profile_of_one_host_makes_a_batch_cost_its_overhead_plus_its_calls_in_turn(tmp_path: Path):
    """Spreads with p99 = median draw exactly the median: a deploy of k nodes takes
    batchMs + k * swapMs, a health round batchMs + k * healthCheckMs."""
    from sim.driver import simulate

    exact = {"median": 10.0, "p99": 10.0}
    profile = tmp_path / "host.yaml"
    profile.write_text(
        "requestsPerSecond: 1000\nbatchMs: {median: 500, p99: 500}\n"
        f"swapMs: {exact}\nrollbackMs: {exact}\nhealthCheckMs: {exact}\n".replace("'", "")
    )
    scenario = load(SCENARIOS / "blue-green-bad-module.yaml")
    record = simulate(scenario, 1, nodes=16, time_scale=300.0, profile=str(profile))
    deploys = [e for e in record["timeline"] if e["event"] == "Deploy" and e["module"] == scenario.deployment.module_id]
    checks = [e for e in record["timeline"] if e["event"] == "HealthCheck"]
    assert deploys and checks
    for entry in deploys + checks:
        assert entry["seconds"] == pytest.approx(0.5 + entry["nodes"] * 0.01)
    assert fleet_plan.host({"requestsPerSecond": 1}) is None  # separate nodes: no host


def exact(ms: float) -> str:
    """A timing with no spread, in a profile's form."""
    return f"{{median: {ms}, p99: {ms}}}"


def host_profile(folder: Path, quiet: str = "") -> Path:
    """A profile busy at 1,000 requests/s, with a quiet block (plus ``quiet``'s entries)."""
    profile = folder / "host.yaml"
    profile.write_text(
        f"requestsPerSecond: 1000\nbatchMs: {exact(500)}\nswapMs: {exact(10)}\nrollbackMs: {exact(10)}\n"
        f"healthCheckMs: {exact(10)}\nquiet: {{batchMs: {exact(100)}, swapMs: {exact(2)}{quiet}}}\n"
    )
    return profile


def test_a_host_is_as_quiet_as_its_router_keeps_it(tmp_path: Path):
    """Timings measured busy (the router at requestsPerSecond) and quiet (no traffic):
    a twin whose router sends half the profile's rate draws halfway between."""
    from sim.driver import simulate

    profile = host_profile(tmp_path, f", rollbackMs: {exact(2)}, healthCheckMs: {exact(2)}")
    scenario = load(SCENARIOS / "blue-green-bad-module.yaml")
    for rate, batch, call in ((1000.0, 0.5, 0.01), (500.0, 0.3, 0.006)):
        record = simulate(scenario, 1, nodes=16, time_scale=300.0, rate=rate, profile=str(profile))
        timed = [e for e in record["timeline"] if e["event"] in ("Deploy", "HealthCheck") and e["seconds"] > 0]
        assert timed
        for entry in timed:
            assert entry["seconds"] == pytest.approx(batch + entry["nodes"] * call)
    day = fleet_plan.host(fleet_plan.load_profile(profile), 1000.0)
    assert day is not None and day.spread("batch", 0.25).median == pytest.approx(0.2)  # a quarter of the peak
    assert fleet_plan.host({**fleet_plan.load_profile(profile), "quiet": {}}).quiet == day.busy  # not measured: busy


def test_a_twin_at_the_trough_of_a_day_draws_the_quiet_hosts_timings(tmp_path: Path):
    """The router follows the curve: at a diurnal trough (a 40th of the peak) the host is
    all but quiet, and the twin's first deploy (at the trough) costs what the quiet one does."""
    from sim.driver import simulate

    profile = host_profile(tmp_path)
    record = simulate(load(SCENARIOS / "canary-diurnal.yaml"), 1, nodes=8, time_scale=300.0, profile=str(profile))
    first = record["timeline"][0]
    assert first["event"] == "Deploy" and first["t"] == 0
    x = 1 / 40  # the router at full rate at the peak, a 40th of it now
    batch, call = 0.1 + x * 0.4, 0.002 + x * 0.008
    assert first["seconds"] == pytest.approx(batch + first["nodes"] * call)


def test_a_profile_with_a_broken_batch_timing_is_refused_naming_it(tmp_path: Path):
    bad = tmp_path / "p.yaml"
    bad.write_text("requestsPerSecond: 10\nswapMs: {median: 1, p99: 2}\nrollbackMs: {median: 1, p99: 2}\nbatchMs: 3\n")
    with pytest.raises(ValueError, match=r"p\.yaml: batchMs"):
        fleet_plan.load_profile(bad)


def test_the_twin_plays_the_measured_request_latency_scaled_as_the_real_fleet_scales_work():
    scenario = load(SCENARIOS / "canary-bad-module.yaml")  # v1.2.0 states 15 ms, v1.1.0 the default 25
    measured = {**PROFILE, "latencyMs": {"x": {"median": 0.4, "p99": 0.8}, "y": {"median": 0.3, "p99": 0.6}}}
    twin = fleet_plan.twin(fleet_plan.plan(scenario, 16, 300.0, None, measured), measured)
    assert twin.profile("image-processor-v1.2.0").latency_ms.median == pytest.approx(0.3)
    assert twin.profile("image-processor-v1.1.0").latency_ms.p99 == pytest.approx(0.6 * 25 / 15)
    assert twin.profile("image-processor-v1.2.0").error_rate == scenario.profile("image-processor-v1.2.0").error_rate
    unmeasured = fleet_plan.twin(fleet_plan.plan(scenario, 16, 300.0, None, PROFILE), PROFILE)
    assert unmeasured.modules == scenario.modules
