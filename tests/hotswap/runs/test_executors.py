"""Executors: the same records, in seed order, on the local pool, a Dask LocalCluster and
a real Dask scheduler with a worker on loopback (skipped only when Dask is missing)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from hotswap.cli import main
from hotswap.runs import executors, runner
from hotswap.scenario import load

SCENARIO = Path(__file__).resolve().parents[3] / "scenarios" / "canary.yaml"
RUNS = 10  # above the local pool's threshold


def run_json(*extra: str) -> str:
    out = CliRunner().invoke(main, ["run", str(SCENARIO), "--runs", str(RUNS), "--format", "json", *extra])
    assert out.exit_code == 0, out.output
    return out.stdout


def test_local_pool_in_a_command_gives_the_records_of_single_runs_in_seed_order():
    scenario = load(SCENARIO)
    alone = [runner.replicate(scenario, seed=7 + i)[0] for i in range(RUNS)]
    with executors.use(executors.Executor("local", jobs=2)):
        pooled = runner.replicate(scenario, seed=7, runs=RUNS)
        again = list(runner.stream(scenario, seed=7, runs=RUNS, timeline=False))
    assert pooled == alone
    assert again == [{k: v for k, v in r.items() if k != "timeline"} for r in alone]


def test_run_streams_the_same_json_as_one_document():
    text = run_json("--jobs", "2")
    data = json.loads(text)
    assert [r["seed"] for r in data["runs"]] == list(range(1, RUNS + 1))
    assert text == json.dumps(data, indent=2) + "\n"  # the bytes json.dumps gives the whole document


def test_scheduler_needs_the_dask_executor():
    out = CliRunner().invoke(main, ["run", str(SCENARIO), "--runs", "2", "--scheduler", "tcp://127.0.0.1:1"])
    assert out.exit_code == 2 and "--scheduler applies to --executor dask only" in out.stderr


def test_dask_local_cluster_gives_the_same_bytes_as_the_local_pool():
    pytest.importorskip("distributed")
    assert run_json("--executor", "dask", "--jobs", "2") == run_json("--jobs", "2")


@pytest.fixture
def dask_cluster(tmp_path):
    """A real ``dask scheduler`` and one ``dask worker`` on loopback, as subprocesses."""
    pytest.importorskip("distributed")
    address_file = tmp_path / "scheduler.json"
    common = ["--no-dashboard", "--host", "127.0.0.1"]
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "dask", "scheduler", "--port", "0", "--scheduler-file", str(address_file), *common],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not address_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(address_file.read_text())["address"]
        started.append(
            subprocess.Popen(
                [sys.executable, "-m", "dask", "worker", address, "--nthreads", "1", "--nworkers", "2", *common],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        from distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for process in reversed(started):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_a_running_dask_cluster_gives_the_same_bytes_as_the_local_pool(dask_cluster):
    assert run_json("--executor", "dask", "--scheduler", dask_cluster) == run_json("--jobs", "2")


def test_an_unreachable_scheduler_is_one_line_and_exit_2():
    pytest.importorskip("distributed")
    out = CliRunner().invoke(
        main, ["run", str(SCENARIO), "--runs", "2", "--executor", "dask", "--scheduler", "tcp://127.0.0.1:9"]
    )
    assert out.exit_code == 2 and "cannot reach the Dask scheduler" in out.stderr
