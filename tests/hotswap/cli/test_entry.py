"""The console script: start-up without the cyclic collector, a quick command's end
without the interpreter's teardown, and nothing lost by either (output, exit status,
``atexit`` handlers)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CANARY = ROOT / "scenarios" / "canary.yaml"
PROBE = (
    "import atexit, gc, sys\n"
    "atexit.register(lambda: print('atexit: collector', 'on' if gc.isenabled() else 'off', flush=True))\n"
    "sys.argv = ['hotswap', *sys.argv[1:]]\n"
    "from hotswap.cli.entry import run\n"
    "run()\n"
)


def hotswap(*args: object) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-c", PROBE, *map(str, args)]
    return subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_validate_keeps_every_line_and_runs_the_exit_handlers(tmp_path: Path):
    files = [shutil.copy(CANARY, tmp_path / f"s{i}.yaml") for i in range(40)]
    done = hotswap("validate", *files)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:-1] == [f"ok  {f}  (Canary, 65 nodes)" for f in files]
    assert lines[-1] == "atexit: collector off"  # validate is quick: no collector, handlers still run


def test_a_refused_file_keeps_its_status_and_its_line(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("fleet: {regions: []}\n")
    done = hotswap("validate", bad)
    assert done.returncode == 2
    assert done.stderr.startswith(f"hotswap: {bad}: ") and len(done.stderr.splitlines()) == 1


def test_a_command_that_is_not_quick_collects_garbage_and_exits_normally():
    done = hotswap("run", CANARY, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("atexit: collector on")
