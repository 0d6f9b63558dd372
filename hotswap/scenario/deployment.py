"""The deployment section: exactly the guide's JSON, plus its best-practice blocks.

``strategyConfig`` is read according to ``strategy``; every field the guide names is
honoured, with the guide's example values as defaults. ``healthCheck`` and
``autoRollback`` are the guide's "Best Practices" blocks, at the deployment's top level.

A deployment is validated by the model of its own strategy only (``ByStrategy``), so
loading a file builds that strategy's models and not all five; the JSON schema is
still the discriminated union of the five. Section defaults are made on first use
(``default_factory``), so importing builds no model.
"""

from typing import Annotated, Any, Literal

from pydantic import Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticKnownError, core_schema

from hotswap.core import limits
from hotswap.core.config import (
    ABTestingConfig,
    AutoRollback,
    BlueGreenConfig,
    CanaryConfig,
    HealthCheckSettings,
    RegionalConfig,
    RollingConfig,
)
from hotswap.core.fields import Clock, Model, Name


class _Deployment(Model):
    deployment_id: Name = "deploy-1"
    """An identifier, copied into results."""
    module_id: Name
    """The module to deploy."""
    previous_module_id: Name | None = None
    """The module being replaced; the top-level previousModuleId takes precedence."""
    target_regions: list[Name] | None = Field(default=None, min_length=1, max_length=limits.REGIONS)
    """Restrict the rollout to these regions; null: every region."""
    health_check: HealthCheckSettings = Field(default_factory=HealthCheckSettings)
    """How nodes are health-checked and what the gate tolerates."""
    auto_rollback: AutoRollback = Field(default_factory=AutoRollback)
    """Traffic triggers watched while the strategy waits."""
    start_at: Clock | None = None
    """When the rollout starts (UTC, HH:MM): where it falls on the day of a diurnal or replayed traffic curve."""


class CanaryDeployment(_Deployment):
    strategy: Literal["Canary"]
    strategy_config: CanaryConfig = Field(default_factory=CanaryConfig)


class BlueGreenDeployment(_Deployment):
    strategy: Literal["BlueGreen"]
    strategy_config: BlueGreenConfig = Field(default_factory=BlueGreenConfig)


class RollingDeployment(_Deployment):
    strategy: Literal["Rolling"]
    strategy_config: RollingConfig = Field(default_factory=RollingConfig)


class RegionalDeployment(_Deployment):
    strategy: Literal["Regional"]
    strategy_config: RegionalConfig = Field(default_factory=RegionalConfig)


class ABTestingDeployment(_Deployment):
    strategy: Literal["ABTesting"]
    strategy_config: ABTestingConfig = Field(default_factory=ABTestingConfig)


AnyDeployment = CanaryDeployment | BlueGreenDeployment | RollingDeployment | RegionalDeployment | ABTestingDeployment
BY_STRATEGY: dict[str, type[AnyDeployment]] = {
    "Canary": CanaryDeployment,
    "BlueGreen": BlueGreenDeployment,
    "Rolling": RollingDeployment,
    "Regional": RegionalDeployment,
    "ABTesting": ABTestingDeployment,
}


def _by_strategy(value: Any) -> AnyDeployment:
    """The deployment validated by its strategy's model; the errors are the discriminated
    union's (same types, messages and locations below ``deployment``)."""
    if isinstance(value, _Deployment):
        return value  # type: ignore[return-value]  # already validated (e.g. a copy)
    if not isinstance(value, dict):
        raise PydanticKnownError("model_attributes_type")
    if "strategy" not in value:
        raise PydanticKnownError("union_tag_not_found", {"discriminator": "'strategy'"})
    tag = value["strategy"]
    model = BY_STRATEGY.get(tag) if isinstance(tag, str) else None
    if model is None:
        expected = ", ".join(f"'{name}'" for name in BY_STRATEGY)
        raise PydanticKnownError(
            "union_tag_invalid", {"discriminator": "'strategy'", "tag": str(tag), "expected_tags": expected}
        )
    return model.model_validate(value)


class ByStrategy:
    """Pydantic annotation: validate a deployment with its strategy's model alone; its
    JSON schema is the union of every strategy's (built only by ``hotswap schema``)."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_plain_validator_function(_by_strategy)

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        from pydantic import TypeAdapter  # here: only hotswap schema needs the union

        union = TypeAdapter(Annotated[AnyDeployment, Field(discriminator="strategy")])
        return handler(union.core_schema)


Deployment = Annotated[AnyDeployment, ByStrategy]
