"""Soak: many full hot swaps on the real fleet under live traffic.

    python benchmarks/soak.py [SWAPS]      (default 20,000)

A fleet of ``NODES`` workers serves ``RATE`` requests a second of healthy modules while
every node is swapped, again and again, to a module that is neither its current nor its
previous one (so each swap loads, instantiates and health-checks: never a pointer
switch). Prints the failed requests (must be 0), worker restarts (must be 0) and the
workers' resident memory at the start, middle and end (must stay flat).
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from hot_swap import artifacts

from runtime import engine
from runtime.fleet import Fleet
from runtime.traffic import Traffic

NODES = 8
RATE = 2000.0


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def soak(swaps: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        arts = artifacts(Path(folder), engine.BASE_WORK)
        ids = list(arts)
        with Fleet(NODES, arts, list(range(NODES))) as fleet:
            for i in range(NODES):
                assert fleet.deploy(i, ids[0], 10)[0] == "ok"
            memory: dict[str, list[float]] = {}
            done, lock, refused = [0], threading.Lock(), [0]

            def sample(label: str) -> None:
                memory[label] = [rss_mib(n.process.pid) for n in fleet.nodes if n.process is not None]

            def churn(index: int) -> None:
                current, previous = ids[0], None
                while True:
                    with lock:
                        if done[0] >= swaps:
                            return
                        done[0] += 1
                        if done[0] == swaps // 2:
                            sample("middle")
                    target = next(m for m in ids if m not in (current, previous))
                    status, how, _ = fleet.deploy(index, target, 10)
                    if status != "ok" or how != "swapped":
                        refused[0] += 1
                        continue
                    current, previous = target, current

            with Traffic(fleet, RATE) as traffic:
                traffic.route(np.full(NODES, 1 / NODES))
                time.sleep(1.0)
                traffic.take()
                sample("start")
                start = time.perf_counter()
                with ThreadPoolExecutor(NODES) as pool:
                    list(pool.map(churn, range(NODES)))
                took = time.perf_counter() - start
                time.sleep(0.5)  # the last batches come back
                sample("end")
                tallies = traffic.take()
            restarts = sum(n.restarts for n in fleet.nodes)
    requests = sum(t.requests for t in tallies.values())
    failed = sum(t.failed for t in tallies.values())
    print(
        f"soak  {swaps:,} full hot swaps on {NODES} workers in {took:.0f} s ({swaps / took:.0f}/s), "
        f"under {RATE:.0f} requests/s"
    )
    print(f"      {requests:,} requests, failed={failed}, swaps refused={refused[0]}, worker restarts={restarts}")
    for label in ("start", "middle", "end"):
        values = memory.get(label, [])
        print(f"      worker RSS {label:6} mean={np.mean(values):.1f} MiB max={max(values):.1f} MiB")
    growth = np.mean(memory["end"]) - np.mean(memory["start"])
    print(
        f"soak_swaps={swaps} failed_requests={failed} rss_start_mib={np.mean(memory['start']):.1f} "
        f"rss_end_mib={np.mean(memory['end']):.1f} rss_growth_mib={growth:.1f}"
    )


if __name__ == "__main__":
    soak(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
