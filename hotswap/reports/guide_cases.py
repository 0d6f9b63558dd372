"""The guide's example deployments as the strategy table measures them: every strategy
with its guide configuration on the guide's example fleet (65 nodes in four regions, with
65 idle ones for blue-green) and on the same fleet a hundred times larger, with a healthy
new module (the guide's A/B figures: 25 ms to 15 ms) and a bad one (its health checks
pass, 12% of its requests fail).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from hotswap.core.config import STRATEGIES
from hotswap.reports import compare, guide
from hotswap.scenario import Scenario

BASE = 65  # the guide's example fleet
LARGE = 100  # and the same fleet this many times larger
REGIONS = (("us-east", 20), ("us-west", 15), ("eu-central", 18), ("apac-east", 12))
HEALTHY = {"latencyMs": {"median": 15, "p99": 60}}
BAD = {**HEALTHY, "errorRate": 0.12}
PREVIOUS = {"latencyMs": {"median": 25, "p99": 100}}


def scenario(strategy: str, scale: int, module: dict[str, Any], *, name: str = "", **changes: Any) -> Scenario:
    """The guide's example deployment of ``strategy`` on its example fleet times ``scale``."""
    config = dict(guide.CONFIGS[strategy]["strategyConfig"])
    config.update(changes.pop("config", {}))
    fleet = {"regions": [{"name": n, "nodes": k * scale, "idleNodes": k * scale} for n, k in REGIONS]}
    fleet.update(changes.pop("fleet", {}))
    return Scenario.model_validate(
        {
            "name": name or f"guide-{strategy}-{65 * scale}",
            "previousModuleId": "image-processor-v1.1.0",
            "fleet": fleet,
            "modules": {"image-processor-v1.1.0": PREVIOUS, "image-processor-v1.2.0": module},
            "deployment": {
                "deploymentId": guide.CONFIGS[strategy]["deploymentId"],
                "moduleId": "image-processor-v1.2.0",
                "strategy": strategy,
                "strategyConfig": config,
                **changes,
            },
        }
    )


def cases(large: int = LARGE) -> list[compare.Case]:
    return [
        compare.Case(f"{s} {c} {BASE * scale}", s, f"{c} {BASE * scale}", scenario(s, scale, module))
        for s in STRATEGIES
        for scale in (1, large)
        for c, module in (("healthy", HEALTHY), ("faulty", BAD))
    ]


def large_runs(runs: int) -> int:
    return max(5, runs // 10)


def counts(items: list[compare.Case], runs: int) -> list[int]:
    """Runs per case: ``runs`` on the guide's fleet, ``large_runs`` on the larger one."""
    return [runs if case.condition.endswith(f" {BASE}") else large_runs(runs) for case in items]


def mean(frame: pd.DataFrame, strategy: str, condition: str, column: str) -> float:
    """The mean of a column over one case's runs (NaN when it has none)."""
    return float(frame.loc[(frame["strategy"] == strategy) & (frame["condition"] == condition), column].mean())


def median(frame: pd.DataFrame, strategy: str, condition: str, column: str) -> float | None:
    values = frame.loc[(frame["strategy"] == strategy) & (frame["condition"] == condition), column].dropna()
    return float(values.median()) if len(values) else None


def spread(frame: pd.DataFrame, strategy: str, condition: str, column: str, unit: Callable[[float], str]) -> str:
    values = frame.loc[(frame["strategy"] == strategy) & (frame["condition"] == condition), column].dropna()
    if not len(values):
        return "-"
    p5, p50, p95 = np.percentile(values.to_numpy(dtype=float), [5, 50, 95])
    return f"{unit(p50)} [{unit(p5)}-{unit(p95)}], n={len(values)}"
