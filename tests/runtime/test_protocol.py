"""The control plane: typed messages checked field by field, workers reachable only
through the sockets they inherited, a worker that breaks the protocol faulted (killed and
restarted, never the fleet's crash), a request that breaks it refused without harm."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import wasmtime

from runtime import engine, protocol
from runtime.catalog import artifact, source
from runtime.fleet import Fleet, NodeDown
from tests.runtime.conftest import OLD
from tests.runtime.lying_worker import LIES


def test_a_frame_is_a_length_and_json_and_refuses_nan_and_non_objects():
    data = protocol.frame({"seq": 1, "op": "running", "deadline": 2.5})
    assert int.from_bytes(data[:4], "big") == len(data) - 4
    assert json.loads(data[4:]) == {"seq": 1, "op": "running", "deadline": 2.5}
    with pytest.raises(ValueError):
        protocol.frame({"x": float("nan")})
    for payload in (b"NaN", b'{"x": Infinity}', b"[1]", b"\xff", b"[" * 100_000):
        with pytest.raises(protocol.ProtocolError):
            protocol.decode(payload)


@pytest.mark.parametrize(
    ("message", "says"),
    [
        ({"seq": 1, "deadline": 1, "op": "reboot"}, "known op"),
        ({"seq": -1, "deadline": 1, "op": "running"}, "known op"),
        ({"seq": 1, "deadline": 1, "op": "batch"}, "count: missing"),
        ({"seq": 1, "deadline": 1, "op": "batch", "count": True}, "count: invalid"),
        ({"seq": 1, "deadline": 1, "op": "batch", "count": 10**9}, "count: invalid"),
        ({"seq": 1, "deadline": 1, "op": "running", "path": "/etc/passwd"}, "path: unexpected"),
        ({"seq": 1, "deadline": 1, "op": "slow", "ms": -1}, "ms: invalid"),
        ({"seq": 1, "deadline": 1, "op": "hello", "folder": "/x", "node_key": 0, "modules": {"m": {}}}, "modules"),
    ],
)
def test_a_request_that_does_not_match_its_schema_is_refused(message, says):
    with pytest.raises(protocol.ProtocolError, match=says):
        protocol.request(message)


def test_a_reply_is_checked_against_the_schema_of_its_request():
    good = {"seq": 3, "module": None, "ok": 2, "crashed": 0, "hung": 0, "busy_ms": 1.5, "memory_mb": 0.1}
    assert protocol.reply("batch", good)["ok"] == 2
    for bad in ({**good, "ok": -1}, {**good, "hung": 2}, {**good, "busy_ms": "fast"}, {**good, "extra": 1}):
        with pytest.raises(protocol.ProtocolError):
            protocol.reply("batch", bad)


def test_a_stream_keeps_a_frame_cut_by_a_timeout_for_the_next_read():
    ours, theirs = socket.socketpair()
    stream = protocol.Stream(ours)
    data = protocol.frame({"seq": 7})
    theirs.sendall(data[:5])
    assert stream.receive(0.05) is None
    theirs.sendall(data[5:])
    assert stream.receive(1.0) == {"seq": 7}
    theirs.sendall((protocol.MAX_FRAME + 1).to_bytes(4, "big"))
    with pytest.raises(protocol.ProtocolError, match="more than"):
        stream.receive(1.0)
    theirs.close()
    with pytest.raises(EOFError):
        protocol.Stream(ours).receive(1.0)


def test_workers_listen_nowhere_and_hold_no_secret(exact_artifacts):
    with Fleet(2, exact_artifacts, [0, 0]) as fleet:
        assert fleet.deploy(0, OLD, 5.0)[0] == "ok"
        assert not [p for p in fleet.folder.iterdir() if p.is_socket()]
        for node in fleet.nodes:
            assert node.process is not None
            environ = Path(f"/proc/{node.process.pid}/environ").read_bytes()
            assert b"HOTSWAP_FLEET_KEY" not in environ  # nothing of the fleet in its environment
        assert str(fleet.folder) not in Path("/proc/net/unix").read_text()  # no socket bound in the folder


def test_a_request_that_breaks_the_protocol_is_refused_and_the_worker_serves_on(exact_artifacts):
    with Fleet(1, exact_artifacts, [0]) as fleet:
        assert fleet.deploy(0, OLD, 5.0)[0] == "ok"
        channel = fleet.nodes[0].control
        with channel.lock:  # raw frames, as a confused or hostile sender would write them
            channel.stream.send({"seq": 10**6, "deadline": 10**12, "op": "deploy", "module": OLD, "path": "/etc"})
            answer = channel.stream.receive(5.0)
            channel.stream.sock.sendall(b"\x00\x00\x00\x03NaN")
            garbage = channel.stream.receive(5.0)
            channel.seq = 10**6
        assert answer == {"seq": 10**6, "error": "deploy: path: unexpected"}
        assert garbage == {"seq": 0, "error": "NaN is not a number here"}
        assert fleet.invoke(0, 3, 5.0)[:2] == (OLD, 3)
        assert fleet.running(0, 5.0) == OLD and fleet.nodes[0].restarts == 0


@pytest.mark.parametrize("node", range(len(LIES)))
def test_a_worker_whose_reply_breaks_the_protocol_is_faulted_and_restarted(exact_artifacts, monkeypatch, node):
    monkeypatch.setattr("runtime.fleet.WORKER", "tests.runtime.lying_worker")
    with Fleet(node + 1, exact_artifacts, [0] * (node + 1)) as fleet:
        assert fleet.deploy(node, OLD, 5.0)[0] == "ok"
        pid = fleet.nodes[node].process.pid
        with pytest.raises(NodeDown, match="faulty") as caught:
            fleet.invoke(node, 3, 5.0)
        assert caught.value.lost
        deadline = 100
        while fleet.nodes[node].process.pid == pid and deadline:  # killed, then restarted by the watcher
            fleet.wait_ready(node, 0.1)
            deadline -= 1
        assert fleet.nodes[node].restarts >= 1


def test_artifact_files_are_named_by_their_digest_never_by_the_module_id(tmp_path):
    folder = tmp_path / "artifacts"
    folder.mkdir()
    eng = engine.engine()
    module = wasmtime.Module(eng, source("v1.2.0"))
    a = artifact(eng, "../../escape", "v1.2.0", folder, {"work_permille": 1000}, module=module)
    assert [p.name for p in folder.iterdir()] == [f"{a.sha256}.cwasm"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["artifacts"]
