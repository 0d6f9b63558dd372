"""The fleet supervisor: starts, watches, restarts and stops worker processes.

Each worker gets two sockets of its own (socketpairs, inherited at spawn: no listening
socket, no secret in its environment) for control and data, spoken in the typed messages
of ``runtime.protocol``; every reply is checked, and a worker whose reply does not match
is killed as faulty (and restarted). The first request pins the catalogue: module id ->
artifact digest. A worker that dies is restarted on the last module it confirmed; one
dies with the fleet's process. Faults are injected on command: ``kill`` (SIGKILL),
``stop``/``resume`` (SIGSTOP/SIGCONT, an unreachable node), ``slow`` (extra time a
batch). ``close`` leaves no process or folder behind, whatever happened before.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from runtime import protocol
from runtime.catalog import Artifact
from runtime.rundir import RunFolder

START_TIMEOUT = 20.0
STOP_WAIT = 1.0  # wall seconds to wait for a SIGSTOP to take hold
WORKER = "runtime.worker"


class NodeDown(Exception):
    """A worker did not answer: dead (``lost``: the connection is gone), stopped, too
    slow, or faulty (its answer did not match the protocol: it is killed, so lost)."""

    def __init__(self, message: str, *, lost: bool = False) -> None:
        super().__init__(message)
        self.lost = lost


class Faulty(Exception):
    """A reply that does not match the protocol."""


@dataclass
class Channel:
    """One socket to a worker, with request numbers to drop late replies."""

    stream: protocol.Stream
    lock: threading.Lock = field(default_factory=threading.Lock)
    seq: int = 0

    def request(self, op: str, fields: dict[str, Any], timeout: float) -> dict[str, Any]:
        """The checked reply to a request; ``NodeDown`` when none came in time or the
        channel is gone, ``Faulty`` when the reply does not match the protocol."""
        with self.lock:
            self.seq += 1
            deadline = time.monotonic() + timeout
            try:
                self.stream.sock.settimeout(timeout)
                self.stream.send({"seq": self.seq, "deadline": deadline, "op": op, **fields})
                while True:
                    message = self.stream.receive(max(0.0, deadline - time.monotonic()))
                    if message is None:
                        raise NodeDown(f"no answer within {timeout:.3g} s")
                    seq = message.get("seq")
                    if not isinstance(seq, int) or not protocol.SEQ(seq) or seq > self.seq:
                        raise Faulty(f"reply to {op}: seq {seq!r} was never sent")
                    if seq == self.seq:
                        if "error" in message:
                            raise Faulty(f"{op} refused: {str(message['error'])[:200]}")
                        return protocol.reply(op, message)
            except protocol.ProtocolError as exc:
                raise Faulty(str(exc)) from None
            except (EOFError, OSError, ValueError) as exc:  # socket.timeout mid-send: the stream is cut
                raise NodeDown(f"connection lost: {exc}", lost=True) from None

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.stream.sock.shutdown(socket.SHUT_RDWR)  # wakes a thread waiting on it
        self.stream.sock.close()


@dataclass
class Node:
    index: int
    name: str
    process: subprocess.Popen[bytes] | None = None
    control: Channel | None = None
    data: Channel | None = None
    module_id: str | None = None  # last module the worker confirmed (a restart runs it again)
    node_key: int = 0
    stopped: bool = False
    restarts: int = 0
    ready: threading.Event = field(default_factory=threading.Event)


def wait_stopped(pid: int, timeout: float = STOP_WAIT) -> None:
    """Wait until every thread of ``pid`` has stopped: SIGSTOP takes effect only once
    each thread is scheduled, which on a loaded host can take tens of milliseconds
    (meanwhile a thread woken by a request could still answer it)."""
    deadline = time.monotonic() + timeout
    tasks = Path(f"/proc/{pid}/task")
    while time.monotonic() < deadline:
        try:
            states = [(t / "stat").read_text().rsplit(")", 1)[1].split()[0] for t in tasks.iterdir()]
        except OSError:
            return  # gone
        if all(state in "TtZX" for state in states):
            return
        time.sleep(0.001)


class Fleet:
    """``size`` workers for ``artifacts`` (all in one folder), in ``folder`` (a private
    run folder of its own when not given)."""

    def __init__(
        self, size: int, artifacts: dict[str, Artifact], node_keys: list[int], folder: Path | None = None
    ) -> None:
        if len(node_keys) != size:
            raise ValueError(f"{size} workers need {size} node keys, got {len(node_keys)}")
        folders = {str(Path(a.path).parent) for a in artifacts.values()}
        if len(folders) > 1:
            raise ValueError(f"artifacts must share one folder, not {sorted(folders)}")
        self.artifact_folder = folders.pop() if folders else ""
        self._run: RunFolder | None = None
        if folder is None:
            self._run = RunFolder("fleet")
            folder = self._run.path
        self.folder = folder if self._run is not None else folder / "fleet"
        self.folder.mkdir(mode=0o700, exist_ok=True)
        self.artifacts = artifacts
        self.pinned = {m: a.pinned() for m, a in artifacts.items()}
        self.nodes = [Node(i, str(self.folder / f"node-{i}"), node_key=node_keys[i]) for i in range(size)]
        self._closing = threading.Event()
        self._watch = threading.Thread(target=self._watch_loop, daemon=True)

    def __enter__(self) -> Fleet:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        for node in self.nodes:
            self._spawn(node)
        for node in self.nodes:
            self._hello(node)
            node.ready.set()
        self._watch.start()

    def _spawn(self, node: Node) -> None:
        """Start a worker with a control and a data socket that only this process holds."""
        node.ready.clear()
        ours, theirs = zip(*(socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(2)), strict=True)
        log = open(f"{node.name}.log", "ab")  # noqa: SIM115 (kept by the child)
        try:
            node.process = subprocess.Popen(
                [sys.executable, "-m", WORKER, str(os.getpid()), *(str(s.fileno()) for s in theirs), node.name],
                pass_fds=[s.fileno() for s in theirs],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,  # out of reach of a Ctrl-C meant for the fleet's process
                cwd=Path(__file__).parents[1],
            )
        finally:
            log.close()
            for s in theirs:
                s.close()
        node.control, node.data = (Channel(protocol.Stream(s)) for s in ours)

    def _hello(self, node: Node) -> None:
        """Pin the catalogue in a new worker; it answers once it is up."""
        assert node.control is not None
        fields = {"folder": self.artifact_folder, "node_key": node.node_key, "modules": self.pinned}
        try:
            node.control.request("hello", fields, START_TIMEOUT)
        except NodeDown as exc:
            if node.process is not None and exc.lost:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    node.process.wait(1)  # the channel closes a moment before the process is gone
            if node.process is not None and node.process.poll() is not None:
                raise RuntimeError(f"worker {node.index} exited at start: see {node.name}.log") from None
            raise RuntimeError(f"worker {node.index} did not start within {START_TIMEOUT:g} s: {exc}") from None
        except Faulty as exc:
            raise RuntimeError(f"worker {node.index} answered at start: {exc}") from None

    # --- requests ---------------------------------------------------------------------
    def deploy(self, index: int, module_id: str | None, timeout: float) -> tuple[str, str, float]:
        """Hot-swap a node to ``module_id``: ("ok" | "failed", detail, seconds)."""
        node = self.nodes[index]
        reply = self._request(node, "control", "deploy", {"module": module_id}, timeout)
        if reply["status"] == "ok":
            node.module_id = module_id
        return reply["status"], reply["detail"], reply["seconds"]

    def running(self, index: int, timeout: float) -> str | None:
        """The module the worker says it runs (what the fleet believes is set to it)."""
        node = self.nodes[index]
        module_id = self._known(node, self._request(node, "control", "running", {}, timeout)["module"])
        node.module_id = module_id
        return module_id

    def health(self, index: int, module_id: str, function: str, timeout: float) -> str:
        fields = {"module": module_id, "function": function}
        return str(self._request(self.nodes[index], "control", "health", fields, timeout)["answer"])

    def invoke(self, index: int, count: int, timeout: float) -> tuple[Any, ...]:
        """A batch of ``count`` requests: (module id, ok, crashed, hung, busy ms, memory MiB)."""
        node = self.nodes[index]
        reply = self._request(node, "data", "batch", {"count": count}, timeout)
        if reply["ok"] > count:
            self._faulty(node, f"{reply['ok']} of {count} requests succeeded")
        return (
            self._known(node, reply["module"]),
            *(reply[k] for k in ("ok", "crashed", "hung", "busy_ms", "memory_mb")),
        )

    def _known(self, node: Node, module_id: str | None) -> str | None:
        if module_id is not None and module_id not in self.artifacts:
            self._faulty(node, f"runs {module_id[:100]!r}, not in the catalogue")
        return module_id

    def _request(self, node: Node, which: str, op: str, fields: dict[str, Any], timeout: float) -> dict[str, Any]:
        if not node.ready.is_set():
            raise NodeDown("restarting", lost=True)  # dead and being restarted: worth waiting for
        channel = getattr(node, which)
        assert channel is not None
        try:
            reply: dict[str, Any] = channel.request(op, fields, timeout)
            return reply
        except Faulty as exc:
            self._faulty(node, str(exc))
        except NodeDown as exc:
            if exc.lost and getattr(node, which) is channel:
                node.ready.clear()  # dead: wait_ready now waits for the restart (not a restarted one's)
            raise

    def _faulty(self, node: Node, why: str) -> NoReturn:
        """A worker that broke the protocol is killed (the watcher restarts it)."""
        self.kill(node.index)
        raise NodeDown(f"worker {node.index} faulty: {why}", lost=True)

    def wait_ready(self, index: int, timeout: float) -> bool:
        """Wait for a node to be up (False after ``timeout`` or once the fleet closes)."""
        deadline = time.monotonic() + timeout
        ready = self.nodes[index].ready
        while not ready.wait(min(0.05, max(0.0, deadline - time.monotonic()))):
            if self._closing.is_set() or time.monotonic() >= deadline:
                return False
        return True

    # --- faults -------------------------------------------------------------------------
    def kill(self, index: int) -> None:
        node = self.nodes[index]
        if node.process is not None:
            node.ready.clear()
            node.process.send_signal(signal.SIGKILL)

    def stop(self, index: int) -> None:
        node = self.nodes[index]
        if node.process is not None and not node.stopped:
            node.stopped = True
            node.process.send_signal(signal.SIGSTOP)
            wait_stopped(node.process.pid)

    def resume(self, index: int) -> None:
        node = self.nodes[index]
        if node.process is not None and node.stopped:
            node.stopped = False
            node.process.send_signal(signal.SIGCONT)

    def slow(self, index: int, ms: float, timeout: float = 2.0) -> None:
        self._request(self.nodes[index], "control", "slow", {"ms": ms}, timeout)

    # --- restarts -----------------------------------------------------------------------
    def _watch_loop(self) -> None:
        while not self._closing.wait(0.02):
            for node in self.nodes:
                if node.process is not None and node.process.poll() is not None and not self._closing.is_set():
                    self._restart(node)

    def _restart(self, node: Node) -> None:
        """Start a dead worker again, on the last module it confirmed."""
        node.ready.clear()
        for channel in (node.control, node.data):
            if channel is not None:
                channel.close()
        node.stopped = False
        node.restarts += 1
        self._spawn(node)
        if self._closing.is_set():  # closed meanwhile: close may have missed this one
            node.process.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
            return
        try:
            self._hello(node)
            if node.module_id is not None:
                assert node.control is not None
                reply = node.control.request("deploy", {"module": node.module_id}, START_TIMEOUT)
                if reply["status"] != "ok":
                    raise RuntimeError(f"worker {node.index} could not load {node.module_id} again")
            node.ready.set()
        except (RuntimeError, NodeDown, Faulty, OSError):
            if node.process is not None:  # kill it, so that the watcher sees it dead and tries again
                node.process.send_signal(signal.SIGKILL)

    def close(self) -> None:
        """Stop every worker (stopped ones too) and remove the folder; safe to call more than once."""
        self._closing.set()
        for node in self.nodes:
            if node.process is not None and node.process.poll() is None:
                node.process.send_signal(signal.SIGKILL)
            for channel in (node.control, node.data):
                if channel is not None:
                    channel.close()
        if self._watch.is_alive():
            self._watch.join()
        for node in self.nodes:  # the watcher may have started one more before it saw the close
            if node.process is not None:
                with contextlib.suppress(ProcessLookupError):
                    node.process.send_signal(signal.SIGKILL)
                node.process.wait()
        if self._run is not None:
            self._run.close()
        else:
            shutil.rmtree(self.folder, ignore_errors=True)
