"""The real driver: carries a strategy's effects out on a fleet of wasmtime workers.

It keeps a scenario clock: nominal waits (observation windows, health-check intervals,
timeouts) advance it by their scenario length while the wall clock sleeps them divided by
``time_scale`` (an observation window at least ``MIN_OBSERVE_WALL``, so that it holds
traffic to judge); real work (hot swaps, health calls) advances it by its measured duration.
Scaling shrinks the waits, never the work. Traffic runs all along; whatever it served
between two effects is booked in the ledger after each.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from hotswap.core import health, strategies
from hotswap.core.effects import (
    Deploy,
    DeployReport,
    Effect,
    HealthCheck,
    HealthReport,
    Observation,
    Observe,
    Result,
    Route,
    RouteReport,
    VersionMetrics,
)
from hotswap.core.execution import Execution
from hotswap.core.ledger import Ledger
from hotswap.core.record import record
from hotswap.runs import setup
from hotswap.runs.setup import fault_marks, fault_nodes, topology
from hotswap.scenario import Scenario
from runtime.catalog import build, check_files
from runtime.fleet import Fleet, NodeDown
from runtime.scale import scale
from runtime.traffic import Traffic

DEFAULT_NODES = 16
DEFAULT_TIME_SCALE = 300.0
DEFAULT_RATE = 2000.0  # requests per wall-clock second, fleet-wide
DEPLOY_TIMEOUT = 2.0  # wall seconds one hot swap may take
RESTART_WAIT = 5.0  # wall seconds to wait for a killed worker before giving up on it
MIN_ATTEMPT_WALL = 0.25  # a health call's wall-clock timeout never drops below this
MIN_OBSERVE_WALL = 0.1  # an observation window lasts at least this long, so it holds traffic to judge


class RealDriver:
    def __init__(
        self,
        fleet: Fleet,
        traffic: Traffic,
        ledger: Ledger,
        *,
        time_scale: float,
        faults: list[tuple[float, Callable[[], None]]],
    ) -> None:
        self.fleet, self.traffic, self.ledger, self.time_scale = fleet, traffic, ledger, time_scale
        self.faults = sorted(faults, key=lambda f: f[0])
        self.now = 0.0
        self.pool = ThreadPoolExecutor(max_workers=len(fleet.nodes))

    def run(self, execution: Execution) -> None:
        try:
            effect = execution.start(self.now)
            while effect is not None:
                started = self.now
                result = self.carry_out(effect)
                effect = execution.advance(effect, result, started, self.now)
        finally:
            self.pool.shutdown()

    def carry_out(self, effect: Effect) -> Result:
        self._fire_due()
        if isinstance(effect, Deploy):
            result: Result = self._deploy(effect)
        elif isinstance(effect, HealthCheck):
            result = self._health(effect)
        elif isinstance(effect, Observe):
            self._wait(effect.seconds)
            return Observation(effect.seconds, self._drain())
        elif isinstance(effect, Route):
            result = self._route(effect)
        else:
            raise TypeError(f"the real fleet cannot carry out {effect!r}")
        self._drain()
        return result

    # --- effects -----------------------------------------------------------------------
    def _deploy(self, effect: Deploy) -> DeployReport:
        nodes = effect.nodes.indices()
        outcomes = list(self.pool.map(lambda i: self._deploy_one(int(i), effect.module_id), nodes))
        status = np.array([o[0] for o in outcomes])
        seconds = np.array([o[1] for o in outcomes])
        updated = status == "updated"
        self.ledger.switch(nodes[updated], effect.module_id, self.now + seconds[updated])
        took = float(seconds.max()) if len(seconds) else 0.0
        self.now += took
        return DeployReport(
            requested=len(nodes),
            updated=int(updated.sum()),
            failed=int((status == "failed").sum()),
            unreachable=int((status == "unreachable").sum()),
            seconds=took,
        )

    def _deploy_one(self, index: int, module_id: str | None) -> tuple[str, float]:
        """Push a module to one worker; a worker that died (not one that is slow or hung)
        is pushed again once restarted. "Updated" is judged against the ledger, so a
        worker that already switched counts once, whatever it answers."""
        start = time.perf_counter()
        for first in (True, False):
            try:
                status, _, _ = self.fleet.deploy(index, module_id, DEPLOY_TIMEOUT)
            except NodeDown as exc:
                if first and exc.lost and self.fleet.wait_ready(index, RESTART_WAIT):
                    continue
                return "unreachable", time.perf_counter() - start
            if status != "ok":
                return "failed", time.perf_counter() - start
            changed = self.ledger.version[index] != self.ledger.code(module_id)
            return ("updated" if changed else "unchanged"), time.perf_counter() - start
        return "unreachable", time.perf_counter() - start

    def _health(self, effect: HealthCheck) -> HealthReport:
        nodes, policy = effect.nodes.indices(), effect.policy
        wall_timeout = max(policy.attempt_timeout / self.time_scale, MIN_ATTEMPT_WALL)

        def ask(index: int) -> tuple[int, float]:
            start = time.perf_counter()
            try:
                answer = self.fleet.health(index, effect.module_id, policy.function, wall_timeout)
            except NodeDown:
                return health.NO_ANSWER, policy.attempt_timeout
            return (health.PASS if answer == "OK" else health.FAIL), time.perf_counter() - start

        def attempt(open_: np.ndarray, round_: int) -> tuple[np.ndarray, np.ndarray]:
            if round_:
                time.sleep(policy.interval / self.time_scale)
            answers = list(self.pool.map(ask, (int(i) for i in nodes[open_])))
            return np.array([a for a, _ in answers]), np.array([s for _, s in answers])

        report = health.check(len(nodes), policy, attempt)
        self.now += report.seconds
        return report

    def _route(self, effect: Route) -> RouteReport:
        start = time.perf_counter()
        self.traffic.route(effect.weights(len(self.fleet.nodes)))
        took = time.perf_counter() - start
        self.now += took
        return RouteReport(took)

    # --- time, faults and traffic ---------------------------------------------------------
    def _wait(self, seconds: float) -> None:
        """Let ``seconds`` of scenario time pass, in wall time divided by the scale,
        injecting the faults that fall due on the way."""
        end = self.now + seconds
        wall_end = time.perf_counter() + max(seconds / self.time_scale, MIN_OBSERVE_WALL)
        wall_per_second = (wall_end - time.perf_counter()) / seconds
        while self.faults and self.faults[0][0] <= end:
            at, _ = self.faults[0]
            time.sleep(max(0.0, wall_end - (end - at) * wall_per_second - time.perf_counter()))
            self.now = max(self.now, at)
            self._fire_due()
        time.sleep(max(0.0, wall_end - time.perf_counter()))
        self.now = end

    def _fire_due(self) -> None:
        while self.faults and self.faults[0][0] <= self.now:
            _, act = self.faults.pop(0)
            act()

    def _drain(self) -> dict[str, VersionMetrics]:
        """Book the traffic served since the last call; its metrics per module."""
        counts = np.bincount(self.ledger.version, minlength=3)
        out = {}
        for module_id, tally in self.traffic.take().items():
            code = self.ledger.code(module_id)
            self.ledger.serve(code, tally.requests, tally.failed)
            mean = tally.latency_sum_ms / tally.latency_count if tally.latency_count else 0.0
            out[module_id] = VersionMetrics(
                nodes=int(counts[code]),
                requests=tally.requests,
                failed_requests=tally.failed,
                crashed_nodes=min(len(tally.crashed), int(counts[code])),
                latency_mean_ms=mean,
                latency_samples=tuple(tally.samples),
                memory_mb=tally.memory_mb,
            )
        return out


def node_keys(size: int, rng: np.random.Generator) -> list[int]:
    """Each worker's draw in 0..999999, stratified: a fault of rate r afflicts the workers
    whose key is below r * 1e6, which are r of the fleet rounded (independent draws would
    often hit none or all of a few workers)."""
    return [int(k) for k in (rng.permutation(size) + rng.random(size)) / size * 1_000_000]


def fault_schedule(
    scenario: Scenario, fleet: Fleet, ledger: Ledger, rng: np.random.Generator
) -> list[tuple[float, Callable[[], None]]]:
    """The scenario's outages and faults as actions on workers, at scenario times:
    outages SIGSTOP a share of a region's workers; faults kill, stop or slow its first ones."""
    layout = topology(scenario)
    plan: list[tuple[float, str, np.ndarray, float]] = []
    for outage in scenario.fleet.outages:
        region = layout.region(outage.region)
        assert region is not None
        members = (region.active | region.idle).indices()
        hit = np.sort(rng.choice(members, round(len(members) * outage.fraction), replace=False))
        plan += [(outage.at, "stop", hit, 0.0), (outage.at + outage.duration, "resume", hit, 0.0)]
    for fault in scenario.fleet.faults:
        hit = fault_nodes(layout, fault).indices()
        if fault.action == "kill":
            plan.append((fault.at, "kill", hit, 0.0))
        elif fault.action == "stop":
            plan += [(fault.at, "stop", hit, 0.0), (fault.at + fault.duration, "resume", hit, 0.0)]
        else:
            plan += [(fault.at, "slow", hit, fault.slow_ms), (fault.at + fault.duration, "slow", hit, 0.0)]
    marks = [
        (at, lambda at=at, e=event, d=detail: ledger.note(at, e, **d)) for at, event, detail in fault_marks(scenario)
    ]
    acts = {"kill": fleet.kill, "stop": fleet.stop, "resume": fleet.resume, "slow": lambda i, ms: fleet.slow(i, ms)}

    def act(action: str, hit: np.ndarray, ms: float) -> Callable[[], None]:
        def fire() -> None:
            for i in hit:
                with contextlib.suppress(NodeDown):  # a node that is down cannot be slowed
                    acts[action](int(i), ms) if action == "slow" else acts[action](int(i))

        return fire

    return marks + [(at, act(action, hit, ms)) for at, action, hit, ms in plan]


def prepare(scenario: Scenario, *, nodes: int = DEFAULT_NODES, **_: Any) -> None:
    """Refuse what the real fleet cannot take, before it starts (``ValueError``): a module
    file that cannot play, a previous module that cannot run, too few workers."""
    check_files(scenario)
    scale(scenario, nodes)


def progress_printer(stream: Any = None) -> Callable[[dict[str, Any]], None]:
    """A live line per timeline entry: wall time, scenario time, what happened (on
    ``stream``, by default the standard error of the moment it is made)."""
    stream = stream if stream is not None else sys.stderr
    start = time.perf_counter()

    def show(entry: dict[str, Any]) -> None:
        detail = ", ".join(
            f"{k}={v}" for k, v in entry.items() if k not in ("t", "event") and not isinstance(v, dict | list)
        )
        stream.write(
            f"[wall {time.perf_counter() - start:6.2f}s | t {entry['t']:9.1f}s] {entry['event']} {detail}\n"[:200]
        )
        stream.flush()

    return show


def run_fleet(
    scenario: Scenario,
    seed: int,
    *,
    nodes: int = DEFAULT_NODES,
    time_scale: float = DEFAULT_TIME_SCALE,
    rate: float = DEFAULT_RATE,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Run the scenario's deployment once on a local fleet of wasmtime workers."""
    wall = time.perf_counter()
    scaled = scale(scenario, nodes)
    rollout = setup.rollout(scaled)
    layout = topology(scaled)
    rng = np.random.default_rng(seed)
    ledger = Ledger(layout.size, layout.active, rollout.previous_id, rollout.module_id)
    ledger.listener = progress
    keys = node_keys(layout.size, rng)
    with tempfile.TemporaryDirectory(prefix="hotswap-artifacts-") as folder:
        artifacts = build(scaled, Path(folder))
        with Fleet(layout.size, artifacts, keys) as fleet:
            for i in layout.active.indices():
                status, detail, _ = fleet.deploy(int(i), rollout.previous_id, DEPLOY_TIMEOUT)
                if status != "ok":
                    raise RuntimeError(f"the previous module {rollout.previous_id} does not run: {detail}")
            with Traffic(fleet, rate, seed=seed) as traffic:
                driver = RealDriver(
                    fleet, traffic, ledger, time_scale=time_scale, faults=fault_schedule(scaled, fleet, ledger, rng)
                )
                driver._route(Route(((layout.active, 1.0),)))
                driver.now = 0.0
                execution = Execution(strategies.start(rollout), ledger)
                driver.run(execution)
            restarts = sum(n.restarts for n in fleet.nodes)
    return record(
        scaled.name,
        rollout,
        backend="real",
        seed=seed,
        execution=execution,
        ledger=ledger,
        extra={
            "real": {
                "workers": layout.size,
                "scaledFrom": sum(r.nodes for r in scenario.fleet.regions),
                "timeScale": time_scale,
                "requestRate": rate,
                "workerRestarts": restarts,
                "wallSeconds": time.perf_counter() - wall,
            },
        },
    )
