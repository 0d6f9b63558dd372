"""Which WebAssembly module plays each module id on the real fleet, and its artifact.

A module id's *variant* comes from its profile (``variant``), else ``v1.1.0`` for the
previous module and ``v1.2.0`` (fixed point instead of floats: about a third faster)
for the new one. Its fault *knobs* come from the same profile's rates, so
``healthCheckFailureRate: 0.3`` makes about 30% of the workers' health checks fail; a
stated ``latencyMs`` sets how much work a request does, calibrated against the modules'
measured speed, so the profiles' latency ratio holds on the real fleet.

A module id whose profile names a ``wasm`` file is played by that file instead (a user's
own module); it must compile and export ``memory``, ``health_check`` and
``process_batch``, or the scenario is refused as bad input.

Variants: ``v1.1.0``, ``v1.2.0`` (healthy unless knobs say otherwise),
``infinite-loop`` (every call runs out of fuel), ``memory-bomb`` (memory grows until the
limit, then calls trap), ``missing-export`` (no ``health_check``), ``invalid-bytes``
(not WebAssembly). Artifacts are precompiled once per run (``Module.serialize``) into
the run's private folder, named by their sha256; the fleet pins each digest in every
worker when it starts, and the worker checks the bytes it loads against it.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

import wasmtime

from hotswap.scenario import Scenario
from hotswap.scenario.fleet import ModuleProfile, Variant
from runtime import engine

MODULES = Path(__file__).parent / "modules"
KERNELS = {
    "v1.1.0": "kernel-v1.1.0.wat",
    "v1.2.0": "kernel-v1.2.0.wat",
    "infinite-loop": "kernel-infinite-loop.wat",
    "memory-bomb": "kernel-memory-bomb.wat",
}
WHOLE = {"missing-export": "missing-export.wat", "invalid-bytes": "invalid-bytes.wasm"}
UNPLAYABLE = tuple(WHOLE)  # variants no worker can run
MAX_WORK = 12 * engine.BASE_WORK
CALIBRATION_REQUESTS = 20
FUEL_MARGIN = 4
VARIANTS = get_args(Variant)
assert set(VARIANTS) == set(KERNELS) | set(WHOLE)


@dataclass(frozen=True)
class Artifact:
    """A module as workers load it: precompiled (``cwasm``) or raw bytes (``wasm``)."""

    module_id: str
    variant: str
    path: str
    sha256: str
    kind: str
    knobs: dict[str, int]
    fuel: int  # per request: a margin over what one takes, so a loop is stopped early

    def pinned(self) -> dict[str, object]:
        """What a worker is told of it at start: the digest its bytes must have (its file
        in the artifact folder is named by it), its kind, knobs and fuel."""
        return {"sha256": self.sha256, "kind": self.kind, "knobs": self.knobs, "fuel": self.fuel}


class ModuleFileError(ValueError):
    """A module file of the user's that cannot play on the real fleet."""

    def __init__(self, module_id: str, message: str) -> None:
        super().__init__(f"modules.{module_id}.wasm: {message}")


REQUIRED = {"memory": wasmtime.MemoryType, "health_check": wasmtime.FuncType, "process_batch": wasmtime.FuncType}


def own_module(eng: wasmtime.Engine, module_id: str, path: str) -> wasmtime.Module:
    """Compile a user's module file (WAT or binary) and check it exports what a worker
    calls: ``memory``, ``health_check`` and ``process_batch``."""
    try:
        module = wasmtime.Module(eng, Path(path).read_bytes())
    except wasmtime.WasmtimeError as exc:
        raise ModuleFileError(module_id, f"not valid WebAssembly: {str(exc).splitlines()[0]}") from None
    exports = {e.name: e.type for e in module.exports}
    for name, kind in REQUIRED.items():
        if not isinstance(exports.get(name), kind):
            raise ModuleFileError(
                module_id,
                f"exports no {name} (a module for the real fleet exports memory, "
                "health_check and process_batch: see docs/scenario.md)",
            )
    return module


def check_files(scenario: Scenario) -> None:
    """Refuse, as bad input, a module file of the scenario's that cannot play, and a
    previous module that cannot run (the fleet must run it before the deployment)."""
    eng = engine.engine()
    for module_id, profile in scenario.modules.items():
        if profile.wasm is not None:
            own_module(eng, module_id, profile.wasm)
    variant = scenario.profile(scenario.previous).variant
    if variant in UNPLAYABLE:
        raise ValueError(
            f"modules.{scenario.previous}.variant: the previous module must run on the fleet; {variant} cannot"
        )


def source(variant: str) -> bytes:
    """The module text (or bytes) of a variant."""
    if variant in KERNELS:
        body = (MODULES / "common.wat").read_text() + (MODULES / KERNELS[variant]).read_text()
        return f"(module\n{body})\n".encode()
    if variant in WHOLE:
        return (MODULES / WHOLE[variant]).read_bytes()
    raise ValueError(f"unknown module variant {variant!r}; one of {', '.join(VARIANTS)}")


def knobs(profile: ModuleProfile, work_permille: int) -> dict[str, int]:
    """The module's fault knobs: its profile's rates in parts per million, and its work."""
    return {
        "hc_fail_ppm": round(profile.health_check_failure_rate * 1e6),
        "crash_ppm": round(profile.crash_rate * 1e6),
        "error_ppm": round(profile.error_rate * 1e6),
        "work_permille": work_permille,
    }


def measure(eng: wasmtime.Engine, module: wasmtime.Module, work_permille: int) -> tuple[float, int] | None:
    """Seconds (best of a few batches, in this thread's CPU time, as workers measure
    latency: a loaded host does not skew the ratio) and fuel one request takes at
    ``work_permille``; None for a module that cannot serve."""
    from runtime.worker import Slot, SwapError  # the worker's own way of running a module

    try:
        slot = Slot("calibration", module, {"work_permille": work_permille}, eng, engine.FUEL * 4)
    except SwapError:
        return None
    ok, crashed, hung, _, _ = slot.invoke(1, 0)  # one request first: a module that hangs costs one budget
    if crashed or hung or not ok:
        return None
    best = math.inf
    for _ in range(5):
        start = time.thread_time()
        ok, crashed, hung, _, _ = slot.invoke(CALIBRATION_REQUESTS, 0)
        if crashed or hung or not ok:
            return None
        best = min(best, (time.thread_time() - start) / CALIBRATION_REQUESTS)
    slot.store.set_fuel(engine.FUEL * 4)
    slot.invoke_fueled(1)
    return best, engine.FUEL * 4 - slot.store.get_fuel()


def work(scenario: Scenario, costs: dict[str, float | None]) -> dict[str, int]:
    """Work per request (permille of one image) for each module id.

    When the scenario states a module's ``latencyMs``, real latencies keep the ratio of
    the profiles' medians: each module's work is its median over its measured cost,
    relative to the module with the least. Otherwise each does the base work and its
    own speed shows."""
    stated = any("latency_ms" in scenario.profile(m).model_fields_set for m in costs)
    if not stated or any(c is None for c in costs.values()):
        return {m: engine.BASE_WORK for m in costs}
    per_cost = {m: scenario.profile(m).latency_ms.median / c for m, c in costs.items() if c}
    least = min(per_cost.values())
    return {m: min(MAX_WORK, round(engine.BASE_WORK * v / least)) for m, v in per_cost.items()}


def build(scenario: Scenario, folder: Path) -> dict[str, Artifact]:
    """Compile the previous and the new module into ``folder``; artifacts by module id."""
    eng = engine.engine()
    variants, modules, costs = {}, {}, {}
    for module_id, default in ((scenario.previous, "v1.1.0"), (scenario.deployment.module_id, "v1.2.0")):
        profile = scenario.profile(module_id)
        if profile.wasm is not None:
            variants[module_id] = f"file {Path(profile.wasm).name}"
            modules[module_id] = own_module(eng, module_id, profile.wasm)
        else:
            variants[module_id] = profile.variant or default
            try:
                modules[module_id] = wasmtime.Module(eng, source(variants[module_id]))
            except wasmtime.WasmtimeError:
                continue  # invalid on purpose: each worker's load will fail
        measured = measure(eng, modules[module_id], engine.BASE_WORK)
        costs[module_id] = measured[0] if measured else None
    works = work(scenario, {m: costs.get(m) for m in variants})
    return {
        m: artifact(
            eng,
            m,
            v,
            folder,
            knobs(scenario.profile(m), works[m]),
            module=modules.get(m),
            measured=costs.get(m) is not None,
        )
        for m, v in variants.items()
    }


def artifact(
    eng: wasmtime.Engine,
    module_id: str,
    variant: str,
    folder: Path,
    knobs: dict[str, int],
    *,
    module: wasmtime.Module | None,
    measured: bool = True,
) -> Artifact:
    """Write one module's artifact (precompiled when it compiles) with its fuel budget:
    a margin over what one request takes at its work, when that can be measured."""
    data, kind = (module.serialize(), "cwasm") if module is not None else (source(variant), "wasm")
    digest = hashlib.sha256(data).hexdigest()
    path = folder / f"{digest}.{kind}"  # named by its digest, never by the module id
    path.write_bytes(data)
    need = measure(eng, module, knobs["work_permille"]) if module is not None and measured else None
    return Artifact(
        module_id,
        variant,
        str(path),
        digest,
        kind,
        knobs,
        fuel=FUEL_MARGIN * need[1] if need else engine.FUEL,
    )
