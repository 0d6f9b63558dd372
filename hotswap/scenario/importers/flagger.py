"""Flagger: a ``Canary`` (flagger.app) mapped onto a Canary or BlueGreen scenario.

Semantics followed (Flagger documentation): every ``analysis.interval`` Flagger checks the
metrics; a failed check counts towards ``threshold`` (rollback when reached); otherwise
the canary weight grows by ``stepWeight`` (or along ``stepWeights``) up to ``maxWeight``,
then the canary is promoted (about one more interval). With ``iterations`` the analysis
runs that many intervals: with ``match`` on A/B traffic (headers, cookies), without it in
blue/green mode. Builtin metrics: ``request-success-rate`` (``thresholdRange.min``, percent
of non-5xx responses) and ``request-duration`` (``thresholdRange.max``, P99 in ms).
"""

from __future__ import annotations

from typing import Any

from hotswap.scenario.importers.common import Draft, ImportRefused, iso, module_id, number, seconds

AB_SHARE = 10.0  # assumed share of the requests an A/B match selects


def canary(doc: dict[str, Any], source: str) -> Draft:
    raw = doc.get("spec")
    spec: dict[str, Any] = raw if isinstance(raw, dict) else {}
    analysis = spec.get("analysis") or spec.get("canaryAnalysis")
    where = "spec.analysis" if "analysis" in spec else "spec.canaryAnalysis"
    if not isinstance(analysis, dict):
        raise ImportRefused(source, "spec.analysis", "missing: the canary analysis is what HotSwap imports")
    target = (spec.get("targetRef") or {}).get("name")
    if not isinstance(target, str) or not target:
        raise ImportRefused(source, "spec.targetRef.name", "missing: the module id comes from it")
    draft = Draft(source, "Flagger Canary", module_id(target), {}, description=f"Flagger Canary {target}")
    draft.approximated("spec.targetRef", f"the module id is {draft.module_id}; the Deployment's image is not read")
    interval = seconds(analysis.get("interval", "1m"), source, f"{where}.interval")
    threshold = int(number(analysis.get("threshold", 1), source, f"{where}.threshold", low=1))
    iterations = analysis.get("iterations")
    if iterations is not None:
        iterations = int(number(iterations, source, f"{where}.iterations", low=1))
        if analysis.get("match"):
            draft.approximated(
                f"{where}.match", f"the matched requests are taken as {AB_SHARE:g}% of the traffic, on as many nodes"
            )
            stages = [{"nodes": AB_SHARE, "hold": iso(iterations * interval)}, {"nodes": 100, "hold": iso(interval)}]
            draft.deployment = {"strategy": "Canary", "strategyConfig": {"stages": stages}}
        else:
            draft.approximated(
                f"{where}.iterations",
                "blue/green: Flagger analyses the canary before the switch on test traffic; HotSwap switches once "
                "green is healthy and watches the live traffic for iterations x interval (blueRetentionPeriod)",
            )
            config = {"keepBlueEnvironment": True, "blueRetentionPeriod": iso(iterations * interval)}
            draft.deployment = {"strategy": "BlueGreen", "strategyConfig": config}
    else:
        weights = _weights(analysis, source, where)
        stages = [{"nodes": w, "hold": iso(interval)} for w in weights]
        stages.append({"nodes": 100, "hold": iso(interval)})  # promotion: about one more interval
        draft.approximated(
            f"{where}.stepWeight",
            "Flagger runs the canary beside a full primary; HotSwap puts it on that share of nodes, with that "
            "share of traffic",
        )
        draft.deployment = {"strategy": "Canary", "strategyConfig": {"stages": stages}}
    draft.deployment["autoRollback"] = _auto_rollback(draft, analysis, where, interval, threshold)
    for key in ("webhooks", "alerts", "mirror", "sessionAffinity"):
        if analysis.get(key):
            draft.ignored(f"{where}.{key}", "not modelled")
    return draft


def _weights(analysis: dict[str, Any], source: str, where: str) -> list[float]:
    if analysis.get("stepWeights"):
        raw = analysis["stepWeights"]
        if not isinstance(raw, list):
            raise ImportRefused(source, f"{where}.stepWeights", "expected a list of weights")
        weights = [number(w, source, f"{where}.stepWeights[{i}]", low=1, high=100) for i, w in enumerate(raw)]
    else:
        step = number(analysis.get("stepWeight", 10), source, f"{where}.stepWeight", low=1, high=100)
        top = number(analysis.get("maxWeight", 100), source, f"{where}.maxWeight", low=1, high=100)
        weights, w = [], step
        while w < top - 1e-9:
            weights.append(w)
            w += step
        weights.append(min(w, top))
    if sorted(set(weights)) != weights:
        raise ImportRefused(source, f"{where}.stepWeights", "weights must increase")
    return [w for w in weights if w < 100] or [weights[0]]


def _auto_rollback(
    draft: Draft, analysis: dict[str, Any], where: str, interval: float, threshold: int
) -> dict[str, Any]:
    triggers = []
    for i, m in enumerate(analysis.get("metrics") or []):
        name = m.get("name") if isinstance(m, dict) else None
        bounds = (m.get("thresholdRange") or {}) if isinstance(m, dict) else {}
        if name == "request-success-rate" and "min" in bounds:
            low = number(bounds["min"], draft.source, f"{where}.metrics[{i}].thresholdRange.min", high=100)
            triggers.append({"metric": "error_rate", "threshold": round(100 - low, 6), "unit": "percent"})
        elif name == "request-duration" and "max" in bounds:
            high = number(bounds["max"], draft.source, f"{where}.metrics[{i}].thresholdRange.max")
            triggers.append({"metric": "p99_latency_ms", "threshold": high, "unit": "ms"})
        else:
            draft.ignored(f"{where}.metrics[{i}]", f"metric {name!r}: not a builtin metric HotSwap measures")
    rollback: dict[str, Any] = {"test": "observed", "interval": iso(interval), "threshold": threshold}
    if triggers:
        rollback["triggers"] = triggers
    else:
        draft.notes.append("no builtin metric: the guide's triggers stand in")
    return rollback
