"""Loading scenario files: the bundled ones, the guide's configs verbatim, defaults, durations."""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml
from pydantic import BaseModel

from hotswap.core.config import STRATEGIES, AutoRollback, HealthCheckSettings
from hotswap.reports import guide
from hotswap.scenario import Scenario, ScenarioError, load
from hotswap.scenario.fleet import GUIDE_REGIONS, Fleet, ModuleProfile

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"
GUIDE_CONFIGS = sorted(guide.EXAMPLES.glob("*.json"))
GUIDE = Path(os.environ.get("HOTSWAP_GUIDE", "/work/shared/seed/deployment-strategies-guide.md"))

# Every duration field of each guide example, in seconds, as the guide writes it.
GUIDE_DURATIONS = {
    "Canary": {"evaluation_period": 300.0},
    "BlueGreen": {"health_check_timeout": 30.0, "blue_retention_period": 3600.0},
    "Rolling": {"batch_delay": 30.0, "health_check_timeout": 10.0},
    "Regional": {"inter_region_delay": 600.0},
    "ABTesting": {"experiment_duration": 7200.0},
}


def write(tmp_path: Path, name: str, data: Any) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    elif name.endswith(".json"):
        path.write_text(json.dumps(data), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def canary(**config: Any) -> dict[str, Any]:
    return {"deployment": {"moduleId": "m-2", "strategy": "Canary", "strategyConfig": config}}


def snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


# --- bundled scenarios ------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", sorted(SCENARIOS.glob("*.yaml")) + GUIDE_CONFIGS, ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_every_bundled_scenario_loads(path: Path):
    scenario = load(path)
    assert isinstance(scenario, Scenario)
    assert scenario.name == path.stem
    assert scenario.deployment.strategy in STRATEGIES
    assert sum(r.nodes for r in scenario.fleet.regions) > 0


def test_each_strategy_has_a_bundled_scenario_and_a_guide_config():
    bundled = {load(p).deployment.strategy for p in SCENARIOS.glob("*.yaml")}
    guide = [load(p).deployment.strategy for p in GUIDE_CONFIGS]
    assert bundled == set(STRATEGIES)
    assert sorted(guide) == sorted(STRATEGIES)


# --- the guide's example configurations, verbatim --------------------------------------


@pytest.mark.skipif(not GUIDE.is_file(), reason="the guide is not available here")
@pytest.mark.parametrize("path", GUIDE_CONFIGS, ids=lambda p: p.name)
def test_guide_configs_are_verbatim_copies_of_the_guide(path: Path):
    assert path.read_text(encoding="utf-8").strip() in GUIDE.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", GUIDE_CONFIGS, ids=lambda p: p.name)
def test_guide_config_is_accepted_as_a_bare_file(path: Path):
    raw = json.loads(path.read_text(encoding="utf-8"))
    scenario = load(path)
    d = scenario.deployment
    assert (d.deployment_id, d.module_id, d.strategy) == (raw["deploymentId"], raw["moduleId"], raw["strategy"])
    # every field the guide names is read from the file, none is left to its default
    assert d.strategy_config.model_fields_set == {snake(k) for k in raw["strategyConfig"]}
    for field, seconds in GUIDE_DURATIONS[d.strategy].items():
        assert getattr(d.strategy_config, field) == seconds


@pytest.mark.parametrize("path", GUIDE_CONFIGS, ids=lambda p: p.name)
@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_guide_config_is_accepted_wrapped_under_deployment(tmp_path: Path, path: Path, suffix: str):
    raw = json.loads(path.read_text(encoding="utf-8"))
    wrapped = load(write(tmp_path, f"wrapped{suffix}", {"deployment": raw}))
    assert wrapped.deployment == load(path).deployment


def test_guide_config_pasted_as_json_text_into_yaml(tmp_path: Path):
    # JSON is YAML: the guide's block can be pasted as is, indented under `deployment:`
    text = (guide.EXAMPLES / "canary.json").read_text(encoding="utf-8")
    indented = "".join(f"  {line}" for line in text.splitlines(keepends=True))
    scenario = load(write(tmp_path, "pasted.yaml", f"seed: 3\ndeployment:\n{indented}"))
    assert scenario.deployment == load(guide.EXAMPLES / "canary.json").deployment
    assert scenario.seed == 3


def test_guide_best_practice_blocks_are_accepted_and_are_the_defaults(tmp_path: Path):
    data = canary()
    data["deployment"]["healthCheck"] = {
        "enabled": True,
        "functionName": "health_check",
        "timeout": 5,
        "successThreshold": 1,
        "failureThreshold": 3,
    }
    data["deployment"]["autoRollback"] = {
        "enabled": True,
        "triggers": [
            {"metric": "error_rate", "threshold": 5, "unit": "percent"},
            {"metric": "crash_rate", "threshold": 1, "unit": "percent"},
            {"metric": "avg_latency_ms", "threshold": 100, "comparison": "greater_than"},
        ],
    }
    d = load(write(tmp_path, "best.yaml", data)).deployment
    assert d.health_check == HealthCheckSettings()
    assert d.auto_rollback == AutoRollback()
    assert [(t.metric, t.threshold, t.comparison) for t in d.auto_rollback.triggers] == [
        ("error_rate", 5, "greater_than"),
        ("crash_rate", 1, "greater_than"),
        ("avg_latency_ms", 100, "greater_than"),
    ]


# --- defaults ------------------------------------------------------------------------------


def test_a_bare_guide_file_runs_on_the_default_fleet(tmp_path: Path):
    scenario = load(guide.EXAMPLES / "regional.json")
    regions = [(r.name, r.nodes, r.idle_nodes) for r in scenario.fleet.regions]
    # the guide's regions, each with as many idle nodes (room for blue-green)
    assert regions == [(name, nodes, nodes) for name, nodes in GUIDE_REGIONS]
    assert [r.name for r in scenario.fleet.regions] == ["us-east", "us-west", "eu-central", "apac-east"]
    assert sum(r.nodes for r in scenario.fleet.regions) == 65
    assert scenario.fleet == Fleet()


def test_defaults_name_seed_modules_and_previous_module(tmp_path: Path):
    scenario = load(write(tmp_path, "my-rollout.yaml", canary()))
    assert scenario.name == "my-rollout"
    assert scenario.seed == 0
    assert scenario.description == ""
    assert scenario.modules == {}
    assert scenario.previous == "m-2-previous"
    assert scenario.profile("m-2") == ModuleProfile()
    d = scenario.deployment
    assert d.deployment_id == "deploy-1"
    assert d.target_regions is None
    assert d.strategy_config.stages == [10, 25, 50, 100]
    assert d.strategy_config.evaluation_period == 300.0


def test_the_file_overrides_the_defaults(tmp_path: Path):
    data = {"name": "given", "seed": 42, "previousModuleId": "m-1", **canary()}
    scenario = load(write(tmp_path, "file.yaml", data))
    assert (scenario.name, scenario.seed, scenario.previous) == ("given", 42, "m-1")


def test_previous_module_may_come_from_the_deployment(tmp_path: Path):
    data = canary()
    data["deployment"]["previousModuleId"] = "m-0"
    assert load(write(tmp_path, "prev.yaml", data)).previous == "m-0"


def test_fleet_defaults_are_the_documented_ones():
    fleet = Fleet()
    assert fleet.traffic_per_node == 20.0
    assert (fleet.deploy_seconds.median, fleet.deploy_seconds.p99) == (2.0, 8.0)
    assert (fleet.swap_seconds.median, fleet.swap_seconds.p99) == (0.05, 0.5)
    assert fleet.deploy_concurrency is None
    assert fleet.route_update_seconds == 5.0
    assert fleet.health_check_flake_rate == 0.0
    assert (fleet.node_failures.per_node_year, fleet.node_failures.repair_time) == (0.1, 3600.0)
    assert fleet.outages == []
    module = ModuleProfile()
    assert (module.error_rate, module.latency_ms.median, module.latency_ms.p99) == (0.001, 25.0, 100.0)


def test_regions_given_without_idle_nodes_have_none(tmp_path: Path):
    data = {"fleet": {"regions": [{"name": "a", "nodes": 3}]}, **canary()}
    regions = load(write(tmp_path, "small.yaml", data)).fleet.regions
    assert [(r.name, r.nodes, r.idle_nodes) for r in regions] == [("a", 3, 0)]


# --- durations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("PT5M", 300.0),
        ("PT1H30M", 5400.0),
        ("P1D", 86400.0),
        ("PT30S", 30.0),
        ("PT0.5S", 0.5),
        ("P1DT12H", 129600.0),
        ("P1W", 604800.0),
        ("PT0S", 0.0),
        (300, 300.0),
        (2.5, 2.5),
        (0, 0.0),
    ],
)
def test_durations_are_iso_8601_or_seconds(tmp_path: Path, value: Any, seconds: float):
    scenario = load(write(tmp_path, "d.yaml", canary(evaluationPeriod=value)))
    assert scenario.deployment.strategy_config.evaluation_period == seconds


DURATION_FIELDS = [
    ("fleet", "routeUpdateSeconds", lambda s: s.fleet.route_update_seconds),
    ("fleet.nodeFailures", "repairTime", lambda s: s.fleet.node_failures.repair_time),
    ("modules.m-2", "meanTimeToCrash", lambda s: s.modules["m-2"].mean_time_to_crash),
    ("deployment.healthCheck", "timeout", lambda s: s.deployment.health_check.timeout),
    ("deployment.healthCheck", "interval", lambda s: s.deployment.health_check.interval),
    ("deployment.autoRollback", "interval", lambda s: s.deployment.auto_rollback.interval),
]


@pytest.mark.parametrize(("section", "key", "read"), DURATION_FIELDS, ids=[f"{s}.{k}" for s, k, _ in DURATION_FIELDS])
def test_every_duration_field_takes_iso_8601(tmp_path: Path, section: str, key: str, read: Any):
    data = canary()
    node = data
    for part in section.split("."):
        node = node.setdefault(part, {})
    node[key] = "PT2M"
    assert read(load(write(tmp_path, "d.yaml", data))) == 120.0


def test_outage_times_take_iso_8601(tmp_path: Path):
    data = {
        "fleet": {"outages": [{"region": "us-east", "at": "PT12M", "duration": "PT1H", "fraction": 0.5}]},
        **canary(),
    }
    (outage,) = load(write(tmp_path, "o.yaml", data)).fleet.outages
    assert (outage.region, outage.at, outage.duration, outage.fraction) == ("us-east", 720.0, 3600.0, 0.5)


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (-5, "not negative"),
        (-0.5, "not negative"),
        ("-PT5M", "not negative"),
        ("PT-5M", "not an ISO 8601 duration"),
        ("P-1D", "not an ISO 8601 duration"),
        ("5 minutes", "not an ISO 8601 duration"),
        ("5m", "not an ISO 8601 duration"),
        ("pt5m", "not an ISO 8601 duration"),
        ("300", "not an ISO 8601 duration"),
        ("00:05:00", "not an ISO 8601 duration"),
        ("", "not an ISO 8601 duration"),
        ("P", "not an ISO 8601 duration"),
        ("P1H", "not an ISO 8601 duration"),
        ("P1M", "no fixed length"),
        ("P1Y", "no fixed length"),
        ("P1Y2M", "no fixed length"),
        (True, "ISO 8601 duration"),
        (None, "ISO 8601 duration"),
        ([5], "ISO 8601 duration"),
        (math.inf, "finite"),
        (math.nan, "finite"),
        ("PT", "not an ISO 8601 duration"),
        ("P1DT", "not an ISO 8601 duration"),
    ],
)
def test_bad_durations_are_rejected_naming_the_field(tmp_path: Path, value: Any, says: str):
    path = write(tmp_path, "d.json", canary(evaluationPeriod=value))
    with pytest.raises(ScenarioError) as caught:
        load(path)
    assert caught.value.path == str(path)
    assert caught.value.field == "deployment.strategyConfig.evaluationPeriod"
    assert says in str(caught.value)
    assert "\n" not in str(caught.value)


# --- errors ---------------------------------------------------------------------------------


def test_scenario_error_is_one_line_with_file_and_field(tmp_path: Path):
    path = write(tmp_path, "bad.yaml", canary(stages=[50, 10, 100]))
    with pytest.raises(ScenarioError) as caught:
        load(path)
    assert str(caught.value) == f"{path}: deployment.strategyConfig.stages: stages must increase"
    assert isinstance(caught.value, ValueError)


def test_bare_guide_file_errors_use_the_deployment_path(tmp_path: Path):
    raw = json.loads((guide.EXAMPLES / "rolling.json").read_text(encoding="utf-8"))
    raw["strategyConfig"]["batchSize"] = 0
    with pytest.raises(ScenarioError, match=r"deployment\.strategyConfig\.batchSize: "):
        load(write(tmp_path, "rolling.json", raw))


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_one_strategys_config_is_not_accepted_under_another(tmp_path: Path, strategy: str):
    foreign = {"Canary": {"batchSize": 2}}.get(strategy, {"stages": [10, 100]})
    data = {"deployment": {"moduleId": "m-2", "strategy": strategy, "strategyConfig": foreign}}
    with pytest.raises(ScenarioError, match=r"deployment\.strategyConfig\.\w+: unknown field"):
        load(write(tmp_path, "x.yaml", data))


# --- docs/scenario.md stays in step with the models ------------------------------------

DOC = Path(__file__).resolve().parents[3] / "docs" / "scenario.md"


def _keys(model: type[BaseModel]) -> set[str]:
    """Every camelCase key of a model and of the models nested in it."""
    keys = set()
    for name, field in model.model_fields.items():
        keys.add(field.alias or name)
        for arg in [field.annotation, *get_args(field.annotation)]:
            for inner in [arg, *get_args(arg)]:
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    keys |= _keys(inner)
    return keys


def test_the_reference_documents_every_key():
    text = DOC.read_text(encoding="utf-8")
    missing = sorted(k for k in _keys(Scenario) if f"`{k}`" not in text and f".{k}`" not in text)
    assert not missing


def test_the_reference_example_loads(tmp_path: Path):
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert blocks
    for i, block in enumerate(blocks):
        scenario = load(write(tmp_path, f"example-{i}.yaml", block))
        assert scenario.deployment.strategy in STRATEGIES


def test_every_strategy_has_its_deployment_model():
    from hotswap.scenario.deployment import BY_STRATEGY

    assert tuple(BY_STRATEGY) == STRATEGIES
    assert all(get_args(m.model_fields["strategy"].annotation) == (name,) for name, m in BY_STRATEGY.items())
