"""Read, validate and cross-check scenario files.

Every problem becomes a ``ScenarioError`` whose message is one line naming the file and
the field path, e.g. ``canary.yaml: deployment.strategyConfig.stages: stages must increase``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from hotswap.scenario.deployment import STRATEGIES
from hotswap.scenario.model import Scenario


class ScenarioError(ValueError):
    """Unusable scenario input; ``str()`` is the one-line message for the user."""

    def __init__(self, path: Path | str, field: str, message: str) -> None:
        self.path, self.field = str(path), field
        where = f"{self.path}: {field}: " if field else f"{self.path}: "
        super().__init__(where + message)


def load(path: Path | str) -> Scenario:
    """Load and validate one scenario file (YAML or JSON)."""
    path = Path(path)
    data = _read(path)
    if isinstance(data, dict) and "deployment" not in data and "strategy" in data:
        data = {"deployment": data}  # a bare guide deployment object runs on the defaults
    if not isinstance(data, dict):
        raise ScenarioError(path, "", "expected a mapping at the top level")
    data.setdefault("name", path.stem)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _first_error(path, exc) from None
    _cross_check(path, scenario)
    return scenario


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(path, "", "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(path, "", f"cannot read: {exc}") from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(path, f"line {exc.lineno}", f"malformed JSON: {exc.msg}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(path, line, f"malformed YAML: {problem}") from None


def _first_error(path: Path, exc: ValidationError) -> ScenarioError:
    error = exc.errors()[0]
    loc = [str(p) for p in error["loc"] if str(p) not in STRATEGIES]
    field = ".".join(p if not p.isdigit() else f"[{p}]" for p in loc).replace(".[", "[")
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "union_tag_invalid":
        message = f"unknown strategy {error['input'].get('strategy')!r}; one of {', '.join(STRATEGIES)}"
        field += ".strategy"
    elif error["type"] == "union_tag_not_found":
        field += ".strategy"
        message = f"missing; one of {', '.join(STRATEGIES)}"
    elif error["type"] == "extra_forbidden":
        message = "unknown field"
    return ScenarioError(path, field, message)


def _cross_check(path: Path, scenario: Scenario) -> None:
    """Checks that span sections: names that must refer to the fleet or the modules."""
    deployment = scenario.deployment
    regions = {r.name for r in scenario.fleet.regions}
    for i, name in enumerate(deployment.target_regions or []):
        if name not in regions:
            raise ScenarioError(path, f"deployment.targetRegions[{i}]", f"unknown region {name!r}")
    if deployment.strategy == "Regional":
        for i, name in enumerate(deployment.strategy_config.region_order or []):
            if name not in regions:
                raise ScenarioError(path, f"deployment.strategyConfig.regionOrder[{i}]",
                                    f"unknown region {name!r}")
    known = {deployment.module_id, scenario.previous}
    for module_id in scenario.modules:
        if module_id not in known:
            raise ScenarioError(path, f"modules.{module_id}",
                                f"not the deployed module {deployment.module_id!r} "
                                f"nor the previous one {scenario.previous!r}")
    if scenario.previous == deployment.module_id:
        raise ScenarioError(path, "previousModuleId", "must differ from deployment.moduleId")
