"""A run says what a reader should know before trusting it: stages that collapse onto the
same nodes, and waits too short to have shown a bad module (issue 10)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from hotswap.cli.main import main

SCENARIO = """
name: fine-stages
seed: 1
fleet:
  regions:
    - {name: us-east, nodes: 20}
    - {name: us-west, nodes: 15}
    - {name: eu-central, nodes: 18}
    - {name: apac-east, nodes: 12}
  trafficPerNode: 0.5
deployment:
  moduleId: m-v2
  strategy: Canary
  strategyConfig: {stages: [1, 2, 5, 10, 25, 50, 100], evaluationPeriod: PT2M}
"""
COLLAPSE = (
    "stages 1%, 2%, 5% expose the same 4 of 65 nodes (6.2%); stages 1%, 2% expose more than twice the share "
    "requested (4 of 65 nodes for 1%, 4 of 65 nodes for 2%)"
)


def test_collapsing_stages_and_low_power_are_in_the_record_and_on_stderr(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO)
    result = CliRunner().invoke(main, ["run", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    codes = [w["code"] for w in record["warnings"]]
    assert record["warnings"][0] == {"code": "stage-collapse", "message": COLLAPSE}
    assert "low-power" in codes  # 4 nodes at 0.5 requests/s for two minutes: 240 requests
    low = next(w["message"] for w in record["warnings"] if w["code"] == "low-power")
    assert "could not have shown error_rate 7.5% (1.5 times its threshold)" in low
    stderr = result.stderr.splitlines()
    assert f"hotswap: warning: {path}: stage-collapse: {COLLAPSE}" in stderr
    assert any(line.startswith(f"hotswap: warning: {path}: low-power: ") for line in stderr)
    # progress is the share of nodes exposed; the stage keeps the percent asked for
    shown = [(e["stage"], e["progress"]) for e in record["timeline"] if e["event"] == "Progress"]
    assert shown[:3] == [(1, 6.153846), (2, 6.153846), (5, 6.153846)] and shown[-1] == (100, 100)


def test_many_runs_name_each_warning_once_with_its_count(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO)
    result = CliRunner().invoke(main, ["run", str(path), "--runs", "3"])
    assert result.exit_code == 0, result.output
    warned = [line for line in result.stderr.splitlines() if line.startswith(f"hotswap: warning: {path}: ")]
    assert [line.split(": ")[3] for line in warned] == ["stage-collapse", "low-power"]
    assert warned[1].endswith("(in 3 of 3 runs)")


def test_a_likely_unit_mistake_is_in_the_record_and_said_once(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text(
        SCENARIO.replace("stages: [1, 2, 5, 10, 25, 50, 100]", "stages: [10, 100]")
        + "  autoRollback:\n    triggers: [{metric: error_rate, threshold: 0.05, unit: percent}]\n"
    )
    result = CliRunner().invoke(main, ["run", str(path), "--format", "json", "--runs", "3"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    field = "deployment.autoRollback.triggers[0].threshold"
    for record in records["runs"]:
        unit = [w for w in record["warnings"] if w["code"] == "unit"]
        assert len(unit) == 1 and unit[0]["message"].startswith(f"{field}: error_rate thresholds are in percent")
        assert any(w["code"] == "triggers" for w in record["warnings"])  # crash_rate and latency dropped
    said = [line for line in result.stderr.splitlines() if "error_rate thresholds are in percent" in line]
    assert len(said) == 1, result.stderr


def test_a_regional_canary_within_regions_warns_in_the_record(tmp_path: Path):
    path = tmp_path / "s.yaml"
    regional = (
        "strategy: Regional\n  strategyConfig: {regionOrder: [apac-east], canaryWithinRegion: {stages: [5, 8, 100]}}"
    )
    path.write_text(
        SCENARIO.replace(
            "strategy: Canary\n  strategyConfig: {stages: [1, 2, 5, 10, 25, 50, 100], evaluationPeriod: PT2M}", regional
        )
    )
    result = CliRunner().invoke(main, ["run", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    message = "region apac-east: stages 5%, 8% expose the same 1 of 12 nodes (8.3%)"
    assert {"code": "stage-collapse", "message": message} in json.loads(result.stdout)["warnings"]
    assert f"hotswap: warning: {path}: stage-collapse: {message}" in result.stderr.splitlines()
