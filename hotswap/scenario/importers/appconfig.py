"""AWS AppConfig deployment strategies: ``aws appconfig get-deployment-strategy`` output or
a predefined ``AppConfig.*`` name.

Semantics followed (AppConfig documentation): LINEAR grows by ``GrowthFactor`` percent in
steps evenly spread over ``DeploymentDurationInMinutes``; EXPONENTIAL deploys to G x 2^N
percent (G the growth factor); then CloudWatch alarms are watched for
``FinalBakeTimeInMinutes``, during which a rollback is still possible.
"""

from __future__ import annotations

import math
from typing import Any

from hotswap.scenario.importers.common import GUIDE_TRIGGERS, Draft, ImportRefused, iso, number

PREDEFINED: dict[str, dict[str, Any]] = {
    "AppConfig.Linear50PercentEvery30Seconds": {
        "GrowthType": "LINEAR",
        "GrowthFactor": 50,
        "DeploymentDurationInMinutes": 1,
        "FinalBakeTimeInMinutes": 1,
    },
    "AppConfig.Linear20PercentEvery6Minutes": {
        "GrowthType": "LINEAR",
        "GrowthFactor": 20,
        "DeploymentDurationInMinutes": 30,
        "FinalBakeTimeInMinutes": 30,
    },
    "AppConfig.Canary10Percent20Minutes": {
        "GrowthType": "EXPONENTIAL",
        "GrowthFactor": 10,
        "DeploymentDurationInMinutes": 20,
        "FinalBakeTimeInMinutes": 10,
    },
    "AppConfig.AllAtOnce": {
        "GrowthType": "LINEAR",
        "GrowthFactor": 100,
        "DeploymentDurationInMinutes": 0,
        "FinalBakeTimeInMinutes": 10,
    },
}


def strategy(data: dict[str, Any], source: str) -> Draft:
    name = data.get("Name") or data.get("Id") or source
    draft = Draft(source, "AWS AppConfig deployment strategy", "", {}, description=f"AppConfig {name}")
    draft.notes.append(f"rollback alarms are not in a deployment strategy: {GUIDE_TRIGGERS} stand in")
    growth = data.get("GrowthType", "LINEAR")
    if growth not in ("LINEAR", "EXPONENTIAL"):
        raise ImportRefused(source, "GrowthType", "expected LINEAR or EXPONENTIAL")
    factor = number(data.get("GrowthFactor"), source, "GrowthFactor", low=1, high=100)
    duration = 60 * number(data.get("DeploymentDurationInMinutes", 0), source, "DeploymentDurationInMinutes")
    bake = 60 * number(data.get("FinalBakeTimeInMinutes", 0), source, "FinalBakeTimeInMinutes")
    if growth == "LINEAR":
        shares = [min(100.0, round(factor * k, 6)) for k in range(1, math.ceil(100 / factor - 1e-9) + 1)]
    else:
        shares, k = [], 0
        while not shares or shares[-1] < 100:
            shares.append(min(100.0, round(factor * 2**k, 6)))
            k += 1
    every = duration / len(shares)
    stages = [{"nodes": s, "hold": iso(every)} for s in shares]
    draft.approximated("targets", "AppConfig's targets (hosts polling the configuration) are the fleet's nodes")
    config: dict[str, Any] = {"stages": stages}
    if bake:
        config["bakeTime"] = iso(bake)
    draft.deployment = {"strategy": "Canary", "strategyConfig": config}
    return draft
