"""Live traffic through the fleet: a router and load generator.

One lane thread per node sends invocation batches every ``tick`` at the node's share of
the request rate (its routing weight); the weights are what the strategy's ``Route``
effects set. With traffic over time, ``level`` gives each node's rate now as a share of
the curve's peak (its region's, in scaled time), and each weight is taken that many times.
Like a load balancer that checks its targets, the router spreads the rate
over the nodes it can reach: a restarting worker gets nothing, and one that failed to
answer is ejected for ``EJECT_SECONDS`` (as the simulator spreads it over the nodes that
are up). What a node did not answer, and what was routed to it meanwhile, is retried on
the reachable nodes (as a load balancer retries on a timeout): a node that is down for
reasons of its own is not a failure of the module. A request's latency is measured on the node, as a server would: its
completion within its batch's service time (the harness's own socket round trip is left
out; ``benchmarks/hot_swap.py`` measures that end to end). Requests a node does not
answer count as failed for the module it was last known to run. Metrics pile up per
module until ``take`` empties them.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from runtime.fleet import Fleet, NodeDown

SAMPLES = 5_000  # latency samples kept per module and window (a uniform reservoir)
EJECT_SECONDS = 0.5  # wall time a node that did not answer gets no traffic
MAX_WAIT = 5.0  # wall seconds a batch may take at the most


@dataclass
class Tally:
    """Traffic of one module version since the last ``take``."""

    requests: int = 0
    failed: int = 0
    latency_sum_ms: float = 0.0
    latency_count: int = 0
    samples: list[float] = field(default_factory=list)
    crashed: set[int] = field(default_factory=set)
    memory_mb: float = 0.0
    round_trips_ms: list[float] = field(default_factory=list)  # router-side, a sample per batch
    by_node: dict[int, list[float]] = field(default_factory=dict)  # node -> [requests, failed, latency sum]


class Traffic:
    def __init__(
        self,
        fleet: Fleet,
        rate: float,
        *,
        tick: float = 0.01,
        batch_cap: int = 256,
        timeout: float = 0.5,
        seed: int = 0,
    ) -> None:
        self.fleet, self.rate, self.tick, self.batch_cap, self.timeout = fleet, rate, tick, batch_cap, timeout
        self.weights = np.zeros(len(fleet.nodes))
        self.level: Callable[[], np.ndarray] | None = None  # each node's traffic now, a share of the peak's
        self._ejected = [0.0] * len(fleet.nodes)
        self._retry = 0.0  # requests to send again on reachable nodes
        self._tallies: dict[str, Tally] = {}
        self._lock = threading.Lock()
        self._running = threading.Event()
        self._lanes = [threading.Thread(target=self._lane, args=(i,), daemon=True) for i in range(len(fleet.nodes))]
        self._random = random.Random(seed)  # reservoir sampling only

    def __enter__(self) -> Traffic:
        self._running.set()
        for lane in self._lanes:
            lane.start()
        return self

    def __exit__(self, error: type[BaseException] | None, *exc: object) -> None:
        self._running.clear()
        if error is not None:  # the run is torn down: lanes waiting on a node return at once
            self.fleet.close()
        for lane in self._lanes:
            lane.join()

    def route(self, weights: np.ndarray) -> None:
        """Per-node shares of the traffic (summing to 1, or all zero)."""
        self.weights = weights.copy()

    def take(self) -> dict[str, Tally]:
        """The traffic since the last call, per module id."""
        with self._lock:
            tallies, self._tallies = self._tallies, {}
        return tallies

    def _lane(self, index: int) -> None:
        carry, due = 0.0, time.perf_counter()
        while self._running.is_set():
            due += self.tick
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            else:
                due = time.perf_counter()  # fell behind: do not try to catch up in a burst
            reachable = [i for i in range(len(self._ejected)) if self._reachable(i)]
            if index not in reachable:
                carry = 0.0
                continue
            per_second = self._rate_of(index, reachable)
            carry += per_second * self.tick + self._take_retries(len(reachable), per_second)
            count = min(int(carry), self.batch_cap)
            if count < 1:
                continue
            carry -= count
            self._send(index, count, per_second)

    def _rate_of(self, index: int, reachable: list[int]) -> float:
        """Requests per second to node ``index``: the rate by routing weight (times each
        node's level, with a curve), what unreachable nodes would get spread over the
        reachable ones (as the simulator spreads a down node's share over the up ones)."""
        weights = self.weights if self.level is None else self.weights * self.level()
        up = float(weights[reachable].sum())
        if up <= 0:
            return 0.0
        whole = 1.0 if self.level is None else float(weights.sum())
        return self.rate * float(weights[index]) * whole / up

    def _take_retries(self, lanes: int, per_second: float) -> float:
        """This lane's share of the requests waiting to be sent again (none for a lane
        the route sends nothing to)."""
        if per_second <= 0:
            return 0.0
        with self._lock:
            share = self._retry / max(lanes, 1)
            self._retry -= share
        return share

    def _reachable(self, index: int) -> bool:
        """Routable: ready, not ejected, and running a module (an idle node serves nothing,
        as in the simulator, where its share goes to the nodes that serve)."""
        node = self.fleet.nodes[index]
        return node.ready.is_set() and node.module_id is not None and time.perf_counter() >= self._ejected[index]

    def _send(self, index: int, count: int, per_second: float) -> None:
        start = time.perf_counter()
        try:
            module_id, ok, crashed, _hung, busy_ms, memory_mb = self.fleet.invoke(
                index, count, min(MAX_WAIT, self.timeout * count)
            )  # each request may take the timeout
        except NodeDown:
            self._ejected[index] = time.perf_counter() + EJECT_SECONDS
            with self._lock:  # the batch, and what was routed here meanwhile, go to the others
                self._retry += count + per_second * (time.perf_counter() - start)
            return
        if module_id is None:
            return  # an idle node: nothing to serve
        # the node's own latency: request i of n completes at (i + 1) / n of the batch's service time
        latencies = [busy_ms * (i + 1) / count for i in range(count)]
        self._record(
            module_id,
            count,
            count - ok,
            latencies,
            crashed=index if crashed else None,
            node=index,
            memory_mb=memory_mb,
            round_trip_ms=(time.perf_counter() - start) * 1000,
        )

    def _record(
        self,
        module_id: str,
        requests: int,
        failed: int,
        latencies: list[float],
        *,
        crashed: int | None,
        memory_mb: float,
        round_trip_ms: float | None = None,
        node: int | None = None,
    ) -> None:
        with self._lock:
            tally = self._tallies.setdefault(module_id, Tally())
            if round_trip_ms is not None and len(tally.round_trips_ms) < SAMPLES:
                tally.round_trips_ms.append(round_trip_ms)
            tally.requests += requests
            tally.failed += failed
            spent = sum(latencies)
            if node is not None:
                mine = tally.by_node.setdefault(node, [0, 0, 0.0])
                mine[0] += requests
                mine[1] += failed
                mine[2] += spent
            tally.latency_sum_ms += spent
            for latency in latencies:
                tally.latency_count += 1
                if len(tally.samples) < SAMPLES:
                    tally.samples.append(latency)
                else:
                    slot = self._random.randrange(tally.latency_count)
                    if slot < SAMPLES:
                        tally.samples[slot] = latency
            if crashed is not None:
                tally.crashed.add(crashed)
            tally.memory_mb = max(tally.memory_mb, memory_mb)
