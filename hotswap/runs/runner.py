"""Run a scenario on a backend: once, or as seeded replications (seed, seed+1, ...).

Backends are looked up by name and imported only when used, so the core never imports
SimPy or wasmtime. Replications on the simulator use a local process pool; each run
owns its seed, so the pool changes nothing in the results.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any

from hotswap.core.record import RunRecord
from hotswap.runs.backends import BACKENDS
from hotswap.scenario import Scenario

POOL_FROM = 8  # replications below this run in-process


def _attribute(name: str, attribute: str | None = None) -> Any:
    try:
        module, function = BACKENDS[name].split(":")
    except KeyError:
        raise ValueError(f"unknown backend {name!r}; one of {', '.join(BACKENDS)}") from None
    return getattr(importlib.import_module(module), attribute or function)


def backend(name: str) -> Callable[..., RunRecord]:
    """The function that runs a scenario once on the named backend."""
    return _attribute(name)  # type: ignore[no-any-return]


def prepare(scenario: Scenario, backend_name: str, options: dict[str, Any]) -> list[str]:
    """Refuse, before anything starts, input the backend cannot take (``ValueError``);
    the warnings of the run, one line each."""
    return list(_attribute(backend_name, "prepare")(scenario, **options) or [])


def progress_printer(backend_name: str) -> Callable[[dict[str, Any]], None]:
    """A backend's live display of timeline entries on the standard error."""
    return _attribute(backend_name, "progress_printer")()  # type: ignore[no-any-return]


def _one(job: tuple[Scenario, str, int, dict[str, Any]]) -> RunRecord:
    scenario, name, seed, options = job
    return backend(name)(scenario, seed, **options)


def replicate(
    scenario: Scenario,
    *,
    backend_name: str = "sim",
    seed: int,
    runs: int = 1,
    jobs: int | None = None,
    options: dict[str, Any] | None = None,
) -> list[RunRecord]:
    """Result records of ``runs`` replications, in seed order. ``options`` go to the
    backend (the real fleet's size, time scale, request rate, progress display)."""
    jobs_ = [(scenario, backend_name, seed + i, options or {}) for i in range(runs)]
    workers = min(jobs or os.cpu_count() or 1, runs)
    if backend_name != "sim" or runs < POOL_FROM or workers < 2:
        return [_one(job) for job in jobs_]  # the real fleet uses every core itself
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(_one, jobs_, chunksize=max(1, runs // (4 * workers))))


def measure(nodes: int) -> dict[str, Any]:
    """A timing profile of the local real fleet (``runtime.measure``), for the guide's
    two modules on ``nodes`` workers."""
    scenario = Scenario.model_validate(
        {
            "previousModuleId": "image-processor-v1.1.0",
            "deployment": {"moduleId": "image-processor-v1.2.0", "strategy": "Canary"},
        }
    )
    return importlib.import_module("runtime.measure").measure(scenario, nodes)  # type: ignore[no-any-return]
