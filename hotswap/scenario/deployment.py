"""The deployment section: exactly the guide's JSON, plus its best-practice blocks.

``strategyConfig`` is read according to ``strategy``; every field the guide names is
honoured, with the guide's example values as defaults. ``healthCheck`` and
``autoRollback`` are the guide's "Best Practices" blocks, at the deployment's top level.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from hotswap.core.config import (
    ABTestingConfig,
    AutoRollback,
    BlueGreenConfig,
    CanaryConfig,
    HealthCheckSettings,
    RegionalConfig,
    RollingConfig,
)
from hotswap.core.fields import Clock, Model


class _Deployment(Model):
    deployment_id: str = "deploy-1"
    module_id: str = Field(min_length=1)
    previous_module_id: str | None = None
    target_regions: list[str] | None = None
    health_check: HealthCheckSettings = HealthCheckSettings()
    auto_rollback: AutoRollback = AutoRollback()
    start_at: Clock | None = None


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
