"""The real driver: carries a strategy's effects out on a fleet of wasmtime workers.

It keeps a scenario clock: nominal waits (observation windows, health-check intervals,
timeouts) advance it by their scenario length while the wall clock sleeps them divided by
``time_scale`` (an observation window at least ``MIN_OBSERVE_WALL``, so that it holds
traffic to judge); real work (hot swaps, health calls) advances it by its measured duration.
Scaling shrinks the waits, never the work. Traffic runs all along; whatever it served
between two effects is booked in the ledger after each. With traffic over time
(``fleet.traffic``) the router follows the curve on that clock (``Level``): each node's
rate is its region's at the scenario time of the moment, in scaled time during a wait.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import numpy as np

from hotswap.core import health
from hotswap.core.effects import Deploy, DeployReport, HealthCheck, HealthReport, Route, RouteReport, VersionMetrics
from hotswap.core.ledger import Ledger
from hotswap.core.record import RunRecord
from hotswap.core.samples import Samples
from hotswap.core.traffic import Curve, Flat
from hotswap.runs import loop, setup
from hotswap.runs.fleet_plan import DEFAULT_NODES, plan
from hotswap.runs.loop import Action, Schedule
from hotswap.runs.setup import Disruption
from hotswap.scenario import Scenario
from runtime.catalog import build, check_files
from runtime.fleet import Fleet, NodeDown
from runtime.rundir import RunFolder
from runtime.traffic import Tally, Traffic

DEPLOY_TIMEOUT = 2.0  # wall seconds one hot swap may take
RESTART_WAIT = 5.0  # wall seconds to wait for a killed worker before giving up on it
MIN_ATTEMPT_WALL = 0.25  # a health call's wall-clock timeout never drops below this
MIN_OBSERVE_WALL = 0.1  # an observation window lasts at least this long, so it holds traffic to judge


class Level:
    """Each node's request rate at the scenario time ``clock`` gives, as a share of the
    curve's peak (the router's full rate): its region's rate then (``region_of``: each
    node's region index). Worked out once per scenario-second."""

    def __init__(self, curve: Curve, region_of: np.ndarray, clock: Callable[[], float]) -> None:
        self.curve, self.region_of, self.clock = curve, region_of, clock
        self.regions = int(region_of.max()) + 1 if len(region_of) else 0
        self._last: tuple[float, np.ndarray] = (-1.0, np.ones(len(region_of)))

    def __call__(self) -> np.ndarray:
        second = float(int(self.clock()))
        at, levels = self._last
        if second != at:
            peak = self.curve.peak
            by_region = np.array([self.curve.at(g, second) / peak if peak > 0 else 0.0 for g in range(self.regions)])
            levels = by_region[self.region_of]
            self._last = (second, levels)
        return levels


class RealDriver:
    """Carries effects out on the workers; ``schedule`` holds the fault actions (and
    timeline marks) that a wait fires at their moment."""

    def __init__(
        self,
        fleet: Fleet,
        traffic: Traffic,
        ledger: Ledger,
        *,
        time_scale: float,
        schedule: Schedule,
        regions: list[str] | None = None,
    ) -> None:
        self.fleet, self.traffic, self.ledger, self.time_scale = fleet, traffic, ledger, time_scale
        self.schedule = schedule
        self.regions = regions  # each node's region, when traffic is broken down per region
        self._by_region: dict[str, dict[str, VersionMetrics]] = {}
        self.now = 0.0
        self._waiting: tuple[float, float, float, float] | None = None  # wall start, scenario start, pace, end
        self.pool = ThreadPoolExecutor(max_workers=len(fleet.nodes))

    def __enter__(self) -> RealDriver:
        return self

    def __exit__(self, error: type[BaseException] | None, *exc: object) -> None:
        # stopped (a signal) or failed: do not wait for the requests in flight
        self.pool.shutdown(wait=error is None, cancel_futures=error is not None)

    # --- effects -----------------------------------------------------------------------
    def deploy(self, effect: Deploy) -> DeployReport:
        """Sent to every node at once; it takes until the last one answered (the wall time
        of the batch, which on a host of few cores is about the sum of its calls)."""
        nodes = effect.nodes.indices()
        start = time.perf_counter()
        outcomes = list(self.pool.map(lambda i: self._deploy_one(int(i), effect.module_id), nodes))
        took = time.perf_counter() - start if len(nodes) else 0.0
        status = np.array([o[0] for o in outcomes])
        seconds = np.array([o[1] for o in outcomes])
        updated = status == "updated"
        self.ledger.switch(nodes[updated], effect.module_id, self.now + seconds[updated])
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
                if not exc.lost and self._runs(index, module_id):
                    break  # swapped, but its answer came too late: the ledger must say so
                return "unreachable", time.perf_counter() - start
            if status != "ok":
                return "failed", time.perf_counter() - start
            break
        else:
            return "unreachable", time.perf_counter() - start
        changed = self.ledger.version[index] != self.ledger.code(module_id)
        return ("updated" if changed else "unchanged"), time.perf_counter() - start

    def _runs(self, index: int, module_id: str | None) -> bool:
        """After a swap timed out: whether the worker runs ``module_id`` after all. A
        worker cancels a swap that is ready after its deadline, so one that cannot
        answer now will not switch later."""
        try:
            return self.fleet.running(index, DEPLOY_TIMEOUT) == module_id
        except NodeDown:
            return False

    def health_check(self, effect: HealthCheck) -> HealthReport:
        nodes, policy = effect.nodes.indices(), effect.policy
        wall_timeout = max(policy.attempt_timeout / self.time_scale, MIN_ATTEMPT_WALL)

        def ask(index: int) -> int:
            try:
                answer = self.fleet.health(index, effect.module_id, policy.function, wall_timeout)
            except NodeDown:
                return health.NO_ANSWER
            return health.PASS if answer == "OK" else health.FAIL

        def attempt(open_: np.ndarray, round_: int) -> tuple[np.ndarray, np.ndarray]:
            """A round: every open node asked at once; those that answered took the
            round's wall time, a node that did not answer its scenario timeout."""
            if round_:
                time.sleep(policy.interval / self.time_scale)
            start = time.perf_counter()
            answers = np.array(list(self.pool.map(ask, (int(i) for i in nodes[open_]))), dtype=np.int8)
            took = time.perf_counter() - start
            return answers, np.where(answers == health.NO_ANSWER, policy.attempt_timeout, took)

        report = health.check(len(nodes), policy, attempt)
        self.now += report.seconds
        return report

    def route(self, effect: Route) -> RouteReport:
        start = time.perf_counter()
        self.traffic.route(effect.weights(len(self.fleet.nodes)))
        took = time.perf_counter() - start
        self.now += took
        return RouteReport(took)

    # --- time, faults and traffic ---------------------------------------------------------
    def wait(self, seconds: float) -> None:
        """Let ``seconds`` of scenario time pass, in wall time divided by the scale,
        injecting the faults that fall due on the way."""
        end = self.now + seconds
        start = time.perf_counter()
        wall_end = start + max(seconds / self.time_scale, MIN_OBSERVE_WALL)
        wall_per_second = (wall_end - start) / seconds
        self._waiting = (start, self.now, 1 / wall_per_second, end)
        while (at := self.schedule.next_at()) is not None and at <= end:
            time.sleep(max(0.0, wall_end - (end - at) * wall_per_second - time.perf_counter()))
            self.now = max(self.now, at)
            self.schedule.fire_due(self.now)
        time.sleep(max(0.0, wall_end - time.perf_counter()))
        self.now, self._waiting = end, None

    def clock(self) -> float:
        """The scenario time of this moment: during a wait it runs at the wait's pace,
        otherwise it stands where the last effect left it."""
        waiting = self._waiting
        if waiting is None:
            return self.now
        wall, scenario, pace, end = waiting
        return min(end, scenario + (time.perf_counter() - wall) * pace)

    def served(self) -> dict[str, VersionMetrics]:
        """The traffic served since the last call, per module."""
        counts = np.bincount(self.ledger.version, minlength=3)
        out = {}
        tallies = self.traffic.take()
        if self.regions is not None:
            self._by_region = self._split(tallies)
        for module_id, tally in tallies.items():
            code = self.ledger.code(module_id)
            mean = tally.latency_sum_ms / tally.latency_count if tally.latency_count else 0.0
            out[module_id] = VersionMetrics(
                nodes=int(counts[code]),
                requests=tally.requests,
                failed_requests=tally.failed,
                crashed_nodes=min(len(tally.crashed), int(counts[code])),
                latency_mean_ms=mean,
                latency_samples=Samples(tally.samples),
                memory_mb=tally.memory_mb,
            )
        return out

    def served_by_region(self) -> dict[str, dict[str, VersionMetrics]]:
        """The traffic of the last ``served`` per region, when the driver has regions."""
        regions, self._by_region = self._by_region, {}
        return regions

    def _split(self, tallies: dict[str, Tally]) -> dict[str, dict[str, VersionMetrics]]:
        assert self.regions is not None
        out: dict[str, dict[str, VersionMetrics]] = {}
        for module_id, tally in tallies.items():
            code = self.ledger.code(module_id)
            for name in dict.fromkeys(self.regions):
                nodes = [i for i, g in enumerate(self.regions) if g == name]
                on = sum(1 for i in nodes if self.ledger.version[i] == code)
                counts = [tally.by_node.get(i, [0, 0, 0.0]) for i in nodes]
                requests, failed = int(sum(c[0] for c in counts)), int(sum(c[1] for c in counts))
                if not on and not requests:
                    continue
                ok_latency = sum(c[2] for c in counts)
                out.setdefault(name, {})[module_id] = VersionMetrics(
                    nodes=on,
                    requests=requests,
                    failed_requests=failed,
                    crashed_nodes=min(on, sum(1 for i in tally.crashed if i in nodes)),
                    latency_mean_ms=ok_latency / requests if requests else 0.0,
                    memory_mb=tally.memory_mb,
                )
        return out


def node_keys(size: int, rng: np.random.Generator) -> list[int]:
    """Each worker's draw in 0..999999, stratified: a fault of rate r afflicts the workers
    whose key is below r * 1e6, which are r of the fleet rounded (independent draws would
    often hit none or all of a few workers)."""
    return [int(k) for k in (rng.permutation(size) + rng.random(size)) / size * 1_000_000]


def fault_actions(disruptions: list[Disruption], fleet: Fleet) -> list[Action]:
    """The scenario's outages and faults as actions on workers, at scenario times: an
    outage or a stop SIGSTOPs its workers until it ends, a kill SIGKILLs them (they restart
    on their own), a slow-down slows them until it ends."""
    out: list[Action] = []
    for d in disruptions:
        pair: dict[str, tuple[Callable[[int], None], Callable[[int], None] | None]] = {
            "outage": (fleet.stop, fleet.resume),
            "stop": (fleet.stop, fleet.resume),
            "kill": (fleet.kill, None),
            "slow": (partial(_slow, fleet, d.slow_ms), partial(_slow, fleet, 0.0)),
        }
        begin, end = pair[d.kind]
        out.append((d.at, partial(_each, begin, d.nodes)))
        if end is not None:
            out.append((d.until, partial(_each, end, d.nodes)))
    return out


def _slow(fleet: Fleet, ms: float, index: int) -> None:
    fleet.slow(index, ms)


def _each(act: Callable[[int], None], nodes: np.ndarray) -> None:
    for i in nodes:
        with contextlib.suppress(NodeDown):  # a node that is down cannot be slowed
            act(int(i))


def prepare(
    scenario: Scenario,
    *,
    nodes: int = DEFAULT_NODES,
    time_scale: float | None = None,
    rate: float | None = None,
    **_: Any,
) -> list[str]:
    """Refuse what the real fleet cannot take, before it starts (``ValueError``): a module
    file that cannot play, a previous module that cannot run, too few workers. Returns
    what the scaled-down run cannot represent, one line each."""
    check_files(scenario)
    return list(plan(scenario, nodes, time_scale, rate).warnings)


def run_fleet(
    scenario: Scenario,
    seed: int,
    *,
    nodes: int = DEFAULT_NODES,
    time_scale: float | None = None,
    rate: float | None = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> RunRecord:
    """Run the scenario's deployment once on a local fleet of wasmtime workers, at
    ``time_scale`` (None: auto) with the router sending at most ``rate`` requests a second
    (None: the default profile's)."""
    wall = time.perf_counter()
    fleet_plan = plan(scenario, nodes, time_scale, rate)
    scaled, pace = fleet_plan.scenario, fleet_plan.pace
    rng = np.random.default_rng(seed)
    run = loop.begin(scaled, rng)
    run.ledger.listener = progress
    layout, previous = run.layout, run.rollout.previous_id
    with RunFolder("run") as folder:
        (folder / "artifacts").mkdir(mode=0o700)
        artifacts = build(scaled, folder / "artifacts")
        with Fleet(layout.size, artifacts, node_keys(layout.size, rng), folder=folder) as fleet:
            for i in layout.active.indices():
                status, detail, _ = fleet.deploy(int(i), previous, DEPLOY_TIMEOUT)
                if status != "ok":
                    raise RuntimeError(f"the previous module {previous} does not run: {detail}")
            schedule = Schedule(run.marks() + fault_actions(run.disruptions, fleet))
            with (
                Traffic(fleet, pace.wall_rate, seed=seed) as traffic,
                RealDriver(
                    fleet,
                    traffic,
                    run.ledger,
                    time_scale=pace.time_scale,
                    schedule=schedule,
                    regions=[g.name for g in layout.regions for _ in range(len(g.active) + len(g.idle))]
                    if run.rollout.by_region
                    else None,
                ) as driver,
            ):
                traffic.route(Route(((layout.active, 1.0),)).weights(layout.size))
                curve = setup.traffic(scaled)
                if not isinstance(curve, Flat):
                    sizes = [len(g.active) + len(g.idle) for g in layout.regions]
                    traffic.level = Level(curve, np.repeat(np.arange(len(sizes)), sizes), driver.clock)
                run.carry_out(driver, schedule)
            restarts = sum(n.restarts for n in fleet.nodes)
    seconds = run.execution.finished_at
    return run.record(
        "real",
        seed,
        {
            "real": {
                "workers": layout.size,
                "scaledFrom": sum(r.nodes for r in scenario.fleet.regions),
                "timeScale": pace.time_scale,
                "requestRate": pace.wall_rate,
                "wantedRequestsPerScenarioSecond": pace.wanted,
                "achievedRequestsPerScenarioSecond": float(run.ledger.requests.sum()) / seconds if seconds else 0.0,
                "workerRestarts": restarts,
                "wallSeconds": time.perf_counter() - wall,
                "warnings": list(fleet_plan.warnings),
            },
        },
    )
