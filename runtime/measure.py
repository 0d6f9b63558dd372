"""Measure the local real fleet: a timing profile the simulator's twin can use.

Timings in milliseconds as ``{median, p99}``, as the real driver meets them in a run:
its own deploys and health checks, with the router sending ``requestsPerSecond``
through every worker and a wait before each. On one host the calls of a batch take
turns, so a batch of ``k`` takes about ``batchMs + k * call``: ``batchMs`` is what a
batch costs besides its calls, and each timing is one call's share: a worker's first hot
swap to a new module (load the precompiled artifact, instantiate, switch: ``swapMs``,
timed on ``FIRST_LOADS`` fresh fleets: a worker loads a module for the first time once),
a switch back to the module a worker still holds (``rollbackMs``, a rollback per node), a
health call (``healthCheckMs``). The router's traffic slows these calls (its lanes and
the driver share a process and the cores), so they are timed twice: with the router at
``requestsPerSecond`` (the top-level timings) and sending nothing (``quiet``). Also a
killed worker's restart until it serves again (``workerRestartMs``), request latency per
module version (``latencyMs``) and ``requestsPerSecond``, the most the router sends
through ``nodes`` workers in a second of wall time and keeps up with.
"""

from __future__ import annotations

import signal
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from hotswap.core.effects import Deploy, HealthCheck, HealthPolicy
from hotswap.core.ledger import Ledger
from hotswap.core.nodes import NodeSet
from hotswap.runs.loop import Schedule
from hotswap.scenario import Scenario
from runtime.catalog import build
from runtime.driver import MIN_OBSERVE_WALL, RealDriver
from runtime.fleet import Fleet
from runtime.traffic import Traffic

RESTART_TIMEOUT = 10.0
FIRST_RATE = 500.0  # requests a wall second, fleet-wide
MAX_STEPS = 12
REFINED = 0.15  # stop when the bracket is within 15%
KEEPS_UP = 0.9
QUICKEST = 0.05  # ms: no batch overhead is counted below a thread hand-over's
FIRST_LOADS = 3  # fresh fleets per load (router busy, quiet), each timing two batches of first loads
Samples = dict[str, list[tuple[int, float]]]  # what was timed -> (calls in the batch, ms)


def spread(samples_ms: list[float]) -> dict[str, float]:
    a = np.asarray(samples_ms, dtype=float)
    if not len(a) or not np.isfinite(a).all():
        raise RuntimeError("a timing could not be measured")
    return {"median": round(float(np.median(a)), 3), "p99": round(float(np.percentile(a, 99)), 3)}


def measure(scenario: Scenario, nodes: int = 16, rounds: int = 10, seconds: float = 1.5) -> dict[str, Any]:
    """The profile of ``nodes`` local workers playing ``scenario``'s two modules."""
    old, new = scenario.previous, scenario.deployment.module_id
    took: dict[str, Samples] = {"busy": _samples(), "quiet": _samples()}
    restarts: list[float] = []
    with tempfile.TemporaryDirectory(prefix="hotswap-measure-") as folder:
        artifacts = build(scenario, Path(folder))
        with Fleet(nodes, artifacts, [999_999] * nodes) as fleet:
            _everywhere(fleet, old)
            latency, capacity = _traffic(fleet, old, new, seconds)
        for round_ in range(FIRST_LOADS):
            for load, rate in (("busy", capacity), ("quiet", 0.0)):
                with Fleet(nodes, artifacts, [999_999] * nodes) as fleet:  # fresh workers: first loads again
                    _everywhere(fleet, old)
                    with Traffic(fleet, max(rate, 1.0), seed=0) as traffic:
                        traffic.route(np.full(nodes, 1 / nodes) if rate else np.zeros(nodes))
                        _control(fleet, traffic, old, new, rounds if round_ == 0 else 0, took[load])
                    if not restarts:
                        restarts = _restarts(fleet, min(nodes, rounds))
    small = max(1, nodes // 4)
    return {
        "nodes": nodes,
        **_timings(took["busy"], small, nodes),
        "workerRestartMs": spread(restarts),
        "latencyMs": latency,
        "requestsPerSecond": round(capacity, 1),
        "quiet": _timings(took["quiet"], small, nodes),
    }


def _samples() -> Samples:
    return {"swap": [], "back": [], "health": []}


def _everywhere(fleet: Fleet, module_id: str) -> None:
    for i in range(len(fleet.nodes)):
        fleet.deploy(i, module_id, 5.0)


def _control(fleet: Fleet, traffic: Traffic, old: str, new: str, rounds: int, took: Samples) -> None:
    """Deploys and health checks carried out by the real driver itself, with the
    router's traffic (or none) running and a wait before each, as in a run; to batches
    of a quarter of the workers and of all of them, timed into ``took``: the workers'
    first loads of the new module (a fresh fleet's), then ``rounds`` rounds of switches
    back to the old module and health calls."""
    size = len(fleet.nodes)
    ledger = Ledger(size, NodeSet.span(0, size), old, new)
    small, everyone = NodeSet.span(0, max(1, size // 4)), NodeSet.span(0, size)
    check = HealthPolicy(failure_threshold=1)
    with RealDriver(fleet, traffic, ledger, time_scale=1.0, schedule=Schedule([])) as driver:

        def timed(what: str, effect: Deploy | HealthCheck) -> None:
            driver.wait(MIN_OBSERVE_WALL)  # a quiet stretch, as before a run's effects
            driver.served()
            seconds = (driver.deploy(effect) if isinstance(effect, Deploy) else driver.health_check(effect)).seconds
            took[what].append((len(effect.nodes), seconds * 1000))

        timed("swap", Deploy(small, new))  # first loads: once a worker
        timed("swap", Deploy(everyone - small, new))
        for _ in range(rounds):
            for nodes in (small, everyone):
                timed("back", Deploy(nodes, old))
                timed("health", HealthCheck(nodes, old, check))
                driver.deploy(Deploy(nodes, new))
        driver.deploy(Deploy(everyone, old))


def _timings(took: Samples, small: int, size: int) -> dict[str, Any]:
    """On one host the calls of a batch take turns, so a batch of ``k`` takes about
    ``batchMs + k * call`` (fitted to the two sizes' medians); each timing is one
    call's share, ``(batch - batchMs) / k``."""
    fits = {w: _fit(took[w], small, size) for w in ("back", "health")}
    batch = max(QUICKEST, float(np.median([a for a, _ in fits.values()])))
    overheads = [max(QUICKEST, ms - k * fits[w][1]) for w in fits for k, ms in took[w]]

    def shares(what: str) -> list[float]:
        return [max(0.001, (ms - batch) / k) for k, ms in took[what]]

    return {
        "batchMs": spread(overheads),
        "swapMs": spread(shares("swap")),
        "rollbackMs": spread(shares("back")),
        "healthCheckMs": spread(shares("health")),
    }


def _fit(samples: list[tuple[int, float]], small: int, large: int) -> tuple[float, float]:
    """``(a, c)`` with a batch of ``k`` taking ``a + k * c`` through the medians of the
    two batch sizes (``c`` at least a microsecond)."""
    low = float(np.median([ms for k, ms in samples if k == small]))
    high = float(np.median([ms for k, ms in samples if k == large]))
    c = max(0.001, (high - low) / (large - small)) if large > small else high / large
    return low - small * c, c


def _restarts(fleet: Fleet, count: int) -> list[float]:
    """Milliseconds from a SIGKILL until the worker serves again, for ``count`` workers."""
    out = []
    for i in range(count):
        start = time.perf_counter()
        process = fleet.nodes[i].process
        assert process is not None
        process.send_signal(signal.SIGKILL)
        process.wait()
        while fleet.nodes[i].restarts == 0 or not fleet.wait_ready(i, 0.001):
            if time.perf_counter() - start > RESTART_TIMEOUT:
                break
            time.sleep(0.001)
        out.append((time.perf_counter() - start) * 1000)
    return out


def _traffic(fleet: Fleet, old: str, new: str, seconds: float) -> tuple[dict[str, dict[str, float]], float]:
    """The highest request rate the router keeps up with (delivers at least ``KEEPS_UP``
    of, in small paced batches as in a run): doubled from ``FIRST_RATE`` until it falls
    behind, then bisected; and latency per module (half the workers each) at that rate,
    the router's pace in a run."""
    size = len(fleet.nodes)
    for i in range(size // 2, size):
        fleet.deploy(i, new, 5.0)
    latency: dict[str, dict[str, float]] = {}
    best, low, high, offered = 0.0, 0.0, None, FIRST_RATE  # low kept up with, high not
    for _ in range(MAX_STEPS):
        delivered, tallies = _offer(fleet, offered, seconds)
        if delivered >= KEEPS_UP * offered:
            if delivered > best or not latency:
                latency = {m: spread(t.samples) for m, t in tallies.items() if t.samples}
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
