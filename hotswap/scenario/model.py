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
    """The scenario's name; default: the file name without its extension."""
    description: str = ""
    """Free text."""
    seed: Annotated[int, Field(strict=True, ge=0, le=limits.SEED)] = 0
    """Seed of the first run; --runs N uses seed..seed+N-1."""
    previous_module_id: Name | None = None
    """The module every active node runs before the deployment (the rollback target)."""
    fleet: Fleet = Fleet()
    """The nodes and their environment."""
    modules: dict[Name, ModuleProfile] = Field(default_factory=dict)
    """Fault profiles by module id."""
    deployment: Deployment
    """The guide's deployment object."""
    expect: Expectations | None = None  # parsed once, by the loader (field paths in its errors)
    """What hotswap check demands of the runs (docs/ci.md)."""

    @property
    def previous(self) -> str:
        """The module the fleet runs before the deployment."""
        return self.previous_module_id or self.deployment.previous_module_id or f"{self.deployment.module_id}-previous"

    def profile(self, module_id: str) -> ModuleProfile:
        """The fault profile of a module (healthy defaults when the file names none)."""
        return self.modules.get(module_id) or ModuleProfile()
