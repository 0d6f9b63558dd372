"""One edge node: a process hosting wasmtime that hot-swaps modules under live traffic.

Run as ``python -m runtime.worker SOCKET`` with the fleet's key (hex) in
``HOTSWAP_FLEET_KEY``. It listens on a Unix socket (authenticated
``multiprocessing.connection``) and accepts two connections: *control* first (deploy,
health, slow), then *data* (invocation batches), each served by its own thread.

A hot swap loads the artifact (sha256 checked), instantiates it, sets its fault knobs
and switches atomically (a module that fails its health check is loaded, and the
strategy's health check finds it, as in the simulator); a batch in flight finishes
on the instance it started on. The previous instance is kept, so going back to it is a
pointer switch. A trap while serving is a crash: the instance is started afresh.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import threading
import time
from multiprocessing.connection import Connection, Listener
from pathlib import Path
from typing import Any

import wasmtime

from runtime import engine

IMAGE = bytes(range(256)) * (engine.IMAGE_BYTES // 256)
IMAGE_AT = 1024
STATUS_AT = 256
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


class Worker:
    def __init__(self) -> None:
        self.eng = engine.engine()
        self.modules: dict[str, wasmtime.Module] = {}
        self.current: Slot | None = None
        self.previous: Slot | None = None
        self.requests = 0
        self.slow_ms = 0.0

    def _load(self, artifact: dict[str, Any]) -> wasmtime.Module:
        digest = artifact["sha256"]
        if digest not in self.modules:
            data = Path(artifact["path"]).read_bytes()
            if hashlib.sha256(data).hexdigest() != digest:
                raise SwapError("artifact sha256 mismatch")
            try:
                if artifact["kind"] == "cwasm":
                    self.modules[digest] = wasmtime.Module.deserialize(self.eng, data)
                else:
                    self.modules[digest] = wasmtime.Module(self.eng, data)
            except wasmtime.WasmtimeError as exc:
                raise SwapError(f"invalid module: {str(exc).splitlines()[0]}") from None
        return self.modules[digest]

    def deploy(self, module_id: str | None, artifact: dict[str, Any] | None, node_key: int) -> str:
        """Switch to ``module_id`` (None unloads); how it was done."""
        if (self.current.module_id if self.current is not None else None) == module_id:
            return "already running"
        if module_id is None:
            self.previous, self.current = self.current, None
            return "unloaded"
        if self.previous is not None and self.previous.module_id == module_id:
            self.previous, self.current = self.current, self.previous
            return "switched back"
        assert artifact is not None
        slot = Slot(
            module_id, self._load(artifact), {**artifact["knobs"], "node_key": node_key}, self.eng, artifact["fuel"]
        )
        if not isinstance(slot.exports.get("health_check"), wasmtime.Func):
            raise SwapError("missing export health_check")  # not a module for this fleet
        # whether it is healthy is for the strategy's health check to find, as in the simulator
        self.previous, self.current = self.current, slot
        return "swapped"

    def control(self, message: tuple[Any, ...]) -> Any:
        command, *args = message
        if command == "deploy":
            start = time.perf_counter()
            try:
                how = self.deploy(*args)
            except SwapError as exc:
                return ("failed", str(exc), time.perf_counter() - start)
            return ("ok", how, time.perf_counter() - start)
        if command == "health":
            module_id, function = args
            slot = self.current
            if slot is None or slot.module_id != module_id:
                return ("answer", f"not running {module_id}")
            return ("answer", slot.ask(function))
        if command == "slow":
            self.slow_ms = float(args[0])
            return ("ok",)
        if command == "ping":
            return ("pong", os.getpid())
        return ("error", f"unknown command {command!r}")

    def data(self, count: int) -> tuple[Any, ...]:
        slot = self.current
        if slot is None:
            return (None, 0, 0, 0, 0.0, 0.0)
        first, self.requests = self.requests, self.requests + count
        module_id, (ok, crashed, hung, busy_ms, memory_mb) = slot.module_id, slot.invoke(count, first)
        if self.slow_ms:  # a slow node: each request takes slow_ms longer
            time.sleep(self.slow_ms * count / 1000)
            busy_ms += self.slow_ms * count
        return (module_id, ok, crashed, hung, busy_ms, memory_mb)


def serve(conn: Connection, handle: Any) -> None:
    """Answer ``(seq, deadline, *message)`` requests with ``(seq, *reply)`` until the peer
    goes. A request read after its deadline (``time.monotonic``, shared by the processes of
    one machine) is dropped unanswered: its sender has given up, and a stopped worker
    must not carry out, on resuming, a deploy the fleet counted as not done."""
    try:
        while True:
            seq, deadline, *message = conn.recv()
            if time.monotonic() <= deadline:
                conn.send((seq, *handle(*message)))
    except (EOFError, OSError):
        pass


def main(socket_path: str) -> None:
    key = bytes.fromhex(os.environ["HOTSWAP_FLEET_KEY"])
    worker = Worker()
    with Listener(socket_path, family="AF_UNIX", authkey=key) as listener:
        control = listener.accept()
        data = listener.accept()
    threading.Thread(target=serve, args=(data, worker.data), daemon=True).start()
    serve(control, lambda *m: worker.control(m))


if __name__ == "__main__":
    main(sys.argv[1])
