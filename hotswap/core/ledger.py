"""The ledger of one run: which module each node runs and since when, the traffic
each version served, and the timeline. Both backends keep it the same way, so their
blast radius and capacity figures mean the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from hotswap.core.effects import Route
from hotswap.core.nodes import NodeSet

NONE, PREVIOUS, CANDIDATE = 0, 1, 2


class Ledger:
    def __init__(self, size: int, running: NodeSet, previous_id: str, candidate_id: str) -> None:
        self.ids = {None: NONE, previous_id: PREVIOUS, candidate_id: CANDIDATE}
        self._module_ids = {v: k for k, v in reversed(self.ids.items())}  # the first name of each code
        self.version = np.zeros(size, dtype=np.int8)
        self.version[running.indices()] = PREVIOUS
        self.targets = len(running)
        self.since = np.zeros(size)
        self.exposed = np.zeros(size, dtype=bool)
        self.counts = np.bincount(self.version, minlength=3)  # nodes on each version
        self.in_use = self.peak_in_use = len(running)
        self.node_seconds = 0.0
        self.requests = np.zeros(3, dtype=np.int64)
        self.failed = np.zeros(3, dtype=np.int64)
        self.by_region: dict[str, list[int]] = {}  # the new module's [requests, failed] per region, when split
        # the route as pools of nodes with each node's share of the requests, and how
        # many of each pool's nodes run the new module: the share routed to it costs
        # the pools, not the fleet
        self.pools: list[tuple[NodeSet, float]] = [(running, 1 / max(1, len(running)))]
        self.on_candidate = np.zeros(1, dtype=np.int64)
        self.peak_traffic = 0.0
        self.timeline: list[dict[str, Any]] = []
        self.listener: Callable[[dict[str, Any]], None] | None = None  # e.g. a live progress display

    def code(self, module_id: str | None) -> int:
        try:
            return self.ids[module_id]
        except KeyError:
            raise ValueError(f"module {module_id!r} is neither the new nor the previous one") from None

    def module_id(self, code: int) -> str | None:
        return self._module_ids[code]

    def switch(self, nodes: np.ndarray, module_id: str | None, at: np.ndarray | float) -> None:
        """``nodes`` run ``module_id`` from time ``at`` (one time, or one per node)."""
        code = self.code(module_id)
        at = np.asarray(at, dtype=float)
        if at.shape != nodes.shape:
            at = np.broadcast_to(at, nodes.shape)
        old = self.version[nodes]
        was_new = old == CANDIDATE
        if code == CANDIDATE:
            arriving = ~was_new
            self.since[nodes[arriving]] = at[arriving]
            self.exposed[nodes[arriving]] = True
        elif was_new.any():  # leaving the new module
            self.node_seconds += float(np.sum(at[was_new] - self.since[nodes[was_new]]))
        before = np.bincount(old, minlength=3)
        self.in_use += (len(nodes) if code != NONE else 0) - (len(nodes) - int(before[NONE]))
        self.peak_in_use = max(self.peak_in_use, self.in_use)
        self.counts -= before
        self.counts[code] += len(nodes)
        self.version[nodes] = code
        if code == CANDIDATE or before[CANDIDATE]:
            for p, (pool, _) in enumerate(self.pools):
                inside = pool.holds(nodes)
                gained = int(np.count_nonzero(inside)) if code == CANDIDATE else 0
                self.on_candidate[p] += gained - int(np.count_nonzero(was_new & inside))
            self.track_traffic()

    def route(self, route: Route) -> None:
        """The load balancer now splits requests as ``route`` says."""
        total = sum(w for _, w in route.pools)
        self.pools = [(nodes, w / total / len(nodes)) for nodes, w in route.pools if len(nodes)]
        self.on_candidate = np.array(
            [np.count_nonzero(self.version[nodes.indices()] == CANDIDATE) for nodes, _ in self.pools], dtype=np.int64
        )
        self.track_traffic()

    def track_traffic(self) -> None:
        """Note the share of requests routed to the new module now (its peak is kept)."""
        share = sum(per_node * n for (_, per_node), n in zip(self.pools, self.on_candidate.tolist(), strict=True))
        self.peak_traffic = max(self.peak_traffic, float(share))

    def serve(self, code: int, requests: int, failed: int, regions: dict[str, tuple[int, int]] | None = None) -> None:
        """Book traffic of a version; ``regions`` splits it per region (region ->
        (requests, failed)), kept for the new module."""
        self.requests[code] += requests
        self.failed[code] += failed
        if regions and code == CANDIDATE:
            for name, (r, f) in regions.items():
                tally = self.by_region.setdefault(name, [0, 0])
                tally[0] += r
                tally[1] += f

    def note(self, t: float, event: str, **detail: Any) -> None:
        entry = {"t": t, "event": event, **detail}
        self.timeline.append(entry)
        if self.listener is not None:
            self.listener(entry)

    def blast_radius(self, now: float) -> dict[str, float | int]:
        """Exposure to the new module: nodes that ran it, the requests it served and
        failed, and node-seconds on it (nodes still on it count until ``now``)."""
        on = self.version == CANDIDATE
        nodes = int(np.count_nonzero(self.exposed))
        return {
            "nodes": nodes,
            "nodesPercent": 100 * nodes / self.targets,
            "trafficPercent": min(100.0, 100 * self.peak_traffic),
            "requests": int(self.requests[CANDIDATE]),
            "failedRequests": int(self.failed[CANDIDATE]),
            "nodeSeconds": self.node_seconds + float(np.sum(now - self.since[on])),
        }

    def wave_radius(self, waves: list[list[tuple[str, NodeSet]]]) -> list[dict[str, Any]]:
        """The blast radius of each wave of regions ``(name, active nodes)``: nodes that
        ran the new module there, and the requests it served and failed there."""
        out = []
        for wave in waves:
            nodes = sum(int(np.count_nonzero(self.exposed[s.indices()])) for _, s in wave)
            tallies = [self.by_region.get(name, [0, 0]) for name, _ in wave]
            out.append(
                {
                    "regions": [name for name, _ in wave],
                    "nodes": nodes,
                    "nodesPercent": 100 * nodes / self.targets,
                    "requests": sum(t[0] for t in tallies),
                    "failedRequests": sum(t[1] for t in tallies),
                }
            )
        return out

    def final_state(self) -> dict[str, int]:
        """How many nodes run each module (now, or when the run ended)."""
        return {"newModuleNodes": int(self.counts[CANDIDATE]), "previousModuleNodes": int(self.counts[PREVIOUS])}

    def capacity(self) -> dict[str, float | int]:
        """Peak nodes running any module, against the nodes that served before."""
        return {
            "peakNodes": self.peak_in_use,
            "overheadPercent": 100 * (self.peak_in_use - self.targets) / self.targets,
        }
