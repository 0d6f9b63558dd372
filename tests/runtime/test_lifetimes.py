"""Lifetimes: ``hotswap run --backend real`` (and ``hotswap check`` on the real fleet)
killed (SIGKILL), stopped (SIGTERM) or interrupted (SIGINT) mid-run while an outage holds
workers stopped leaves no worker, no guard and no folder behind; a new run removes what dead runs left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from runtime import rundir
from tests.runtime.conftest import SCENARIOS
from tests.runtime.procs import PROC, processes_under

GONE_WITHIN = 5.0  # wall seconds


def stopped_workers(folder: Path) -> list[int]:
    states = {}
    for pid, args in processes_under(folder).items():
        if "runtime.worker" in args:
            try:
                states[pid] = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
    return [pid for pid, state in states.items() if state == "T"]


@pytest.fixture
def outage_scenario(tmp_path: Path) -> Path:
    """Canary on four regions, half of us-east stopped from the start for ten hours."""
    data = yaml.safe_load((SCENARIOS / "canary.yaml").read_text())
    data.pop("expect", None)
    region = data["fleet"]["regions"][0]["name"]
    data["fleet"]["outages"] = [{"region": region, "at": "PT0S", "duration": "PT10H", "fraction": 1.0}]
    path = tmp_path / "outage.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def start_run(scenario: Path, temp: Path, command: str = "run") -> subprocess.Popen[str]:
    """A real run in its own process, its temp folder ``temp``, slow enough to be caught
    mid-run: ``hotswap run`` on 8 workers, or ``hotswap check`` of the scenario's expectations."""
    env = {**os.environ, "TMPDIR": str(temp)}
    hotswap = [str(Path(sys.executable).parent / "hotswap"), command, str(scenario), "--backend", "real"]
    options = ["--nodes", "8", "--time-scale", "30", "--rate", "200"] if command == "run" else []
    return subprocess.Popen(
        [*hotswap, *options],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_outage(run: subprocess.Popen[str], temp: Path) -> None:
    deadline = time.monotonic() + 120  # start-up on a loaded machine: compile, calibrate, spawn
    while not stopped_workers(temp):
        assert run.poll() is None, f"the run ended early: {run.communicate()}"
        assert time.monotonic() < deadline, "no worker was stopped by the outage"
        time.sleep(0.05)


def wait_empty(temp: Path) -> tuple[dict[int, list[str]], list[str]]:
    """Processes and folders left under ``temp`` once GONE_WITHIN seconds have passed (or
    at once when nothing is left)."""
    deadline = time.monotonic() + GONE_WITHIN
    while True:
        left, folders = processes_under(temp), sorted(p.name for p in temp.iterdir())
        if (not left and not folders) or time.monotonic() > deadline:
            return left, folders
        time.sleep(0.05)


@pytest.mark.parametrize(
    ("sig", "code"), [(signal.SIGKILL, -9), (signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["KILL", "TERM", "INT"]
)
def test_an_orchestrator_stopped_mid_run_during_an_outage_leaves_nothing(outage_scenario, tmp_path, sig, code):
    stopped_leaves_nothing(outage_scenario, tmp_path, sig, code, "run")


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["TERM", "INT"])
def test_a_check_on_the_real_fleet_stopped_mid_run_leaves_nothing(outage_scenario, tmp_path, sig, code):
    data = yaml.safe_load(outage_scenario.read_text())
    data["expect"] = {"backend": "real", "outcome": "Succeeded"}
    outage_scenario.write_text(yaml.safe_dump(data))
    stopped_leaves_nothing(outage_scenario, tmp_path, sig, code, "check")


def stopped_leaves_nothing(scenario: Path, tmp_path: Path, sig: signal.Signals, code: int, command: str) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    run = start_run(scenario, temp, command)
    try:
        wait_for_outage(run, temp)
        run.send_signal(sig)
        left, folders = wait_empty(temp)
        out, err = run.communicate(timeout=GONE_WITHIN)
    finally:
        run.kill()
        for pid in processes_under(temp):
            os.kill(pid, signal.SIGKILL)
    assert not left, f"left running: {left}"
    assert not folders, f"left in the temp folder: {folders}"
    assert run.returncode == code
    if sig != signal.SIGKILL:
        assert out == ""
        lines = [line for line in err.splitlines() if not line.startswith("hotswap: warning: ")]  # before the run
        assert lines == [f"hotswap: stopped by {sig.name}: the run was torn down"]


def test_a_new_run_folder_removes_the_folders_of_dead_runs_only(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    gone_pid = int(dead.stdout)
    left = tmp_path / "hotswap-run-dead"
    left.mkdir()
    (left / rundir.OWNER).write_text(f"{gone_pid} {rundir.start_time(os.getpid())}\n")
    reused = tmp_path / "hotswap-fleet-reused"  # our pid, another start time: a pid reused
    reused.mkdir()
    (reused / rundir.OWNER).write_text(f"{os.getpid()} 1\n")
    live = tmp_path / "hotswap-run-live"
    live.mkdir()
    (live / rundir.OWNER).write_text(f"{os.getpid()} {rundir.start_time(os.getpid())}\n")
    unknown = tmp_path / "hotswap-artifacts-unknown"  # no owner recorded: not ours to judge
    unknown.mkdir()
    other = tmp_path / "not-hotswap"
    other.mkdir()
    with rundir.RunFolder("run") as folder:
        assert folder.stat().st_mode & 0o777 == 0o700
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted([folder.name, live.name, unknown.name, other.name])
    assert not folder.exists()


def test_the_guard_removes_the_folder_when_its_owner_is_killed(tmp_path):
    code = "import time; from runtime.rundir import RunFolder; print(RunFolder('run').path, flush=True); time.sleep(60)"
    owner = subprocess.Popen(
        [sys.executable, "-c", code], env={**os.environ, "TMPDIR": str(tmp_path)}, stdout=subprocess.PIPE, text=True
    )
    folder = Path(owner.stdout.readline().strip())
    assert folder.is_dir() and folder.parent == tmp_path
    owner.kill()
    owner.wait()
    left, folders = wait_empty(tmp_path)
    assert not folders and not left
