"""Measure the local real fleet: a timing profile the simulator's twin can use.

Timings in milliseconds as ``{median, p99}``, each a round trip from the supervisor as
the real driver counts it: a worker's first hot swap to a new module (load the
precompiled artifact, instantiate, switch: ``swapMs``), a switch back to the module a worker still holds
(``rollbackMs``, a rollback per node), a health call (``healthCheckMs``), a killed
worker's restart until it serves again (``workerRestartMs``), request latency per
module version (``latencyMs``); and ``requestsPerSecond``, the most the router sends
through ``nodes`` workers in a second of wall time and keeps up with.
"""

from __future__ import annotations

import signal
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from hotswap.scenario import Scenario
from runtime.catalog import build
from runtime.fleet import Fleet
from runtime.traffic import Traffic

RESTART_TIMEOUT = 10.0
FIRST_RATE = 500.0  # requests a wall second, fleet-wide
MAX_STEPS = 12
REFINED = 0.15  # stop when the bracket is within 15%
KEEPS_UP = 0.9


def spread(samples_ms: list[float]) -> dict[str, float]:
    a = np.asarray(samples_ms, dtype=float)
    return {"median": round(float(np.median(a)), 3), "p99": round(float(np.percentile(a, 99)), 3)}


def _timed(act: Callable[[], Any]) -> float:
    start = time.perf_counter()
    act()
    return (time.perf_counter() - start) * 1000


def measure(scenario: Scenario, nodes: int = 16, rounds: int = 5, seconds: float = 1.5) -> dict[str, Any]:
    """The profile of ``nodes`` local workers playing ``scenario``'s two modules."""
    old, new = scenario.previous, scenario.deployment.module_id
    swaps: list[float] = []
    backs: list[float] = []
    checks: list[float] = []
    restarts: list[float] = []
    with tempfile.TemporaryDirectory(prefix="hotswap-measure-") as folder:
        artifacts = build(scenario, Path(folder))
        with Fleet(nodes, artifacts, [999_999] * nodes) as fleet:
            for i in range(nodes):
                fleet.deploy(i, old, 5.0)
            for i in range(nodes):  # a worker's first swap to a module loads it; later ones switch
                swaps.append(_timed(partial(fleet.deploy, i, new, 5.0)))
            for _ in range(rounds):
                for i in range(nodes):
                    backs.append(_timed(partial(fleet.deploy, i, old, 5.0)))
                    checks.append(_timed(partial(fleet.health, i, old, "health_check", 5.0)))
                    fleet.deploy(i, new, 5.0)
            for i in range(nodes):
                fleet.deploy(i, old, 5.0)
            for i in range(min(nodes, rounds)):
                start = time.perf_counter()
                process = fleet.nodes[i].process
                assert process is not None
                process.send_signal(signal.SIGKILL)
                process.wait()
                while fleet.nodes[i].restarts == 0 or not fleet.wait_ready(i, 0.001):
                    if time.perf_counter() - start > RESTART_TIMEOUT:
                        break
                    time.sleep(0.001)
                restarts.append((time.perf_counter() - start) * 1000)
            latency, capacity = _traffic(fleet, old, new, seconds)
    return {
        "nodes": nodes,
        "swapMs": spread(swaps),
        "rollbackMs": spread(backs),
        "healthCheckMs": spread(checks),
        "workerRestartMs": spread(restarts),
        "latencyMs": latency,
        "requestsPerSecond": round(capacity, 1),
    }


def _traffic(fleet: Fleet, old: str, new: str, seconds: float) -> tuple[dict[str, dict[str, float]], float]:
    """Latency per module (half the workers each), and the highest request rate the
    router keeps up with (delivers at least ``KEEPS_UP`` of, in small paced batches as
    in a run): doubled from ``FIRST_RATE`` until it falls behind, then bisected."""
    size = len(fleet.nodes)
    for i in range(size // 2, size):
        fleet.deploy(i, new, 5.0)
    latency: dict[str, dict[str, float]] = {}
    best, low, high, offered = 0.0, 0.0, None, FIRST_RATE  # low kept up with, high not
    for _ in range(MAX_STEPS):
        delivered, tallies = _offer(fleet, offered, seconds)
        latency = latency or {m: spread(t.samples) for m, t in tallies.items() if t.samples}
        if delivered >= KEEPS_UP * offered:
            low, best = offered, max(best, delivered)
        else:
            high = offered
        if high is not None and high - low <= REFINED * high:
            break
        offered = offered * 2 if high is None else (low + high) / 2
    return latency, best


def _offer(fleet: Fleet, offered: float, seconds: float) -> tuple[float, dict[str, Any]]:
    """Requests a wall second the router delivered when sending ``offered``."""
    size = len(fleet.nodes)
    with Traffic(fleet, offered, seed=0) as traffic:
        traffic.route(np.full(size, 1 / size))
        time.sleep(0.1)  # lanes started
        traffic.take()
        start = time.perf_counter()
        time.sleep(seconds)
        tallies = traffic.take()
        took = time.perf_counter() - start
        traffic.route(np.zeros(size))
    return sum(t.requests for t in tallies.values()) / took, tallies
