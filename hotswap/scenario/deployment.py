"""The deployment section: exactly the guide's JSON, plus its best-practice blocks.

``strategyConfig`` is read according to ``strategy``; every field the guide names is
honoured, with the guide's example values as defaults. ``healthCheck`` and
``autoRollback`` are the guide's "Best Practices" blocks, at the deployment's top level.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

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
    health_check: HealthCheckSettings = HealthCheckSettings()
    """How nodes are health-checked and what the gate tolerates."""
    auto_rollback: AutoRollback = AutoRollback()
    """Traffic triggers watched while the strategy waits."""
    start_at: Clock | None = None
    """When the rollout starts (UTC, HH:MM): where it falls on the day of a diurnal or replayed traffic curve."""


class CanaryDeployment(_Deployment):
    strategy: Literal["Canary"]
    strategy_config: CanaryConfig = CanaryConfig()


class BlueGreenDeployment(_Deployment):
    strategy: Literal["BlueGreen"]
    strategy_config: BlueGreenConfig = BlueGreenConfig()


class RollingDeployment(_Deployment):
    strategy: Literal["Rolling"]
    strategy_config: RollingConfig = RollingConfig()


class RegionalDeployment(_Deployment):
    strategy: Literal["Regional"]
    strategy_config: RegionalConfig = RegionalConfig()


class ABTestingDeployment(_Deployment):
    strategy: Literal["ABTesting"]
    strategy_config: ABTestingConfig = ABTestingConfig()


Deployment = Annotated[
    CanaryDeployment | BlueGreenDeployment | RollingDeployment | RegionalDeployment | ABTestingDeployment,
    Field(discriminator="strategy"),
]
