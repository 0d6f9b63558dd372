"""A run's set-up from its scenario, the same for every backend: the fleet's layout, the
rollout a strategy reads, the nodes its outages and faults hit, and their timeline marks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from hotswap.core.effects import HealthPolicy
from hotswap.core.fields import clock_seconds
from hotswap.core.nodes import NodeSet, Topology
from hotswap.core.rollout import Limits, Rollout
from hotswap.core.traffic import Curve, Diurnal, Flat, Replay
from hotswap.scenario import Scenario
from hotswap.scenario.fleet import Fault


def topology(scenario: Scenario) -> Topology:
    """The whole fleet's layout (every region, active and idle nodes)."""
    return Topology.build([(r.name, r.nodes, r.idle_nodes) for r in scenario.fleet.regions])


def rollout(scenario: Scenario) -> Rollout:
    """What the scenario's strategy needs, in the core's types."""
    d = scenario.deployment
    hc, ar = d.health_check, d.auto_rollback
    health = (
        HealthPolicy(
            function=hc.function_name,
            attempt_timeout=hc.timeout,
            interval=hc.interval,
            success_threshold=hc.success_threshold,
            failure_threshold=hc.failure_threshold,
            max_unhealthy_percent=hc.max_unhealthy_percent,
            unreachable_fails=hc.unreachable == "fail",
        )
        if hc.enabled
        else None
    )
    armed = ar.enabled and bool(ar.triggers)
    return Rollout(
        deployment_id=d.deployment_id,
        strategy=d.strategy,
        module_id=d.module_id,
        previous_id=scenario.previous,
        config=d.strategy_config,
        fleet=topology(scenario).only(d.target_regions),
        health=health,
        triggers=tuple(ar.triggers) if armed else (),
        watch_interval=ar.interval if armed else None,
        min_requests=ar.min_requests,
        metrics_delay=ar.metrics_delay if armed else 0.0,
        limits=Limits(ar.failure_limit, ar.consecutive_error_limit, ar.inconclusive_limit, ar.threshold)
        if ar.test == "observed"
        else None,
        confidence=ar.confidence,
    )


def traffic(scenario: Scenario) -> Curve:
    """The fleet's request rate per node over time, by region (in fleet order): flat,
    a recording replayed, or a day; the same curve for every backend."""
    fleet, start = scenario.fleet, scenario.deployment.start_at
    start_seconds = clock_seconds(start) if start is not None else None
    spec = fleet.traffic
    if spec is None:
        return Flat(fleet.traffic_per_node)
    if spec.diurnal is not None:
        return Diurnal(
            peak=fleet.traffic_per_node,
            ratio=spec.diurnal.peak_to_trough,
            peak_at=clock_seconds(spec.diurnal.peak_at),
            start=start_seconds or 0.0,
            offsets=tuple(clock_seconds(r.utc_offset) for r in fleet.regions),
        )
    assert scenario.recording is not None, "the loader reads the recording"
    return Replay(scenario.recording, [r.name for r in fleet.regions], start_seconds)


def fault_nodes(layout: Topology, fault: Fault) -> NodeSet:
    """The nodes a scenario fault hits: the first ``nodes`` active nodes of its region."""
    region = layout.region(fault.region)
    assert region is not None, "the loader checks fault regions"
    return region.active.head(fault.nodes)


@dataclass(frozen=True)
class Disruption:
    """Nodes out of the ordinary from ``at`` until ``until``: an ``outage`` or a ``stop``
    (they answer nothing), a ``kill`` (down until restarted, ``restartSeconds``), a
    ``slow`` (each request takes ``slow_ms`` longer)."""

    kind: Literal["outage", "kill", "stop", "slow"]
    nodes: np.ndarray
    at: float
    until: float
    slow_ms: float = 0.0


def disruptions(scenario: Scenario, layout: Topology, rng: np.random.Generator) -> list[Disruption]:
    """The scenario's outages (a random share of the region's nodes, drawn from ``rng``),
    then its faults, in file order."""
    fleet = scenario.fleet
    out = []
    for outage in fleet.outages:
        region = layout.region(outage.region)
        assert region is not None, "the loader checks outage regions"
        members = (region.active | region.idle).indices()
        count = round(len(members) * outage.fraction)
        hit = members if count == len(members) else np.sort(rng.choice(members, count, replace=False))
        out.append(Disruption("outage", hit, outage.at, outage.at + outage.duration))
    for fault in fleet.faults:
        lasts = fleet.restart_seconds if fault.action == "kill" else fault.duration
        out.append(
            Disruption(fault.action, fault_nodes(layout, fault).indices(), fault.at, fault.at + lasts, fault.slow_ms)
        )
    return out


def fault_marks(scenario: Scenario) -> list[tuple[float, str, dict[str, Any]]]:
    """Timeline marks for the scenario's outages and faults, in time order."""
    fleet = scenario.fleet
    marks = [(o.at, "RegionOutage", {"region": o.region, "fraction": o.fraction}) for o in fleet.outages]
    marks += [(o.at + o.duration, "RegionRecovered", {"region": o.region}) for o in fleet.outages]
    marks += [(f.at, "Fault", {"action": f.action, "region": f.region, "nodes": f.nodes}) for f in fleet.faults]
    return sorted(marks, key=lambda m: m[0])
