"""One edge node: a process hosting wasmtime that hot-swaps modules under live traffic.

Run as ``python -m runtime.worker PARENT CONTROL_FD DATA_FD NAME`` by the fleet, which
hands it two sockets of a socketpair each (no listening socket, no secret): *control*
(hello, deploy, health, running, slow) and *data* (invocation batches), each served by
its own thread with the typed messages of ``runtime.protocol``. The first control
request pins the catalogue: module id -> artifact digest. The worker dies with its
parent (parent-death signal) and exits when the control channel closes.

A hot swap loads the artifact (named by, and checked against, its pinned sha256),
instantiates it in the sandbox of ``runtime.engine``, sets its fault knobs and switches
atomically (a module that fails its health check is loaded, and the strategy's health
check finds it, as in the simulator); a batch in flight finishes
on the instance it started on. The previous instance is kept, so going back to it is a
pointer switch. A trap while serving is a crash: the instance is started afresh.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import math
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import wasmtime

from runtime import engine, protocol

IMAGE = bytes(range(256)) * (engine.IMAGE_BYTES // 256)
IMAGE_AT = 1024
STATUS_AT = 256
PR_SET_PDEATHSIG = 1
HELLO_WAIT = 60.0  # seconds a new worker waits for its catalogue
MAX_ANSWER = 256  # bytes of a health answer at the most


class SwapError(Exception):
    """The new module could not be brought up; the node keeps what it runs."""


class Slot:
    """One instantiated module version, used by one thread at a time."""

    def __init__(
        self, module_id: str, module: wasmtime.Module, knobs: dict[str, int], eng: wasmtime.Engine, fuel: int
    ) -> None:
        self.module_id, self.module, self.knobs, self.eng, self.fuel = module_id, module, knobs, eng, fuel
        self.lock = threading.Lock()
        self.crashes = 0
        self._start()

    def _start(self) -> None:
        self.store = engine.store(self.eng)
        try:
            instance = wasmtime.Instance(self.store, self.module, [])
        except (wasmtime.WasmtimeError, wasmtime.Trap) as exc:
            raise SwapError(f"cannot instantiate: {str(exc).splitlines()[0]}") from None
        self.exports = instance.exports(self.store)
        for name, value in self.knobs.items():
            knob = self.exports.get(name)
            if isinstance(knob, wasmtime.Global) and is_knob(knob.type(self.store)):
                knob.set_value(self.store, value)
        memory, batch, done = (self.exports.get(n) for n in ("memory", "process_batch", "done"))
        if not isinstance(memory, wasmtime.Memory) or not isinstance(batch, wasmtime.Func):
            raise SwapError("missing export: memory and process_batch are required")
        if signature(batch.type(self.store)) != BATCH_SIGNATURE:
            raise SwapError("process_batch must take (i32, i32, i32) and return i32")
        if memory.data_len(self.store) < IMAGE_AT + engine.IMAGE_BYTES:
            raise SwapError(f"memory smaller than {IMAGE_AT + engine.IMAGE_BYTES} bytes")
        self.memory, self.batch = memory, batch
        self.done = done if isinstance(done, wasmtime.Global) else None
        memory.write(self.store, IMAGE, IMAGE_AT)

    def ask(self, function: str) -> str:
        """Call a health function; its answer, or why it gave none (a trap, a timeout, or
        an answer that is not a (pointer, length) pair inside the module's memory)."""
        with self.lock:
            call = self.exports.get(function)
            if not isinstance(call, wasmtime.Func):
                return f"missing export {function}"
            self.store.set_fuel(engine.FUEL)
            self.store.set_epoch_deadline(engine.ticks(engine.CALL_SECONDS))
            try:
                result = call(self.store)
            except wasmtime.Trap as trap:
                return "timeout" if engine.interrupted(trap) else f"trap {trap.trap_code}"
            except wasmtime.WasmtimeError as exc:
                return f"error {str(exc).splitlines()[0]}"
            if not isinstance(result, list) or len(result) != 2 or not all(isinstance(v, int) for v in result):
                return "no (pointer, length) answer"
            start, length = (v & 0xFFFFFFFF for v in result)  # i32 values come back signed
            if length > MAX_ANSWER or start + length > self.memory.data_len(self.store):
                return f"answer ({start}, {length}) outside memory"
            return bytes(self.memory.read(self.store, start, start + length)).decode(errors="replace")

    def invoke_fueled(self, count: int, first: int = 0) -> int:
        """Run ``count`` requests on the fuel already in the store; how many failed, as the
        module says (unchecked)."""
        return int(self.batch(self.store, count, engine.IMAGE_BYTES, first & 0x7FFFFFFF))

    def _finished(self, count: int) -> int:
        """Requests that succeeded before a trap: those the module counts as done (when
        that count is believable) whose status byte says done."""
        done = self.done.value(self.store) if self.done is not None else 0
        if not isinstance(done, int) or not 0 <= done <= count or STATUS_AT + done > self.memory.data_len(self.store):
            return 0
        return bytes(self.memory.read(self.store, STATUS_AT, STATUS_AT + done)).count(0)

    def invoke(self, count: int, first: int) -> tuple[int, int, int, float, float]:
        """Run ``count`` requests in one call: how many succeeded, whether the instance
        crashed (a trap, or an answer that cannot be true) or hung (out of fuel or time)
        on the way, the batch's service time in ms and memory in MiB. Requests after a
        crash or hang in the batch fail; a batch whose answer cannot be true fails whole.

        Service time is this thread's CPU time, as if the node had a core of its own:
        on a shared host, wall time would measure the host's scheduling, not the module."""
        crashed = hung = 0
        with self.lock:
            self.store.set_fuel(self.fuel * count)
            self.store.set_epoch_deadline(engine.ticks(engine.BATCH_SECONDS))
            start = time.thread_time()
            try:
                failed = self.invoke_fueled(count, first)
                if not isinstance(failed, int) or not 0 <= failed <= count:
                    raise ValueError(failed)  # a lie: the instance cannot be trusted any more
                ok = count - failed
            except wasmtime.Trap as trap:
                ok = self._finished(count)
                if engine.interrupted(trap):
                    hung = 1
                else:
                    crashed = 1
            except (ValueError, wasmtime.WasmtimeError):
                ok, crashed = 0, 1
            busy_ms = (time.thread_time() - start) * 1000
            memory_mb = self.memory.data_len(self.store) / 2**20  # before a restart: what it crashed at
            if crashed:
                self.crashes += 1
                self._restart()
        return ok, crashed, hung, busy_ms, memory_mb

    def _restart(self) -> None:
        """Start the crashed instance afresh; if it cannot start again, keep the crashed
        one (its calls keep failing: a module fault, never the worker's)."""
        with contextlib.suppress(SwapError):
            self._start()


def is_knob(kind: wasmtime.GlobalType) -> bool:
    """A global the worker may set: a mutable i32."""
    return kind.mutable and str(kind.content) == "i32"


def signature(kind: wasmtime.FuncType) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(str(t) for t in kind.params), tuple(str(t) for t in kind.results)


BATCH_SIGNATURE = (("i32", "i32", "i32"), ("i32",))


class Batch(NamedTuple):
    """What a node answers for a batch of requests."""

    module: str | None
    ok: int
    crashed: int
    hung: int
    busy_ms: float
    memory_mb: float


IDLE = Batch(None, 0, 0, 0, 0.0, 0.0)


class Worker:
    """One node's modules: the catalogue pinned by the fleet (module id -> sha256, kind,
    knobs, fuel; artifacts named by their digest in ``folder``), the current and the
    previous instance, and batches served."""

    def __init__(self, folder: Path, pinned: dict[str, dict[str, Any]], node_key: int = 0) -> None:
        self.eng = engine.engine()
        self.folder, self.pinned, self.node_key = folder, pinned, node_key
        self.modules: dict[str, wasmtime.Module] = {}
        self.current: Slot | None = None
        self.previous: Slot | None = None
        self.requests = 0
        self.slow_ms = 0.0

    def _load(self, pin: dict[str, Any]) -> wasmtime.Module:
        """The module of a pinned artifact, read from its file and checked against its digest."""
        digest = pin["sha256"]
        if digest not in self.modules:
            try:
                data = (self.folder / f"{digest}.{pin['kind']}").read_bytes()
            except OSError as exc:
                raise SwapError(f"cannot read the artifact: {exc.strerror}") from None
            if hashlib.sha256(data).hexdigest() != digest:
                raise SwapError("artifact sha256 mismatch")
            try:
                if pin["kind"] == "cwasm":
                    self.modules[digest] = wasmtime.Module.deserialize(self.eng, data)
                else:
                    self.modules[digest] = wasmtime.Module(self.eng, data)
            except wasmtime.WasmtimeError as exc:
                raise SwapError(f"invalid module: {str(exc).splitlines()[0]}") from None
        return self.modules[digest]

    def running(self) -> str | None:
        return self.current.module_id if self.current is not None else None

    def deploy(self, module_id: str | None, deadline: float = math.inf) -> str:
        """Switch to ``module_id`` (None unloads); how it was done. A swap whose deadline
        (``time.monotonic``) has passed by the time the new instance is ready is cancelled:
        its sender has given up and counts it as not done."""
        if self.running() == module_id:
            return "already running"
        if module_id is None:
            self.previous, self.current = self.current, None
            return "unloaded"
        if self.previous is not None and self.previous.module_id == module_id:
            self.previous, self.current = self.current, self.previous
            return "switched back"
        pin = self.pinned.get(module_id)
        if pin is None:
            raise SwapError(f"{module_id} is not in the catalogue")
        slot = Slot(module_id, self._load(pin), {**pin["knobs"], "node_key": self.node_key}, self.eng, pin["fuel"])
        if not isinstance(slot.exports.get("health_check"), wasmtime.Func):
            raise SwapError("missing export health_check")  # not a module for this fleet
        # whether it is healthy is for the strategy's health check to find, as in the simulator
        if time.monotonic() > deadline:
            raise SwapError("cancelled: the deadline passed")
        self.previous, self.current = self.current, slot
        return "swapped"

    def control(self, op: str, fields: dict[str, Any], deadline: float = math.inf) -> dict[str, Any]:
        """Carry out a control request (checked by the protocol); its reply's fields."""
        if op == "deploy":
            start = time.perf_counter()
            try:
                status, detail = "ok", self.deploy(fields["module"], deadline)
            except SwapError as exc:
                status, detail = "failed", str(exc)[: protocol.MAX_TEXT]
            return {"status": status, "detail": detail, "seconds": time.perf_counter() - start}
        if op == "health":
            slot = self.current
            if slot is None or slot.module_id != fields["module"]:
                return {"answer": f"not running {fields['module']}"[: protocol.MAX_TEXT]}
            return {"answer": slot.ask(fields["function"])[: protocol.MAX_TEXT]}
        if op == "running":
            return {"module": self.running()}
        if op == "slow":
            self.slow_ms = float(fields["ms"])
            return {}
        raise protocol.ProtocolError(f"{op} is not a control request")

    def data(self, count: int) -> Batch:
        slot = self.current
        if slot is None:
            return IDLE
        first, self.requests = self.requests, self.requests + count
        ok, crashed, hung, busy_ms, memory_mb = slot.invoke(count, first)
        if self.slow_ms:  # a slow node: each request takes slow_ms longer
            time.sleep(self.slow_ms * count / 1000)
            busy_ms += self.slow_ms * count
        return Batch(slot.module_id, ok, crashed, hung, busy_ms, memory_mb)


def serve(stream: protocol.Stream, handle: Callable[[str, dict[str, Any], float], dict[str, Any]]) -> None:
    """Answer requests until the peer goes. A request read after its deadline is dropped
    unanswered: its sender has given up, and a stopped worker must not carry out, on
    resuming, a deploy the fleet counted as not done. A request that does not match the
    protocol is answered with an error; a frame that cannot be read ends the channel."""
    while True:
        seq = 0
        try:
            message = stream.receive()
            assert message is not None
            seq = message["seq"] if protocol.SEQ(message.get("seq")) else 0
            seq, deadline, op, fields = protocol.request(message)
            if time.monotonic() > deadline:
                continue
            answer = handle(op, fields, deadline)
        except (EOFError, OSError, protocol.Unframed):
            return
        except protocol.ProtocolError as exc:
            answer = {"error": str(exc)[: protocol.MAX_TEXT]}
        try:
            stream.send({"seq": seq, **answer})
        except OSError:
            return


def die_with(parent: int) -> None:
    """Be killed (SIGKILL, which also ends a stopped process) when the parent dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # it died before the signal was armed
        os._exit(1)


def main(parent: int, control_fd: int, data_fd: int) -> None:
    """Serve the fleet over two inherited sockets (control, then data): only the process
    that made them can talk to this worker. The first control request pins the catalogue."""
    die_with(parent)
    control = protocol.Stream(socket.socket(fileno=control_fd))
    data = protocol.Stream(socket.socket(fileno=data_fd))
    hello = control.receive(HELLO_WAIT)
    if hello is None:
        return
    seq, _, op, fields = protocol.request(hello)
    if op != "hello":
        raise protocol.ProtocolError(f"expected hello, got {op}")
    worker = Worker(Path(fields["folder"]), fields["modules"], fields["node_key"])
    ticker = engine.Ticker(worker.eng)
    control.send({"seq": seq, "pid": os.getpid()})

    def batch(op: str, fields: dict[str, Any], _: float) -> dict[str, Any]:
        if op != "batch":
            raise protocol.ProtocolError(f"{op} is not a data request")
        return worker.data(fields["count"])._asdict()

    threading.Thread(target=serve, args=(data, batch), daemon=True).start()
    serve(control, worker.control)  # until the fleet closes the channel or goes
    ticker.stop()


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:4]))  # the 4th argument names the node for people
