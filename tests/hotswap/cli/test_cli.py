"""The ``hotswap`` command line, through click's ``CliRunner``: results and the bad-input contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from hotswap.cli import main
from hotswap.reports import guide

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"
CANARY = SCENARIOS / "canary.yaml"  # seed 1, healthy module: Succeeded
CANARY_BAD = SCENARIOS / "canary-bad-module.yaml"  # seed 7, bad module: RolledBack
OUTCOMES = {"Succeeded", "RolledBack", "PartialSuccess", "Paused", "Failed"}
BLAST = {"nodes", "nodesPercent", "requests", "failedRequests", "nodeSeconds"}


def invoke(*args: Any) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def run_json(*args: Any) -> dict[str, Any]:
    result = invoke("run", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --- hotswap run ------------------------------------------------------------------------


def test_run_prints_a_text_report():
    result = invoke("run", CANARY)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    text = result.stdout
    assert text.startswith("canary: Canary image-processor-v1.1.0 -> image-processor-v1.2.0 on 65 nodes (sim, seed 1)")
    rows = {line.split("  ")[0].strip(): line.split("  ")[-1].strip() for line in text.splitlines()[2:]}
    assert rows["outcome"].startswith("Succeeded: ")
    seconds = run_json(CANARY)["deployTimeSeconds"]
    assert 1200 < seconds < 1500 and rows["deploy time"] == f"{seconds / 60:.1f} min"  # humanised; JSON exact
    assert rows["rollback time"] == "-"
    assert rows["blast radius"] == "65 nodes (100% of the fleet)"
    assert rows["capacity"] == "peak 65 nodes (+0%)"
    assert text.endswith("(+0%)\n")


def test_run_json_has_the_contract_keys():
    data = run_json(CANARY)
    for key in (
        "scenario",
        "backend",
        "seed",
        "strategy",
        "outcome",
        "reason",
        "deployTimeSeconds",
        "rollbackTimeSeconds",
        "blastRadius",
        "timeline",
    ):
        assert key in data
    assert (data["scenario"], data["backend"], data["seed"], data["strategy"]) == ("canary", "sim", 1, "Canary")
    assert data["outcome"] == "Succeeded"
    assert isinstance(data["reason"], str) and data["reason"]
    assert isinstance(data["deployTimeSeconds"], float) and data["deployTimeSeconds"] > 0
    assert data["rollbackTimeSeconds"] is None  # nothing rolled back
    assert set(data["blastRadius"]) >= BLAST
    assert all(isinstance(data["blastRadius"][k], int | float) for k in BLAST)


def test_run_json_timeline_has_scenario_time_stamps():
    data = run_json(CANARY)
    stamps = [event["t"] for event in data["timeline"]]
    assert stamps and all(isinstance(t, int | float) for t in stamps)
    assert stamps == sorted(stamps)
    assert stamps[0] == 0
    assert all("event" in event for event in data["timeline"])


def test_run_json_of_a_rollback_has_a_rollback_time():
    data = run_json(CANARY_BAD)
    assert data["outcome"] == "RolledBack"
    assert data["seed"] == 7
    assert isinstance(data["rollbackTimeSeconds"], float) and data["rollbackTimeSeconds"] > 0
    events = [event["event"] for event in data["timeline"]]
    assert events.index("RollbackStarted") < events.index("RollbackCompleted")


@pytest.mark.parametrize(
    "path",
    sorted(SCENARIOS.glob("*.yaml")) + sorted(guide.EXAMPLES.glob("*.json")),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_every_bundled_scenario_runs_to_a_contract_outcome(path: Path):
    data = run_json(path)
    assert data["outcome"] in OUTCOMES
    assert data["scenario"] == path.stem


def test_same_seed_gives_byte_identical_json():
    first = invoke("run", CANARY, "--format", "json")
    second = invoke("run", CANARY, "--format", "json")
    assert first.exit_code == second.exit_code == 0
    assert first.stdout == second.stdout


def test_seed_option_overrides_the_scenarios_seed():
    assert run_json(CANARY)["seed"] == 1
    data = run_json(CANARY, "--seed", 5)
    assert data["seed"] == 5
    assert data != run_json(CANARY)


def test_runs_gives_replications_with_consecutive_seeds_and_a_summary():
    data = run_json(CANARY, "--runs", 3, "--seed", 10)
    assert set(data) == {"runs", "summary"}
    assert [run["seed"] for run in data["runs"]] == [10, 11, 12]
    summary = data["summary"]
    assert summary["runs"] == 3
    assert summary["seeds"] == [10, 12]
    assert sum(o["count"] for o in summary["outcomes"].values()) == 3
    assert "deployTimeSeconds" in summary["figures"]
    # each replication is the same run as on its own
    assert data["runs"][1] == run_json(CANARY, "--seed", 11)


def test_runs_without_seed_start_at_the_scenarios_seed():
    data = run_json(CANARY, "--runs", 3)
    assert [run["seed"] for run in data["runs"]] == [1, 2, 3]


def test_runs_text_is_a_summary():
    result = invoke("run", CANARY, "--runs", 3)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("canary: 3 runs, seeds 1..3")


def test_out_writes_the_file_and_prints_nothing(tmp_path: Path):
    out = tmp_path / "results" / "canary.json"
    result = invoke("run", CANARY, "--format", "json", "--out", out)
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert json.loads(out.read_text(encoding="utf-8")) == run_json(CANARY)
    assert sorted(p.name for p in out.parent.iterdir()) == ["canary.json"]  # no temporary left over


def test_out_with_text_format(tmp_path: Path):
    out = tmp_path / "canary.txt"
    result = invoke("run", CANARY, "--out", out)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == invoke("run", CANARY).stdout


@pytest.mark.parametrize("args", [["--seed", -1], ["--runs", 0], ["--format", "xml"], ["--backend", "nope"]])
def test_bad_options_are_usage_errors(args: list[Any]):
    result = invoke("run", CANARY, *args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["run", CANARY, "--bogus"], "hotswap: run: No such option '--bogus'"),
        (["run"], "hotswap: run: Missing argument 'SCENARIO' (see hotswap run --help)"),
        (["run", CANARY, "--runs", "0"], "hotswap: run: Invalid value for '--runs': 0 is not in the range"),
        (["compare", CANARY], "hotswap: compare: Missing option '--out' (see hotswap compare --help)"),
        (["report", "strategy-table", "--runs"], "hotswap: report: strategy-table: Option '--runs' requires"),
        (["nope"], "hotswap: No such command 'nope' (see hotswap --help)"),
    ],
)
def test_usage_errors_are_one_line_naming_the_option(args: list[Any], line: str):
    result = CliRunner().invoke(main, [str(a) for a in args], prog_name="hotswap")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(line), result.stderr


# --- hotswap validate ------------------------------------------------------------------


def test_validate_reports_each_good_file():
    files = sorted(SCENARIOS.glob("*.yaml"))
    result = invoke("validate", *files)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == len(files)
    assert lines[0] == f"ok  {files[0]}  (ABTesting, 65 nodes)"
    assert f"ok  {SCENARIOS / 'fleet-100k.yaml'}  (Canary, 100,000 nodes)" in lines


def test_validate_accepts_bare_guide_files():
    files = sorted(guide.EXAMPLES.glob("*.json"))
    result = invoke("validate", *files)
    assert result.exit_code == 0, result.output
    assert all(line.endswith("65 nodes)") for line in result.stdout.splitlines())


def test_validate_reports_good_and_bad_files_and_exits_2(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("deployment:\n  moduleId: m\n  strategy: Bogus\n", encoding="utf-8")
    result = invoke("validate", CANARY, bad, SCENARIOS / "rolling.yaml")
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        f"ok  {CANARY}  (Canary, 65 nodes)",
        f"ok  {SCENARIOS / 'rolling.yaml'}  (Rolling, 65 nodes)",
    ]
    assert result.stderr.splitlines() == [
        f"hotswap: {bad}: deployment.strategy: unknown strategy 'Bogus'; "
        "one of Canary, BlueGreen, Rolling, Regional, ABTesting"
    ]


def test_validate_needs_a_file():
    assert invoke("validate").exit_code == 2


# --- the bad-input contract -------------------------------------------------------------
#
# Each case: a file name, its content (None: the file does not exist; bytes: written as
# they are), the field path the message must name right after the file path (None: the
# file as a whole), and words the message must contain.

CANARY_HEAD = "deployment:\n  moduleId: m-2\n  strategy: Canary\n"


def deployment(strategy: str, config: str) -> str:
    return f"deployment:\n  moduleId: m-2\n  strategy: {strategy}\n  strategyConfig:\n{config}"


def case(id_: str, name: str, text: str | bytes | None, field: str | None, says: str = "") -> Any:
    return pytest.param(name, text, field, says, id=id_)


BAD_INPUT = [
    case("malformed-yaml", "s.yaml", "deployment: [1, 2\n", "line 2", "malformed YAML"),
    case("yaml-tab", "s.yaml", "deployment:\n\tmoduleId: m\n", "line 2", "malformed YAML"),
    case("malformed-json", "s.json", '{"deployment": {"moduleId": "m",}}', "line 1", "malformed JSON"),
    case("top-level-list", "s.yaml", "- strategy: Canary\n- moduleId: m\n", None, "mapping"),
    case("empty-file", "s.yaml", "", None, "mapping"),
    case("not-utf8", "s.yaml", b"\xff\xfe not utf-8\n", None, "cannot read"),
    case("nonexistent-file", "missing.yaml", None, None, "no such file"),
    case(
        "unknown-strategy",
        "s.yaml",
        "deployment:\n  moduleId: m-2\n  strategy: Linear\n",
        "deployment.strategy",
        "unknown strategy 'Linear'; one of Canary",
    ),
    case(
        "strategy-wrong-case",
        "s.json",
        '{"moduleId": "m-2", "strategy": "canary"}',
        "deployment.strategy",
        "unknown strategy 'canary'",
    ),
    case("missing-strategy", "s.yaml", "deployment:\n  moduleId: m-2\n", "deployment.strategy", "missing"),
    case(
        "missing-strategy-bare-json",
        "s.json",
        '{"deploymentId": "d", "moduleId": "m-2", "strategyConfig": {}}',
        "deployment.strategy",
        "missing",
    ),
    case("missing-moduleId", "s.yaml", "deployment:\n  strategy: Canary\n", "deployment.moduleId", "required"),
    case("missing-deployment", "s.yaml", "name: x\nseed: 1\n", "deployment", "required"),
    case("unknown-field-top", "s.yaml", CANARY_HEAD + "fleeet: {}\n", "fleeet", "unknown field"),
    case(
        "unknown-field-strategyConfig",
        "s.yaml",
        deployment("Canary", "    stagez: [10, 100]\n"),
        "deployment.strategyConfig.stagez",
        "unknown field",
    ),
    case(
        "unknown-field-region",
        "s.yaml",
        "fleet:\n  regions:\n    - {name: a, nodes: 3, zone: x}\n" + CANARY_HEAD,
        "fleet.regions[0].zone",
        "unknown field",
    ),
    case(
        "unknown-field-module",
        "s.yaml",
        "modules:\n  m-2: {errorRatio: 0.1}\n" + CANARY_HEAD,
        "modules.m-2.errorRatio",
        "unknown field",
    ),
    case(
        "other-strategys-field",
        "s.yaml",
        deployment("BlueGreen", "    stages: [10, 100]\n"),
        "deployment.strategyConfig.stages",
        "unknown field",
    ),
    case(
        "negative-duration",
        "s.yaml",
        deployment("Canary", "    evaluationPeriod: -300\n"),
        "deployment.strategyConfig.evaluationPeriod",
        "not negative",
    ),
    case(
        "negative-iso-duration",
        "s.yaml",
        deployment("Rolling", "    batchDelay: -PT30S\n"),
        "deployment.strategyConfig.batchDelay",
        "not negative",
    ),
    case(
        "bad-duration-string",
        "s.yaml",
        deployment("Regional", "    interRegionDelay: 10 minutes\n"),
        "deployment.strategyConfig.interRegionDelay",
        "not an ISO 8601 duration",
    ),
    case(
        "duration-in-months",
        "s.yaml",
        deployment("ABTesting", "    experimentDuration: P1M\n"),
        "deployment.strategyConfig.experimentDuration",
        "no fixed length",
    ),
    case(
        "stages-not-increasing",
        "s.yaml",
        deployment("Canary", "    stages: [10, 50, 25, 100]\n"),
        "deployment.strategyConfig.stages",
        "increase",
    ),
    case(
        "last-stage-not-100",
        "s.yaml",
        deployment("Canary", "    stages: [10, 25, 50]\n"),
        "deployment.strategyConfig.stages",
        "last stage must be 100",
    ),
    case(
        "stage-above-100",
        "s.yaml",
        deployment("Canary", "    stages: [10, 150]\n"),
        "deployment.strategyConfig.stages",
        "percentage",
    ),
    case(
        "batchSize-0",
        "s.yaml",
        deployment("Rolling", "    batchSize: 0\n"),
        "deployment.strategyConfig.batchSize",
        "at least 1",
    ),
    case(
        "batchSize-150%",
        "s.yaml",
        deployment("Rolling", "    batchSize: '150%'\n"),
        "deployment.strategyConfig.batchSize",
        "percentage",
    ),
    case(
        "batchSize-fraction",
        "s.yaml",
        deployment("Rolling", "    batchSize: 1.5\n"),
        "deployment.strategyConfig.batchSize",
        "integer",
    ),
    case(
        "variantBPercentage-100",
        "s.yaml",
        deployment("ABTesting", "    variantBPercentage: 100\n"),
        "deployment.strategyConfig.variantBPercentage",
        "less than 100",
    ),
    case(
        "winner-metric-unknown",
        "s.yaml",
        deployment("ABTesting", "    winnerCriteria: {metric: throughput}\n"),
        "deployment.strategyConfig.winnerCriteria.metric",
        "avg_latency_ms",
    ),
    case(
        "regionOrder-unknown-region",
        "s.yaml",
        deployment("Regional", "    regionOrder: [us-east, mars]\n"),
        "deployment.strategyConfig.regionOrder[1]",
        "unknown region 'mars'",
    ),
    case(
        "targetRegions-unknown-region",
        "s.yaml",
        CANARY_HEAD + "  targetRegions: [atlantis]\n",
        "deployment.targetRegions[0]",
        "unknown region 'atlantis'",
    ),
    case(
        "modules-key-neither-module",
        "s.yaml",
        "modules:\n  m-3: {errorRate: 0.1}\n" + CANARY_HEAD,
        "modules.m-3",
        "not the deployed module 'm-2'",
    ),
    case(
        "healthCheckFailureRate-1.5",
        "s.yaml",
        "modules:\n  m-2: {healthCheckFailureRate: 1.5}\n" + CANARY_HEAD,
        "modules.m-2.healthCheckFailureRate",
        "less than or equal to 1",
    ),
    case(
        "p99-below-median",
        "s.yaml",
        "modules:\n  m-2:\n    latencyMs: {median: 40, p99: 20}\n" + CANARY_HEAD,
        "modules.m-2.latencyMs",
        "p99 must not be below the median",
    ),
    case(
        "trigger-metric-unknown",
        "s.yaml",
        CANARY_HEAD + "  autoRollback:\n    triggers:\n      - {metric: cpu, threshold: 5}\n",
        "deployment.autoRollback.triggers[0].metric",
        "error_rate",
    ),
    case(
        "healthCheck-timeout-0",
        "s.yaml",
        CANARY_HEAD + "  healthCheck: {timeout: 0}\n",
        "deployment.healthCheck.timeout",
        "positive",
    ),
    case("negative-seed", "s.yaml", "seed: -1\n" + CANARY_HEAD, "seed", "greater than or equal to 0"),
    case("previous-equals-new", "s.yaml", "previousModuleId: m-2\n" + CANARY_HEAD, "previousModuleId", "differ"),
    case(
        "negative-node-count",
        "s.yaml",
        "fleet:\n  regions:\n    - {name: a, nodes: -3}\n" + CANARY_HEAD,
        "fleet.regions[0].nodes",
        "greater than or equal to 0",
    ),
    case(
        "duplicate-region-names",
        "s.yaml",
        "fleet:\n  regions:\n    - {name: a, nodes: 3}\n    - {name: a, nodes: 4}\n" + CANARY_HEAD,
        "fleet.regions[1].name",
        "unique",
    ),
    case(
        "outage-in-unknown-region",
        "s.yaml",
        "fleet:\n  outages:\n    - {region: mars, at: PT1M, duration: PT5M}\n" + CANARY_HEAD,
        "fleet.outages[0].region",
        "unknown region 'mars'",
    ),
    case("duplicate-yaml-key", "s.yaml", "seed: 1\n" + CANARY_HEAD + "seed: 2\n", "line 5", "seed"),
]


def _make(tmp_path: Path, name: str, text: str | bytes | None) -> Path:
    path = tmp_path / "in" / name
    path.parent.mkdir(exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    elif text is not None:
        path.write_text(text, encoding="utf-8")
    return path


def _assert_one_clear_line(result: Result, path: Path, field: str | None, says: str) -> None:
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    (line,) = lines
    where = f"hotswap: {path}: " + (f"{field}: " if field else "")
    assert line.startswith(where), line
    message = line.removeprefix(where)
    assert message.strip() and not message.startswith(":"), line
    assert says in message, line
    for noise in ("pydantic", "errors.pydantic.dev", "Value error", "For further information", "input_value"):
        assert noise not in line


@pytest.mark.parametrize(("name", "text", "field", "says"), BAD_INPUT)
def test_bad_input_run_exits_2_with_one_line_and_writes_nothing(
    tmp_path: Path, name: str, text: str | bytes | None, field: str | None, says: str
):
    path = _make(tmp_path, name, text)
    out = tmp_path / "out" / "result.json"
    result = invoke("run", path, "--format", "json", "--out", out)
    _assert_one_clear_line(result, path, field, says)
    assert not out.parent.exists()


@pytest.mark.parametrize(("name", "text", "field", "says"), BAD_INPUT)
def test_bad_input_validate_exits_2_with_one_line(
    tmp_path: Path, name: str, text: str | bytes | None, field: str | None, says: str
):
    path = _make(tmp_path, name, text)
    _assert_one_clear_line(invoke("validate", path), path, field, says)


def test_bad_input_count():
    assert len(BAD_INPUT) >= 15


def test_an_unwritable_out_is_one_line_and_exit_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    out = blocker / "result.json"  # a folder that is a file
    result = CliRunner().invoke(main, ["run", str(SCENARIOS / "canary.yaml"), "--out", str(out)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.startswith(f"hotswap: {out}: cannot write: ") and result.stderr.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]  # nothing half-written


# --- traffic over time: the recording is untrusted input too ----------------------------

REPLAY_HEAD = "fleet:\n  regions: [{name: a, nodes: 3}]\n  traffic: {replay: day.csv}\n" + CANARY_HEAD
GOOD_ROWS = "seconds,region,requestsPerSecondPerNode\n0,*,1\n"
BAD_RECORDINGS = [
    pytest.param(None, "no such file: day.csv", id="missing-file"),
    pytest.param(b"\xff\xfe", "not UTF-8", id="not-utf8"),
    pytest.param("", "empty", id="empty"),
    pytest.param("seconds,region\n0,*\n", "missing column 'requestsPerSecondPerNode'", id="missing-column"),
    pytest.param("seconds,region,rps\n", "unknown column 'rps'", id="unknown-column"),
    pytest.param("seconds,region,requestsPerSecondPerNode\n", "no rows", id="no-rows"),
    pytest.param(GOOD_ROWS + "60,*\n", "line 3: 2 fields", id="short-row"),
    pytest.param(GOOD_ROWS + "60,*,fast\n", "line 3, column requestsPerSecondPerNode: expected a number", id="nan"),
    pytest.param(GOOD_ROWS + "60,*,-1\n", "line 3, column requestsPerSecondPerNode", id="negative"),
    pytest.param(GOOD_ROWS + "60,*,inf\n", "line 3, column requestsPerSecondPerNode", id="infinite"),
    pytest.param(GOOD_ROWS + "60,mars,1\n", "line 3, column region: unknown region 'mars'", id="region"),
    pytest.param(GOOD_ROWS + "-5,*,1\n", "line 3, column seconds", id="negative-time"),
    pytest.param("seconds,region,requestsPerSecondPerNode\n60,*,1\n30,*,1\n", "before the line above", id="back"),
    pytest.param("seconds,region,requestsPerSecondPerNode,errorRate\n0,*,1,1.5\n", "column errorRate", id="error-rate"),
    pytest.param("seconds,region,requestsPerSecondPerNode\n" + "0,*,1\n" * 200_001, "rows", id="too-many-rows"),
    pytest.param("x" * (8 * 1024 * 1024 + 1), "larger than 8 MiB", id="too-large"),
]


@pytest.mark.parametrize(("csv", "says"), BAD_RECORDINGS)
def test_a_bad_recording_exits_2_naming_the_file_and_field(tmp_path: Path, csv: str | bytes | None, says: str):
    path = _make(tmp_path, "s.yaml", REPLAY_HEAD)
    if csv is not None:
        _make(tmp_path, "day.csv", csv)
    result = invoke("run", path, "--format", "json")
    _assert_one_clear_line(result, path, "fleet.traffic.replay", says)


@pytest.mark.parametrize(
    ("text", "field", "says"),
    [
        (REPLAY_HEAD.replace("traffic:", "trafficPerNode: 5\n  traffic:"), "fleet", "exclude each other"),
        (
            REPLAY_HEAD.replace("{replay: day.csv}", "{replay: day.csv, diurnal: {peakToTrough: 2, peakAt: '12:00'}}"),
            "fleet.traffic",
            "one of them",
        ),
        (
            REPLAY_HEAD.replace("{replay: day.csv}", "{diurnal: {peakToTrough: 0.5, peakAt: '12:00'}}"),
            "fleet.traffic.diurnal.peakToTrough",
            "greater than or equal to 1",
        ),
        (
            REPLAY_HEAD.replace("{replay: day.csv}", "{diurnal: {peakToTrough: 2, peakAt: '24:00'}}"),
            "fleet.traffic.diurnal.peakAt",
            "HH:MM",
        ),
        (REPLAY_HEAD.replace("nodes: 3}", "nodes: 3, utcOffset: '+5'}"), "fleet.regions[0].utcOffset", "+HH:MM"),
        (CANARY_HEAD + "  startAt: 7am\n", "deployment.startAt", "HH:MM"),
        (CANARY_HEAD + "  autoRollback: {metricsDelay: -PT1M}\n", "deployment.autoRollback.metricsDelay", ""),
        (
            "fleet:\n  regions: [{name: a, nodes: 3}]\n" + deployment("Regional", "    waves: [[a], [b]]\n"),
            "deployment.strategyConfig.waves[1][0]",
            "unknown region 'b'",
        ),
        (
            "fleet:\n  regions: [{name: a, nodes: 3}]\n"
            + deployment("Regional", "    waves: [[a]]\n    regionOrder: [a]\n"),
            "deployment.strategyConfig",
            "not both",
        ),
    ],
)
def test_bad_planet_settings_exit_2_with_one_line(tmp_path: Path, text: str, field: str | None, says: str):
    path = _make(tmp_path, "s.yaml", text)
    _make(tmp_path, "day.csv", GOOD_ROWS)
    result = invoke("run", path, "--format", "json")
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert "\n" not in line and says in line, line
    if field:
        assert f": {field}: " in line, line


def test_a_good_recording_runs(tmp_path: Path):
    path = _make(tmp_path, "s.yaml", REPLAY_HEAD)
    _make(tmp_path, "day.csv", GOOD_ROWS)
    assert run_json(path)["outcome"] == "Succeeded"


# --- python -m hotswap, shell completion ----------------------------------------------------


def test_python_m_hotswap_is_the_same_command_line():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "hotswap", "validate", str(CANARY)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"ok  {CANARY}  (Canary, 65 nodes)")
    usage = subprocess.run([sys.executable, "-m", "hotswap", "--help"], capture_output=True, text=True).stdout
    assert usage.startswith("Usage: hotswap ")


def test_shell_completion_completes_commands_and_options(monkeypatch):
    monkeypatch.setenv("_HOTSWAP_COMPLETE", "bash_complete")
    monkeypatch.setenv("COMP_WORDS", "hotswap ru")
    monkeypatch.setenv("COMP_CWORD", "1")
    result = CliRunner().invoke(main, [], prog_name="hotswap")
    assert result.stdout.split() == ["plain,run"]
    monkeypatch.setenv("COMP_WORDS", "hotswap run --back")
    monkeypatch.setenv("COMP_CWORD", "2")
    assert CliRunner().invoke(main, [], prog_name="hotswap").stdout.split() == ["plain,--backend"]


# --- --format markdown ------------------------------------------------------------------


def test_run_markdown_is_a_table_for_a_pull_request():
    result = invoke("run", CANARY_BAD, "--format", "markdown")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "### canary-bad-module: Canary image-processor-v1.1.0 -> image-processor-v1.2.0 on 65 nodes (sim, seed 7)"
    )
    assert lines[2:4] == ["|  |  |", "|---|---|"]
    record = run_json(CANARY_BAD)
    assert f"| outcome | RolledBack: {record['reason']} |" in lines
    assert f"| rollback time | {record['rollbackTimeSeconds']:.2g} s |" in lines


def test_runs_markdown_summarises_each_figure_with_humanised_durations():
    result = invoke("run", CANARY, "--runs", 3, "--format", "markdown")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:3] == ["### canary: 3 runs, seeds 1..3", "", "Outcomes: Succeeded 3 (100%)"]
    assert "| figure | n | mean | p5 | p50 | p95 | 95% CI of the mean |" in lines
    deploy = next(line for line in lines if line.startswith("| deploy time |"))
    assert deploy.count(" min") == 6  # mean, p5, p50, p95 and the interval's ends
    assert "| rollback time | 0 | - | - | - | - | - |" in lines


def test_runs_text_is_a_table_whose_columns_do_not_run_together():
    text = invoke("run", CANARY, "--runs", 3).stdout
    header = next(line for line in text.splitlines() if line.lstrip().startswith("figure"))
    assert [c.strip() for c in header.split("  ") if c.strip()] == [
        "figure", "n", "mean", "p5", "p50", "p95", "95% CI of the mean"
    ]  # fmt: skip
    node_seconds = next(line for line in text.splitlines() if "node-seconds on the new module" in line)
    cells = [c for c in node_seconds.split("  ") if c.strip()]
    assert len(cells) == 7  # name, n, mean, p5, p50, p95, interval: each apart from the next
