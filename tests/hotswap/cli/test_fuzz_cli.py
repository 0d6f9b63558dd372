"""A fuzz of the command line: extreme option values and mutated bundled scenarios.
Exit status is 0, 1 or 2, a refusal is one line on stderr, there is never a traceback,
and JSON output never holds NaN or Infinity."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from hotswap.cli import main
from hotswap.scenario import ScenarioError, load
from tests.hotswap.scenario.test_fuzz import EXTREME, FUZZ, bundled, paths_of, replaced

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"
CANARY = SCENARIOS / "canary.yaml"
NUMBERS = st.sampled_from(["inf", "-inf", "nan", "NaN", "1e400", "-1", "0", "1", "2", "1.5", "1e9", "", "x", "9" * 30])


def invoke(*args: Any) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def assert_clean(result: Result) -> None:
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output


def strict_json(text: str) -> Any:
    def refuse(name: str) -> Any:
        raise AssertionError(f"{name} in JSON output")

    return json.loads(text, parse_constant=refuse)


@FUZZ
@given(option=st.sampled_from(["--rate", "--time-scale", "--nodes"]), value=NUMBERS | st.floats().map(str))
def test_real_fleet_options_are_bounded(option: str, value: str):
    result = invoke("run", CANARY, option, value)  # the simulator's twin of the real fleet: nothing starts
    assert_clean(result)
    assert result.exit_code in (0, 2)
    if result.exit_code == 2:  # a usage error or a refusal: one line
        assert result.stderr.startswith("hotswap: ") and result.stderr.count("\n") == 1, result.stderr


@FUZZ
@given(seed=NUMBERS | st.integers(min_value=-1, max_value=2**80).map(str), runs=NUMBERS)
def test_seed_and_runs_are_bounded(seed: str, runs: str):
    valid_runs = runs.isdigit() and 1 <= int(runs) <= 2
    if runs.isdigit() and not valid_runs and int(runs) <= 100_000:
        runs = "0"  # a valid but long replication is not what this test is about
    result = invoke("run", CANARY, "--seed", seed, "--runs", runs, "--jobs", "1", "--format", "json")
    assert_clean(result)
    if result.exit_code == 0:
        data = strict_json(result.stdout)
        assert data["seed" if runs == "1" else "runs"]
    else:
        assert result.exit_code == 2 and result.stdout == ""


def test_rate_inf_and_nan_are_refused_on_the_real_backend():
    for value in ("inf", "nan"):
        result = invoke("run", CANARY, "--backend", "real", "--rate", value)
        assert result.exit_code == 2 and "--rate" in result.stderr, result.output


@FUZZ
@given(index=st.integers(min_value=0), pick=st.integers(min_value=0), value=EXTREME)
def test_a_mutated_scenario_through_validate_and_run(tmp_path_factory, index: int, pick: int, value: Any):
    _, data = bundled(index)
    places = paths_of(data)
    path = tmp_path_factory.mktemp("cli") / "s.yaml"
    path.write_text(yaml.safe_dump(replaced(data, places[pick % len(places)], value)), encoding="utf-8")
    checked = invoke("validate", path)
    assert_clean(checked)
    try:
        scenario = load(path)
    except ScenarioError as exc:
        assert checked.exit_code == 2 and checked.stderr == f"hotswap: {exc}\n"
        ran = invoke("run", path, "--format", "json")
        assert ran.exit_code == 2 and ran.stderr == checked.stderr and ran.stdout == ""
        return
    assert checked.exit_code == 0, checked.output
    if sum(r.nodes + r.idle_nodes for r in scenario.fleet.regions) <= 1_000 and path_is_quick(scenario):
        ran = invoke("run", path, "--format", "json")
        assert_clean(ran)
        assert ran.exit_code == 0, ran.output
        strict_json(ran.stdout)


def path_is_quick(scenario: Any) -> bool:
    """Runs that the caps allow but that would take this test minutes are left to validate."""
    config = scenario.deployment.strategy_config.model_dump()
    waits = [v for k, v in config.items() if isinstance(v, float) and not k.endswith("percentage")]
    return all(w <= 86_400 for w in waits) and scenario.deployment.auto_rollback.interval >= 10


def test_a_percent_threshold_below_0_1_is_warned_about_in_one_line(tmp_path: Path):
    data = yaml.safe_load(CANARY.read_text())
    defaults = [{"metric": "crash_rate", "threshold": 1}, {"metric": "avg_latency_ms", "threshold": 100}]
    data["deployment"]["autoRollback"] = {"triggers": [{"metric": "error_rate", "threshold": 0.05}, *defaults]}
    data.pop("expect")
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    result = invoke("validate", path)
    assert result.exit_code == 0
    assert result.stderr == (
        f"hotswap: warning: {path}: deployment.autoRollback.triggers[0].threshold: error_rate thresholds are in "
        "percent: 0.05 means 0.05%; for 5% write 5\n"
    )
    data["deployment"]["autoRollback"]["triggers"][0]["threshold"] = 5
    path.write_text(yaml.safe_dump(data))
    assert invoke("validate", path).stderr == ""


def test_parity_and_measure_options_are_bounded_like_runs():
    """Refused before any worker starts: exit 2, click's one usage error, nothing on stdout."""
    refused = [
        ("parity", CANARY, "--nodes", "0"),
        ("parity", CANARY, "--nodes", "257"),
        ("parity", CANARY, "--rate", "nan"),
        ("parity", CANARY, "--rate", "inf"),
        ("parity", CANARY, "--time-scale", "nan"),
        ("parity", CANARY, "--seeds", "0"),
        ("parity", CANARY, "--runs", "1e400"),
        ("parity", CANARY, "--seed", "-1"),
        ("measure", "--nodes", "0"),
        ("measure", "--nodes", "257"),
    ]
    for args in refused:
        result = invoke(*args)
        assert result.exit_code == 2 and result.stdout == "", (args, result.output)
        assert result.stderr.startswith(f"hotswap: {args[0]}: Invalid value for "), args
        assert result.stderr.count("\n") == 1, args


def test_parity_refuses_seeds_past_the_largest():
    result = invoke("parity", CANARY, "--seed", str(2**63 - 1), "--runs", "3")
    assert result.exit_code == 2 and result.stderr.startswith("hotswap: --runs 3 from seed") and result.stdout == ""


def test_measure_refuses_a_scenario_it_cannot_load_in_one_line(tmp_path):
    result = invoke("measure", "--scenario", tmp_path / "nope.yaml")
    assert (
        result.exit_code == 2
        and result.stdout == ""
        and result.stderr == f"hotswap: {tmp_path / 'nope.yaml'}: no such file\n"
    )
