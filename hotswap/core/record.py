"""Result records: one flat record per run, the same for every backend, and the
summary of many seeded runs.

A record is plain JSON data with floats rounded to microseconds, so the same scenario
and seed give byte-identical output.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hotswap.core.execution import Execution
from hotswap.core.figures import FIGURES, describe, figure
from hotswap.core.ledger import Ledger
from hotswap.core.rollout import Rollout
from hotswap.core.stages import warnings as stage_warnings


def record(
    scenario: str,
    rollout: Rollout,
    *,
    backend: str,
    seed: int,
    execution: Execution,
    ledger: Ledger,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The result record of one finished run."""
    assert execution.outcome is not None, "the strategy has not finished"
    now = execution.finished_at
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
        "blastRadius": ledger.blast_radius(now),
        "fleet": {"nodes": ledger.targets, "regions": len(rollout.fleet.regions), "idleNodes": len(rollout.fleet.idle)},
        "finalState": ledger.final_state(),
        "capacity": ledger.capacity(),
        **(extra or {}),
        "warnings": warnings(rollout, ledger.timeline),
        "timeline": sorted(ledger.timeline, key=lambda e: e["t"]),  # stable: ties keep their order
    }
    return _rounded(data)


def warnings(rollout: Rollout, timeline: list[dict[str, Any]]) -> list[dict[str, str]]:
    """What a reader of the record should know before trusting it: ``stage-collapse``
    (stages that expose other shares than they say) and ``low-power`` (a wait whose
    traffic could not have shown a module just past a trigger). Each is
    ``{"code": ..., "message": ...}``; other parts of hotswap may add codes."""
    out = stage_warnings(rollout.fleet, list(rollout.config.stages)) if rollout.strategy == "Canary" else []
    for entry in timeline:
        if "lowPower" in entry:
            where = f"stage {entry['stage']:g}%" if "stage" in entry else f"the wait ending at {entry['t']:g} s"
            out.append({"code": "low-power", "message": f"{where}: {entry['lowPower']}"})
    return out


def _rounded(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return round(float(value), 6)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-figure statistics over runs (rollback time over the runs that rolled back)
    and the share of each outcome."""
    outcomes: dict[str, int] = {}
    for run in runs:
        outcomes[run["outcome"]] = outcomes.get(run["outcome"], 0) + 1
    figures = {}
    for name in FIGURES:
        values = [v for v in (figure(run, name) for run in runs) if v is not None]
        figures[name] = describe(values)
    return _rounded(
        {
            "runs": len(runs),
            "seeds": [runs[0]["seed"], runs[-1]["seed"]] if runs else [],
            "outcomes": {k: {"count": v, "rate": v / len(runs)} for k, v in sorted(outcomes.items())},
            "figures": figures,
        }
    )
