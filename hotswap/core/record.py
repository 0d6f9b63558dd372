"""Result records: one flat record per run, the same for every backend, and the
summary of many seeded runs.

A record is plain JSON data with floats rounded to microseconds, so the same scenario
and seed give byte-identical output.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict, cast

import numpy as np

from hotswap.core.execution import Execution
from hotswap.core.figures import FIGURES, Statistics, describe, figure
from hotswap.core.ledger import Ledger
from hotswap.core.rollout import Rollout
from hotswap.core.stages import regional_warnings
from hotswap.core.stages import warnings as stage_warnings
from hotswap.core.strategies.regional import waves


class WaveRadius(TypedDict):
    """What the new module reached in one wave of a Regional rollout."""

    regions: list[str]
    nodes: int
    nodesPercent: float
    requests: int
    failedRequests: int


class BlastRadius(TypedDict):
    """What the new module reached: nodes, their share, requests it served and failed,
    and node-seconds of exposure; per wave, for a Regional rollout."""

    nodes: int
    nodesPercent: float
    requests: int
    failedRequests: int
    nodeSeconds: float
    waves: NotRequired[list[WaveRadius]]


class FleetSize(TypedDict):
    nodes: int
    regions: int
    idleNodes: int


class FinalState(TypedDict):
    newModuleNodes: int
    previousModuleNodes: int


class Capacity(TypedDict):
    peakNodes: int
    overheadPercent: float


class Warning(TypedDict):
    """What a reader should know before trusting a record: a code and one line."""

    code: str
    message: str


class RunRecord(TypedDict):
    """One run's result: the JSON contract shared by every backend (camelCase keys)."""

    scenario: str
    backend: str
    seed: int
    strategy: str
    deploymentId: str
    moduleId: str
    previousModuleId: str
    outcome: str
    reason: str
    deployTimeSeconds: float
    rollbackTimeSeconds: float | None
    totalTimeSeconds: float
    blastRadius: BlastRadius
    fleet: FleetSize
    finalState: FinalState
    capacity: Capacity
    real: NotRequired[dict[str, Any]]  # the real fleet's own figures
    warnings: list[Warning]
    timeline: list[dict[str, Any]]


class OutcomeShare(TypedDict):
    count: int
    rate: float


class Summary(TypedDict):
    """Many seeded runs: their count, first and last seed, outcome shares, figures."""

    runs: int
    seeds: list[int]
    outcomes: dict[str, OutcomeShare]
    figures: dict[str, Statistics]


def record(
    scenario: str,
    rollout: Rollout,
    *,
    backend: str,
    seed: int,
    execution: Execution,
    ledger: Ledger,
    extra: Mapping[str, Any] | None = None,
) -> RunRecord:
    """The result record of one finished run."""
    assert execution.outcome is not None, "the strategy has not finished"
    now = execution.finished_at
    radius: dict[str, Any] = dict(ledger.blast_radius(now))
    if rollout.strategy == "Regional":
        radius["waves"] = ledger.wave_radius([[(g.name, g.active) for g in wave] for wave in waves(rollout)])
    data = {
        "scenario": scenario,
        "backend": backend,
        "seed": seed,
        "strategy": rollout.strategy,
        "deploymentId": rollout.deployment_id,
        "moduleId": rollout.module_id,
        "previousModuleId": rollout.previous_id,
        "outcome": execution.outcome.status,
        "reason": execution.outcome.reason,
        "deployTimeSeconds": execution.deploy_seconds,
        "rollbackTimeSeconds": execution.rollback_seconds,
        "totalTimeSeconds": now,
        "blastRadius": radius,
        "fleet": {"nodes": ledger.targets, "regions": len(rollout.fleet.regions), "idleNodes": len(rollout.fleet.idle)},
        "finalState": ledger.final_state(),
        "capacity": ledger.capacity(),
        **(extra or {}),
        "warnings": warnings(rollout, ledger.timeline),
        "timeline": sorted(ledger.timeline, key=lambda e: e["t"]),  # stable: ties keep their order
    }
    return cast(RunRecord, _rounded(data))


def warnings(rollout: Rollout, timeline: list[dict[str, Any]]) -> list[Warning]:
    """What a reader of the record should know before trusting it: ``stage-collapse``
    (stages, of a Canary or of a Regional rollout's ``canaryWithinRegion``, that expose
    other shares than they say), ``low-power`` (a wait whose
    traffic could not have shown a module just past a trigger). Each is
    ``{"code": ..., "message": ...}``; other parts of hotswap may add codes."""
    cfg = rollout.config
    staged: list[dict[str, str]] = []
    if rollout.strategy == "Canary":
        staged = stage_warnings([len(r.active) for r in rollout.fleet.regions], cfg.plan())
    elif rollout.strategy == "Regional" and cfg.canary_within_region is not None:
        regions = [(g.name, len(g.active)) for wave in waves(rollout) for g in wave]
        staged = regional_warnings(regions, cfg.canary_within_region.plan())
    out = [Warning(code=w["code"], message=w["message"]) for w in staged]
    for entry in timeline:
        if "lowPower" in entry:
            where = f"stage {entry['stage']:g}%" if "stage" in entry else f"the wait ending at {entry['t']:g} s"
            out.append(Warning(code="low-power", message=f"{where}: {entry['lowPower']}"))
    return out


_PLAIN = frozenset((str, int, bool, type(None)))


def _rounded(value: Any) -> Any:
    kind = type(value)
    if kind is float:
        return round(value, 6)
    if kind in _PLAIN:
        return value
    if kind is dict:  # the common cases inline: a timeline holds many thousands of entries
        return {
            k: round(v, 6) if type(v) is float else v if type(v) in _PLAIN else _rounded(v) for k, v in value.items()
        }
    if isinstance(value, float | np.floating):
        return round(float(value), 6)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value


class Summarizer:
    """Per-figure statistics over runs, folded one run at a time from its scalars (the
    records themselves need not be kept): rollback time over the runs that rolled back,
    and the share of each outcome."""

    def __init__(self) -> None:
        self.runs = 0
        self.seeds: list[int] = []
        self.outcomes: dict[str, int] = {}
        self.values: dict[str, list[float]] = {name: [] for name in FIGURES}

    def add(self, run: RunRecord) -> None:
        self.runs += 1
        self.seeds = [self.seeds[0] if self.seeds else run["seed"], run["seed"]]
        self.outcomes[run["outcome"]] = self.outcomes.get(run["outcome"], 0) + 1
        for name, values in self.values.items():
            value = figure(run, name)
            if value is not None:
                values.append(value)

    def result(self) -> Summary:
        n = self.runs
        data = {
            "runs": n,
            "seeds": self.seeds,
            "outcomes": {k: {"count": v, "rate": v / n} for k, v in sorted(self.outcomes.items())},
            "figures": {name: describe(values) for name, values in self.values.items()},
        }
        return cast(Summary, _rounded(data))


def summarize(runs: Sequence[RunRecord]) -> Summary:
    """``Summarizer`` over a list of runs."""
    summary = Summarizer()
    for run in runs:
        summary.add(run)
    return summary.result()
