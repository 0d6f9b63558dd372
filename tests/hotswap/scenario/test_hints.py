"""Hints: a valid scenario that probably says what was not meant runs as written, with a warning."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from hotswap.cli.main import main
from hotswap.scenario.hints import trigger_warnings
from hotswap.scenario.model import Scenario


def scenario(**auto_rollback: object) -> Scenario:
    deployment: dict[str, object] = {"moduleId": "m", "strategy": "Canary"}
    if auto_rollback:
        deployment["autoRollback"] = auto_rollback
    return Scenario.model_validate({"deployment": deployment})


def test_the_default_triggers_need_no_warning():
    assert trigger_warnings(scenario()) == []
    assert trigger_warnings(scenario(interval=60)) == []


def test_a_triggers_list_that_drops_defaults_names_the_dropped_ones():
    (w,) = trigger_warnings(scenario(triggers=[{"metric": "error_rate", "threshold": 2}]))
    assert w["field"] == "deployment.autoRollback.triggers"
    assert w["message"] == (
        "this list replaces the default triggers: crash_rate > 1%, avg_latency_ms > 100 no longer watched; "
        "list them to keep them"
    )


def test_a_list_that_keeps_every_default_metric_or_is_switched_off_is_not_warned_about():
    kept = [
        {"metric": "error_rate", "threshold": 2},
        {"metric": "crash_rate", "threshold": 0.5},
        {"metric": "avg_latency_ms", "threshold": 80},
        {"metric": "p99_latency_ms", "threshold": 300},
    ]
    assert trigger_warnings(scenario(triggers=kept)) == []
    assert trigger_warnings(scenario(enabled=False, triggers=[])) == []


def test_run_warns_in_one_line_on_stderr_and_runs_as_written(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "previousModuleId: image-processor-v1.1.0\n"
        "deployment:\n  moduleId: image-processor-v1.2.0\n  strategy: Canary\n"
        "  autoRollback: {triggers: [{metric: avg_latency_ms, threshold: 200}]}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["run", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"hotswap: warning: {path}: deployment.autoRollback.triggers: this list replaces the default triggers: "
        "error_rate > 5%, crash_rate > 1% no longer watched; list them to keep them\n"
    )
    assert " outcome " in result.stdout and " Succeeded: " in result.stdout


def test_the_record_lists_the_replaced_triggers_in_its_warnings(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "previousModuleId: image-processor-v1.1.0\n"
        "deployment:\n  moduleId: image-processor-v1.2.0\n  strategy: Rolling\n"
        "  autoRollback: {triggers: [{metric: error_rate, threshold: 2}]}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["run", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    import json

    assert [w for w in json.loads(result.stdout)["warnings"] if w["code"] == "triggers"] == [
        {
            "code": "triggers",
            "message": "deployment.autoRollback.triggers: this list replaces the default triggers: crash_rate > 1%, "
            "avg_latency_ms > 100 no longer watched; list them to keep them",
        }
    ]
    assert result.stderr.count("deployment.autoRollback.triggers: this list") == 1  # said once, at load
