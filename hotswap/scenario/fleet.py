"""The fleet and module sections of a scenario, with documented defaults.

Defaults and where they come from (see docs/scenario.md):
- regions: the guide's regional example (us-east 20, us-west 15, eu-central 18,
  apac-east 12), each with as many idle nodes, so blue-green has room;
- background node failures: 0.1 per node-year (Dean 2008: ~1,000 machine failures a year
  in a new ~10,000-machine cluster), repaired after an hour;
- deploy (download + compile + instantiate): median 2 s, p99 8 s (Cloudflare's
  Quicksilver pushes config fleet-wide "within seconds"); a swap back to a module the
  node still holds: median 50 ms, p99 500 ms; a load-balancer update: 5 s; a killed
  worker's restart: 0.1 s (benchmarks/hot_swap.py measures ~75 ms on the real fleet);
- a module: healthy, 0.1% errors, 25 ms median latency (the guide's A/B example).
"""

from functools import partial
from typing import Annotated, Literal

from pydantic import Field, model_validator

from hotswap.core import limits
from hotswap.core.fields import Clock, Model, MsSpread, Name, Rate, Seconds, SecondsSpread, Spread, UtcOffset


class RegionSpec(Model):
    name: Name
    """Region name, referred to by outages, targetRegions and regionOrder."""
    nodes: Annotated[int, Field(strict=True, ge=0, le=limits.TOTAL_NODES)]
    """Active nodes, running the previous module and serving traffic at the start."""
    idle_nodes: Annotated[int, Field(strict=True, ge=0, le=limits.TOTAL_NODES)] = 0
    """Spare nodes with no module: the green environment of a blue-green deployment."""
    utc_offset: UtcOffset = "+00:00"
    """The region's local time as an offset from UTC (+HH:MM or -HH:MM), for a diurnal day."""


class DiurnalTraffic(Model):
    """A cosine day between ``trafficPerNode`` (at ``peakAt``, local time) and
    ``trafficPerNode / peakToTrough`` twelve hours later."""

    peak_to_trough: float = Field(ge=1, le=1e6)
    """Peak rate over trough rate (1: flat)."""
    peak_at: Clock
    """When the peak comes, in each region's local time (HH:MM)."""


class TrafficSpec(Model):
    """Traffic over time: a recording replayed (``replay``, a CSV file), or a day."""

    replay: Annotated[str, Field(min_length=1, max_length=limits.TEXT)] | None = None
    """A CSV recording (seconds, region, requestsPerSecondPerNode, ...), relative to the scenario."""
    diurnal: DiurnalTraffic | None = None
    """A day of traffic: trafficPerNode at the peak, peakToTrough times less at the trough."""

    @model_validator(mode="after")
    def _one(self) -> "TrafficSpec":
        if (self.replay is None) == (self.diurnal is None):
            raise ValueError("give replay or diurnal, one of them")
        return self


class NodeFailures(Model):
    """Background failures of nodes, unrelated to any module."""

    per_node_year: float = Field(default=0.1, ge=0, le=limits.FAILURES_PER_NODE_YEAR)
    """Failures per node per year (Dean 2008: 0.1)."""
    repair_time: Seconds = 3600.0
    """Mean time a failed node stays down (seconds)."""


class Outage(Model):
    """A region (or a share of it) down from ``at`` for ``duration``."""

    region: Name
    """A region of the fleet."""
    at: Seconds
    """When the outage starts, from the start of the run (seconds)."""
    duration: Seconds
    """How long it lasts (seconds)."""
    fraction: float = Field(default=1.0, gt=0, le=1)
    """Share of the region's nodes that go down (a fraction, 0-1]."""


class Fault(Model):
    """A fault injected into a region's first ``nodes`` active nodes (the first ones a
    canary reaches): ``kill`` (the worker dies and restarts), ``stop`` (it hangs for
    ``duration``), ``slow`` (each request takes ``slowMs`` longer for ``duration``)."""

    action: Literal["kill", "stop", "slow"]
    """kill (the worker dies and restarts), stop (it hangs), slow (requests take longer)."""
    region: Name
    """A region of the fleet."""
    at: Seconds
    """When, from the start of the run (seconds)."""
    nodes: Annotated[int, Field(strict=True, ge=1, le=limits.TOTAL_NODES)] = 1
    """How many of the region's first active nodes."""
    duration: Seconds = 60.0
    """How long a stop or slow lasts (seconds)."""
    slow_ms: float = Field(default=100.0, ge=0, le=limits.LATENCY_MS)
    """What a slow node adds to each request (ms)."""


GUIDE_REGIONS = [("us-east", 20), ("us-west", 15), ("eu-central", 18), ("apac-east", 12)]


class Fleet(Model):
    regions: list[RegionSpec] = Field(
        default_factory=lambda: [
            RegionSpec.model_validate({"name": n, "nodes": k, "idleNodes": k}) for n, k in GUIDE_REGIONS
        ],
        min_length=1,
        max_length=limits.REGIONS,
    )
    """The fleet's regions; default: the guide's regional example (65 nodes, as many idle)."""
    traffic_per_node: float = Field(default=20.0, ge=0, le=limits.TRAFFIC_PER_NODE)
    """Requests per second per active node (with a diurnal day: at the peak)."""
    traffic: TrafficSpec | None = None
    """Traffic over time: a replayed recording or a diurnal day; null: flat trafficPerNode."""
    deploy_seconds: SecondsSpread = Field(default_factory=partial(Spread, median=2.0, p99=8.0))
    """Time for one node to load the new module (seconds; median and p99)."""
    swap_seconds: SecondsSpread = Field(default_factory=partial(Spread, median=0.05, p99=0.5))
    """Time to swap a node back to a module it still holds (seconds; median and p99)."""
    deploy_concurrency: Annotated[int, Field(strict=True, ge=1, le=limits.TOTAL_NODES)] | None = None
    """Nodes loading (or answering a health call) at once; null: unlimited."""
    route_update_seconds: Seconds = 5.0
    """Time for a load-balancer weight update (seconds)."""
    health_check_seconds: Spread | None = None
    """Time of one health call (seconds; median and p99); null: instant (a timing profile sets it)."""
    health_check_flake_rate: Rate = 0.0
    """Chance (a fraction, 0-1) that one health call on a healthy node fails anyway."""
    node_failures: NodeFailures = Field(default_factory=NodeFailures)
    """Background failures of nodes, unrelated to any module."""
    outages: list[Outage] = Field(default_factory=list)
    """Regions (or shares of them) that go down during the run."""
    faults: list[Fault] = Field(default_factory=list)
    """Faults injected into a few nodes: kill, stop, slow."""
    restart_seconds: Seconds = 0.1
    """How long a killed worker is down before it runs again (seconds)."""
    profile: str | None = Field(default=None, min_length=1, max_length=4096)
    """A timing profile (hotswap measure) the simulator plays instead of its timing draws:
    a path relative to the scenario file."""

    @model_validator(mode="after")
    def _rate_once(self) -> "Fleet":
        if self.traffic is not None and self.traffic.replay is not None and "traffic_per_node" in self.model_fields_set:
            raise ValueError("trafficPerNode and traffic.replay exclude each other: the recording gives the rate")
        return self


Variant = Literal["v1.1.0", "v1.2.0", "infinite-loop", "memory-bomb", "missing-export", "invalid-bytes"]


class ModuleProfile(Model):
    """How a module version behaves on the fleet (its fault profile)."""

    health_check_failure_rate: Rate = 0.0
    """Share of nodes (a fraction, 0-1) on which the health check fails."""
    deploy_failure_rate: Rate = 0.0
    """Share of node loads (a fraction, 0-1) that fail."""
    error_rate: Rate = 0.001
    """Share of requests (a fraction, 0-1; 0.05 is 5%) that fail."""
    crash_rate: Rate = 0.0
    """Share of nodes (a fraction, 0-1) on which the worker crashes after the load."""
    mean_time_to_crash: Seconds = 120.0
    """Mean time from the load to the crash on crashing nodes (seconds)."""
    latency_ms: MsSpread = Field(default_factory=partial(Spread, median=25.0, p99=100.0))
    """Latency of one request (ms; median and p99)."""
    memory_mb: float = Field(default=64.0, ge=0, le=limits.MEMORY_MB)
    """Memory per instance (MB)."""
    variant: Variant | None = None  # which bundled WebAssembly module plays it on the real fleet
    """Which bundled WebAssembly module plays it on the real fleet (the simulator ignores it)."""
    wasm: str | None = Field(default=None, min_length=1, max_length=4096)  # or a module of one's own (a file path)
    """Or a module of one's own on the real fleet: a .wat or .wasm path, relative to the scenario file."""

    @model_validator(mode="after")
    def _one_module(self) -> "ModuleProfile":
        if self.variant is not None and self.wasm is not None:
            raise ValueError("give a variant or a wasm file, not both")
        return self
