"""Hostile modules (tests/runtime/hostile/*.wat) in the worker's sandbox: each one's calls
fail as a module fault, the worker stays bounded and keeps serving."""

from __future__ import annotations

import json
import resource
import time
from pathlib import Path

import pytest
import wasmtime
from click.testing import CliRunner

from hotswap.cli import main
from hotswap.scenario import load
from runtime import engine
from runtime.catalog import build
from runtime.fleet import Fleet
from runtime.worker import Slot, SwapError
from tests.runtime.test_own_module import scenario_with

HOSTILE = Path(__file__).parent / "hostile"
OWN = "image-processor-v2.0.0"  # the module id of the own-module example


def hostile(name: str, *, fuel: int = engine.FUEL) -> Slot:
    eng = engine.engine()
    return Slot(name, wasmtime.Module(eng, (HOSTILE / f"{name}.wat").read_text()), {}, eng, fuel)


def test_a_table_grown_by_millions_each_batch_stays_within_the_table_limit():
    bomb = hostile("table-bomb")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for call in range(50):
        assert bomb.invoke(10, call * 10)[:3] == (10, 0, 0)  # the growth is refused, not fatal
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 64 * 1024, f"the process grew by {grown_kib} KiB"  # 50 million entries would be 400 MB
    assert engine.TABLE_ELEMENTS < 1_000_000


@pytest.mark.parametrize("name", ["lying-counts", "too-many-failures"])
def test_a_failure_count_outside_the_batch_fails_the_whole_batch_as_a_crash(name):
    liar = hostile(name)
    ok, crashed, hung, _, _ = liar.invoke(8, 0)
    assert (ok, crashed, hung) == (0, 1, 0)
    assert liar.crashes == 1
    assert liar.invoke(8, 8)[:3] == (0, 1, 0)  # started afresh, and lying again


def test_done_beyond_the_batch_before_a_trap_counts_no_request_as_served():
    liar = hostile("done-beyond")
    assert liar.invoke(4, 0)[:3] == (0, 1, 0)


@pytest.mark.parametrize(
    ("name", "answer"),
    [
        ("health-out-of-bounds", "answer (2147483632, 100) outside memory"),
        ("health-negative", "answer (4294967294, 2) outside memory"),
        ("health-trap", "trap TrapCode.UNREACHABLE"),
        ("health-loop", "timeout"),
    ],
)
def test_a_health_check_that_cannot_answer_is_a_failed_answer(name, answer):
    assert hostile(name).ask("health_check") == answer


@pytest.mark.parametrize(
    ("name", "says"), [("huge-memory", "cannot instantiate"), ("huge-table", "cannot instantiate")]
)
def test_a_module_that_asks_too_much_at_instantiation_is_refused(name, says):
    with pytest.raises(SwapError, match=says):
        hostile(name)


def test_a_start_function_that_never_returns_is_stopped_and_refused():
    start = time.perf_counter()
    with pytest.raises(SwapError, match="cannot instantiate"):
        hostile("start-loop")
    assert time.perf_counter() - start < engine.CALL_SECONDS + 1


def test_the_epoch_deadline_stops_a_batch_that_fuel_would_not(monkeypatch):
    monkeypatch.setattr(engine, "BATCH_SECONDS", 0.3)
    spin = hostile("batch-spin", fuel=10**15)  # fuel enough for hours
    ticker = engine.Ticker(spin.eng)
    try:
        start = time.perf_counter()
        ok, crashed, hung, _, _ = spin.invoke(4, 0)
        took = time.perf_counter() - start
    finally:
        ticker.stop()
    assert (ok, crashed, hung) == (0, 0, 1)
    assert took < 3, f"the batch ran {took:.1f} s"


def test_without_a_ticker_the_epoch_never_stops_a_call():
    # the catalogue calibrates without a ticker: only fuel stops its calls
    spin = hostile("batch-spin", fuel=100_000)
    assert spin.invoke(1, 0)[:3] == (0, 0, 1)


# --- on the real fleet ------------------------------------------------------------------


def hostile_scenario(tmp_path: Path, name: str) -> Path:
    return scenario_with(tmp_path, f"{name}.wat", (HOSTILE / f"{name}.wat").read_text())


def test_a_table_bomb_on_a_worker_process_leaves_its_memory_bounded(tmp_path):
    artifacts = build(load(hostile_scenario(tmp_path, "table-bomb")), tmp_path)
    with Fleet(1, artifacts, [0]) as fleet:
        assert fleet.deploy(0, OWN, 10.0)[0] == "ok"
        for _ in range(50):  # 50 million table entries asked for: 400 MB without the limit
            assert fleet.invoke(0, 10, 10.0)[:4] == (OWN, 10, 0, 0)
        status = Path(f"/proc/{fleet.nodes[0].process.pid}/status").read_text()
        peak_mib = int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) / 1024
        assert peak_mib < 150, f"the worker peaked at {peak_mib:.0f} MiB"
        assert fleet.nodes[0].restarts == 0


@pytest.mark.parametrize(
    ("name", "outcome"),
    [
        ("lying-counts", "RolledBack"),
        ("done-beyond", "RolledBack"),
        ("health-out-of-bounds", "RolledBack"),
        ("health-loop", "RolledBack"),
        ("huge-memory", "RolledBack"),
        ("table-bomb", "Succeeded"),
    ],
)
def test_a_hostile_module_is_a_module_fault_the_strategy_sees(tmp_path, name, outcome):
    path = hostile_scenario(tmp_path, name)
    args = ["run", str(path), "--backend", "real", "--nodes", "4", "--time-scale", "3000", "--format", "json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.stderr
    record = json.loads(result.stdout)
    assert record["outcome"] == outcome, record["reason"]
    assert record["real"]["workerRestarts"] == 0  # the workers survived the module
