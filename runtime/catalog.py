"""Which WebAssembly module plays each module id on the real fleet, and its artifact.

A module id's *variant* comes from its profile (``variant``), else ``v1.1.0`` for the
previous module and ``v1.2.0`` for the new one. Its fault *knobs* come from the same
profile's rates, so ``healthCheckFailureRate: 0.3`` makes about 30% of the workers'
health checks fail, and a latency median above the previous module's slows it down.

Variants: ``v1.1.0``, ``v1.2.0`` (healthy unless knobs say otherwise),
``infinite-loop`` (every call runs out of fuel), ``memory-bomb`` (memory grows until the
limit, then calls trap), ``missing-export`` (no ``health_check``), ``invalid-bytes``
(not WebAssembly). Artifacts are precompiled once per run (``Module.serialize``) and
checked by sha256 where workers load them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import wasmtime

from hotswap.scenario import Scenario
from hotswap.scenario.fleet import ModuleProfile
from runtime import engine

MODULES = Path(__file__).parent / "modules"
KERNELS = {"v1.1.0": "kernel-v1.1.0.wat", "v1.2.0": "kernel-v1.2.0.wat",
           "infinite-loop": "kernel-infinite-loop.wat", "memory-bomb": "kernel-memory-bomb.wat"}
WHOLE = {"missing-export": "missing-export.wat", "invalid-bytes": "invalid-bytes.wasm"}
VARIANTS = tuple(KERNELS) + tuple(WHOLE)


@dataclass(frozen=True)
class Artifact:
    """A module as workers load it: precompiled (``cwasm``) or raw bytes (``wasm``)."""

    module_id: str
    variant: str
    path: str
    sha256: str
    kind: str
    knobs: dict[str, int]


def source(variant: str) -> bytes:
    """The module text (or bytes) of a variant."""
    if variant in KERNELS:
        body = (MODULES / "common.wat").read_text() + (MODULES / KERNELS[variant]).read_text()
        return f"(module\n{body})\n".encode()
    if variant in WHOLE:
        return (MODULES / WHOLE[variant]).read_bytes()
    raise ValueError(f"unknown module variant {variant!r}; one of {', '.join(VARIANTS)}")


def knobs(profile: ModuleProfile, baseline: ModuleProfile) -> dict[str, int]:
    """The module's fault knobs from its profile (rates in parts per million)."""
    slow = max(1, round(profile.latency_ms.median / baseline.latency_ms.median))
    return {"hc_fail_ppm": round(profile.health_check_failure_rate * 1e6),
            "crash_ppm": round(profile.crash_rate * 1e6),
            "error_ppm": round(profile.error_rate * 1e6),
            "slow_factor": slow}


def build(scenario: Scenario, folder: Path) -> dict[str, Artifact]:
    """Compile the previous and the new module into ``folder``; artifacts by module id."""
    eng = engine.engine()
    previous = scenario.profile(scenario.previous)
    out = {}
    for module_id, default in ((scenario.previous, "v1.1.0"), (scenario.deployment.module_id, "v1.2.0")):
        profile = scenario.profile(module_id)
        variant = profile.variant or default
        raw = source(variant)
        try:
            data, kind = wasmtime.Module(eng, raw).serialize(), "cwasm"
        except wasmtime.WasmtimeError:
            data, kind = raw, "wasm"  # invalid on purpose: each worker's load will fail
        path = folder / f"{module_id}.{kind}"
        path.write_bytes(data)
        out[module_id] = Artifact(module_id, variant, str(path), hashlib.sha256(data).hexdigest(), kind,
                                  knobs(profile, previous))
    return out
