"""The catalogue: module sources per variant, fault knobs from profiles, work calibration,
and the artifacts ``build`` writes for the workers."""

from __future__ import annotations

import hashlib
import resource
import subprocess
import sys
from pathlib import Path

import pytest
import wasmtime

import runtime
from hotswap.scenario import load
from hotswap.scenario.fleet import ModuleProfile
from hotswap.scenario.model import Scenario
from runtime import catalog, engine
from runtime.catalog import MAX_WORK, VARIANTS, build, knobs, source, work
from runtime.worker import SwapError, Worker
from tests.runtime.conftest import NEW, OLD, SCENARIOS

EXPORTS = {
    "memory",
    "process_batch",
    "health_check",
    "done",
    "node_key",
    "hc_fail_ppm",
    "crash_ppm",
    "error_ppm",
    "work_permille",
}


def scenario(modules: dict | None = None, **deployment) -> Scenario:
    return Scenario.model_validate(
        {
            "previousModuleId": OLD,
            "modules": modules or {},
            "fleet": {"regions": [{"name": "a", "nodes": 4}]},
            "deployment": {"moduleId": NEW, "strategy": "Canary", **deployment},
        }
    )


# --- sources ----------------------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_variant_compiles_except_invalid_bytes(variant):
    eng = engine.engine()
    if variant == "invalid-bytes":
        with pytest.raises(wasmtime.WasmtimeError):
            wasmtime.Module(eng, source(variant))
        return
    names = {e.name for e in wasmtime.Module(eng, source(variant)).exports}
    if variant == "missing-export":
        assert "health_check" not in names and {"memory", "process_batch"} <= names
    else:
        assert names == EXPORTS


def test_unknown_variant_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown module variant 'v9'"):
        source("v9")


# --- knobs and work -----------------------------------------------------------------------


def test_knobs_are_the_profile_rates_in_parts_per_million():
    profile = ModuleProfile.model_validate({"healthCheckFailureRate": 0.3, "crashRate": 0.05, "errorRate": 0.12})
    assert knobs(profile, 1234) == {
        "hc_fail_ppm": 300_000,
        "crash_ppm": 50_000,
        "error_ppm": 120_000,
        "work_permille": 1234,
    }
    assert knobs(ModuleProfile(), 8000) == {"hc_fail_ppm": 0, "crash_ppm": 0, "error_ppm": 1000, "work_permille": 8000}


def test_stated_latency_gives_the_slower_profile_more_work():
    s = scenario({OLD: {"latencyMs": {"median": 25, "p99": 100}}, NEW: {"latencyMs": {"median": 15, "p99": 60}}})
    works = work(s, {OLD: 1.0, NEW: 1.0})  # equally fast modules
    assert works[NEW] == engine.BASE_WORK
    assert works[OLD] == round(engine.BASE_WORK * 25 / 15)


def test_stated_latency_keeps_the_profiles_ratio_whatever_the_modules_speed():
    s = scenario({OLD: {"latencyMs": {"median": 25, "p99": 100}}, NEW: {"latencyMs": {"median": 15, "p99": 60}}})
    costs = {OLD: 3e-5, NEW: 1e-5}  # seconds per base request: the new module is 3x faster
    works = work(s, costs)
    latency = {m: works[m] * costs[m] for m in costs}
    assert latency[NEW] / latency[OLD] == pytest.approx(15 / 25, rel=1e-3)
    assert min(works.values()) == engine.BASE_WORK


def test_unstated_latency_or_unmeasured_module_gets_the_base_work():
    assert work(scenario(), {OLD: 3e-5, NEW: 1e-5}) == {OLD: engine.BASE_WORK, NEW: engine.BASE_WORK}
    stated = scenario({NEW: {"latencyMs": {"median": 100, "p99": 200}}})
    assert work(stated, {OLD: 1e-5, NEW: None}) == {OLD: engine.BASE_WORK, NEW: engine.BASE_WORK}


def test_work_is_capped():
    s = scenario({NEW: {"latencyMs": {"median": 10_000, "p99": 20_000}}})
    assert work(s, {OLD: 1.0, NEW: 1.0})[NEW] == MAX_WORK


# --- build --------------------------------------------------------------------------------


def test_build_writes_precompiled_artifacts_whose_sha256_matches(tmp_path):
    artifacts = build(load(SCENARIOS / "canary.yaml"), tmp_path)
    assert set(artifacts) == {OLD, NEW}
    assert (artifacts[OLD].variant, artifacts[NEW].variant) == ("v1.1.0", "v1.2.0")
    for module_id, a in artifacts.items():
        data = Path(a.path).read_bytes()
        assert Path(a.path).parent == tmp_path and a.module_id == module_id and a.kind == "cwasm"
        assert hashlib.sha256(data).hexdigest() == a.sha256
        assert a.fuel > 0 and a.knobs["error_ppm"] == 1000
        assert engine.BASE_WORK <= a.knobs["work_permille"] <= catalog.MAX_WORK
        wasmtime.Module.deserialize(engine.engine(), data)  # loadable by another engine of the fleet's config
    # calibrated: the module with the least stated latency per measured cost keeps the base work
    assert min(a.knobs["work_permille"] for a in artifacts.values()) == engine.BASE_WORK


def test_build_fuel_bounds_a_request_with_a_margin(tmp_path):
    a = build(load(SCENARIOS / "canary.yaml"), tmp_path)[NEW]
    w = Worker(tmp_path, {NEW: a.pinned()})
    assert w.deploy(NEW) == "swapped"
    module_id, ok, crashed, hung, _, _ = w.data(50)
    assert (module_id, crashed, hung) == (NEW, 0, 0) and ok >= 45
    slot = w.current
    slot.store.set_fuel(a.fuel)
    slot.invoke_fueled(1, 0)  # one request fits in its fuel (else wasmtime.Trap) ...
    need = a.fuel - slot.store.get_fuel()
    assert catalog.FUEL_MARGIN * need == pytest.approx(a.fuel, rel=0.05)  # ... with the margin over its need


def test_stated_slower_new_module_gets_more_work(tmp_path):
    s = scenario({OLD: {"latencyMs": {"median": 10, "p99": 40}}, NEW: {"latencyMs": {"median": 40, "p99": 160}}})
    artifacts = build(s, tmp_path)
    assert artifacts[OLD].knobs["work_permille"] == engine.BASE_WORK
    assert artifacts[NEW].knobs["work_permille"] > 2 * engine.BASE_WORK


def test_build_carries_the_profile_rates_as_knobs(tmp_path):
    artifacts = build(load(SCENARIOS / "canary-bad-module.yaml"), tmp_path)
    assert {k: v for k, v in artifacts[NEW].knobs.items() if k != "work_permille"} == {
        "hc_fail_ppm": 300_000,
        "crash_ppm": 0,
        "error_ppm": 120_000,
    }
    assert artifacts[OLD].knobs["hc_fail_ppm"] == 0


def test_build_keeps_invalid_bytes_raw_so_each_worker_refuses_them(tmp_path):
    a = build(scenario({NEW: {"variant": "invalid-bytes"}}), tmp_path)[NEW]
    data = Path(a.path).read_bytes()
    assert (a.kind, a.variant, data) == ("wasm", "invalid-bytes", source("invalid-bytes"))
    assert hashlib.sha256(data).hexdigest() == a.sha256 and a.fuel == engine.FUEL
    with pytest.raises(SwapError, match="invalid module"):
        Worker(tmp_path, {NEW: a.pinned()}).deploy(NEW)


@pytest.mark.parametrize("variant", ["memory-bomb", "missing-export"])
def test_build_compiles_faulty_variants_that_workers_then_refuse_or_crash_on(tmp_path, variant):
    a = build(scenario({NEW: {"variant": variant}}), tmp_path)[NEW]
    assert (a.kind, a.variant) == ("cwasm", variant)
    if variant == "memory-bomb":
        assert a.fuel == engine.FUEL  # it crashes while measured: the fuel of an unmeasured call
    else:
        with pytest.raises(SwapError, match="missing export health_check"):
            Worker(tmp_path, {NEW: a.pinned()}).deploy(NEW)


def test_build_of_an_infinite_loop_module_takes_seconds_at_most(tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text(
        (SCENARIOS / "canary.yaml")
        .read_text()
        .replace("    latencyMs: {median: 15, p99: 60}", "    variant: infinite-loop")
    )
    assert load(path).profile(NEW).variant == "infinite-loop"
    code = (
        "import sys, pathlib; from hotswap.scenario import load; from runtime.catalog import build; "
        "build(load(sys.argv[1]), pathlib.Path(sys.argv[2]))"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        subprocess.run(
            [sys.executable, "-c", code, str(path), str(tmp_path)],
            check=True,
            timeout=120,  # a hang; the bound below is on CPU time, which a loaded machine does not inflate
            cwd=Path(runtime.__file__).parents[1],
            capture_output=True,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("building an infinite-loop scenario did not end")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    assert cpu < 4, f"building an infinite-loop scenario took {cpu:.1f} s of CPU"
