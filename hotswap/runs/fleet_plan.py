"""What a run on a scaled-down real fleet is, for the real backend and its twin alike:
the scaled scenario, its pace (time scale, request rate) and what it cannot represent.

A timing profile (``hotswap measure``) gives the router's ``requestsPerSecond`` and the
real fleet's measured timings; the shipped default is ``profiles/default.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hotswap.core.fields import Spread
from hotswap.core.recording import Recording, Row
from hotswap.runs import setup
from hotswap.runs.pace import Pace, pace
from hotswap.runs.scale import scale
from hotswap.scenario import Scenario
from hotswap.scenario.fleet import ModuleProfile
from hotswap.scenario.profile import ProfileError, read_profile

DEFAULT_NODES = 16
DEFAULT_PROFILE = Path(__file__).parent / "profiles" / "default.yaml"
TIMINGS = {
    "deploy_seconds": "deploySeconds",
    "swap_seconds": "swapSeconds",
    "route_update_seconds": "routeUpdateSeconds",
    "deploy_concurrency": "deployConcurrency",
}


def load_profile(path: Path | None = None) -> dict[str, Any]:
    """A timing profile file, the shipped one by default (``ValueError`` naming the
    file and field when it is not one)."""
    path = path or DEFAULT_PROFILE
    try:
        return read_profile(path)
    except ProfileError as exc:
        raise ValueError(f"{path}: {exc.line()}") from None


def scenario_profile(scenario: Scenario) -> Path | None:
    """The profile the scenario names (``fleet.profile``, made absolute by the loader)."""
    return Path(scenario.fleet.profile) if scenario.fleet.profile else None


@dataclass(frozen=True)
class FleetPlan:
    scenario: Scenario  # scaled down to the workers
    pace: Pace
    warnings: tuple[str, ...]  # what the scaled-down run cannot represent, one line each


def plan(
    scenario: Scenario,
    nodes: int = DEFAULT_NODES,
    time_scale: float | None = None,
    rate: float | None = None,
    profile: dict[str, Any] | None = None,
) -> FleetPlan:
    """The run ``--nodes``, ``--time-scale`` (None: auto) and ``--rate`` (None: the
    profile's ``requestsPerSecond``) make of ``scenario`` (``ValueError`` when it cannot)."""
    scaled = scale(scenario, nodes)
    workers = sum(r.nodes for r in scaled.fleet.regions)
    if rate is None:
        rate = float((profile or load_profile(scenario_profile(scenario)))["requestsPerSecond"])
    capacity = rate
    p = pace(setup.traffic(scaled).peak * workers, capacity, time_scale)
    warnings = [w for w in (p.warning(), *_squeezed(scenario, scaled), _unplayed(scaled)) if w]
    return FleetPlan(scaled, p, tuple(warnings))


def _squeezed(scenario: Scenario, scaled: Scenario) -> list[str]:
    """Regions squeezed to one worker, and stages that expose more than they say."""
    out = [
        f"region {s.name} has 1 worker for its {o.nodes} nodes: a stage reaches all of it or none"
        for o, s in zip(scenario.fleet.regions, scaled.fleet.regions, strict=True)
        if o.nodes > 1 and s.nodes == 1
    ]
    if scaled is not scenario and scaled.deployment.strategy == "Canary":
        rollout = setup.rollout(scaled)
        size = len(rollout.fleet.active)
        for step in rollout.config.plan():  # numbers, {nodes, traffic, hold}, schedules; approvals expose nothing
            if step.approval is not None:
                continue
            share = 100 * len(rollout.fleet.share(step.nodes)) / size
            if share > 1.5 * step.nodes:
                out.append(f"canary stage {step.nodes:g}% reaches {share:.0f}% of {size} workers")
    return out


def _unplayed(scenario: Scenario) -> str | None:
    """What of a traffic recording the real router does not play: the previous module's
    error rate and latency (its own module's are measured)."""
    recording = scenario.recording
    if recording is None or all(r.error_rate is None and r.latency_ms_median is None for r in recording.rows):
        return None
    return f"{recording.file}: the real fleet replays the rate, not the previous module's errorRate and latencyMsMedian"


def twin(fleet_plan: FleetPlan, profile: dict[str, Any]) -> Scenario:
    """The scenario the simulator plays as the twin of the planned real run: the same
    workers, the traffic per scenario-second the router delivers (a replayed recording
    scaled alike, without what the router does not replay), and the profile's measured
    timings instead of the scenario's drawn ones."""
    scaled = fleet_plan.scenario
    workers = sum(r.nodes for r in scaled.fleet.regions)
    played = scaled.model_copy(
        update={
            "fleet": scaled.fleet.model_copy(
                update={"traffic_per_node": fleet_plan.pace.delivered / workers, **timings(profile)}
            ),
            "modules": latencies(scaled, profile),
        }
    )
    recording, p = scaled.recording, fleet_plan.pace
    if recording is None:
        return played
    share = p.delivered / p.wanted if p.wanted > 0 else 1.0
    rows = tuple(Row(r.seconds, r.region, r.rate * share) for r in recording.rows)  # as the router replays it
    return played.with_recording(Recording(recording.file, rows))


def latencies(scenario: Scenario, profile: dict[str, Any]) -> dict[str, ModuleProfile]:
    """The two modules' fault profiles with the real fleet's request latency: the
    profile's (measured at the base work, the least of its modules) scaled by each
    module's stated median over the least stated, as the real fleet scales their work
    (``runtime.catalog``). Unchanged without a measured latency."""
    measured = profile.get("latencyMs") or {}
    if not measured:
        return dict(scenario.modules)
    base = min(measured.values(), key=lambda s: s["median"])
    ids = (scenario.previous, scenario.deployment.module_id)
    least = min(scenario.profile(m).latency_ms.median for m in ids)
    out = dict(scenario.modules)
    for m in ids:
        ratio = scenario.profile(m).latency_ms.median / least
        spread = Spread(median=base["median"] * ratio, p99=base["p99"] * ratio)
        out[m] = scenario.profile(m).model_copy(update={"latency_ms": spread})
    return out


def timings(profile: dict[str, Any]) -> dict[str, Any]:
    """The fleet fields a profile replaces: a deploy is a hot swap, a swap back to the
    module a worker holds is a rollback per node, a route update is the router's
    (measured in microseconds: none), a restart is a worker's; on one host (a profile
    with ``batchMs``) a batch's calls take turns, one at a time."""

    def seconds(key: str) -> Spread:
        return Spread(median=profile[key]["median"] / 1000, p99=profile[key]["p99"] / 1000)

    out: dict[str, Any] = {
        "deploy_seconds": seconds("swapMs"),
        "swap_seconds": seconds("rollbackMs"),
        "route_update_seconds": 0.0,
    }
    if "healthCheckMs" in profile:
        out["health_check_seconds"] = seconds("healthCheckMs")
    if "workerRestartMs" in profile:
        out["restart_seconds"] = profile["workerRestartMs"]["median"] / 1000
    if "batchMs" in profile:  # one host: the calls of a batch take turns
        out["deploy_concurrency"] = 1
    return out


HOST_TIMINGS = {
    "deploy_seconds": "swapMs",
    "swap_seconds": "rollbackMs",
    "health_check_seconds": "healthCheckMs",
    "batch": "batchMs",
}


@dataclass(frozen=True)
class Host:
    """The twin's one host (a profile with ``batchMs``, as ``hotswap measure`` writes):
    a batch of calls costs ``batchMs`` besides its calls, which take turns; and every
    call is slower the more traffic the router pushes through the same host (its lanes
    and the driver's calls share one process and two cores). ``busy`` holds the
    timings measured with the router at the profile's ``requestsPerSecond``, ``quiet``
    those with the router sending nothing (the busy ones when not measured); at a
    load ``x`` (the router's rate of the moment over ``requestsPerSecond``, 0..1) a
    timing is ``quiet + x * (busy - quiet)``, median and p99 alike. ``share`` is the
    load at the traffic's peak: the run's router rate over ``requestsPerSecond``."""

    busy: dict[str, Spread]
    quiet: dict[str, Spread]
    share: float = 1.0

    def spread(self, field: str, level: float = 1.0) -> Spread:
        """The spread of ``field`` (a fleet timing, or ``batch``) with the traffic at
        ``level`` of its peak."""
        busy, quiet = self.busy[field], self.quiet[field]
        x = min(1.0, max(0.0, self.share * level))
        return Spread(
            median=quiet.median + x * (busy.median - quiet.median), p99=quiet.p99 + x * (busy.p99 - quiet.p99)
        )


def host(profile: dict[str, Any], router_rate: float | None = None) -> Host | None:
    """The host of a profile with ``batchMs`` (None for a profile of separate nodes),
    loaded by a router sending ``router_rate`` requests a second at the traffic's peak
    (None: the profile's ``requestsPerSecond``, as measured)."""
    if "batchMs" not in profile:
        return None

    def seconds(ms: dict[str, float]) -> Spread:
        return Spread(median=ms["median"] / 1000, p99=ms["p99"] / 1000)

    keys = {field: key for field, key in HOST_TIMINGS.items() if key in profile}
    busy = {field: seconds(profile[key]) for field, key in keys.items()}
    measured = profile.get("quiet") or {}
    quiet = {field: seconds(measured[key]) if key in measured else busy[field] for field, key in keys.items()}
    capacity = float(profile["requestsPerSecond"])
    share = 1.0 if router_rate is None else min(1.0, router_rate / capacity)
    return Host(busy, quiet, share)


def overridden(scenario: Scenario) -> list[str]:
    """The timing fields the scenario sets that a profile replaces (camelCase)."""
    return [name for f, name in TIMINGS.items() if f in scenario.fleet.model_fields_set]
