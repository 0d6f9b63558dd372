"""Run a scenario on a backend: once, or as seeded replications (seed, seed+1, ...).

Backends are looked up by name and imported only when used, so the core never imports
SimPy or wasmtime. Replications on the simulator run on the command's executor (the
local process pool, or Dask: ``executors``); each run owns its seed, so where it runs
changes nothing in the results.
"""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from hotswap.core.record import RunRecord
from hotswap.runs import executors
from hotswap.runs.backends import BACKENDS
from hotswap.scenario import Scenario


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


Job = tuple[Scenario, str, int, dict[str, Any], bool]  # scenario, backend, seed, options, keep timeline


def _one(job: Job) -> RunRecord:
    scenario, name, seed, options, timeline = job
    record = backend(name)(scenario, seed, **options)
    if not timeline:
        del record["timeline"]  # type: ignore[misc]
    return record


def stream(
    scenario: Scenario,
    *,
    backend_name: str = "sim",
    seed: int,
    runs: int = 1,
    jobs: int | None = None,
    options: dict[str, Any] | None = None,
    timeline: bool = True,
) -> Iterator[RunRecord]:
    """Result records of ``runs`` replications, in seed order, each as soon as it (and
    those before it) finished. ``options`` go to the backend (the real fleet's size,
    time scale, request rate, progress display); ``timeline=False`` leaves each record's
    timeline behind where the run ran (a sweep that only needs figures)."""
    items: list[Job] = [(scenario, backend_name, seed + i, options or {}, timeline) for i in range(runs)]
    if backend_name != "sim":
        return map(_one, items)  # the real fleet uses every core itself
    return executors.ordered(_one, items, jobs)


@dataclass(frozen=True)
class Task:
    """A cell of a sweep whose runs are not plain replications: ``fn((arg, seed))`` for
    ``runs`` seeds, run where the executor puts them (``fn`` a module-level function,
    so it travels by name). It returns only what its caller needs."""

    fn: Callable[[tuple[Any, int]], Any]
    arg: Any
    runs: int


def _call(item: tuple[Callable[[Any], Any], Any]) -> Any:
    fn, arg = item
    return fn(arg)


def sweep(
    cells: Sequence[tuple[Scenario, int] | Task], *, seed: int, jobs: int | None = None, timeline: bool = True
) -> Iterator[list[Any]]:
    """Replications of several scenarios on the simulator, ``(scenario, runs)`` each (or
    ``Task``s), as one sweep: every run of every cell goes to the executor at once, so
    small cells run in parallel too. Yields each cell's records (a task's results; seeds
    from ``seed``), cell by cell."""
    items: list[tuple[Callable[[Any], Any], Any]] = []
    for cell in cells:
        if isinstance(cell, Task):
            items += [(cell.fn, (cell.arg, seed + i)) for i in range(cell.runs)]
        else:
            scenario, runs = cell
            items += [(_one, (scenario, "sim", seed + i, {}, timeline)) for i in range(runs)]
    done = executors.ordered(_call, items, jobs)
    for cell in cells:
        yield list(itertools.islice(done, cell.runs if isinstance(cell, Task) else cell[1]))


def replicate(scenario: Scenario, **arguments: Any) -> list[RunRecord]:
    """``stream``'s records (the same arguments), as a list."""
    return list(stream(scenario, **arguments))


def measure(nodes: int, scenario: Scenario | None = None) -> dict[str, Any]:
    """A timing profile of the local real fleet (``runtime.measure``), for the two
    modules of ``scenario`` (default: the guide's) on ``nodes`` workers."""
    scenario = scenario or Scenario.model_validate(
        {
            "previousModuleId": "image-processor-v1.1.0",
            "deployment": {"moduleId": "image-processor-v1.2.0", "strategy": "Canary"},
        }
    )
    return importlib.import_module("runtime.measure").measure(scenario, nodes)  # type: ignore[no-any-return]
