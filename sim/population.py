"""The simulated fleet: per-node state in numpy arrays, and bulk sampling of what
happens to it — deploys, health checks, crashes and traffic.

Per node: the module it runs (kept in the ``Ledger``), whether that module's health
check fails there, when its worker will crash, and its share of the traffic. A module's
fault profile is drawn per node when the module lands on it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hotswap.core import health
from hotswap.core.effects import DeployReport, HealthPolicy, HealthReport, Route, VersionMetrics
from hotswap.core.fields import Spread
from hotswap.core.ledger import CANDIDATE, NONE, PREVIOUS, Ledger
from hotswap.core.nodes import NodeSet, Topology
from hotswap.core.samples import Samples
from hotswap.core.series import Columns, Series
from hotswap.core.traffic import Curve, Flat
from hotswap.runs.fleet_plan import Host
from hotswap.runs.setup import Disruption
from hotswap.scenario import Scenario
from hotswap.scenario.fleet import ModuleProfile
from sim.balancer import Balancer
from sim.downtime import Downtime

Shape = float | np.ndarray  # a log-normal's parameter: one, or one per interval
LATENCY_SAMPLES = 200  # single-request latencies kept per version and window (and region)
CELLS = 1 << 21  # node-by-interval cells worked out at once when a series is sampled


@dataclass(frozen=True)
class _Keyed:
    """Traffic drawn per key of the previous and the candidate (rows: version, then
    region) and interval (columns), and its latency samples end to end in that order
    (``bounds``: where each key and interval's begin, row by row)."""

    nodes: np.ndarray  # per key
    memory: tuple[float, float]  # per version
    requests: np.ndarray
    failed: np.ndarray
    crashed: np.ndarray
    latency_mean: np.ndarray
    answered: np.ndarray
    samples: np.ndarray
    bounds: np.ndarray

    def pooled(self, version: int) -> Columns:
        """A version's regions as one (as ``Observation``s of several regions add up):
        counts add up, the mean latency is weighted by the requests answered, each
        interval's samples are its regions', in region order."""
        regions, k = len(self.nodes) // 2, self.requests.shape[1]
        rows = slice(version * regions, (version + 1) * regions)
        ok = self.answered[rows]
        answered = ok.sum(axis=0)
        weighted = (self.latency_mean[rows] * ok).sum(axis=0)
        spans = (version * regions * k + np.arange(regions)[None, :] * k + np.arange(k)[:, None]).ravel()
        starts, lengths = self.bounds[spans], self.bounds[spans + 1] - self.bounds[spans]
        ends = np.cumsum(lengths)
        picked = np.repeat(starts - ends + lengths, lengths) + np.arange(ends[-1] if len(ends) else 0)
        return Columns(
            nodes=np.full(k, int(self.nodes[rows].sum())),
            requests=self.requests[rows].sum(axis=0),
            failed=self.failed[rows].sum(axis=0),
            crashed=self.crashed[rows].sum(axis=0).astype(np.int64),
            latency_mean=np.where(answered > 0, weighted / np.maximum(answered, 1), 0.0),
            memory=np.full(k, self.memory[version]),
            samples=self.samples[picked],
            bounds=np.concatenate(([0], ends[regions - 1 :: regions])),
        )

    def region(self, version: int, region: int) -> Columns:
        """A version's traffic in one region."""
        regions, k = len(self.nodes) // 2, self.requests.shape[1]
        key = version * regions + region
        bounds = self.bounds[key * k : (key + 1) * k + 1]
        return Columns(
            nodes=np.full(k, int(self.nodes[key])),
            requests=self.requests[key],
            failed=self.failed[key],
            crashed=self.crashed[key].astype(np.int64),
            latency_mean=self.latency_mean[key],
            memory=np.full(k, self.memory[version]),
            samples=self.samples[bounds[0] : bounds[-1]],
            bounds=bounds - bounds[0],
        )


@dataclass(frozen=True)
class PendingDeploy:
    """A sampled deploy, applied when its time has passed."""

    nodes: np.ndarray
    finish: np.ndarray
    module_id: str | None


class Population:
    def __init__(
        self,
        scenario: Scenario,
        topology: Topology,
        ledger: Ledger,
        downtime: Downtime,
        rng: np.random.Generator,
        disruptions: Sequence[Disruption] = (),
        *,
        host: Host | None = None,
        curve: Curve | None = None,
        by_region: bool = False,
    ) -> None:
        self.fleet, self.ledger, self.downtime, self.rng = scenario.fleet, ledger, downtime, rng
        # the twin of the local real fleet, one host: the calls of a deploy or health
        # check share one draw, each batch costs ``batchMs`` more, and both are slower
        # the busier the router keeps the host
        self.host = host
        size = topology.size
        self.curve = curve or Flat(self.fleet.traffic_per_node)
        self.by_region = by_region
        self.names = [g.name for g in topology.regions]
        self.region_of = np.repeat(np.arange(len(self.names)), [len(g.active) + len(g.idle) for g in topology.regions])
        self.active_nodes = len(topology.active)
        self._active_by_region = [len(g.active) for g in topology.regions]
        self.profiles: dict[int, ModuleProfile] = {
            PREVIOUS: scenario.profile(scenario.previous),
            CANDIDATE: scenario.profile(scenario.deployment.module_id),
        }
        self.check_fails = np.zeros(size, dtype=bool)
        self.crash_at = np.full(size, np.inf)
        self.crashers = np.empty(0, dtype=np.int64)
        self.holds_previous = ledger.version == PREVIOUS
        self.rate = self.fleet.traffic_per_node * len(topology.active)
        slow = [d for d in disruptions if d.kind == "slow"]
        self.slow_node = np.concatenate([d.nodes for d in slow]) if slow else np.empty(0, dtype=np.int64)
        self.slow_span = np.array([(d.at, d.until, d.slow_ms) for d in slow for _ in d.nodes]).reshape(-1, 3)
        self.regions = len(self.names)
        # nodes per key (version * regions + region), kept as deploys land
        self.key_counts = np.bincount(self._keys(np.arange(size)), minlength=3 * self.regions)
        self.balancer = self._balancer(Route(((topology.active, 1.0),)))
        self._shapes: dict[int, tuple[float, float, float, float]] = {}  # by id: the profiles keep them alive
        running = topology.active.indices()
        self._land(running, PREVIOUS, np.zeros(len(running)))

    # --- deploys ---------------------------------------------------------------
    def deploy(self, nodes: NodeSet, module_id: str | None, now: float) -> tuple[DeployReport, PendingDeploy]:
        """Sample a deploy to ``nodes``: reachable nodes not yet on the module load it in
        parallel (in waves of ``deployConcurrency``); some loads fail per the profile."""
        code = self.ledger.code(module_id)
        idx = nodes.indices()
        down = self.downtime.down(nodes, now)
        todo = idx[~down]
        todo = todo[self.ledger.version[todo] != code]
        if code == CANDIDATE:
            seconds = self._calls("deploy_seconds", len(todo), now)
        else:
            fast = self.holds_previous[todo] | (code == NONE)
            seconds = np.where(
                fast,
                self._calls("swap_seconds", len(todo), now),
                self._calls("deploy_seconds", len(todo), now),
            )
        rate = self.profiles[code].deploy_failure_rate if code != NONE else 0.0
        failed = self.rng.random(len(todo)) < rate if rate else np.zeros(len(todo), dtype=bool)
        extra = self._batch(len(todo), now)
        lost = int(np.count_nonzero(failed))
        report = DeployReport(
            requested=len(idx),
            updated=len(todo) - lost,
            failed=lost,
            unreachable=int(np.count_nonzero(down)),
            seconds=self._waves(seconds) + extra,
        )
        landed = ~failed if lost else slice(None)
        return report, PendingDeploy(todo[landed], now + extra + seconds[landed], module_id)

    def apply(self, pending: PendingDeploy) -> None:
        code = self.ledger.code(pending.module_id)
        nodes, old = pending.nodes, self.ledger.version[pending.nodes]
        self.balancer.move(nodes, old, code)
        region, size = self.region_of[nodes], len(self.key_counts)
        self.key_counts += np.bincount(code * self.regions + region, minlength=size) - np.bincount(
            old.astype(np.int64) * self.regions + region, minlength=size
        )
        self.ledger.switch(pending.nodes, pending.module_id, pending.finish)
        self._land(pending.nodes, code, pending.finish)

    def _land(self, nodes: np.ndarray, code: int, finish: np.ndarray) -> None:
        """Draw the fault profile of the module that just landed on ``nodes``."""
        crashing = False  # will any of them crash?
        if code == NONE:
            self.check_fails[nodes] = False
            self.crash_at[nodes] = np.inf
            self.holds_previous[nodes] = False
        else:
            profile = self.profiles[code]
            self.check_fails[nodes] = self._coin(profile.health_check_failure_rate, len(nodes))
            crash = self._coin(profile.crash_rate, len(nodes))
            self.crash_at[nodes] = np.inf
            crashing = bool(crash.any())
            if crashing:
                self.crash_at[nodes[crash]] = finish[crash] + self.rng.exponential(
                    profile.mean_time_to_crash, int(crash.sum())
                )
        if len(self.crashers) or crashing:
            fresh = nodes[np.isfinite(self.crash_at[nodes])]
            kept = self.crashers[np.isfinite(self.crash_at[self.crashers])]
            self.crashers = np.union1d(kept, fresh)

    def _coin(self, p: float, n: int) -> np.ndarray:
        return self.rng.random(n) < p if p else np.zeros(n, dtype=bool)

    def _spread(self, spread: Spread, n: int) -> np.ndarray:
        return self.rng.lognormal(math.log(spread.median), spread.sigma, n)

    def _calls(self, field: str, n: int, now: float) -> np.ndarray:
        """The seconds of ``n`` calls sent at once (``field``: the fleet timing they
        take): a draw each, or on one host (the twin of the local real fleet, whose
        profile timed whole batches) one draw for all, the host's load of the moment."""
        if self.host is not None and n:
            return np.full(n, self._spread(self.host.spread(field, self._level(now)), 1)[0])
        spread = getattr(self.fleet, field)
        return self._spread(spread, n)

    def _batch(self, n: int, now: float) -> float:
        """What a batch of ``n`` calls costs on one host besides its calls (0 elsewhere)."""
        if self.host is None or not n:
            return 0.0
        return float(self._spread(self.host.spread("batch", self._level(now)), 1)[0])

    def _level(self, now: float) -> float:
        """The traffic of the moment as a share of its peak, fleet-wide (the router's
        rate follows it): 1 with flat traffic."""
        if isinstance(self.curve, Flat) or self.curve.peak <= 0:
            return 1.0
        rates = [self.curve.at(g, now) * count for g, count in enumerate(self._active_by_region)]
        return sum(rates) / (self.curve.peak * sum(self._active_by_region))

    def _waves(self, seconds: np.ndarray) -> float:
        return float(self._queued(seconds).max()) if len(seconds) else 0.0

    def _queued(self, seconds: np.ndarray) -> np.ndarray:
        """When each of these calls (``seconds`` each) is done, sent ``deployConcurrency``
        at a time in waves: a wave starts when the one before has finished."""
        width = self.fleet.deploy_concurrency
        if width is None or len(seconds) <= width:
            return seconds
        padded = np.zeros(math.ceil(len(seconds) / width) * width)
        padded[: len(seconds)] = seconds
        ends: np.ndarray = padded.reshape(-1, width).max(axis=1).cumsum()
        return np.asarray(ends[np.arange(len(seconds)) // width])

    # --- health checks -----------------------------------------------------------
    def health_check(self, nodes: NodeSet, module_id: str, policy: HealthPolicy, now: float) -> HealthReport:
        """Nodes that are down do not answer (each attempt costs a timeout); the module
        fails on nodes where its check fails, its load failed or its worker crashed;
        elsewhere an attempt fails only at the fleet's flake rate. Calls go out
        ``deployConcurrency`` at a time, as deploys do."""
        idx = nodes.indices()
        down = self.downtime.down(nodes, now)
        at_fault = (
            self.check_fails[idx]
            | (self.ledger.version[idx] != self.ledger.code(module_id))
            | (self.crash_at[idx] <= now)
        )
        flake = self.fleet.health_check_flake_rate

        answer = np.where(down, health.NO_ANSWER, np.where(at_fault, health.FAIL, health.PASS)).astype(np.int8)

        def attempt(open_: np.ndarray, round_: int) -> tuple[np.ndarray, np.ndarray]:
            answers = answer[open_]
            if flake:
                answers[(answers == health.PASS) & (self.rng.random(len(open_)) < flake)] = health.FAIL
            timed = self.fleet.health_check_seconds is not None
            n = len(open_)
            call = self._queued(self._calls("health_check_seconds", n, now)) + self._batch(n, now) if timed else 0.0
            return answers, np.where(down[open_], policy.attempt_timeout, call)

        return health.check(len(idx), policy, attempt)

    # --- traffic -----------------------------------------------------------------
    def route(self, route: Route) -> None:
        """Split traffic across pools by weight, and evenly across each pool's nodes."""
        self.balancer = self._balancer(route)

    def _balancer(self, route: Route) -> Balancer:
        return Balancer(route, self.ledger.version, self.region_of, self.regions)

    def _keys(self, nodes: np.ndarray) -> np.ndarray:
        """Each of ``nodes``' key: the version it runs times the regions, plus its region."""
        key: np.ndarray = self.ledger.version[nodes].astype(np.int64) * self.regions + self.region_of[nodes]
        return key

    def traffic(self, t0: float, t1: float) -> dict[str, VersionMetrics]:
        """Sample the traffic of ``[t0, t1)`` per version."""
        return self.sample(t0, t1)[0]

    def sample(self, t0: float, t1: float) -> tuple[dict[str, VersionMetrics], dict[str, dict[str, VersionMetrics]]]:
        """Sample the traffic of ``[t0, t1)`` per version, and per region when the
        rollout asks for it (else the second part is empty)."""
        if self.by_region or not isinstance(self.curve, Flat):  # a series of one interval
            one = Series((t1 - t0,), *self._regional_series(np.array([t0]), np.array([t1]))).at(0)
            return one.versions, one.regions
        return self._flat_traffic(t0, t1), {}

    def series(self, t0: float, steps: tuple[float, ...], ends: list[float]) -> Series:
        """Sample the traffic of consecutive intervals (``steps`` seconds each, ending at
        ``ends``, the first starting at ``t0``) with the fleet as it stands, in one draw
        per quantity for all of them."""
        starts, stops = np.array([t0, *ends[:-1]]), np.array(ends)
        if self.by_region or not isinstance(self.curve, Flat):
            return Series(steps, *self._regional_series(starts, stops))
        return Series(steps, self._flat_series(starts, stops))

    def _flat_series(self, t0: np.ndarray, t1: np.ndarray) -> dict[str, Columns]:
        """``_flat_traffic`` for many intervals at once: each quantity drawn for all of
        them together (a version's requests, losses, errors, mean latencies, samples)."""
        dt = t1 - t0
        counts = self.ledger.counts
        missed, crashed, crashed_nodes, slowed = self._exposure(t0, t1, None)
        served = np.maximum(self.balancer.per_version()[:, None] * dt - missed, 0.0)
        total = served[PREVIOUS] + served[CANDIDATE]
        out = {}
        for code in (PREVIOUS, CANDIDATE):
            if not counts[code]:
                continue
            profile = self.profiles[code]
            with np.errstate(divide="ignore", invalid="ignore"):
                share = np.where(total > 0, served[code] / total, 0.0)
                lost_share = np.where(crashed[code] > 0, np.minimum(1.0, crashed[code] / served[code]), 0.0)
                extra = np.where(served[code] > 0, slowed[code] / served[code], 0.0)
            requests = self.rng.poisson(self.rate * dt * share)
            lost = self.rng.binomial(requests, lost_share) if lost_share.any() else np.zeros_like(requests)
            errors = self.rng.binomial(requests - lost, profile.error_rate)
            mean, samples, bounds = self._latencies(self._shape(profile.latency_ms), requests - lost - errors, extra)
            module_id = self.ledger.module_id(code)
            assert module_id is not None
            out[module_id] = Columns(
                nodes=np.full(len(dt), int(counts[code])),
                requests=requests,
                failed=lost + errors,
                crashed=crashed_nodes[code].astype(np.int64),
                latency_mean=mean,
                memory=np.full(len(dt), profile.memory_mb),
                samples=samples,
                bounds=bounds,
            )
        return out

    def _exposure(
        self, t0: np.ndarray, t1: np.ndarray, rate: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per version (a row each) and interval: the traffic share-seconds that down
        nodes missed, those that reached crashed workers, how many nodes had crashed by
        the interval's end, the milliseconds slow nodes added. With ``rate`` (a row per
        region, a column per interval: requests per node and second) a row per key
        (``version * regions + region``) instead, each node's share weighted by its
        region's rate then. Worked out over the few nodes concerned, a slice of
        intervals at a time."""
        k, size = len(t0), 3 if rate is None else 3 * self.regions
        missed, crashed, crashed_nodes, slowed = (np.zeros((size, k)) for _ in range(4))
        down, down_start, down_end = self.downtime.spans(float(t0[0]), float(t1[-1]))
        crash_at = self.crash_at[self.crashers]
        slow_start, slow_end, slow_ms = self.slow_span.T
        rows = len(down) + len(self.crashers) + len(self.slow_node)
        width = max(1, CELLS // max(rows, 1))
        for a in range(0, k, width):
            part = slice(a, a + width)
            u0, u1, r = t0[part], t1[part], None if rate is None else rate[:, part]
            if len(down):
                seconds = np.minimum(down_end[:, None], u1) - np.maximum(down_start[:, None], u0)
                missed[:, part] = self._added(down, np.maximum(seconds, 0.0), r, size)
            if len(self.crashers):
                reached = np.clip(u1 - np.maximum(crash_at[:, None], u0), 0.0, u1 - u0)
                crashed[:, part] = self._added(self.crashers, reached, r, size)
                crashed_nodes[:, part] = self._grouped(self.crashers, size) @ (crash_at[:, None] <= u1)
            if len(self.slow_node):
                overlap = np.maximum(np.minimum(slow_end[:, None], u1) - np.maximum(slow_start[:, None], u0), 0.0)
                slowed[:, part] = self._added(self.slow_node, overlap * slow_ms[:, None], r, size)
        return missed, crashed, crashed_nodes, slowed

    def _grouped(self, nodes: np.ndarray, size: int) -> np.ndarray:
        """Which row each of ``nodes`` counts in (0/1, a column per node): its version
        (``size`` 3), or its key."""
        row = self.ledger.version[nodes] if size == 3 else self._keys(nodes)
        out: np.ndarray = (row[None, :] == np.arange(size)[:, None]).astype(float)
        return out

    def _added(self, nodes: np.ndarray, values: np.ndarray, rate: np.ndarray | None, size: int) -> np.ndarray:
        """``values`` (a row per node, a column per interval), each node's weighted by
        its traffic share (and its region's ``rate``), added up per row of ``_grouped``."""
        weight = self.balancer.share(nodes)[:, None]
        if rate is not None:
            weight = weight * rate[self.region_of[nodes]]
        out: np.ndarray = self._grouped(nodes, size) @ (weight * values)
        return out

    def _latencies(
        self, shape: tuple[Shape, Shape, Shape, Shape], n: np.ndarray, extra_ms: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``_latency`` for many intervals (``n`` answered requests each; ``shape``: the
        log-normal's, as ``_shape`` gives it, or an array of them, one per interval):
        their mean latencies, and their samples end to end with where each interval's begin."""
        mu, sigma, spread_mean, variance = shape
        some = n > 0
        z = self.rng.standard_normal(len(n))
        mean = np.where(some, spread_mean + np.sqrt(variance / np.maximum(n, 1)) * z + extra_ms, 0.0)
        kept = np.minimum(n, LATENCY_SAMPLES)

        def each(x: Shape) -> Shape:  # one per sample
            return np.repeat(x, kept) if isinstance(x, np.ndarray) else x

        samples = self.rng.lognormal(each(mu), each(sigma), int(kept.sum()))
        if extra_ms.any():  # slow nodes
            samples += np.repeat(extra_ms, kept)
        return mean, samples, np.concatenate(([0], np.cumsum(kept)))

    def _flat_traffic(self, t0: float, t1: float) -> dict[str, VersionMetrics]:
        """Flat traffic: the load balancer spreads the fleet's request rate over the up
        nodes by weight; a crashed worker fails what reaches it, and the module's error
        rate fails a share of the rest. (The run loop books traffic in the ledger.)"""
        dt = t1 - t0
        counts = self.ledger.counts
        served = self.balancer.per_version() * dt
        down_nodes, down_seconds = self.downtime.overlap(t0, t1)
        if len(down_nodes):
            served -= self._per_version(down_nodes, down_seconds)
        crashed, crashed_nodes = self._crashed(t0, t1)
        served = np.maximum(served, 0.0).tolist()
        total = served[PREVIOUS] + served[CANDIDATE]
        slowed = self._slowed(t0, t1)
        out = {}
        for code in (PREVIOUS, CANDIDATE):
            if not counts[code]:
                continue
            profile = self.profiles[code]
            share = served[code] / total if total > 0 else 0.0
            requests = int(self.rng.poisson(self.rate * dt * share))
            module_id = self.ledger.module_id(code)
            assert module_id is not None
            out[module_id] = self._metrics(
                requests,
                int(counts[code]),
                int(crashed_nodes[code]),
                (served[code], crashed[code], slowed[code]),
                profile.error_rate,
                profile.latency_ms,
                profile.memory_mb,
            )
        return out

    def _per_version(self, nodes: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        """Traffic-share-seconds of ``nodes`` (``seconds`` each), per version."""
        return np.bincount(self.ledger.version[nodes], weights=self.balancer.share(nodes) * seconds, minlength=3)

    def _crashed(self, t0: float, t1: float) -> tuple[list[float], list[float]]:
        """Per version: the traffic share-seconds that reached crashed workers, and how
        many of its nodes had crashed by ``t1``."""
        if not len(self.crashers):
            return [0.0] * 3, [0.0] * 3
        crash_at = self.crash_at[self.crashers]
        crashed_time = np.clip(t1 - np.maximum(crash_at, t0), 0.0, t1 - t0)
        on = self.ledger.version[self.crashers]
        down = np.bincount(on, weights=crash_at <= t1, minlength=3)
        return self._per_version(self.crashers, crashed_time).tolist(), down.tolist()

    def _regional_series(
        self, t0: np.ndarray, t1: np.ndarray
    ) -> tuple[dict[str, Columns], dict[str, dict[str, Columns]]]:
        """Traffic whose rate depends on the region and the time (``self.curve``), for
        many intervals at once: as the flat case, with each node's weight scaled by its
        region's requests per node in the interval, and drawn per region (independent
        Poisson draws per region add up to the same total), each quantity for every
        region and interval together. Per version its regions pooled, and per region
        when the rollout asks for it."""
        regions, k, dt = self.regions, len(t0), t1 - t0
        rate = np.array([self.curve.requests(g, t0, t1) for g in range(regions)]) / dt  # per node, (region, interval)
        # the whole fleet from the balancer's counts; the few nodes down, crashed or slow one by one
        expected = (self.balancer.per_key().reshape(3, regions, 1) * rate).reshape(-1, k) * dt
        missed, crashed, crashed_nodes, slowed = (x[regions:] for x in self._exposure(t0, t1, rate))
        served = np.maximum(expected[regions:] - missed, 0.0)  # keys of the previous and the candidate
        total = served.sum(axis=0)
        volume = self.active_nodes * expected.sum(axis=0)
        error_rate, median, sigma = self._profiles_at(t0, t1)
        with np.errstate(divide="ignore", invalid="ignore"):
            requests = self.rng.poisson(np.where(total > 0, volume * served / total, 0.0))
            lost_share = np.where(crashed > 0, np.minimum(1.0, crashed / served), 0.0)
            extra = np.where(served > 0, slowed / served, 0.0)
        lost = self.rng.binomial(requests, lost_share) if lost_share.any() else np.zeros_like(requests)
        errors = self.rng.binomial(requests - lost, error_rate)
        answered = requests - lost - errors
        mu, cells = np.log(median).ravel(), 2 * regions * k
        sigma = np.repeat(sigma, k)
        mean, samples, bounds = self._latencies(
            (mu, sigma, np.exp(mu + sigma**2 / 2), (np.exp(sigma**2) - 1) * np.exp(2 * mu + sigma**2)),
            answered.reshape(cells),
            extra.reshape(cells),
        )
        keyed = _Keyed(
            nodes=self.key_counts[regions:],
            memory=(self.profiles[PREVIOUS].memory_mb, self.profiles[CANDIDATE].memory_mb),
            requests=requests,
            failed=lost + errors,
            crashed=crashed_nodes,
            latency_mean=mean.reshape(-1, k),
            answered=answered,
            samples=samples,
            bounds=bounds,
        )
        out: dict[str, Columns] = {}
        split: dict[str, dict[str, Columns]] = {}
        for c, code in enumerate((PREVIOUS, CANDIDATE)):
            module_id = self.ledger.module_id(code)
            assert module_id is not None
            live = [g for g in range(regions) if self.key_counts[code * regions + g]]
            if not live:
                continue
            out[module_id] = keyed.pooled(c)
            if self.by_region:
                for g in live:
                    split.setdefault(self.names[g], {})[module_id] = keyed.region(c, g)
        return out, split

    def _profiles_at(self, t0: np.ndarray, t1: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per key of the previous and the candidate (rows: version, then region) and
        interval: the error rate and the latency's median, the profile's or for the
        previous module what a traffic recording says; and the latency's log-normal
        shape per key (a recorded median keeps the profile's p99-to-median ratio)."""
        regions, k = self.regions, len(t0)
        error_rate, median, sigma = np.empty((2, regions, k)), np.empty((2, regions, k)), np.empty((2, regions, 1))
        for c, code in enumerate((PREVIOUS, CANDIDATE)):
            profile = self.profiles[code]
            error_rate[c], median[c], sigma[c] = profile.error_rate, profile.latency_ms.median, profile.latency_ms.sigma
        for g in range(regions):
            recorded_error, recorded_median = self.curve.previous(g, t0, t1)
            if recorded_error is not None:
                error_rate[0, g] = recorded_error
            if recorded_median is not None:
                median[0, g] = recorded_median
        return error_rate.reshape(-1, k), median.reshape(-1, k), sigma.reshape(-1, 1)

    def _slowed(self, t0: float, t1: float) -> list[float]:
        """Per version: the milliseconds that slow nodes added, weighted like ``served``."""
        if not len(self.slow_node):
            return [0.0] * 3
        start, end, ms = self.slow_span.T
        overlap = np.clip(np.minimum(end, t1) - np.maximum(start, t0), 0.0, None)
        slowed: list[float] = self._per_version(self.slow_node, overlap * ms).tolist()
        return slowed

    def _metrics(
        self,
        requests: int,
        nodes: int,
        crashed_nodes: int,
        node_seconds: tuple[float, float, float],
        error_rate: float,
        latency: Spread,
        memory_mb: float,
    ) -> VersionMetrics:
        """One version's ``requests`` in a window: those lost to crashed nodes, errors among
        the rest, the latency of the answered. ``node_seconds``: served, crashed, slowed."""
        served, crashed, slowed = node_seconds
        lost = int(self.rng.binomial(requests, min(1.0, crashed / served))) if crashed else 0  # p = 0 draws nothing
        errors = int(self.rng.binomial(requests - lost, error_rate))
        mean, samples = self._latency(latency, requests - lost - errors, slowed / served if served else 0.0)
        return VersionMetrics(
            nodes=nodes,
            requests=requests,
            failed_requests=lost + errors,
            crashed_nodes=crashed_nodes,
            latency_mean_ms=mean,
            latency_samples=samples,
            memory_mb=memory_mb,
        )

    def _latency(self, spread: Spread, n: int, extra_ms: float) -> tuple[float, Samples]:
        """The mean latency of ``n`` requests (exact for a log-normal, via the central
        limit theorem) plus what slow nodes add, and a sample of single-request latencies."""
        if not n:
            return 0.0, Samples()
        mu, sigma, spread_mean, variance = self._shape(spread)
        sd = math.sqrt(variance / n)
        mean = spread_mean + sd * float(self.rng.standard_normal()) + extra_ms
        samples = self.rng.lognormal(mu, sigma, min(n, LATENCY_SAMPLES))
        return mean, Samples(samples + extra_ms if extra_ms else samples)

    def _shape(self, spread: Spread) -> tuple[float, float, float, float]:
        """A latency spread's log-normal parameters, mean and variance (worked out once
        per spread: every window of traffic needs them)."""
        shape = self._shapes.get(id(spread))
        if shape is None:
            mu, sigma = math.log(spread.median), spread.sigma
            shape = mu, sigma, spread.mean, (math.exp(sigma**2) - 1) * math.exp(2 * mu + sigma**2)
            self._shapes[id(spread)] = shape
        return shape
