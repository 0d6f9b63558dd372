"""One edge node in-process: ``Slot`` (one instantiated module) and ``Worker`` (hot swaps),
on real wasmtime with the catalogue's module sources."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import wasmtime

from runtime import engine
from runtime.catalog import source
from runtime.protocol import ProtocolError
from runtime.worker import Slot, SwapError, Worker

OLD, NEW = "image-processor-v1.1.0", "image-processor-v1.2.0"
LIMIT_MB = engine.MEMORY_LIMIT / 2**20
BIG_BATCH = 50_000  # requests: a few tenths of a second of work


def pin(
    worker: Worker, module_id: str, variant: str, *, precompile: bool = True, fuel: int = engine.FUEL, **knobs: int
) -> str:
    """Write a variant's artifact into the worker's folder and pin it as ``module_id``
    (as the fleet's hello does); the module id."""
    data, kind = source(variant), "wasm"
    if precompile:
        data, kind = wasmtime.Module(engine.engine(), data).serialize(), "cwasm"
    digest = hashlib.sha256(data).hexdigest()
    (worker.folder / f"{digest}.{kind}").write_bytes(data)
    worker.pinned[module_id] = {"sha256": digest, "kind": kind, "knobs": {"work_permille": 1000, **knobs}, "fuel": fuel}
    return module_id


def slot(variant: str, *, fuel: int = engine.FUEL, **knobs: int) -> Slot:
    eng = engine.engine()
    return Slot(variant, wasmtime.Module(eng, source(variant)), {"work_permille": 1000, **knobs}, eng, fuel)


@pytest.fixture
def worker(tmp_path: Path) -> Worker:
    """A worker running the previous module."""
    w = Worker(tmp_path, {})
    assert w.deploy(pin(w, OLD, "v1.1.0")) == "swapped"
    return w


# --- hot swaps --------------------------------------------------------------------------


def test_hot_swap_to_v1_2_0_serves_it_and_its_health_check_answers_ok(worker, tmp_path):
    assert worker.deploy(pin(worker, NEW, "v1.2.0")) == "swapped"
    assert worker.current is not None and worker.current.module_id == NEW
    assert worker.previous is not None and worker.previous.module_id == OLD
    assert worker.control("health", {"module": NEW, "function": "health_check"}) == {"answer": "OK"}
    assert worker.control("health", {"module": OLD, "function": "health_check"}) == {"answer": f"not running {OLD}"}
    module_id, ok, crashed, hung, busy_ms, memory_mb = worker.data(10)
    assert (module_id, ok, crashed, hung) == (NEW, 10, 0, 0)
    assert busy_ms > 0 and 0 < memory_mb <= LIMIT_MB


def test_deploy_through_control_reports_status_how_and_seconds(worker, tmp_path):
    reply = worker.control("deploy", {"module": pin(worker, NEW, "v1.2.0")})
    assert (reply["status"], reply["detail"]) == ("ok", "swapped") and 0 < reply["seconds"] < 5
    assert worker.control("deploy", {"module": NEW})["detail"] == "already running"
    assert worker.control("running", {}) == {"module": NEW}
    with pytest.raises(ProtocolError, match="batch is not a control request"):
        worker.control("batch", {"count": 1})


def test_a_swap_ready_after_its_deadline_is_cancelled(worker):
    with pytest.raises(SwapError, match="cancelled: the deadline passed"):
        worker.deploy(pin(worker, NEW, "v1.2.0"), time.monotonic())
    assert worker.running() == OLD
    reply = worker.control("deploy", {"module": NEW}, time.monotonic())
    assert reply["status"] == "failed" and worker.running() == OLD


def test_a_module_outside_the_catalogue_is_refused(worker):
    with pytest.raises(SwapError, match="not in the catalogue"):
        worker.deploy("image-processor-v9")
    assert worker.running() == OLD


def test_a_module_whose_health_check_fails_is_loaded_and_its_check_answers_fail(worker, tmp_path):
    """healthCheckFailureRate means the same as in the simulator: the module loads and
    serves; the strategy's health check finds it failing."""
    failing = pin(worker, NEW, "v1.2.0", hc_fail_ppm=1_000_000)
    assert worker.deploy(failing) == "swapped"
    assert worker.data(5)[:2] == (NEW, 5)
    assert worker.control("health", {"module": NEW, "function": "health_check"}) == {"answer": "FAIL"}


def test_health_check_failure_rate_afflicts_only_nodes_whose_key_is_below_it(tmp_path):
    afflicted, spared = Worker(tmp_path, {}, 299_999), Worker(tmp_path, {}, 300_000)
    for w in (afflicted, spared):
        pin(w, NEW, "v1.2.0", hc_fail_ppm=300_000)
    assert afflicted.deploy(NEW) == spared.deploy(NEW) == "swapped"
    ask = {"module": NEW, "function": "health_check"}
    assert afflicted.control("health", ask) == {"answer": "FAIL"}
    assert spared.control("health", ask) == {"answer": "OK"}


def test_going_back_to_the_previous_module_is_a_pointer_switch(worker, tmp_path):
    old_slot = worker.current
    worker.deploy(pin(worker, NEW, "v1.2.0"))
    new_slot = worker.current
    # no artifact needed: the previous instance is still there
    assert worker.deploy(OLD) == "switched back"
    assert worker.current is old_slot and worker.previous is new_slot
    assert worker.deploy(NEW) == "switched back"
    assert worker.current is new_slot
    assert worker.deploy(NEW) == "already running"


def test_unload_keeps_the_module_for_a_switch_back(worker):
    running = worker.current
    assert worker.deploy(None) == "unloaded"
    assert worker.current is None
    assert worker.data(5) == (None, 0, 0, 0, 0.0, 0.0)
    assert worker.control("running", {}) == {"module": None}
    assert worker.control("health", {"module": OLD, "function": "health_check"}) == {"answer": f"not running {OLD}"}
    assert worker.deploy(OLD) == "switched back" and worker.current is running


def test_unloading_an_unloaded_node_changes_nothing(worker):
    running = worker.current
    worker.deploy(None)
    assert worker.deploy(None) == "already running"
    assert worker.deploy(OLD) == "switched back" and worker.current is running


def test_a_batch_in_flight_finishes_on_the_instance_it_started_on(worker, tmp_path):
    old_slot = worker.current
    results: list[tuple[Any, ...]] = []
    new = pin(worker, NEW, "v1.2.0")
    batch = threading.Thread(target=lambda: results.append(worker.data(BIG_BATCH)))
    batch.start()
    deadline = time.monotonic() + 5
    while worker.requests == 0 and time.monotonic() < deadline:  # set once the batch holds its slot
        time.sleep(0.0005)
    assert worker.deploy(new) == "swapped"
    swapped_in_flight = batch.is_alive()
    batch.join(120)  # a few tenths of a second on an idle machine; much longer under load
    assert swapped_in_flight, "the batch ended before the swap: make it bigger"
    assert results and results[0][:4] == (OLD, BIG_BATCH, 0, 0)
    assert worker.data(3)[:2] == (NEW, 3)
    # a reference held across the swap still runs the old instance
    assert old_slot.invoke(5, 0)[:3] == (5, 0, 0)
    assert old_slot.module_id == OLD and old_slot.crashes == 0


# --- modules that cannot be loaded ------------------------------------------------------


def test_missing_export_fails_to_load_with_a_clear_reason(worker, tmp_path):
    with pytest.raises(SwapError, match="missing export health_check"):
        worker.deploy(pin(worker, NEW, "missing-export"))
    assert worker.current is not None and worker.current.module_id == OLD


def test_invalid_bytes_fail_to_load_with_a_clear_reason(worker, tmp_path):
    with pytest.raises(SwapError, match=r"^invalid module: "):
        worker.deploy(pin(worker, NEW, "invalid-bytes", precompile=False))
    assert worker.current is not None and worker.current.module_id == OLD


def test_raw_webassembly_text_artifacts_load_too(worker, tmp_path):
    assert worker.deploy(pin(worker, NEW, "v1.2.0", precompile=False)) == "swapped"


def test_artifact_whose_bytes_do_not_match_its_sha256_is_refused(worker, tmp_path):
    pin(worker, NEW, "v1.2.0")
    good = worker.pinned[NEW]
    tampered = tmp_path / f"{good['sha256']}.{good['kind']}"
    tampered.write_bytes(tampered.read_bytes() + b"\0")
    with pytest.raises(SwapError, match="sha256 mismatch"):
        worker.deploy(NEW)
    worker.pinned[NEW] = {**good, "sha256": hashlib.sha256(b"something else").hexdigest()}
    with pytest.raises(SwapError, match="cannot read the artifact"):  # no file has that name
        worker.deploy(NEW)
    assert worker.current is not None and worker.current.module_id == OLD


# --- faulty modules while serving --------------------------------------------------------


def test_infinite_loop_batch_hangs_out_of_fuel_without_a_crash():
    looping = slot("infinite-loop", fuel=200_000)
    assert looping.ask("health_check") == "OK"  # only requests loop: it passes its health check
    start = time.perf_counter()
    ok, crashed, hung, _, _ = looping.invoke(3, 0)
    assert (ok, crashed, hung) == (0, 0, 1)
    assert time.perf_counter() - start < 2  # stopped by fuel
    assert looping.crashes == 0
    assert looping.invoke(1, 3)[:3] == (0, 0, 1)  # the same instance, hanging again


def test_infinite_loop_module_deployed_on_a_worker_hangs_its_batches(worker, tmp_path):
    assert worker.deploy(pin(worker, NEW, "infinite-loop", fuel=100_000)) == "swapped"
    assert worker.data(4)[:4] == (NEW, 0, 0, 1)


def test_memory_bomb_grows_to_the_limit_then_traps_and_restarts():
    bomb = slot("memory-bomb", work_permille=8000)
    memory, crashed_at = [], None
    for call in range(60):
        ok, crashed, hung, _, memory_mb = bomb.invoke(1, call)
        memory.append(memory_mb)
        if crashed:
            assert (ok, hung) == (0, 0)
            crashed_at = call
            break
        assert ok == 1
    assert crashed_at is not None, f"no trap after 60 calls; memory {memory[-1]} MiB"
    assert max(memory) >= 0.9 * LIMIT_MB
    assert memory[:crashed_at] == sorted(memory[:crashed_at])  # grows until the crash
    assert bomb.crashes == 1
    assert bomb.invoke(1, 99)[:3] == (1, 0, 0)  # a fresh instance serves again
    assert bomb.memory.data_len(bomb.store) < 0.2 * engine.MEMORY_LIMIT


def test_memory_bomb_crash_reports_the_memory_it_crashed_at():
    bomb = slot("memory-bomb", work_permille=8000)
    for call in range(60):
        _, crashed, _, _, memory_mb = bomb.invoke(1, call)
        if crashed:
            assert memory_mb >= 0.9 * LIMIT_MB
            return
    pytest.fail("the memory bomb never trapped")


def test_crash_knob_traps_after_20_calls_and_the_instance_is_restarted():
    crashing = slot("v1.2.0", crash_ppm=1_000_000, node_key=0)
    assert crashing.invoke(20, 0)[:3] == (20, 0, 0)
    assert crashing.invoke(1, 20)[:3] == (0, 1, 0)
    assert crashing.crashes == 1
    # started afresh: 20 more calls, and a crash in a batch fails the requests after it
    assert crashing.invoke(25, 21)[:3] == (20, 1, 0)
    assert crashing.crashes == 2


def test_crash_knob_spares_nodes_whose_key_is_above_the_rate():
    spared = slot("v1.2.0", crash_ppm=500_000, node_key=500_000)
    assert spared.invoke(60, 0)[:3] == (60, 0, 0) and spared.crashes == 0


@pytest.mark.parametrize("rate", [0.0, 0.1, 0.25])
def test_error_knob_fails_about_that_share_of_requests(rate):
    erring = slot("v1.2.0", work_permille=100, error_ppm=round(rate * 1e6), node_key=123_456)
    ok, crashed, hung, _, _ = erring.invoke(4000, 0)
    assert (crashed, hung) == (0, 0)
    assert abs((4000 - ok) / 4000 - rate) <= 0.02


def test_a_slow_node_adds_its_delay_to_each_request(worker):
    assert worker.control("slow", {"ms": 10}) == {}
    start = time.perf_counter()
    module_id, ok, _, _, busy_ms, _ = worker.data(3)
    assert (module_id, ok) == (OLD, 3)
    assert busy_ms >= 30 and time.perf_counter() - start >= 0.03
    worker.control("slow", {"ms": 0})
    assert worker.data(3)[4] < 30


def test_work_knob_sets_the_work_per_request():
    light, heavy = slot("v1.2.0", work_permille=1000), slot("v1.2.0", work_permille=8000)
    used = []
    for s in (light, heavy):
        s.store.set_fuel(engine.FUEL)
        assert s.invoke_fueled(1) == 0
        used.append(engine.FUEL - s.store.get_fuel())
    assert 6 < used[1] / used[0] < 10
