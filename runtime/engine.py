"""The one wasmtime configuration of the whole fleet, and the sandbox of every store.

Precompiled artifacts can only be loaded by an engine with the same wasmtime version and
the same ``Config`` flags, so the catalogue (which compiles) and the workers (which load)
both build their engine here. Every store is bounded three ways: limits on what it may
allocate (linear memory, table elements, instances, tables, memories), fuel (work, the
same on every machine) and an epoch deadline (wall time, for what fuel does not count).
A ``Ticker`` advances the engine's epoch; without one, only fuel stops a call.
"""

from __future__ import annotations

import threading

import wasmtime

IMAGE_BYTES = 16384  # one request's image: 64x64 RGBA
BASE_WORK = 8000  # permille: a request processes its image eight times (compute-bound work)
FUEL = 10_000_000  # fuel for a call whose need was not measured (health checks, broken modules)
MEMORY_LIMIT = 8 * 1024 * 1024  # bytes of linear memory per instance
TABLE_ELEMENTS = 10_000  # elements over all tables of an instance (8 bytes each on the host)
TABLES = 4  # tables an instance may create
EPOCH_TICK = 0.05  # wall seconds between two epochs
CALL_SECONDS = 2.0  # wall seconds one call (instantiation, health check) may run at the most
BATCH_SECONDS = 5.0  # wall seconds one batch may run at the most (the router waits no longer)


def engine() -> wasmtime.Engine:
    config = wasmtime.Config()
    config.consume_fuel = True
    config.epoch_interruption = True
    return wasmtime.Engine(config)


def ticks(seconds: float) -> int:
    """Epochs in ``seconds`` of wall time (at least one)."""
    return max(1, round(seconds / EPOCH_TICK))


def store(engine: wasmtime.Engine) -> wasmtime.Store:
    """A store with the fleet's limits; no WASI, so no filesystem or network. One
    instance with one memory; table growth beyond the limit fails as memory growth does."""
    s = wasmtime.Store(engine)
    s.set_limits(memory_size=MEMORY_LIMIT, table_elements=TABLE_ELEMENTS, instances=1, tables=TABLES, memories=1)
    s.set_fuel(FUEL)
    s.set_epoch_deadline(ticks(CALL_SECONDS))
    return s


def interrupted(trap: wasmtime.Trap) -> bool:
    """The call was stopped for running too long (out of fuel or past its epoch deadline)."""
    return trap.trap_code in (wasmtime.TrapCode.OUT_OF_FUEL, wasmtime.TrapCode.INTERRUPT)


class Ticker:
    """A daemon thread that advances ``engine``'s epoch every ``EPOCH_TICK`` seconds."""

    def __init__(self, engine: wasmtime.Engine) -> None:
        self._engine, self._stop = engine, threading.Event()
        self._thread = threading.Thread(target=self._run, name="epoch-ticker", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(EPOCH_TICK):
            self._engine.increment_epoch()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
