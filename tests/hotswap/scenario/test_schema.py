"""The scenario JSON Schema: valid draft 2020-12, true to the loader on bundled and bad files."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from hotswap.cli import main
from hotswap.scenario import ScenarioError, load
from hotswap.scenario.schema import json_schema

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is a test dependency")

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"
BUNDLED = sorted(SCENARIOS.glob("*.yaml"))
UNDESCRIBED = {"strategy", "strategyConfig"}  # the discriminator and its per-strategy block


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_command_prints_the_schema():
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    assert printed == json_schema() and printed["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_bundled_scenario_validates(validator, path):
    assert list(validator.iter_errors(yaml.safe_load(path.read_text()))) == []


def test_every_field_has_a_description_and_units_are_said():
    schema = json_schema()
    missing = [
        f"{name}.{key}"
        for name, model in schema["$defs"].items()
        for key, field in model.get("properties", {}).items()
        if "description" not in field
        and key not in UNDESCRIBED
        and "description" not in schema["$defs"].get(field.get("$ref", "#/$defs/-").split("/")[-1], {})
    ]
    assert missing == []
    fields = schema["$defs"]
    assert "(seconds)" in fields["CanaryConfig"]["properties"]["evaluationPeriod"]["description"]
    assert "percent" in fields["Trigger"]["properties"]["threshold"]["description"]
    assert "fraction" in fields["ModuleProfile"]["properties"]["errorRate"]["description"]
    assert fields["ModuleProfile"]["properties"]["errorRate"]["default"] == 0.001


def _changed(path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(yaml.safe_load((SCENARIOS / "canary-bad-module.yaml").read_text()))
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[key]
    node[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "valid"),
    [
        ("deployment.strategyConfig.evaluationPeriod", "PT5M", True),
        ("deployment.strategyConfig.evaluationPeriod", 90, True),
        ("deployment.strategyConfig.evaluationPeriod", "5m", False),
        ("deployment.strategyConfig.evaluationPeriod", -1, False),
        ("deployment.strategy", "Linear", False),
        ("deployment.strategyConfig.batchSize", 2, False),  # a Rolling key under Canary
        ("fleet.trafficPerNode", "fast", False),
        ("fleet.regions", [{"name": "x", "nodes": 3, "idle": 1}], False),
        ("fleet.healthCheckFlakeRate", 1.5, False),
        ("expect", {"outcome": "RolledBack", "rollbackTimeSeconds": {"p95": {"max": 60}}}, True),
        ("expect", {"outcome": "Rolledback"}, False),
        ("expect", {"rollbackTimeSeconds": {"p97": {"max": 60}}}, False),
    ],
)
def test_the_schema_agrees_with_the_loader(validator, tmp_path, path, value, valid):
    data = _changed(path, value)
    file = tmp_path / "s.yaml"
    file.write_text(yaml.safe_dump(data))
    try:
        load(file)
        loaded = True
    except ScenarioError:
        loaded = False
    assert loaded is valid
    assert validator.is_valid(data) is valid
