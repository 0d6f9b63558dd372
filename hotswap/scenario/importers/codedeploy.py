"""AWS CodeDeploy deployment configurations: ``aws deploy get-deployment-config`` output or
a predefined ``CodeDeployDefault.*`` name.

Semantics followed (CodeDeploy documentation): ``TimeBasedCanary`` shifts
``canaryPercentage`` of the traffic, waits ``canaryInterval`` minutes, then shifts the
rest; ``TimeBasedLinear`` shifts ``linearPercentage`` every ``linearInterval`` minutes;
``AllAtOnce`` shifts everything at once. EC2/on-premises (``Server``) configs keep
``minimumHealthyHosts`` (HOST_COUNT or FLEET_PERCENT) healthy: an in-place update in
batches of the rest. Rollbacks come from CloudWatch alarms, which the config does not hold.
"""

from __future__ import annotations

from typing import Any

from hotswap.scenario.importers.common import GUIDE_TRIGGERS, Draft, ImportRefused, iso, number

PREDEFINED: dict[str, dict[str, Any]] = {
    **{
        f"CodeDeployDefault.{p}Canary10Percent{m}Minutes": {
            "computePlatform": p,
            "trafficRoutingConfig": {
                "type": "TimeBasedCanary",
                "timeBasedCanary": {"canaryPercentage": 10, "canaryInterval": m},
            },
        }
        for p, ms in (("Lambda", (5, 10, 15, 30)), ("ECS", (5, 15)))
        for m in ms
    },
    **{
        f"CodeDeployDefault.LambdaLinear10PercentEvery{m}Minute{'s' if m > 1 else ''}": {
            "computePlatform": "Lambda",
            "trafficRoutingConfig": {
                "type": "TimeBasedLinear",
                "timeBasedLinear": {"linearPercentage": 10, "linearInterval": m},
            },
        }
        for m in (1, 2, 3, 10)
    },
    **{
        f"CodeDeployDefault.ECSLinear10PercentEvery{m}Minutes": {
            "computePlatform": "ECS",
            "trafficRoutingConfig": {
                "type": "TimeBasedLinear",
                "timeBasedLinear": {"linearPercentage": 10, "linearInterval": m},
            },
        }
        for m in (1, 3)
    },
    "CodeDeployDefault.LambdaAllAtOnce": {"computePlatform": "Lambda", "trafficRoutingConfig": {"type": "AllAtOnce"}},
    "CodeDeployDefault.ECSAllAtOnce": {"computePlatform": "ECS", "trafficRoutingConfig": {"type": "AllAtOnce"}},
    "CodeDeployDefault.AllAtOnce": {
        "computePlatform": "Server",
        "minimumHealthyHosts": {"type": "HOST_COUNT", "value": 0},
    },
    "CodeDeployDefault.HalfAtATime": {
        "computePlatform": "Server",
        "minimumHealthyHosts": {"type": "FLEET_PERCENT", "value": 50},
    },
    "CodeDeployDefault.OneAtATime": {"computePlatform": "Server", "oneAtATime": True},
}


def config(info: dict[str, Any], source: str, nodes: int) -> Draft:
    """A CodeDeploy config (``deploymentConfigInfo``) on a fleet of ``nodes`` active nodes."""
    name = info.get("deploymentConfigName", source)
    draft = Draft(source, "AWS CodeDeploy deployment config", "", {}, description=f"CodeDeploy {name}")
    draft.notes.append(f"rollback alarms are not in a deployment config: {GUIDE_TRIGGERS} stand in")
    routing = info.get("trafficRoutingConfig")
    where = "deploymentConfigInfo.trafficRoutingConfig"
    if info.get("computePlatform", "Server") == "Server" and not routing:
        draft.deployment = {"strategy": "Rolling", "strategyConfig": _rolling(draft, info, nodes)}
        return draft
    if not isinstance(routing, dict) or routing.get("type") not in ("TimeBasedCanary", "TimeBasedLinear", "AllAtOnce"):
        raise ImportRefused(source, f"{where}.type", "expected TimeBasedCanary, TimeBasedLinear or AllAtOnce")
    draft.approximated(where, "traffic shifts onto the same share of nodes (Lambda versions, ECS task sets)")
    kind = routing["type"]
    if kind == "TimeBasedCanary":
        c = routing.get("timeBasedCanary") or {}
        p = number(c.get("canaryPercentage"), source, f"{where}.timeBasedCanary.canaryPercentage", low=1, high=99)
        m = number(c.get("canaryInterval"), source, f"{where}.timeBasedCanary.canaryInterval", low=0)
        stages = [{"nodes": p, "hold": iso(m * 60)}, {"nodes": 100, "hold": "PT0S"}]
    elif kind == "TimeBasedLinear":
        c = routing.get("timeBasedLinear") or {}
        p = number(c.get("linearPercentage"), source, f"{where}.timeBasedLinear.linearPercentage", low=1, high=100)
        m = number(c.get("linearInterval"), source, f"{where}.timeBasedLinear.linearInterval", low=0)
        shares, k = [], 1
        while k * p < 100 - 1e-9:
            shares.append(round(k * p, 6))
            k += 1
        stages = [{"nodes": s, "hold": iso(m * 60)} for s in shares] + [{"nodes": 100, "hold": "PT0S"}]
    else:
        stages = [{"nodes": 100, "hold": "PT0S"}]
    draft.deployment = {"strategy": "Canary", "strategyConfig": {"stages": stages}}
    return draft


def _rolling(draft: Draft, info: dict[str, Any], nodes: int) -> dict[str, Any]:
    where = "deploymentConfigInfo.minimumHealthyHosts"
    if info.get("oneAtATime"):
        return {"batchSize": 1, "batchDelay": "PT0S"}
    hosts = info.get("minimumHealthyHosts")
    if not isinstance(hosts, dict) or hosts.get("type") not in ("HOST_COUNT", "FLEET_PERCENT"):
        raise ImportRefused(draft.source, f"{where}.type", "expected HOST_COUNT or FLEET_PERCENT")
    draft.approximated(where, "in-place batches of the hosts beyond the minimum healthy, no delay between them")
    if hosts["type"] == "FLEET_PERCENT":
        healthy = number(hosts.get("value"), draft.source, f"{where}.value", high=99)
        return {"batchSize": f"{100 - healthy:g}%", "batchDelay": "PT0S"}
    healthy = number(hosts.get("value"), draft.source, f"{where}.value")
    return {"batchSize": max(1, nodes - int(healthy)), "batchDelay": "PT0S"}
