"""``hotswap check`` on the simulator: expectations, replays, folders, JUnit XML, baselines, the pytest plugin."""

from __future__ import annotations

import json
import math
import re
import statistics
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from click.testing import CliRunner, Result

from hotswap.cli import main

pytest_plugins = ["pytester"]

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"
RUNS = 6  # below the process-pool threshold: the runs stay in-process and fast
SEED = 3  # the first seed; the runs are seeds 3..8
REPLAY = re.compile(r"replay: hotswap run (?P<path>\S+) --seed (?P<seed>\d+)$")


def invoke(*args: Any) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def write_scenario(
    folder: Path,
    stem: str,
    expect: Any = None,
    *,
    failure_rate: float | None = None,
    error_rate: float | None = None,
    evaluation: str = "PT1M",
    runs: int | None = RUNS,
    suffix: str = ".yaml",
) -> Path:
    """A canary over 20 nodes (10/50/100%), short evaluations. ``failure_rate`` is the new module's
    health-check failure rate (0.3: rolled back in every run); ``error_rate`` both modules' request error rate.
    ``expect`` is taken as is, plus ``runs``."""
    data: dict[str, Any] = {
        "name": stem,
        "seed": SEED,
        "previousModuleId": "m-v1",
        "fleet": {"regions": [{"name": "a", "nodes": 20}]},
        "deployment": {
            "deploymentId": "d1",
            "moduleId": "m-v2",
            "strategy": "Canary",
            "strategyConfig": {"stages": [10, 50, 100], "evaluationPeriod": evaluation},
        },
    }
    modules: dict[str, dict[str, float]] = {"m-v1": {}, "m-v2": {}}
    if failure_rate is not None:
        modules["m-v2"]["healthCheckFailureRate"] = failure_rate
    if error_rate is not None:
        modules["m-v1"]["errorRate"] = modules["m-v2"]["errorRate"] = error_rate
    if any(modules.values()):
        data["modules"] = {k: v for k, v in modules.items() if v}
    if expect is not None:
        data["expect"] = ({"runs": runs} | expect) if runs is not None and isinstance(expect, dict) else expect
    path = folder / f"{stem}{suffix}"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data) if suffix == ".json" else yaml.safe_dump(data, sort_keys=False))
    return path


def run_records(path: Path, *extra: Any) -> Any:
    result = invoke("run", path, "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def stderr_line(result: Result) -> str:
    """The one line of a refusal (exit 2)."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


KINDS = {"good": None, "bad": 0.3, "mixed": 0.02}  # mixed: seeds 7 and 8 roll back, the others succeed


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    """The runs each kind of scenario gives (seeds 3..8), measured with ``hotswap run --runs``."""
    folder = tmp_path_factory.mktemp("records")
    out = {}
    for kind, rate in KINDS.items():
        path = write_scenario(folder, kind, failure_rate=rate)
        out[kind] = run_records(path, "--seed", SEED, "--runs", RUNS)["runs"]
        assert [r["seed"] for r in out[kind]] == list(range(SEED, SEED + RUNS))
    assert {r["outcome"] for r in out["good"]} == {"Succeeded"}
    assert {r["outcome"] for r in out["bad"]} == {"RolledBack"}
    assert {r["outcome"] for r in out["mixed"]} == {"Succeeded", "RolledBack"}
    return out


# --- every form: a wrong expectation fails with a replayable seed, a right one passes ------------------


def deploy(r: dict[str, Any]) -> float:
    return r["deployTimeSeconds"]


def nodes_percent(r: dict[str, Any]) -> float:
    return r["blastRadius"]["nodesPercent"]


def stat_of(stat: str, values: list[float]) -> float:
    if stat == "mean":
        return statistics.fmean(values)
    if stat in ("min", "max"):
        return min(values) if stat == "min" else max(values)
    return float(np.percentile(values, int(stat[1:])))  # linear interpolation between ranks


@dataclass
class Form:
    kind: str  # which scenario (good, bad, mixed)
    wrong: dict[str, Any]  # an expectation its runs break
    right: dict[str, Any]  # one they keep
    what: str  # the expectation's name in the report
    measured: str  # what the report says was measured
    breaks: Callable[[dict[str, Any]], bool]  # whether one run breaks the wrong expectation
    runs: int = RUNS
    extra: dict[str, Any] = field(default_factory=dict)


def statistic_form(stat: str) -> Callable[[dict[str, list[dict[str, Any]]]], Form]:
    def build(recs: dict[str, list[dict[str, Any]]]) -> Form:
        value = stat_of(stat, [deploy(r) for r in recs["bad"]])
        high = round(value - 1, 3)
        return Form(
            "bad",
            {"deployTimeSeconds": {stat: {"max": high}}},
            {"deployTimeSeconds": {stat: {"max": round(value + 1, 3)}}},
            f"deployTimeSeconds.{stat}",
            f"{value:.6g}",
            lambda r: deploy(r) > high,
        )

    return build


def every_run_between(recs: dict[str, list[dict[str, Any]]]) -> Form:
    values = [deploy(r) for r in recs["good"]]
    high = round(statistics.median(values), 3)
    return Form(
        "good",
        {"deployTimeSeconds": {"between": [0, high]}},
        {"deployTimeSeconds": {"between": [round(min(values) - 1), round(max(values) + 1)]}},
        "deployTimeSeconds",
        f"{max(values):.6g} at worst",
        lambda r: not 0 <= deploy(r) <= high,
    )


def every_run_min_and_max(recs: dict[str, list[dict[str, Any]]]) -> Form:
    values = [r["rollbackTimeSeconds"] for r in recs["bad"]]
    high = round(statistics.median(values), 4)
    return Form(
        "bad",
        {"rollbackTimeSeconds": {"min": 0, "max": high}},
        {"rollbackTimeSeconds": {"min": 0, "max": round(max(values) + 1)}},
        "rollbackTimeSeconds",
        f"{max(values):.6g} at worst",
        lambda r: r["rollbackTimeSeconds"] > high,
    )


def null_figures_left_out(recs: dict[str, list[dict[str, Any]]]) -> Form:
    # mixed runs: rollbackTimeSeconds is null where the run succeeded; only the rollbacks are judged
    values = [r["rollbackTimeSeconds"] for r in recs["mixed"] if r["rollbackTimeSeconds"] is not None]
    low = math.floor(statistics.median(values) * 1e4) / 1e4  # just under the median: the p50 breaks it
    return Form(
        "mixed",
        {"rollbackTimeSeconds": {"p50": {"max": low}}},
        {"rollbackTimeSeconds": {"p50": {"max": round(max(values) + 1)}}},
        "rollbackTimeSeconds.p50",
        f"{statistics.median(values):.6g}",
        lambda r: r["rollbackTimeSeconds"] is not None and r["rollbackTimeSeconds"] > low,
    )


FORMS: dict[str, Callable[[dict[str, list[dict[str, Any]]]], Form]] = {
    "outcome": lambda recs: Form(
        "good",
        {"outcome": "RolledBack"},
        {"outcome": "Succeeded"},
        "outcome",
        "Succeeded",
        lambda r: r["outcome"] != "RolledBack",
    ),
    "outcome-list": lambda recs: Form(
        "mixed",
        {"outcome": ["Succeeded", "Paused"]},
        {"outcome": ["Succeeded", "RolledBack"]},
        "outcome",
        "RolledBack, Succeeded",
        lambda r: r["outcome"] not in ("Succeeded", "Paused"),
    ),
    "every-run-max": lambda recs: Form(
        "bad",
        {"blastRadius.nodesPercent": {"max": 20}},
        {"blastRadius.nodesPercent": {"max": 50}},
        "blastRadius.nodesPercent",
        f"{max(map(nodes_percent, recs['bad'])):.6g} at worst",
        lambda r: nodes_percent(r) > 20,
    ),
    "every-run-min": lambda recs: Form(
        "bad",
        {"blastRadius.nodesPercent": {"min": 20}},
        {"blastRadius.nodesPercent": {"min": 10}},
        "blastRadius.nodesPercent",
        f"{min(map(nodes_percent, recs['bad'])):.6g} at worst",
        lambda r: nodes_percent(r) < 20,
    ),
    "every-run-extra-figure": lambda recs: Form(
        "good",
        {"capacity.peakNodes": {"max": 19}},
        {"capacity.peakNodes": {"max": 20}},
        "capacity.peakNodes",
        "20 at worst",
        lambda r: r["capacity"]["peakNodes"] > 19,
    ),
    **{f"statistic-{s}": statistic_form(s) for s in ("mean", "min", "max", "p5", "p50", "p95", "p99")},
    "between": every_run_between,
    "min-and-max": every_run_min_and_max,
    "null-figures-left-out": null_figures_left_out,
    "outcomeRate": lambda recs: Form(
        "bad",
        {"outcomeRate": {"Succeeded": {"min": 0.5}}},
        {"outcomeRate": {"RolledBack": {"min": 0.9}}},
        "outcomeRate.Succeeded",
        "0",
        lambda r: r["outcome"] != "Succeeded",
    ),
    "runs": lambda recs: Form(
        "good",
        {"outcome": "Paused"},
        {"outcome": "Succeeded"},
        "outcome",
        "Succeeded",
        lambda r: r["outcome"] != "Paused",
        runs=2,
    ),
    "backend": lambda recs: Form(
        "good",
        {"outcome": "Failed"},
        {"outcome": "Succeeded"},
        "outcome",
        "Succeeded",
        lambda r: r["outcome"] != "Failed",
        extra={"backend": "sim"},
    ),
}


def form_scenario(folder: Path, form: Form, expectation: dict[str, Any]) -> Path:
    return write_scenario(
        folder, form.kind, {"runs": form.runs, **form.extra, **expectation}, failure_rate=KINDS[form.kind]
    )


@pytest.mark.parametrize("name", FORMS)
def test_a_wrong_expectation_fails_with_a_replayable_seed(name, records, tmp_path):
    form = FORMS[name](records)
    path = form_scenario(tmp_path, form, form.wrong)
    result = invoke("check", path)
    assert result.exit_code == 1, result.output
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == f"FAIL  {path}  ({form.runs} runs, 1 checks)"
    assert lines[-1] == "0 passed, 1 failed"
    message = lines[1]
    assert message.startswith(f"      {form.what}: measured {form.measured}, expected "), message

    # the breaking seeds are exactly the runs that break it (the first five are listed)
    breaking = [r["seed"] for r in records[form.kind][: form.runs] if form.breaks(r)]
    assert breaking, "the wrong expectation must be broken by some run"
    listed = re.search(r"; breaking seeds ([\d, ]+?)(?: \(\+(\d+) more\))?; ", message)
    assert listed, message
    assert [int(s) for s in listed[1].split(", ")] == breaking[:5]
    assert int(listed[2] or 0) == max(0, len(breaking) - 5)

    # the replay command runs one of them, and that run alone breaks the expectation
    replay = REPLAY.search(message)
    assert replay, message
    assert replay["path"] == str(path)
    seed = int(replay["seed"])
    assert seed == breaking[0]
    run = run_records(path, "--seed", seed)
    assert run["seed"] == seed and run["backend"] == "sim"
    assert form.breaks(run), run
    assert run == records[form.kind][seed - SEED]  # the same run as in the check


@pytest.mark.parametrize("name", FORMS)
def test_a_right_expectation_passes(name, records, tmp_path):
    form = FORMS[name](records)
    path = form_scenario(tmp_path, form, form.right)
    result = invoke("check", path)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"PASS  {path}  ({form.runs} runs, 1 checks)", "1 passed, 0 failed"]


def test_an_outcome_rate_above_its_max_is_replayable(tmp_path):
    path = write_scenario(tmp_path, "s", {"outcomeRate": {"RolledBack": {"max": 0.5}}}, failure_rate=0.3)
    result = invoke("check", path)
    assert result.exit_code == 1, result.output
    replay = REPLAY.search(result.stdout.splitlines()[1])
    assert replay, result.stdout
    assert run_records(path, "--seed", replay["seed"])["outcome"] == "RolledBack"


def test_a_figure_measured_in_no_run_fails(tmp_path):
    path = write_scenario(tmp_path, "s", {"outcome": "Succeeded", "rollbackTimeSeconds": {"p95": {"max": 60}}})
    result = invoke("check", path)
    assert result.exit_code == 1, result.output
    assert "      rollbackTimeSeconds.p95: measured not measured in any run, expected max 60" in result.stdout
    assert f"FAIL  {path}  ({RUNS} runs, 2 checks)" in result.stdout


def test_several_expectations_report_only_the_failed_ones(tmp_path):
    path = write_scenario(
        tmp_path,
        "s",
        {"outcome": "RolledBack", "blastRadius.nodesPercent": {"max": 20}, "deployTimeSeconds": {"mean": {"min": 1}}},
        failure_rate=0.3,
    )
    result = invoke("check", path)
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"FAIL  {path}  ({RUNS} runs, 3 checks)"
    assert len(lines) == 3 and lines[1].startswith("      blastRadius.nodesPercent: measured 50 at worst")


def test_backend_option_overrides_the_files_backend(tmp_path):
    path = write_scenario(tmp_path, "s", {"backend": "real", "outcome": "Succeeded"})
    result = invoke("check", path, "--backend", "sim")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"PASS  {path}  ({RUNS} runs")


# --- folders ---------------------------------------------------------------------------------------


def test_a_folder_checks_only_the_files_with_expect(tmp_path):
    passing = write_scenario(tmp_path, "passing", {"outcome": "Succeeded"})
    failing = write_scenario(tmp_path, "failing", {"outcome": "RolledBack"})
    as_json = write_scenario(tmp_path, "as-json", {"outcome": "Succeeded"}, suffix=".json")
    write_scenario(tmp_path, "plain")  # no expect block: not checked
    # a baseline file is never a scenario, even one that looks like it
    stray = write_scenario(tmp_path, "stray", {"outcome": "Paused"}, suffix=".json")
    stray.rename(tmp_path / "stray.baseline.json")
    (tmp_path / "notes.txt").write_text("expect: nothing\n")
    result = invoke("check", tmp_path)
    assert result.exit_code == 1, result.output
    heads = [line for line in result.stdout.splitlines() if not line.startswith(" ")]
    assert heads == [
        f"PASS  {as_json}  ({RUNS} runs, 1 checks)",
        f"FAIL  {failing}  ({RUNS} runs, 1 checks)",
        f"PASS  {passing}  ({RUNS} runs, 1 checks)",
        "2 passed, 1 failed",
    ]
    assert "plain" not in result.stdout and "stray" not in result.stdout


def test_a_folder_where_everything_holds_exits_0(tmp_path):
    write_scenario(tmp_path, "one", {"outcome": "Succeeded"})
    write_scenario(tmp_path, "two", {"outcome": "RolledBack"}, failure_rate=0.3)
    write_scenario(tmp_path, "plain")
    result = invoke("check", tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "2 passed, 0 failed"


def test_several_paths_are_all_checked(tmp_path):
    one = write_scenario(tmp_path / "x", "one", {"outcome": "Succeeded"})
    two = write_scenario(tmp_path / "y", "two", {"outcome": "Paused"})
    result = invoke("check", one, tmp_path / "y")
    assert result.exit_code == 1, result.output
    assert f"PASS  {one}" in result.stdout and f"FAIL  {two}" in result.stdout
    assert result.stdout.splitlines()[-1] == "1 passed, 1 failed"


def test_check_defaults_to_the_scenarios_folder(tmp_path, monkeypatch):
    write_scenario(tmp_path / "scenarios", "one", {"outcome": "Succeeded"})
    monkeypatch.chdir(tmp_path)
    result = invoke("check")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"PASS  {Path('scenarios') / 'one.yaml'}  ")


def test_a_named_file_without_expect_is_refused(tmp_path):
    path = write_scenario(tmp_path, "plain")
    line = stderr_line(invoke("check", path))
    assert line.startswith(f"hotswap: {path}: expect: ")


def test_a_folder_without_expect_is_refused(tmp_path):
    write_scenario(tmp_path, "plain")
    line = stderr_line(invoke("check", tmp_path))
    assert line.startswith("hotswap: ") and str(tmp_path) in line


def test_a_missing_path_is_refused(tmp_path):
    line = stderr_line(invoke("check", tmp_path / "nowhere.yaml"))
    assert line.startswith(f"hotswap: {tmp_path / 'nowhere.yaml'}: ")


# --- unusable expectations: exit 2, one line naming the file and the field, nothing written ---------------

UNUSABLE = [
    ({"outcome": "Succeeded", "latency": {"max": 1}}, "expect.latency"),
    ({"rollbackTimeSeconds": {"p97": {"max": 60}}}, "expect.rollbackTimeSeconds.p97"),
    ({"outcome": "Exploded"}, "expect.outcome"),
    ({"outcomeRate": {"Exploded": {"min": 0.5}}}, "expect.outcomeRate.Exploded"),
    ({"deployTimeSeconds": {"between": [1, 2], "max": 3}}, "expect.deployTimeSeconds.between"),
    ({"deployTimeSeconds": {"between": [1]}}, "expect.deployTimeSeconds.between"),
    ({"deployTimeSeconds": {"max": "fast"}}, "expect.deployTimeSeconds.max"),
    ({"deployTimeSeconds": {"min": 5, "max": 3}}, "expect.deployTimeSeconds"),
    ({"runs": 0, "outcome": "Succeeded"}, "expect.runs"),
    ({"backend": "cloud", "outcome": "Succeeded"}, "expect.backend"),
    ({}, "expect"),
]


@pytest.mark.parametrize(("expectation", "where"), UNUSABLE, ids=[w for _, w in UNUSABLE])
def test_an_unusable_expectation_exits_2_and_writes_nothing(expectation, where, tmp_path):
    write_scenario(tmp_path, "a-good", {"outcome": "Succeeded"})  # checked first, and fine
    bad = write_scenario(tmp_path, "b-bad", expectation, runs=None)
    report = tmp_path / "out.xml"
    result = invoke("check", tmp_path, "--junit", report)
    line = stderr_line(result)
    assert line.startswith(f"hotswap: {bad}: {where}: "), line
    assert not report.exists()


def test_an_unusable_file_writes_no_baseline(tmp_path):
    good = write_scenario(tmp_path, "a-good", {"outcome": "Succeeded"})
    write_scenario(tmp_path, "b-bad", {"rollbackTimeSeconds": {"p97": {"max": 60}}})
    stderr_line(invoke("check", tmp_path, "--update-baseline"))
    assert not (tmp_path / f"{good.stem}.baseline.json").exists()


# --- JUnit XML -------------------------------------------------------------------------------------


def test_junit_has_a_testcase_per_expectation_and_a_failure_per_failed_one(tmp_path):
    healthy = write_scenario(
        tmp_path / "s",
        "healthy",
        {"outcome": "Succeeded", "deployTimeSeconds": {"mean": {"max": 1}}, "capacity.peakNodes": {"max": 20}},
    )
    broken = write_scenario(
        tmp_path / "s",
        "broken",
        {
            "outcome": "RolledBack",
            "blastRadius.nodesPercent": {"max": 20},
            "outcomeRate": {"RolledBack": {"min": 0.9}, "Succeeded": {"min": 0.1}},
        },
        failure_rate=0.3,
    )
    report = tmp_path / "reports" / "out.xml"
    result = invoke("check", tmp_path / "s", "--junit", report)
    assert result.exit_code == 1, result.output

    root = ET.parse(report).getroot()
    suites = root.findall("testsuite") if root.tag == "testsuites" else [root]
    assert len(suites) == 1
    suite = suites[0]
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors", "0")) == ("7", "3", "0")
    cases = {(c.get("classname"), c.get("name")): c for c in suite.iter("testcase")}
    assert set(cases) == {
        (str(healthy), "outcome"),
        (str(healthy), "deployTimeSeconds.mean"),
        (str(healthy), "capacity.peakNodes"),
        (str(broken), "outcome"),
        (str(broken), "blastRadius.nodesPercent"),
        (str(broken), "outcomeRate.RolledBack"),
        (str(broken), "outcomeRate.Succeeded"),
    }
    failed = {key for key, c in cases.items() if c.find("failure") is not None}
    assert failed == {
        (str(healthy), "deployTimeSeconds.mean"),
        (str(broken), "blastRadius.nodesPercent"),
        (str(broken), "outcomeRate.Succeeded"),
    }
    for (path, name), case in cases.items():
        assert len(case.findall("failure")) == ((path, name) in failed)
    # each failure's message is the one the console shows
    for path, name in failed:
        message = cases[path, name].find("failure").get("message")
        assert message and message.startswith("measured ")
        assert f"      {name}: {message}" in result.stdout
    assert "breaking seeds: " in cases[str(broken), "blastRadius.nodesPercent"].find("failure").text


def test_junit_when_everything_holds(tmp_path):
    path = write_scenario(tmp_path, "s", {"outcome": "Succeeded", "deployTimeSeconds": {"p95": {"min": 1}}})
    report = tmp_path / "out.xml"
    result = invoke("check", path, "--junit", report)
    assert result.exit_code == 0, result.output
    root = ET.parse(report).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    assert (suite.get("tests"), suite.get("failures")) == ("2", "0")
    assert [c.get("name") for c in suite.iter("testcase")] == ["outcome", "deployTimeSeconds.p95"]
    assert not list(suite.iter("failure"))


# --- baselines -------------------------------------------------------------------------------------

HOLDS = {"outcome": ["Succeeded", "RolledBack"]}  # an expectation that holds, to judge the baseline alone


def test_update_baseline_records_the_figures_beside_the_scenario(tmp_path, records):
    path = write_scenario(tmp_path, "canary", HOLDS)
    result = invoke("check", path, "--update-baseline")
    assert result.exit_code == 0, result.output
    stored = tmp_path / "canary.baseline.json"
    data = json.loads(stored.read_text())
    assert (data["backend"], data["runs"], data["seeds"]) == ("sim", RUNS, [SEED, SEED + RUNS - 1])
    deploys = [deploy(r) for r in records["good"]]
    assert data["figures"]["deployTimeSeconds.mean"] == pytest.approx(statistics.fmean(deploys), abs=1e-5)
    assert data["figures"]["deployTimeSeconds.p95"] == pytest.approx(np.percentile(deploys, 95), abs=1e-5)
    assert "rollbackTimeSeconds.mean" not in data["figures"]  # nothing rolled back
    assert data["outcomeRates"] == {"Succeeded": 1.0}

    again = invoke("check", path, "--junit", tmp_path / "out.xml")
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines()[0] == f"PASS  {path}  ({RUNS} runs, 2 checks)"  # the expectation and the baseline
    names = [c.get("name") for c in ET.parse(tmp_path / "out.xml").getroot().iter("testcase")]
    assert names == ["outcome", "baseline"]


def test_a_figure_grown_beyond_the_tolerance_fails(tmp_path):
    # no request errors: the small counts of failed requests would move more than the times
    path = write_scenario(tmp_path, "canary", HOLDS, error_rate=0.0)
    before = statistics.fmean(deploy(r) for r in run_records(path, "--runs", RUNS)["runs"])
    assert invoke("check", path, "--update-baseline").exit_code == 0
    write_scenario(tmp_path, "canary", HOLDS, error_rate=0.0, evaluation="PT65S")  # three 5 s longer evaluations
    now = statistics.fmean(deploy(r) for r in run_records(path, "--runs", RUNS)["runs"])
    assert 1.05 < now / before < 1.10  # ~8% slower

    result = invoke("check", path)
    assert result.exit_code == 1, result.output
    assert f"      baseline deployTimeSeconds.mean: measured {now:.6g}, expected at most " in result.stdout
    assert "+ 5%" in result.stdout
    assert result.stdout.splitlines()[-1] == "0 passed, 1 failed"

    wider = invoke("check", path, "--tolerance", "0.1")  # a fraction: 10%
    assert wider.exit_code == 0, wider.output
    assert (tmp_path / "canary.baseline.json").exists()


def test_a_figure_that_shrinks_passes(tmp_path):
    path = write_scenario(tmp_path, "canary", HOLDS)
    assert invoke("check", path, "--update-baseline").exit_code == 0
    write_scenario(tmp_path, "canary", HOLDS, evaluation="PT50S")
    result = invoke("check", path)
    assert result.exit_code == 0, result.output


def test_an_outcome_share_that_moves_fails(tmp_path, records):
    path = write_scenario(tmp_path, "canary", HOLDS)
    assert invoke("check", path, "--update-baseline").exit_code == 0
    write_scenario(tmp_path, "canary", HOLDS, failure_rate=KINDS["mixed"])  # some runs now roll back
    share = sum(r["outcome"] == "Succeeded" for r in records["mixed"]) / RUNS
    assert share < 0.95

    result = invoke("check", path)
    assert result.exit_code == 1, result.output
    assert f"      baseline outcomeRate.Succeeded: measured {share:.3g}, expected 1 ± 0.05 (baseline)" in result.stdout
    assert "baseline outcomeRate.RolledBack: measured" in result.stdout
    assert invoke("check", path, "--tolerance", 1 - share + 0.01).exit_code == 0


def test_update_baseline_replaces_the_old_one(tmp_path):
    path = write_scenario(tmp_path, "canary", HOLDS)
    assert invoke("check", path, "--update-baseline").exit_code == 0
    write_scenario(tmp_path, "canary", HOLDS, evaluation="PT64S")
    assert invoke("check", path).exit_code == 1
    assert invoke("check", path, "--update-baseline").exit_code == 0  # keep the new figures
    assert invoke("check", path).exit_code == 0


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[1, 2]",
        '{"figures": {}}',
        '{"outcomeRates": {}}',
        '{"figures": [], "outcomeRates": {}}',
        pytest.param('{"figures": {"deployTimeSeconds.mean": "fast"}, "outcomeRates": {}}', id="text-figure"),
        pytest.param('{"figures": {}, "outcomeRates": {"Succeeded": "all"}}', id="text-share"),
    ],
)
def test_a_corrupt_baseline_is_refused(content, tmp_path):
    path = write_scenario(tmp_path, "canary", HOLDS)
    stored = tmp_path / "canary.baseline.json"
    stored.write_text(content)
    result = invoke("check", path, "--junit", tmp_path / "out.xml")
    line = stderr_line(result)
    assert line.startswith(f"hotswap: {stored}: unusable baseline"), line
    assert not (tmp_path / "out.xml").exists()
    assert stored.read_text() == content  # left for a person to look at


# --- the pytest plugin ----------------------------------------------------------------------------


def test_pytest_collects_scenarios_with_expect_as_items(pytester: pytest.Pytester):
    write_scenario(pytester.path, "passing", {"outcome": "Succeeded"})
    write_scenario(
        pytester.path, "failing", {"outcome": "Succeeded", "blastRadius.nodesPercent": {"max": 20}}, failure_rate=0.3
    )
    write_scenario(pytester.path, "plain")  # no expect: not collected
    (pytester.path / "orphan.baseline.json").write_text('{"expect": {"outcome": "Paused"}}')  # never collected
    assert pytester.runpytest("-p", "no:cacheprovider").ret == pytest.ExitCode.NO_TESTS_COLLECTED  # not asked
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--hotswap-scenarios", "*.yaml", "--hotswap-scenarios", "*.json"
    )
    result.assert_outcomes(passed=1, failed=1)
    text = result.stdout.str()
    assert "      outcome: measured RolledBack, expected Succeeded; breaking seeds 3, 4, 5, 6, 7 (+1 more)" in text
    assert "      blastRadius.nodesPercent: measured 50 at worst, expected max 20" in text
    assert "replay: hotswap run " in text
    assert "Traceback" not in text


def test_pytest_collects_the_scenarios_the_ini_option_names(pytester: pytest.Pytester):
    (pytester.path / "scenarios").mkdir()
    write_scenario(pytester.path / "scenarios", "passing", {"outcome": "Succeeded"})
    write_scenario(pytester.path, "elsewhere", {"outcome": "Succeeded"})  # outside the glob
    pytester.makeini("[pytest]\nhotswap_scenarios = scenarios/*.yaml\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-v")  # a fresh process: fresh modules
    result.assert_outcomes(passed=1)
    assert "scenarios/passing.yaml::passing PASSED" in result.stdout.str()


def test_pytest_ignores_another_projects_yaml_with_an_expect_key(pytester: pytest.Pytester):
    chart = pytester.path / "chart" / "templates"
    chart.mkdir(parents=True)
    (chart / "probe.yaml").write_text("expect:\n  status: {{ .Values.status }}\nkind: Pod\n")  # Helm, not YAML
    (pytester.path / "values.json").write_text('{"expect": "anything"}')
    pytester.makepyfile(test_app="def test_app():\n    assert True\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=1)
    assert "probe" not in result.stdout.str() and "Traceback" not in result.stdout.str()
    pytester.makeini("[pytest]\nhotswap_scenarios = scenarios/*.yaml\n")  # asked, but for other files
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


# --- the CI gate ---------------------------------------------------------------------------------------


def test_the_bundled_scenarios_hold():
    # The gate CI runs (`hotswap check scenarios/`, see docs/ci.md and .ci/run); ~10 s.
    with_expect = [p for p in SCENARIOS.rglob("*.yaml") if "expect" in (yaml.safe_load(p.read_text()) or {})]
    result = invoke("check", SCENARIOS)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == f"{len(with_expect)} passed, 0 failed"
    assert len(with_expect) >= 12


def test_markdown_is_one_table_of_every_expectation_for_a_job_summary(tmp_path):
    good = write_scenario(tmp_path, "good", {"outcome": "Succeeded"})
    bad = write_scenario(tmp_path, "bad", {"outcomeRate": {"RolledBack": {"max": 0.5}}}, failure_rate=0.3)
    result = invoke("check", good, bad, "--format", "markdown")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        "### hotswap check: 1 passed, 1 failed",
        "",
        "| result | scenario | runs | expectation | measured | expected | breaking seeds |",
        "|---|---|---|---|---|---|---|",
    ]
    assert lines[4].startswith(f"| pass | `{good}` | {RUNS} | outcome | Succeeded | Succeeded |")
    failed = next(line for line in lines if line.startswith("| **FAIL** "))
    seed = re.search(r"replay: `hotswap run \S+ --seed (\d+)`", failed)
    assert f"| **FAIL** | `{bad}` | {RUNS} | outcomeRate.RolledBack |" in failed and seed
    assert run_records(bad, "--seed", seed[1])["outcome"] == "RolledBack"
    assert len(lines) == 6 and "PASS  " not in result.stdout  # the table only, no text lines
