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

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from hotswap.core.fields import Clock, Count, Model, Rate, Seconds, Spread, UtcOffset


class RegionSpec(Model):
    name: str = Field(min_length=1)
    nodes: Count
    idle_nodes: Count = 0
    utc_offset: UtcOffset = "+00:00"


class DiurnalTraffic(Model):
    """A cosine day between ``trafficPerNode`` (at ``peakAt``, local time) and
    ``trafficPerNode / peakToTrough`` twelve hours later."""

    peak_to_trough: float = Field(ge=1, le=1e6)
    peak_at: Clock


class TrafficSpec(Model):
    """Traffic over time: a recording replayed (``replay``, a CSV file), or a day."""

    replay: str | None = Field(default=None, min_length=1)
    diurnal: DiurnalTraffic | None = None

    @model_validator(mode="after")
    def _one(self) -> TrafficSpec:
        if (self.replay is None) == (self.diurnal is None):
            raise ValueError("give replay or diurnal, one of them")
        return self


class NodeFailures(Model):
    """Background failures of nodes, unrelated to any module."""

    per_node_year: float = Field(default=0.1, ge=0)
    repair_time: Seconds = 3600.0


class Outage(Model):
    """A region (or a share of it) down from ``at`` for ``duration``."""

    region: str
    at: Seconds
    duration: Seconds
    fraction: float = Field(default=1.0, gt=0, le=1)


class Fault(Model):
    """A fault injected into a region's first ``nodes`` active nodes (the first ones a
    canary reaches): ``kill`` (the worker dies and restarts), ``stop`` (it hangs for
    ``duration``), ``slow`` (each request takes ``slowMs`` longer for ``duration``)."""

    action: Literal["kill", "stop", "slow"]
    region: str
    at: Seconds
    nodes: Annotated[int, Field(strict=True, ge=1)] = 1
    duration: Seconds = 60.0
    slow_ms: float = Field(default=100.0, ge=0)


GUIDE_REGIONS = [("us-east", 20), ("us-west", 15), ("eu-central", 18), ("apac-east", 12)]


class Fleet(Model):
    regions: list[RegionSpec] = Field(
        default_factory=lambda: [
            RegionSpec.model_validate({"name": n, "nodes": k, "idleNodes": k}) for n, k in GUIDE_REGIONS
        ],
        min_length=1,
    )
    traffic_per_node: float = Field(default=20.0, ge=0)
    traffic: TrafficSpec | None = None
    deploy_seconds: Spread = Spread(median=2.0, p99=8.0)
    swap_seconds: Spread = Spread(median=0.05, p99=0.5)
    deploy_concurrency: Annotated[int, Field(strict=True, ge=1)] | None = None
    route_update_seconds: Seconds = 5.0
    health_check_seconds: Spread | None = None  # one health call; None: instant (a profile sets it)
    health_check_flake_rate: Rate = 0.0
    node_failures: NodeFailures = NodeFailures()
    outages: list[Outage] = Field(default_factory=list)
    faults: list[Fault] = Field(default_factory=list)
    restart_seconds: Seconds = 0.1

    @model_validator(mode="after")
    def _rate_once(self) -> Fleet:
        if self.traffic is not None and self.traffic.replay is not None and "traffic_per_node" in self.model_fields_set:
            raise ValueError("trafficPerNode and traffic.replay exclude each other: the recording gives the rate")
        return self


Variant = Literal["v1.1.0", "v1.2.0", "infinite-loop", "memory-bomb", "missing-export", "invalid-bytes"]


class ModuleProfile(Model):
    """How a module version behaves on the fleet (its fault profile)."""

    health_check_failure_rate: Rate = 0.0
    deploy_failure_rate: Rate = 0.0
    error_rate: Rate = 0.001
    crash_rate: Rate = 0.0
    mean_time_to_crash: Seconds = 120.0
    latency_ms: Spread = Spread(median=25.0, p99=100.0)
    memory_mb: float = Field(default=64.0, ge=0)
    variant: Variant | None = None  # which bundled WebAssembly module plays it on the real fleet
    wasm: str | None = Field(default=None, min_length=1)  # or a module of one's own (a file path)

    @model_validator(mode="after")
    def _one_module(self) -> ModuleProfile:
        if self.variant is not None and self.wasm is not None:
            raise ValueError("give a variant or a wasm file, not both")
        return self
