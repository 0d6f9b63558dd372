"""Read, validate and cross-check scenario files.

Every problem becomes a ``ScenarioError`` whose message is one line naming the file and
the field path, e.g. ``canary.yaml: deployment.strategyConfig.stages: stages must increase``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic.alias_generators import to_snake

from hotswap.core import limits
from hotswap.core.config import STRATEGIES
from hotswap.scenario import expect, replay
from hotswap.scenario.deployment import Deployment
from hotswap.scenario.model import Scenario
from hotswap.scenario.profile import ProfileError, read_profile
from hotswap.scenario.read import ReadError, read

BARE_KEYS = {"strategy", "moduleId", "strategyConfig", "deploymentId"}


class ScenarioError(ValueError):
    """Unusable scenario input; ``str()`` is the one-line message for the user."""

    def __init__(self, path: Path | str, field: str, message: str) -> None:
        self.path, self.field = str(path), field
        where = f"{self.path}: {field}: " if field else f"{self.path}: "
        super().__init__(where + message)


def load(path: Path | str) -> Scenario:
    """Load and validate one scenario file (YAML or JSON)."""
    path = Path(path)
    return from_data(path, _read(path))


def from_data(path: Path | str, data: Any) -> Scenario:
    """Validate and cross-check scenario data read from ``path`` (or made for it)."""
    path = Path(path)
    if isinstance(data, dict) and "deployment" not in data and BARE_KEYS & data.keys():
        data = {"deployment": data}  # a bare guide deployment object runs on the defaults
    if not isinstance(data, dict):
        raise ScenarioError(path, "", "expected a mapping at the top level")
    data.setdefault("name", path.stem)
    raw_expect = data.pop("expect", None)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _first_error(path, exc, data) from None
    _cross_check(path, scenario)
    if raw_expect is not None:
        try:
            parsed = expect.parse(raw_expect)
        except expect.ExpectError as exc:
            raise ScenarioError(path, exc.field, str(exc)) from None
        scenario = scenario.model_copy(update={"expect": parsed})
        if scenario.seed + parsed.runs - 1 > limits.SEED:
            raise ScenarioError(path, "expect.runs", f"seeds from {scenario.seed} would pass {limits.SEED}")
    return _read_recording(path, _resolve_profile(path, _resolve_modules(path, scenario)))


def _read(path: Path) -> Any:
    try:
        return read(path)
    except ReadError as exc:
        raise ScenarioError(path, exc.field, str(exc)) from None


def _field_path(loc: tuple[Any, ...], data: Any) -> str:
    """The error location as the user wrote it: pydantic adds steps that are not in
    the file (the strategy tag of the deployment, the member of a union); walk the
    input and keep only the steps that are there (and a missing last key)."""
    parts, here = [], data
    for i, step in enumerate(loc):
        if step == "[key]":  # pydantic's step for a mapping's key: the key itself is named already
            continue
        if isinstance(here, dict) and step in here:
            parts.append(f".{step}")
            here = here[step]
        elif isinstance(here, list) and isinstance(step, int) and 0 <= step < len(here):
            parts.append(f"[{step}]")
            here = here[step]
        elif i == len(loc) - 1 and isinstance(here, dict) and isinstance(step, str) and step not in STRATEGIES:
            parts.append(f".{step}")  # a required key that is missing
    return "".join(parts).lstrip(".")


def _first_error(path: Path, exc: ValidationError, data: Any) -> ScenarioError:
    error = exc.errors()[0]
    field = _field_path(error["loc"], data)
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "union_tag_invalid":
        message = f"unknown strategy {error['input'].get('strategy')!r}; one of {', '.join(STRATEGIES)}"
        field += ".strategy"
    elif error["type"] == "union_tag_not_found":
        field += ".strategy"
        message = f"missing; one of {', '.join(STRATEGIES)}"
    elif error["type"] == "extra_forbidden":
        message = "unknown field"
    elif error["type"] in ("model_type", "model_attributes_type", "dict_type"):
        message = "expected a mapping"
    return ScenarioError(path, field, message)


def _resolve_modules(path: Path, scenario: Scenario) -> Scenario:
    """Module files are named relative to the scenario file; make them absolute and
    check they exist (whether they are WebAssembly the real backend checks)."""
    modules = dict(scenario.modules)
    for module_id, profile in scenario.modules.items():
        if profile.wasm is not None:
            found = (path.parent / profile.wasm).resolve()
            if not found.is_file():
                raise ScenarioError(path, f"modules.{module_id}.wasm", f"no such file: {profile.wasm}")
            modules[module_id] = profile.model_copy(update={"wasm": str(found)})
    return scenario.model_copy(update={"modules": modules})


def _read_recording(path: Path, scenario: Scenario) -> Scenario:
    """A replayed traffic recording is named relative to the scenario file; read and
    check it once."""
    traffic = scenario.fleet.traffic
    if traffic is None or traffic.replay is None:
        return scenario
    try:
        recording = replay.read(path.parent / traffic.replay, {r.name for r in scenario.fleet.regions})
    except ValueError as exc:
        raise ScenarioError(path, "fleet.traffic.replay", str(exc)) from None
    return scenario.with_recording(recording)


def _resolve_profile(path: Path, scenario: Scenario) -> Scenario:
    """A timing profile is named relative to the scenario file: make it absolute, and
    read and check it now (bounded, as the scenario), so a bad one stops here."""
    name = scenario.fleet.profile
    if name is None:
        return scenario
    found = (path.parent / name).resolve()
    try:
        read_profile(found)
    except ProfileError as exc:
        raise ScenarioError(path, "fleet.profile", f"{name}: {exc.line()}") from None
    return scenario.model_copy(update={"fleet": scenario.fleet.model_copy(update={"profile": str(found)})})


WAITS = {
    "Canary": "evaluationPeriod",
    "BlueGreen": "blueRetentionPeriod",
    "Rolling": "batchDelay",
    "Regional": "interRegionDelay",
    "ABTesting": "experimentDuration",
}


def _check_windows(path: Path, deployment: Deployment) -> None:
    """A wait is watched in windows of ``autoRollback.interval``: bound their number."""
    rollback = deployment.auto_rollback
    if not (rollback.enabled and rollback.triggers):
        return
    field = WAITS[deployment.strategy]
    seconds = getattr(deployment.strategy_config, to_snake(field))
    if seconds / rollback.interval > limits.WINDOWS:
        raise ScenarioError(
            path,
            f"deployment.strategyConfig.{field}",
            f"{seconds:g} s watched every {rollback.interval:g} s (autoRollback.interval) is more than "
            f"{limits.WINDOWS:,} windows; lengthen the interval",
        )


def _cross_check(path: Path, scenario: Scenario) -> None:
    """Checks that span sections: names that must refer to the fleet or the modules."""
    deployment, fleet = scenario.deployment, scenario.fleet
    regions: set[str] = set()
    for i, region in enumerate(fleet.regions):
        if region.name in regions:
            raise ScenarioError(
                path, f"fleet.regions[{i}].name", f"region {region.name!r} is named twice; region names must be unique"
            )
        regions.add(region.name)
    if not sum(r.nodes for r in fleet.regions):
        raise ScenarioError(path, "fleet.regions", "the fleet needs at least one active node")
    total = sum(r.nodes + r.idle_nodes for r in fleet.regions)
    if total > limits.TOTAL_NODES:
        raise ScenarioError(path, "fleet.regions", f"{total:,} nodes in all; at most {limits.TOTAL_NODES:,}")
    _check_windows(path, deployment)
    placed: list[tuple[str, list[str]]] = [
        ("outages", [o.region for o in fleet.outages]),
        ("faults", [f.region for f in fleet.faults]),
    ]
    for kind, names in placed:
        for i, name in enumerate(names):
            if name not in regions:
                raise ScenarioError(path, f"fleet.{kind}[{i}].region", f"unknown region {name!r}")
    for i, name in enumerate(deployment.target_regions or []):
        if name not in regions:
            raise ScenarioError(path, f"deployment.targetRegions[{i}]", f"unknown region {name!r}")
    if deployment.strategy == "Regional":
        for i, name in enumerate(deployment.strategy_config.region_order or []):
            if name not in regions:
                raise ScenarioError(path, f"deployment.strategyConfig.regionOrder[{i}]", f"unknown region {name!r}")
        for i, wave in enumerate(deployment.strategy_config.waves or []):
            for j, name in enumerate(wave):
                if name not in regions:
                    raise ScenarioError(path, f"deployment.strategyConfig.waves[{i}][{j}]", f"unknown region {name!r}")
    known = {deployment.module_id, scenario.previous}
    for module_id in scenario.modules:
        if module_id not in known:
            raise ScenarioError(
                path,
                f"modules.{module_id}",
                f"not the deployed module {deployment.module_id!r} nor the previous one {scenario.previous!r}",
            )
    if scenario.previous == deployment.module_id:
        raise ScenarioError(path, "previousModuleId", "must differ from deployment.moduleId")
