"""The fleet supervisor: starts, watches, restarts and stops worker processes.

Each worker listens on a Unix socket in a private (0700) folder; the supervisor holds a
control and a data connection to each. A worker that dies is restarted on the last
module it confirmed. Faults are injected on command: ``kill`` (SIGKILL), ``stop``/``resume``
(SIGSTOP/SIGCONT, an unreachable node), ``slow`` (extra time a batch). ``close`` leaves
no process or socket behind, whatever happened before.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Client, Connection
from pathlib import Path
from typing import Any

from runtime.catalog import Artifact

START_TIMEOUT = 20.0
STOP_WAIT = 1.0  # wall seconds to wait for a SIGSTOP to take hold


class NodeDown(Exception):
    """A worker did not answer: dead (``lost``: the connection is gone), stopped, or too slow."""

    def __init__(self, message: str, *, lost: bool = False) -> None:
        super().__init__(message)
        self.lost = lost


@dataclass
class Channel:
    """One connection to a worker, with request numbers to drop late replies."""

    conn: Connection
    lock: threading.Lock = field(default_factory=threading.Lock)
    seq: int = 0

    def request(self, message: tuple[Any, ...], timeout: float) -> tuple[Any, ...]:
        with self.lock:
            self.seq += 1
            deadline = time.monotonic() + timeout
            try:
                self.conn.send((self.seq, *message))
                while True:
                    left = deadline - time.monotonic()
                    if left <= 0 or not self.conn.poll(left):
                        raise NodeDown(f"no answer within {timeout:.3g} s")
                    seq, *reply = self.conn.recv()
                    if seq == self.seq:
                        return tuple(reply)
            except (EOFError, OSError, ValueError) as exc:
                raise NodeDown(f"connection lost: {exc}", lost=True) from None


@dataclass
class Node:
    index: int
    socket: Path
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
    def __init__(self, size: int, artifacts: dict[str, Artifact], node_keys: list[int]) -> None:
        if len(node_keys) != size:
            raise ValueError(f"{size} workers need {size} node keys, got {len(node_keys)}")
        self.folder = Path(tempfile.mkdtemp(prefix="hotswap-fleet-"))
        os.chmod(self.folder, 0o700)
        self.key = secrets.token_bytes(32)
        self.artifacts = artifacts
        self.nodes = [Node(i, self.folder / f"node-{i}.sock", node_key=node_keys[i]) for i in range(size)]
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
            self._connect(node)
            node.ready.set()
        self._watch.start()

    def _spawn(self, node: Node) -> None:
        node.ready.clear()
        node.socket.unlink(missing_ok=True)
        env = {**os.environ, "HOTSWAP_FLEET_KEY": self.key.hex()}
        log = open(self.folder / f"node-{node.index}.log", "ab")  # noqa: SIM115 (kept by the child)
        node.process = subprocess.Popen(
            [sys.executable, "-m", "runtime.worker", str(node.socket)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            cwd=Path(__file__).parents[1],
        )
        log.close()

    def _connect(self, node: Node) -> None:
        """Open the control, then the data connection, once the worker listens."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if node.process is not None and node.process.poll() is not None:
                raise RuntimeError(f"worker {node.index} exited at start: see {self.folder}/node-{node.index}.log")
            if time.monotonic() > deadline:
                raise RuntimeError(f"worker {node.index} did not start within {START_TIMEOUT:g} s")
            try:
                control = Client(str(node.socket), family="AF_UNIX", authkey=self.key)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                time.sleep(0.01)  # not bound or not listening yet
        node.control = Channel(control)
        node.data = Channel(Client(str(node.socket), family="AF_UNIX", authkey=self.key))

    # --- requests ---------------------------------------------------------------------
    def deploy(self, index: int, module_id: str | None, timeout: float) -> tuple[str, str, float]:
        """Hot-swap a node to ``module_id``: ("ok" | "failed", detail, seconds)."""
        node = self.nodes[index]
        artifact = self.artifacts[module_id].__dict__ if module_id is not None else None
        status, detail, seconds = self._request(
            node, "control", ("deploy", module_id, artifact, node.node_key), timeout
        )
        if status == "ok":
            node.module_id = module_id
        return status, detail, seconds

    def health(self, index: int, module_id: str, function: str, timeout: float) -> str:
        return str(self._request(self.nodes[index], "control", ("health", module_id, function), timeout)[1])

    def invoke(self, index: int, count: int, timeout: float) -> tuple[Any, ...]:
        return self._request(self.nodes[index], "data", (count,), timeout)

    def _request(self, node: Node, which: str, message: tuple[Any, ...], timeout: float) -> tuple[Any, ...]:
        if not node.ready.is_set():
            raise NodeDown("restarting", lost=True)  # dead and being restarted: worth waiting for
        channel = getattr(node, which)
        assert channel is not None
        try:
            return tuple(channel.request((time.monotonic() + timeout, *message), timeout))
        except NodeDown as exc:
            if exc.lost and getattr(node, which) is channel:
                node.ready.clear()  # dead: wait_ready now waits for the restart (not a restarted one's)
            raise

    def wait_ready(self, index: int, timeout: float) -> bool:
        return self.nodes[index].ready.wait(timeout)

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
        self._request(self.nodes[index], "control", ("slow", ms), timeout)

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
                channel.conn.close()
        node.stopped = False
        node.restarts += 1
        self._spawn(node)
        try:
            self._connect(node)
            if node.module_id is not None:
                assert node.control is not None
                status, *_ = node.control.request(
                    (
                        time.monotonic() + START_TIMEOUT,
                        "deploy",
                        node.module_id,
                        self.artifacts[node.module_id].__dict__,
                        node.node_key,
                    ),
                    START_TIMEOUT,
                )
                if status != "ok":
                    raise RuntimeError(f"worker {node.index} could not load {node.module_id} again")
            node.ready.set()
        except (RuntimeError, NodeDown, OSError):
            if node.process is not None:  # kill it, so that the watcher sees it dead and tries again
                node.process.send_signal(signal.SIGKILL)

    def close(self) -> None:
        """Stop every worker and remove the sockets; safe to call more than once."""
        self._closing.set()
        if self._watch.is_alive():
            self._watch.join()
        for node in self.nodes:
            for channel in (node.control, node.data):
                if channel is not None:
                    channel.conn.close()
            if node.process is not None and node.process.poll() is None:
                node.process.send_signal(signal.SIGKILL)
        for node in self.nodes:
            if node.process is not None:
                node.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
