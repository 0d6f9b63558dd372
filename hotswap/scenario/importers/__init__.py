"""``hotswap import``: a rollout described for Argo Rollouts, Flagger, AWS CodeDeploy or
AWS AppConfig, written as an ordinary, commented scenario and validated by the loader.

``draft`` reads the sources (files, or a predefined name) and maps them; ``render``
writes the scenario's text; ``scenario_text`` does both and validates the result.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from hotswap.scenario.importers import appconfig, argo, codedeploy, flagger
from hotswap.scenario.importers.common import GUIDE_FLEET, Draft, ImportRefused, module_id
from hotswap.scenario.load import ScenarioError, from_data, load

__all__ = ["ImportRefused", "draft", "render", "scenario_text"]

KINDS = "an Argo Rollout, a Flagger Canary, a CodeDeploy deployment config or an AppConfig deployment strategy"
MAX_BYTES = 2_000_000  # a rollout spec is small: refuse anything bigger before parsing it


def scenario_text(sources: list[str], fleet_file: Path | None = None) -> tuple[str, list[str]]:
    """The imported scenario's text and its lint warnings; ``ImportRefused`` or
    ``ScenarioError`` (one line each) when the input cannot be imported."""
    fleet = _fleet(fleet_file)
    d = draft(sources, sum(r["nodes"] for r in fleet["regions"]))
    text = render(d, fleet, fleet_file)
    try:
        scenario = from_data(Path(d.source), yaml.safe_load(text))
    except ScenarioError as exc:  # a mapping HotSwap cannot model: say which field
        raise ImportRefused(d.source, exc.field, f"cannot be modelled: {str(exc).rsplit(': ', 1)[-1]}") from None
    from hotswap.scenario.lint import warnings

    return text, warnings(scenario)


def draft(sources: list[str], nodes: int) -> Draft:
    """Read the sources and map the rollout they describe."""
    first = sources[0]
    if not Path(first).exists():
        return _predefined(first, nodes)
    documents = [(s, doc) for s in sources for doc in _documents(s)]
    templates: dict[str, dict[str, Any]] = {}
    for source, doc in documents:
        if doc.get("kind") in argo.TEMPLATE_KINDS:
            name, template = argo.template(doc, source)
            templates[name] = template
    for source, doc in documents:
        if doc.get("kind") == "Rollout" and str(doc.get("apiVersion", "")).startswith("argoproj.io/"):
            return argo.rollout(doc, templates, source)
        if doc.get("kind") == "Canary" and str(doc.get("apiVersion", "")).startswith("flagger.app/"):
            return flagger.canary(doc, source)
        if isinstance(doc.get("deploymentConfigInfo"), dict):
            d = codedeploy.config(doc["deploymentConfigInfo"], source, nodes)
            d.module_id = module_id(str(doc["deploymentConfigInfo"].get("deploymentConfigName") or Path(source).stem))
            return d
        if "GrowthFactor" in doc or "DeploymentDurationInMinutes" in doc:
            d = appconfig.strategy(doc, source)
            d.module_id = module_id(str(doc.get("Name") or Path(source).stem))
            return d
    kinds = sorted({str(doc.get("kind")) for _, doc in documents if doc.get("kind")})
    what = f"kind {', '.join(kinds)}" if kinds else "this document"
    raise ImportRefused(first, "", f"{what} is not supported; expected {KINDS}")


def _predefined(name: str, nodes: int) -> Draft:
    if name in codedeploy.PREDEFINED:
        d = codedeploy.config({"deploymentConfigName": name, **codedeploy.PREDEFINED[name]}, name, nodes)
    elif name in appconfig.PREDEFINED:
        d = appconfig.strategy({"Name": name, **appconfig.PREDEFINED[name]}, name)
    else:
        raise ImportRefused(
            name, "", f"no such file, and not a predefined CodeDeployDefault.* or AppConfig.* name; expected {KINDS}"
        )
    d.module_id = module_id(name)
    return d


def _documents(source: str) -> list[dict[str, Any]]:
    path = Path(source)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ImportRefused(source, "", f"larger than {MAX_BYTES:,} bytes; a rollout spec is small")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportRefused(source, "", f"cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        docs = [json.loads(text)] if path.suffix.lower() == ".json" else list(yaml.safe_load_all(text))
    except json.JSONDecodeError as exc:
        raise ImportRefused(source, f"line {exc.lineno}", f"malformed JSON: {exc.msg}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ImportRefused(source, f"line {mark.line + 1}" if mark else "", "malformed YAML") from None
    return [d for d in docs if isinstance(d, dict)]


def _fleet(path: Path | None) -> dict[str, Any]:
    if path is None:
        return GUIDE_FLEET
    fleet = load(path).fleet
    return fleet.model_dump(mode="json", by_alias=True, exclude_defaults=True) | {
        "regions": [r.model_dump(mode="json", by_alias=True) for r in fleet.regions]
    }


def _dump(data: Any, flow: bool | None = None) -> str:
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=flow, width=110).rstrip("\n")


def render(d: Draft, fleet: dict[str, Any], fleet_file: Path | None) -> str:
    """The scenario's text: a header naming the source and every approximated or ignored
    field, the fleet, a modules section to fill in, and the deployment."""
    lines = [
        f"# Imported by `hotswap import` from {d.source} ({d.kind}).",
        "# How each field maps, and why: docs/import.md. What HotSwap approximates or ignores here:",
        *(f"#   {note}" for note in d.notes),
    ]
    stem = Path(d.source).stem if Path(d.source).exists() else d.source
    head = {"name": module_id(f"imported-{stem}"), "description": d.description, "seed": 1}
    lines += [_dump(head, flow=False), _dump({"previousModuleId": f"{d.module_id}-previous"}, flow=False)]
    where = f"the fleet of {fleet_file}" if fleet_file else "the guide's example fleet (replace it with yours)"
    lines += [f"# Fleet: {where}.", _dump({"fleet": fleet})]
    lines += [
        "# The new module's profile: fill in what you know of it (these are healthy defaults).",
        "# A bad module, to see the analysis stop it: errorRate: 0.2",
        _dump(
            {"modules": {d.module_id: {"errorRate": 0.001, "crashRate": 0.0, "latencyMs": {"median": 25, "p99": 100}}}}
        ),
    ]
    lines.append(_dump({"deployment": {"deploymentId": d.module_id, "moduleId": d.module_id, **d.deployment}}))
    return "\n".join(lines)
