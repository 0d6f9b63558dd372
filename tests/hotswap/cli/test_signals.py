"""A long simulator sweep (the local process pool) stopped by SIGTERM or SIGINT: exit 143
or 130 with one line, no pool worker left, and no output file half-written."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.runtime.procs import processes_under

ROOT = Path(__file__).resolve().parents[3]
GONE_WITHIN = 5.0  # wall seconds


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["TERM", "INT"])
def test_a_sweep_stopped_by_a_signal_leaves_no_worker_and_no_output(tmp_path, sig, code):
    scenario = tmp_path / "canary.yaml"  # its path names the sweep's processes (pool workers fork)
    shutil.copy(ROOT / "scenarios" / "canary.yaml", scenario)
    out = tmp_path / "runs.json"
    hotswap = str(Path(sys.executable).parent / "hotswap")
    sweep = subprocess.Popen(
        [hotswap, "run", str(scenario), "--runs", "100000", "--jobs", "2", "--format", "json", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while len(processes_under(tmp_path)) < 3:  # the command and its two pool workers
            assert sweep.poll() is None, f"the sweep ended early: {sweep.communicate()}"
            assert time.monotonic() < deadline, "the pool never started"
            time.sleep(0.05)
        sweep.send_signal(sig)
        _, err = sweep.communicate(timeout=GONE_WITHIN)
        deadline = time.monotonic() + GONE_WITHIN
        while processes_under(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = processes_under(tmp_path)
    finally:
        sweep.kill()
        for pid in processes_under(tmp_path):
            subprocess.run(["kill", "-9", str(pid)], check=False)
    assert not left, f"left running: {left}"
    assert sweep.returncode == code
    assert err.splitlines() == [f"hotswap: stopped by {sig.name}: the run was torn down"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["canary.yaml"]
