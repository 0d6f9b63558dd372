"""The one wasmtime configuration of the whole fleet.

Precompiled artifacts can only be loaded by an engine with the same wasmtime version and
the same ``Config`` flags, so the catalogue (which compiles) and the workers (which load)
both build their engine here. Fuel bounds every call; a memory limit bounds every store.
"""

from __future__ import annotations

import wasmtime

IMAGE_BYTES = 16384  # one request's image: 64x64 RGBA
BASE_WORK = 8000  # permille: a request processes its image eight times (compute-bound work)
FUEL = 10_000_000  # fuel for a call whose need was not measured (health checks, broken modules)
MEMORY_LIMIT = 8 * 1024 * 1024  # bytes of linear memory per instance


def engine() -> wasmtime.Engine:
    config = wasmtime.Config()
    config.consume_fuel = True
    return wasmtime.Engine(config)


def store(engine: wasmtime.Engine) -> wasmtime.Store:
    """A store with the fleet's limits; no WASI, so no filesystem or network."""
    s = wasmtime.Store(engine)
    s.set_limits(memory_size=MEMORY_LIMIT)
    s.set_fuel(FUEL)
    return s
