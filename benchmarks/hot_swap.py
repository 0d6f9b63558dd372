"""Hot swaps on the real fleet, measured side by side in one run.

    python benchmarks/hot_swap.py

1. a hot swap per node (load + instantiate + health_check + atomic switch), p50/p99,
   against restarting the worker process with the new module;
2. rolling a 16-node fleet back after the decision (the previous instance is kept:
   a pointer switch on every node, in parallel);
3. invocations per second through the router, with the router's batch round trip
   p50/p99 (an upper bound on each request's end-to-end latency);
4. failed requests during 100 hot swaps of a healthy module under load.

Targets (2 cores): swap >= 50x faster than a restart and p50 <= 2 ms; 16-node rollback
<= 50 ms; >= 30,000 invocations/s with p99 <= 5 ms; 0 failed requests.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import wasmtime

from runtime import engine
from runtime.catalog import Artifact, artifact, source
from runtime.fleet import Fleet
from runtime.traffic import Traffic

NODES = 16
VERSIONS = {"image-processor-v1.1.0": "v1.1.0", "image-processor-v1.2.0": "v1.2.0", "image-processor-v1.2.1": "v1.2.0"}
HEALTHY = {"hc_fail_ppm": 0, "crash_ppm": 0, "error_ppm": 0}


def artifacts(folder: Path, work: int) -> dict[str, Artifact]:
    eng = engine.engine()
    return {
        m: artifact(eng, m, v, folder, {**HEALTHY, "work_permille": work}, module=wasmtime.Module(eng, source(v)))
        for m, v in VERSIONS.items()
    }


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def swap_times(arts: dict[str, Artifact]) -> list[float]:
    """Client-side milliseconds of full hot swaps (never to the kept previous instance)."""
    ids = list(arts)
    out = []
    with Fleet(NODES, arts, list(range(NODES))) as fleet:
        state = [(ids[0], None)] * NODES
        for i in range(NODES):
            fleet.deploy(i, ids[0], 5)
        for _ in range(15):
            for i in range(NODES):
                current, previous = state[i]
                target = next(m for m in ids if m not in (current, previous))
                start = time.perf_counter()
                status, how, _ = fleet.deploy(i, target, 5)
                out.append((time.perf_counter() - start) * 1000)
                assert status == "ok" and how == "swapped", (status, how)
                state[i] = (target, current)
    return out


def restart_times(arts: dict[str, Artifact]) -> list[float]:
    """Milliseconds to start a worker process and load the module into it."""
    out = []
    target = next(iter(arts))
    for _ in range(5):
        start = time.perf_counter()
        with Fleet(1, arts, [0]) as fleet:
            fleet.deploy(0, target, 10)
            out.append((time.perf_counter() - start) * 1000)
    return out


def rollback_times(arts: dict[str, Artifact]) -> list[float]:
    old, new = list(arts)[:2]
    out = []
    with Fleet(NODES, arts, list(range(NODES))) as fleet, ThreadPoolExecutor(NODES) as pool:
        for i in range(NODES):
            fleet.deploy(i, old, 5)
        for _ in range(20):
            list(pool.map(lambda i: fleet.deploy(i, new, 5), range(NODES)))
            start = time.perf_counter()
            done = list(pool.map(lambda i: fleet.deploy(i, old, 5), range(NODES)))
            out.append((time.perf_counter() - start) * 1000)
            assert all(d[0] == "ok" and d[1] == "switched back" for d in done)
    return out


def throughput(arts: dict[str, Artifact], rate: float, seconds: float) -> tuple[float, list[float], int]:
    """Requests served per second, batch round trips (ms) and failed requests."""
    target = next(iter(arts))
    with Fleet(NODES, arts, list(range(NODES))) as fleet:
        for i in range(NODES):
            fleet.deploy(i, target, 5)
        with Traffic(fleet, rate, batch_cap=512) as traffic:
            traffic.route(np.full(NODES, 1 / NODES))
            time.sleep(1.0)
            traffic.take()
            start = time.perf_counter()
            time.sleep(seconds)
            tallies = traffic.take()
            took = time.perf_counter() - start
    served = sum(t.requests for t in tallies.values())
    trips = [x for t in tallies.values() for x in t.round_trips_ms]
    return served / took, trips, sum(t.failed for t in tallies.values())


def swaps_under_load(arts: dict[str, Artifact], rate: float, swaps: int) -> tuple[int, int]:
    """Requests served and failed while ``swaps`` full hot swaps run under traffic."""
    ids = list(arts)
    with Fleet(NODES, arts, list(range(NODES))) as fleet:
        for i in range(NODES):
            fleet.deploy(i, ids[0], 5)
        state = [(ids[0], None)] * NODES
        with Traffic(fleet, rate) as traffic:
            traffic.route(np.full(NODES, 1 / NODES))
            time.sleep(0.5)
            traffic.take()
            for k in range(swaps):
                i = k % NODES
                current, previous = state[i]
                target = next(m for m in ids if m not in (current, previous))
                assert fleet.deploy(i, target, 5)[0] == "ok"
                state[i] = (target, current)
                time.sleep(0.01)
            time.sleep(0.2)
            tallies = traffic.take()
    return sum(t.requests for t in tallies.values()), sum(t.failed for t in tallies.values())


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = artifacts(Path(folder), engine.BASE_WORK)
        swaps = swap_times(base)
        restarts = restart_times(base)
        rollbacks = rollback_times(base)
        loaded, failed = swaps_under_load(base, 4000, 100)
        scenario_rate, scenario_trips, _ = throughput(base, 4000, 3.0)
    with tempfile.TemporaryDirectory() as folder:
        light = artifacts(Path(folder), 125)  # 2 KiB of image work a request
        rate, trips, light_failed = throughput(light, 40_000, 5.0)
    ratio = statistics.median(restarts) / statistics.median(swaps)
    print(f"hot swap        p50={pct(swaps, 50):.2f} ms  p99={pct(swaps, 99):.2f} ms  (n={len(swaps)})")
    print(f"restart         p50={statistics.median(restarts):.1f} ms  (n={len(restarts)})  swap_speedup={ratio:.0f}x")
    print(f"rollback x{NODES}    p50={pct(rollbacks, 50):.2f} ms  max={max(rollbacks):.2f} ms  (n={len(rollbacks)})")
    print(
        f"router light    {rate:,.0f} invocations/s  round trip p50={pct(trips, 50):.2f} ms "
        f"p99={pct(trips, 99):.2f} ms  failed={light_failed}  (2 KiB requests, target 40,000/s)"
    )
    print(
        f"router scenario {scenario_rate:,.0f} invocations/s  round trip p50={pct(scenario_trips, 50):.2f} ms "
        f"p99={pct(scenario_trips, 99):.2f} ms  (8 x 16 KiB requests, target 4,000/s)"
    )
    print(f"swaps under load  100 swaps, {loaded:,} requests, failed={failed}")
    print(
        f"swap_p50_ms={pct(swaps, 50):.2f} swap_speedup={ratio:.0f} rollback16_ms={pct(rollbacks, 50):.2f} "
        f"invocations_per_s={rate:.0f} router_p99_ms={pct(trips, 99):.2f} failed_during_swaps={failed}"
    )


if __name__ == "__main__":
    main()
