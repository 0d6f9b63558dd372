"""``hotswap run --backend real`` through click's CliRunner."""

from __future__ import annotations

import json

from click.testing import CliRunner

from hotswap.cli import common, main
from tests.runtime.conftest import SCENARIOS


def invoke(*args: str):
    return CliRunner().invoke(main, ["run", *args])


def test_run_on_the_real_backend_prints_a_real_record():
    result = invoke(
        str(SCENARIOS / "rolling.yaml"), "--backend", "real", "--nodes", "4", "--time-scale", "3000", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["backend"] == "real" and record["scenario"] == "rolling" and record["seed"] == 1
    assert record["outcome"] == "Succeeded", record["reason"]
    assert record["real"]["workers"] == 4 and record["real"]["timeScale"] == 3000
    assert record["real"]["scaledFrom"] == 65
    # no progress lines when stderr is not a terminal; what 4 workers cannot represent, said before it starts
    warnings = result.stderr.splitlines()
    assert warnings and all(line.startswith(f"hotswap: warning: {SCENARIOS / 'rolling.yaml'}: ") for line in warnings)
    assert any("requests per scenario-second at time scale 3000" in line for line in warnings)
    # then, once it ran, the record's own warnings (a wait too short to show a bad module)
    after = [f"{w['code']}: {w['message']}" for w in record["warnings"]]
    assert [w.split(": ", 3)[3] for w in warnings] == record["real"]["warnings"] + after


def test_the_text_summary_of_a_real_run_names_its_fleet_and_wall_time(monkeypatch):
    monkeypatch.setattr(common, "PLAIN_EVERY", 0.0)  # a progress line for every timeline entry
    result = invoke(
        str(SCENARIOS / "canary-bad-module.yaml"),
        "--backend",
        "real",
        "--nodes",
        "4",
        "--time-scale",
        "3000",
        "--progress",
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("canary-bad-module: Canary") and "(real, seed 7)" in lines[0]
    assert lines[2].split()[:3] == ["outcome", "RolledBack:", "Rollback"]
    real = next(line for line in lines if line.startswith(" real fleet "))
    assert "4 workers for 65 nodes" in real and "time scale 3000" in real and "0 worker restarts" in real
    # --progress without a terminal: plain lines (here one per timeline entry), the seed, scenario
    # time and what happened next to the wall time
    progress = [line for line in result.stderr.splitlines() if not line.startswith("hotswap: warning: ")]
    assert progress and all(line.startswith("hotswap: run: ") for line in progress) and "\x1b" not in result.stderr
    assert any(line.endswith(": TriggerFired") and ": seed 7, scenario time " in line for line in progress)
    assert any(line.endswith(": RollbackCompleted") for line in progress)
    assert progress[-1].startswith("hotswap: run: 1/1 done, ") and progress[-1].endswith(": finished")


def test_fewer_nodes_than_regions_exits_2_with_one_line():
    path = SCENARIOS / "canary.yaml"
    result = invoke(str(path), "--backend", "real", "--nodes", "2")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"hotswap: {path}: --nodes 2 is fewer than the 4 regions with nodes\n"


def test_a_profile_is_the_simulators():
    result = invoke(str(SCENARIOS / "canary.yaml"), "--backend", "real", "--profile", str(SCENARIOS / "canary.yaml"))
    assert result.exit_code == 2 and "--profile applies to --backend sim only" in result.stderr


def test_the_simulators_twin_runs_the_real_runs_fleet_and_says_what_it_cannot_represent():
    result = invoke(
        str(SCENARIOS / "canary-bad-module.yaml"), "--nodes", "16", "--time-scale", "300", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["backend"] == "sim" and record["fleet"]["nodes"] == 16
    assert "canary stage 10% reaches 25% of 16 workers" in result.stderr
    assert "requests per scenario-second at time scale 300" in result.stderr
    result = invoke(str(SCENARIOS / "canary.yaml"), "--time-scale", "fast")
    assert result.exit_code == 2 and "'fast' is neither auto nor a number" in result.stderr


def test_a_previous_module_that_cannot_run_is_bad_input(tmp_path):
    path = tmp_path / "prev.yaml"
    text = (SCENARIOS / "canary.yaml").read_text()
    previous = "  image-processor-v1.1.0:\n"
    path.write_text(text.replace(previous, previous + "    variant: invalid-bytes\n"))
    result = invoke(str(path), "--backend", "real")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        f"hotswap: {path}: modules.image-processor-v1.1.0.variant: the previous module must run "
        "on the fleet; invalid-bytes cannot\n"
    )


def test_parity_compares_real_seeds_with_the_twin_and_exits_by_its_verdict(tmp_path):
    out = tmp_path / "parity"
    result = CliRunner().invoke(
        main,
        [
            "parity",
            str(SCENARIOS / "canary-bad-module.yaml"),
            *("--nodes", "4", "--seeds", "1", "--runs", "20", "--time-scale", "3000", "--rate", "2000"),
            *("--format", "json", "--out", str(out)),
        ],
    )
    assert result.exit_code in (0, 1), result.output
    verdict = json.loads(result.stdout)
    assert result.exit_code == (0 if verdict["agree"] else 1)
    assert set(verdict["outcomes"]["real"]) == {"RolledBack"} and sum(verdict["outcomes"]["twin"].values()) == 1
    assert [f["figure"] for f in verdict["figures"]] == [
        "deployTimeSeconds",
        "rollbackTimeSeconds",
        "blastRadius.nodesPercent",
    ]
    assert all(len(f["real"]) <= 1 and set(f["twin"]) == {"p5", "p50", "p95"} for f in verdict["figures"])
    assert json.loads((out / "parity.json").read_text()) == verdict
    assert (out / "deployTimeSeconds.png").stat().st_size > 0
