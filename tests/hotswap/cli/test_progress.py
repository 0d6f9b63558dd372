"""Progress on stderr: a rich bar on a terminal, plain lines in CI logs, nothing otherwise."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from hotswap.cli import common, main

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"
CANARY = SCENARIOS / "canary.yaml"


def invoke(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], prog_name="hotswap")
    return result.exit_code, result.stdout, result.stderr


def plain(stderr: str, what: str) -> list[str]:
    lines = stderr.splitlines()
    assert "\x1b" not in stderr and "\r" not in stderr
    assert lines and all(line.startswith(f"hotswap: {what}: ") for line in lines), stderr
    return lines


def test_without_a_terminal_progress_is_silent_unless_asked():
    code, _, stderr = invoke("run", CANARY, "--runs", 5, "--jobs", 1)
    assert (code, stderr) == (0, "")


@pytest.mark.parametrize("how", ["CI", "--progress"])
def test_ci_or_progress_gives_plain_lines_at_most_every_few_seconds(monkeypatch, how):
    if how == "CI":
        monkeypatch.setenv("CI", "true")
    args = ["--progress"] if how == "--progress" else []
    code, stdout, stderr = invoke("run", CANARY, "--runs", 5, "--jobs", 1, *args)
    assert code == 0 and stdout.startswith("canary: 5 runs")
    assert plain(stderr, "run") == [stderr.splitlines()[0]]  # quick work: only how it ended
    assert stderr.startswith("hotswap: run: 5/5 done, ") and stderr.endswith(": finished\n")
    monkeypatch.setattr(common, "PLAIN_EVERY", 0.0)  # a line at every step
    _, _, stderr = invoke("run", CANARY, "--runs", 5, "--jobs", 1, *args)
    lines = plain(stderr, "run")
    assert [line.split(" done")[0] for line in lines] == [f"hotswap: run: {i}/5" for i in (1, 2, 3, 4, 5, 5)]
    assert lines[0].endswith(": seed 1 Succeeded")


def test_no_progress_silences_ci(monkeypatch):
    monkeypatch.setenv("CI", "1")
    monkeypatch.setattr(common, "PLAIN_EVERY", 0.0)
    assert invoke("run", CANARY, "--runs", 3, "--jobs", 1, "--no-progress")[2] == ""


def test_compare_and_report_show_progress_in_ci(monkeypatch, tmp_path):
    monkeypatch.setenv("CI", "1")
    monkeypatch.setattr(common, "PLAIN_EVERY", 0.0)
    code, stdout, stderr = invoke(
        "compare", CANARY, "--strategies", "Canary,Rolling", "--runs", 2, "--jobs", 1, "--out", tmp_path / "c"
    )
    assert code == 0 and stdout.splitlines()[-1].startswith("wrote ")
    lines = plain(stderr, "compare")
    assert [line.split(" done")[0].split(": ")[-1] for line in lines] == ["0/5", "1/5", "2/5", "3/5", "4/5", "5/5"]
    assert lines[-2].endswith(": plots and report") and lines[-1].endswith(": finished")


def test_a_terminal_gets_a_rich_bar_on_stderr_and_clean_stdout():
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "CI"} | {"COLUMNS": "100", "TERM": "xterm"}
    command = [sys.executable, "-m", "hotswap", "run", str(CANARY), "--runs", "400", "--jobs", "1"]
    done = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=follower, env=env)
    os.close(follower)
    seen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the process closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    stdout, _ = done.communicate(timeout=120)
    os.close(leader)
    assert done.returncode == 0
    assert stdout.startswith(b"canary: 400 runs") and b"\x1b" not in stdout
    assert b"\x1b[" in seen and "━".encode() in seen and b"/400" in seen  # rich's bar, then removed


def test_check_shows_each_file_it_checks_in_ci(monkeypatch, tmp_path):
    monkeypatch.setenv("CI", "1")
    monkeypatch.setattr(common, "PLAIN_EVERY", 0.0)
    for name in ("a", "b"):
        text = CANARY.read_text().split("\nexpect:")[0]
        (tmp_path / f"{name}.yaml").write_text(text + "\nexpect: {runs: 2, outcome: Succeeded}\n")
    code, stdout, stderr = invoke("check", tmp_path, "--jobs", 1)
    assert code == 0 and stdout.splitlines()[-1] == "2 passed, 0 failed"
    lines = plain(stderr, "check")
    assert [line.split(" done")[0].split(": ")[-1] for line in lines] == ["0/2", "1/2", "2/2"]
    assert lines[0].endswith(": a.yaml") and lines[1].endswith(": b.yaml") and lines[-1].endswith(": finished")
