"""The fleet supervisor with real worker processes: requests, restarts after SIGKILL,
unreachable nodes after SIGSTOP, and a ``close`` that leaves nothing behind."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from hotswap.scenario import load
from runtime.catalog import build
from runtime.fleet import Fleet, NodeDown
from tests.runtime.conftest import NEW, OLD, variant_of
from tests.runtime.procs import alive, worker_processes


def pids(fleet: Fleet) -> list[int]:
    return [n.process.pid for n in fleet.nodes if n.process is not None]


def test_deploy_health_and_invoke_on_worker_processes(exact_artifacts):
    with Fleet(2, exact_artifacts, [0, 999_999]) as fleet:
        assert sorted(worker_processes()) == sorted(pids(fleet))
        assert fleet.folder.is_dir() and fleet.folder.stat().st_mode & 0o777 == 0o700
        assert fleet.invoke(0, 5, 2.0) == (None, 0, 0, 0, 0.0, 0.0)  # nothing deployed yet
        for i in range(2):
            status, how, seconds = fleet.deploy(i, OLD, 2.0)
            assert (status, how) == ("ok", "swapped") and seconds > 0
        assert fleet.deploy(1, NEW, 2.0)[:2] == ("ok", "swapped")
        assert [n.module_id for n in fleet.nodes] == [OLD, NEW]
        assert fleet.health(0, OLD, "health_check", 2.0) == "OK"
        assert fleet.health(1, NEW, "health_check", 2.0) == "OK"
        assert fleet.health(0, NEW, "health_check", 2.0) == f"not running {NEW}"
        module_id, ok, crashed, hung, busy_ms, memory_mb = fleet.invoke(1, 20, 2.0)
        assert (module_id, ok, crashed, hung) == (NEW, 20, 0, 0) and busy_ms > 0 and memory_mb > 0
        assert fleet.deploy(1, OLD, 2.0)[:2] == ("ok", "switched back")
        assert fleet.invoke(1, 3, 2.0)[0] == OLD
        fleet.slow(1, 20)
        assert fleet.invoke(1, 3, 2.0)[4] >= 60  # each request 20 ms slower
        assert fleet.invoke(0, 3, 2.0)[4] < 60


def test_sigkill_restarts_the_worker_on_its_last_good_module(tmp_path):
    # the new module fails to load everywhere (no health_check export)
    bad = variant_of("canary.yaml", tmp_path, old={"errorRate": 0}, new={"variant": "missing-export"})
    artifacts = build(load(bad), tmp_path)
    with Fleet(3, artifacts, [0, 0, 0]) as fleet:
        assert fleet.deploy(0, OLD, 2.0)[0] == "ok"
        status, reason, _ = fleet.deploy(0, NEW, 2.0)
        assert status == "failed" and "missing export health_check" in reason
        assert fleet.deploy(1, OLD, 2.0)[0] == "ok"
        before = pids(fleet)
        for i in range(3):
            fleet.kill(i)
        assert all(fleet.wait_ready(i, 10) for i in range(3))
        after = pids(fleet)
        assert all(a != b for a, b in zip(before, after, strict=True))
        assert not any(alive(p) for p in before)
        assert [n.restarts for n in fleet.nodes] == [1, 1, 1]
        assert fleet.health(0, OLD, "health_check", 2.0) == "OK"  # the last good module, not the refused one
        assert fleet.invoke(0, 4, 2.0)[:2] == (OLD, 4)
        assert fleet.invoke(1, 4, 2.0)[:2] == (OLD, 4)
        assert fleet.invoke(2, 4, 2.0)[0] is None  # it ran nothing: it runs nothing again
        assert sorted(worker_processes()) == sorted(after)


def test_a_worker_killed_from_outside_is_restarted_too(exact_artifacts):
    with Fleet(2, exact_artifacts, [0, 0]) as fleet:
        fleet.deploy(0, NEW, 2.0)
        victim = fleet.nodes[0].process.pid
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while fleet.nodes[0].restarts == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert fleet.wait_ready(0, 10) and fleet.nodes[0].restarts == 1
        assert fleet.nodes[0].process.pid != victim
        assert fleet.health(0, NEW, "health_check", 2.0) == "OK"
        assert fleet.nodes[1].restarts == 0


def test_after_a_worker_dies_wait_ready_waits_for_its_restart(exact_artifacts):
    with Fleet(1, exact_artifacts, [0]) as fleet:
        fleet.deploy(0, OLD, 2.0)
        for _ in range(5):  # the watcher may see a death first by chance; five times in a row it does not
            os.kill(fleet.nodes[0].process.pid, signal.SIGKILL)
            with pytest.raises(NodeDown):
                fleet.invoke(0, 1, 2.0)
            assert fleet.wait_ready(0, 10)
            assert fleet.invoke(0, 1, 2.0)[:2] == (OLD, 1)


def test_sigstop_makes_requests_time_out_and_resume_answers_again(exact_artifacts):
    with Fleet(2, exact_artifacts, [0, 0]) as fleet:
        for i in range(2):
            fleet.deploy(i, OLD, 2.0)
        fleet.stop(1)
        start = time.perf_counter()
        with pytest.raises(NodeDown, match="no answer within"):
            fleet.invoke(1, 5, 0.3)
        assert 0.3 <= time.perf_counter() - start < 2
        with pytest.raises(NodeDown):
            fleet.health(1, OLD, "health_check", 0.3)
        with pytest.raises(NodeDown):
            fleet.deploy(1, NEW, 0.3)
        assert fleet.nodes[1].module_id == OLD  # not confirmed: still the old one
        assert fleet.invoke(0, 5, 2.0)[:2] == (OLD, 5)  # the other node is unaffected
        time.sleep(0.1)
        assert fleet.nodes[1].restarts == 0 and alive(fleet.nodes[1].process.pid)  # stopped is not dead
        fleet.resume(1)
        # the late replies (to the 5-request batch, the health call, the deploy) are dropped
        assert fleet.invoke(1, 7, 2.0)[:2] in ((OLD, 7), (NEW, 7))
        assert fleet.health(1, NEW, "health_check", 2.0) in ("OK", f"not running {NEW}")
        assert fleet.deploy(1, NEW, 2.0)[:2] in (("ok", "swapped"), ("ok", "already running"))
        assert fleet.invoke(1, 6, 2.0)[:2] == (NEW, 6)


def test_after_a_timed_out_deploy_the_fleet_knows_what_the_node_serves(exact_artifacts):
    with Fleet(1, exact_artifacts, [0]) as fleet:
        fleet.deploy(0, OLD, 2.0)
        fleet.stop(0)
        with pytest.raises(NodeDown):
            fleet.deploy(0, NEW, 0.2)
        fleet.resume(0)
        fleet.health(0, OLD, "health_check", 2.0)  # control replies come in order: the late deploy is done
        assert fleet.invoke(0, 3, 2.0)[0] == fleet.nodes[0].module_id


def test_close_leaves_no_process_and_no_socket(exact_artifacts):
    fleet = Fleet(3, exact_artifacts, [0, 0, 0])
    with fleet:
        fleet.deploy(0, OLD, 2.0)
        started = pids(fleet)
        assert len(started) == 3 and all(alive(p) for p in started)
    assert not any(alive(p) for p in started)
    assert not Path(f"/proc/{started[0]}").exists()
    assert not fleet.folder.exists()
    fleet.close()  # a second close is harmless


def test_close_after_an_exception_inside_with_leaves_nothing(exact_artifacts):
    with pytest.raises(RuntimeError, match="boom"), Fleet(2, exact_artifacts, [0, 0]) as fleet:
        started = pids(fleet)
        raise RuntimeError("boom")
    assert started and not any(alive(p) for p in started)
    assert not fleet.folder.exists()


def test_close_kills_stopped_and_restarting_workers_too(exact_artifacts):
    with Fleet(3, exact_artifacts, [0, 0, 0]) as fleet:
        fleet.deploy(2, OLD, 2.0)
        fleet.stop(0)
        fleet.kill(1)  # closed while its restart may be under way
        fleet.kill(2)
        fleet.wait_ready(2, 10)
        started = pids(fleet)
    assert not any(alive(p) for p in started)
    assert not worker_processes()
    assert not fleet.folder.exists()


def test_a_worker_that_cannot_start_is_reported_and_cleaned_up(exact_artifacts, monkeypatch):
    monkeypatch.setattr("runtime.fleet.START_TIMEOUT", 5.0)
    monkeypatch.setattr("runtime.fleet.WORKER", "runtime.no_such_worker")  # python exits at once
    fleet = Fleet(2, exact_artifacts, [0, 0])
    with pytest.raises(RuntimeError, match="worker 0 exited at start"), fleet:
        pytest.fail("the fleet should not have started")
    assert not any(alive(p) for p in pids(fleet))
    assert not fleet.folder.exists()


def test_a_worker_exits_when_its_control_channel_closes(exact_artifacts):
    with Fleet(1, exact_artifacts, [0]) as fleet:
        process = fleet.nodes[0].process
        fleet.nodes[0].control.close()  # as if the fleet's process were gone
        assert process.wait(30) == 0  # it ends by itself: nothing killed it
