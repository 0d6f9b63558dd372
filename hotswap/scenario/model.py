"""A whole scenario file: fleet, modules' fault profiles, and the deployment."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from hotswap.core import limits
from hotswap.core.fields import Model, Name
from hotswap.scenario.deployment import Deployment
from hotswap.scenario.expect import Expectations
from hotswap.scenario.fleet import Fleet, ModuleProfile


class Scenario(Model):
    model_config = Model.model_config | {"arbitrary_types_allowed": True}

    name: str = ""
    description: str = ""
    seed: Annotated[int, Field(strict=True, ge=0, le=limits.SEED)] = 0
    previous_module_id: Name | None = None
    fleet: Fleet = Fleet()
    modules: dict[Name, ModuleProfile] = Field(default_factory=dict)
    deployment: Deployment
    expect: Expectations | None = None  # parsed once, by the loader (field paths in its errors)

    @property
    def previous(self) -> str:
        """The module the fleet runs before the deployment."""
        return self.previous_module_id or self.deployment.previous_module_id or f"{self.deployment.module_id}-previous"

    def profile(self, module_id: str) -> ModuleProfile:
        """The fault profile of a module (healthy defaults when the file names none)."""
        return self.modules.get(module_id) or ModuleProfile()
