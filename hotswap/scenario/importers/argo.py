"""Argo Rollouts: a ``Rollout`` (canary or blueGreen) and its ``AnalysisTemplate`` /
``ClusterAnalysisTemplate`` documents, mapped onto a Canary or BlueGreen scenario.

Semantics followed (Argo Rollouts documentation): ``setWeight`` sets the canary's traffic
weight, ``setCanaryScale`` its replicas; ``pause: {duration}`` holds, ``pause: {}`` waits
for a person; an ``analysis`` step runs its templates ``count`` times every ``interval``;
background ``analysis`` runs from ``startingStep`` until the rollout ends. A metric fails
the run when its failed measurements exceed ``failureLimit`` (default 0), its
consecutive errors exceed ``consecutiveErrorLimit`` (default 4); inconclusive ones beyond
``inconclusiveLimit`` (default 0) pause the rollout. After the last step the rollout is
promoted to 100%.
"""

from __future__ import annotations

import re
from typing import Any

from hotswap.scenario.importers.common import GUIDE_TRIGGERS, Draft, ImportRefused, iso, module_id, number, seconds

TEMPLATE_KINDS = ("AnalysisTemplate", "ClusterAnalysisTemplate")
APPROVAL = "PT30M"  # assumed: a person approves an indefinite pause after half an hour
CONDITION = re.compile(r"result(?:\[0\])?\s*(>=|<=|>|<|==)\s*([0-9]*\.?[0-9]+(?:[eE][-+]?\d+)?)")


def rollout(doc: dict[str, Any], templates: dict[str, dict[str, Any]], source: str) -> Draft:
    spec = _mapping(doc.get("spec"), source, "spec")
    strategy = _mapping(spec.get("strategy"), source, "spec.strategy")
    image = _image(spec, source)
    name = (doc.get("metadata") or {}).get("name", "rollout")
    if "canary" in strategy:
        draft = Draft(source, "Argo Rollout (canary)", module_id(image), {}, description=f"Argo Rollout {name}")
        _canary(draft, _mapping(strategy["canary"], source, "spec.strategy.canary"), templates, spec)
    elif "blueGreen" in strategy:
        draft = Draft(source, "Argo Rollout (blueGreen)", module_id(image), {}, description=f"Argo Rollout {name}")
        _blue_green(draft, _mapping(strategy["blueGreen"], source, "spec.strategy.blueGreen"), templates)
    else:
        raise ImportRefused(source, "spec.strategy", "neither canary nor blueGreen")
    if "progressDeadlineSeconds" in spec:
        draft.ignored("spec.progressDeadlineSeconds", "HotSwap's deploys do not time out as a whole")
    else:
        draft.ignored("spec.progressDeadlineSeconds (600)", "HotSwap's deploys do not time out as a whole")
    return draft


def _canary(draft: Draft, canary: dict[str, Any], templates: dict[str, dict[str, Any]], spec: dict[str, Any]) -> None:
    src = draft.source
    for key in ("maxSurge", "maxUnavailable"):
        draft.approximated(
            f"spec.strategy.canary.{key} ({canary.get(key, '25%')})",
            "HotSwap swaps the module in place on each stage's nodes: no surge, no node unavailable",
        )
    if "trafficRouting" not in canary:
        draft.approximated(
            "spec.strategy.canary (no trafficRouting)",
            "the weight is a share of nodes, which get that share of traffic",
        )
    replicas = spec.get("replicas", 1)
    stages: list[dict[str, Any]] = []
    weight, scale = 0.0, None  # traffic weight, canary replicas as a percent (None: follows the weight)
    analyses: list[list[dict[str, Any]]] = []
    first_watched: int | None = None
    steps = canary.get("steps") or []
    if not isinstance(steps, list):
        raise ImportRefused(src, "spec.strategy.canary.steps", "expected a list")
    for i, step in enumerate(steps):
        where = f"spec.strategy.canary.steps[{i}]"
        if not isinstance(step, dict) or len(step) != 1:
            raise ImportRefused(src, where, "expected one step (setWeight, pause, analysis, setCanaryScale)")
        ((key, value),) = step.items()
        if key == "setWeight":
            weight = number(value, src, f"{where}.setWeight", high=100)
            nodes = weight if scale is None else scale
            if nodes == 0:
                draft.ignored(f"{where}.setWeight", "a weight of 0 puts the new module nowhere")
                continue
            stages.append({"nodes": nodes, "traffic": weight, "hold": 0.0})
        elif key == "setCanaryScale":
            scale = _scale(value, replicas, weight, src, f"{where}.setCanaryScale")
            if stages and scale is not None and scale > stages[-1]["nodes"]:
                stages.append({"nodes": scale, "traffic": weight, "hold": 0.0})
        elif key == "pause":
            value = value or {}
            if "duration" in value:
                hold = seconds(value["duration"], src, f"{where}.pause.duration")
                if stages:
                    stages[-1]["hold"] += hold
                else:
                    draft.ignored(f"{where}.pause", "a pause before the first setWeight exposes nothing")
            else:
                stages.append({"approval": APPROVAL})
                draft.approximated(f"{where}.pause {{}}", f"a person approves after {APPROVAL} (edit the approval)")
        elif key == "analysis":
            found = _templates(value, templates, src, f"{where}.analysis")
            analyses += found
            length = max((m["interval"] * m["count"] for t in found for m in t), default=0.0)
            if stages:
                stages[-1]["hold"] += length
            if first_watched is None:
                first_watched = max(1, sum(1 for s in stages if "nodes" in s))
            draft.approximated(
                f"{where}.analysis",
                f"held {iso(length)} (count x interval) with the triggers watching; one count of measurements for "
                "the whole rollout",
            )
        else:
            draft.ignored(f"{where}.{key}", "not modelled")
    background = canary.get("analysis")
    if background:
        found = _templates(background, templates, src, "spec.strategy.canary.analysis")
        analyses = found + analyses
        starting = background.get("startingStep", 0)
        if not isinstance(starting, int) or starting < 0:
            raise ImportRefused(src, "spec.strategy.canary.analysis.startingStep", "expected a step index")
        on_weight = starting < len(steps) and isinstance(steps[starting], dict) and "setWeight" in steps[starting]
        upto = steps[: starting + 1] if on_weight else steps[:starting]
        first_watched = max(1, sum(1 for s in upto if isinstance(s, dict) and "setWeight" in s))
        if starting and not on_weight:
            draft.approximated(
                "spec.strategy.canary.analysis.startingStep", "watched from the start of the stage it falls in"
            )
    share_stages = [s for s in stages if "nodes" in s]
    if not share_stages or share_stages[-1]["nodes"] < 100 or share_stages[-1]["traffic"] < 100:
        stages.append({"nodes": 100, "hold": 0.0})  # the rollout is promoted after its last step
    config: dict[str, Any] = {"stages": [_stage(s) for s in stages]}
    if first_watched and first_watched > 1:
        config["startingStage"] = first_watched
    draft.deployment = {"strategy": "Canary", "strategyConfig": config, **_auto_rollback(draft, analyses)}


def _stage(stage: dict[str, Any]) -> Any:
    if "approval" in stage:
        return stage
    out: dict[str, Any] = {"nodes": stage["nodes"]}
    if stage.get("traffic") is not None and stage["traffic"] != stage["nodes"]:
        out["traffic"] = stage["traffic"]
    out["hold"] = iso(stage["hold"])
    return out


def _scale(value: Any, replicas: Any, weight: float, src: str, where: str) -> float | None:
    if not isinstance(value, dict):
        raise ImportRefused(src, where, "expected weight, replicas or matchTrafficWeight")
    if value.get("matchTrafficWeight"):
        return None
    if "weight" in value:
        return number(value["weight"], src, f"{where}.weight", low=0, high=100) or None
    if "replicas" in value:
        total = number(replicas, src, "spec.replicas", low=1)
        return min(100.0, 100 * number(value["replicas"], src, f"{where}.replicas") / total) or None
    raise ImportRefused(src, where, "expected weight, replicas or matchTrafficWeight")


def _blue_green(draft: Draft, bg: dict[str, Any], templates: dict[str, dict[str, Any]]) -> None:
    src = draft.source
    delay = seconds(bg.get("scaleDownDelaySeconds", 30), src, "spec.strategy.blueGreen.scaleDownDelaySeconds")
    analyses: list[list[dict[str, Any]]] = []
    if bg.get("postPromotionAnalysis"):
        found = _templates(bg["postPromotionAnalysis"], templates, src, "spec.strategy.blueGreen.postPromotionAnalysis")
        analyses += found
        length = max((m["interval"] * m["count"] for t in found for m in t), default=0.0)
        delay = max(delay, length)
    if bg.get("prePromotionAnalysis"):
        draft.approximated(
            "spec.strategy.blueGreen.prePromotionAnalysis", "green is health-checked before the switch, not analysed"
        )
    if bg.get("autoPromotionEnabled", True) is False:
        draft.approximated("spec.strategy.blueGreen.autoPromotionEnabled", "HotSwap switches once green is healthy")
    if "autoPromotionSeconds" in bg:
        draft.ignored("spec.strategy.blueGreen.autoPromotionSeconds", "HotSwap switches once green is healthy")
    draft.approximated(
        "spec.strategy.blueGreen.scaleDownDelaySeconds",
        f"blue kept warm {iso(delay)} after the switch, the triggers watching (blueRetentionPeriod)",
    )
    config = {"keepBlueEnvironment": True, "blueRetentionPeriod": iso(delay)}
    draft.deployment = {"strategy": "BlueGreen", "strategyConfig": config, **_auto_rollback(draft, analyses)}


def _templates(ref: Any, templates: dict[str, dict[str, Any]], src: str, where: str) -> list[list[dict[str, Any]]]:
    """The metrics of each template a step or background analysis names."""
    if not isinstance(ref, dict) or not isinstance(ref.get("templates"), list):
        raise ImportRefused(src, f"{where}.templates", "expected a list of templates")
    out = []
    for i, t in enumerate(ref["templates"]):
        name = t.get("templateName") if isinstance(t, dict) else None
        if name not in templates:
            raise ImportRefused(
                src, f"{where}.templates[{i}]", f"AnalysisTemplate {name!r} not found: give its file too"
            )
        out.append(templates[name]["metrics"])
    return out


def template(doc: dict[str, Any], src: str) -> tuple[str, dict[str, Any]]:
    """An AnalysisTemplate's name and metrics (interval, count, limits, and the trigger
    each maps to, or None)."""
    name = (doc.get("metadata") or {}).get("name")
    metrics = (doc.get("spec") or {}).get("metrics")
    if not isinstance(name, str) or not isinstance(metrics, list):
        raise ImportRefused(src, f"{doc.get('kind')}", "needs metadata.name and spec.metrics")
    out = []
    for i, m in enumerate(metrics):
        where = f"{name}.spec.metrics[{i}]"
        if not isinstance(m, dict):
            raise ImportRefused(src, where, "expected a mapping")
        interval = seconds(m.get("interval", 60), src, f"{where}.interval") if "interval" in m else None
        count = m.get("count", 1 if interval is None else 0)
        out.append(
            {
                "name": m.get("name", f"metric-{i}"),
                "where": where,
                "interval": interval or 60.0,
                "count": count if isinstance(count, int) and count > 0 else 1,
                "failureLimit": m.get("failureLimit", 0),
                "consecutiveErrorLimit": m.get("consecutiveErrorLimit", 4),
                "inconclusiveLimit": m.get("inconclusiveLimit", 0),
                "trigger": _trigger(m),
            }
        )
    return name, {"metrics": out}


def _trigger(m: dict[str, Any]) -> dict[str, Any] | None:
    """A metric's trigger by the shape and name of its query: error rate, success rate
    (as error rate) or latency; None when it cannot be told."""
    provider = m.get("provider") or {}
    query = " ".join(str(v.get("query", "")) for v in provider.values() if isinstance(v, dict))
    text = f"{m.get('name', '')} {query}".lower()
    condition = str(m.get("successCondition") or m.get("failureCondition") or "")
    found = CONDITION.search(condition)
    if not found:
        return None
    value = float(found[2])
    if re.search(r"latency|duration|histogram_quantile|response_time", text):
        q = re.search(r"histogram_quantile\(\s*0?\.(\d+)", query)
        metric = {"95": "p95_latency_ms", "99": "p99_latency_ms"}.get(q[1] if q else "99", "avg_latency_ms")
        ms = value * 1000 if "_seconds" in query or (value < 10 and "_ms" not in query) else value
        return {"metric": metric, "threshold": round(ms, 6), "unit": "ms"}
    if re.search(r"success|availability|!~\s*\"5|non.?5xx", text):
        rate = value * 100 if value <= 1 else value
        return {"metric": "error_rate", "threshold": round(100 - rate, 6), "unit": "percent"}
    if re.search(r"error|5xx|=~\s*\"5|fail", text):
        rate = value * 100 if value <= 1 else value
        return {"metric": "error_rate", "threshold": round(rate, 6), "unit": "percent"}
    return None


def _auto_rollback(draft: Draft, analyses: list[list[dict[str, Any]]]) -> dict[str, Any]:
    metrics = [m for t in analyses for m in t]
    if not metrics:
        draft.notes.append("no analysis: nothing watches the traffic, as in Argo without one (autoRollback off)")
        return {"autoRollback": {"enabled": False}}
    triggers = []
    for m in metrics:
        if m["trigger"] is None:
            draft.ignored(m["where"], f"metric {m['name']!r}: not an error rate, success rate or latency query")
        elif m["trigger"] not in triggers:
            triggers.append(m["trigger"])
    used = [m for m in metrics if m["trigger"] is not None] or metrics
    rollback: dict[str, Any] = {
        "test": "observed",
        "interval": iso(min(m["interval"] for m in used)),
        "failureLimit": min(m["failureLimit"] for m in used),
        "consecutiveErrorLimit": min(m["consecutiveErrorLimit"] for m in used),
        "inconclusiveLimit": min(m["inconclusiveLimit"] for m in used),
        "triggers": triggers,
    }
    if len({(m["interval"], m["failureLimit"]) for m in used}) > 1:
        draft.approximated("metrics", "one interval and one failureLimit for all (the shortest, the strictest)")
    if not triggers:
        draft.notes.append(f"no metric could be mapped: {GUIDE_TRIGGERS} stand in")
        del rollback["triggers"]
    return {"autoRollback": rollback}


def _image(spec: dict[str, Any], src: str) -> str:
    try:
        image = spec["template"]["spec"]["containers"][0]["image"]
    except (KeyError, IndexError, TypeError):
        image = None
    if not isinstance(image, str) or not image:
        if isinstance(spec.get("workloadRef"), dict) and spec["workloadRef"].get("name"):
            return f"{spec['workloadRef']['name']}-new"
        raise ImportRefused(src, "spec.template.spec.containers[0].image", "missing: the module id comes from it")
    return image


def _mapping(value: Any, src: str, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ImportRefused(src, where, "expected a mapping")
    return value
