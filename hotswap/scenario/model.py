"""A whole scenario file: fleet, modules' fault profiles, and the deployment."""

from typing import Annotated, Any

from pydantic import Field, GetCoreSchemaHandler, GetJsonSchemaHandler, PrivateAttr
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from hotswap.core import limits
from hotswap.core.fields import Model, Name
from hotswap.core.recording import Recording
from hotswap.scenario.deployment import Deployment
from hotswap.scenario.expect import Expectations
from hotswap.scenario.fleet import Fleet, ModuleProfile


class _Parsed:
    """Pydantic annotation for the ``expect`` field: the loader parses the block
    (scenario/expect.py, field paths in its errors) and sets the result, so pydantic only
    checks it is ``Expectations`` and builds no schema for it; ``hotswap schema`` writes
    the file's form (scenario/schema.py)."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.nullable_schema(core_schema.is_instance_schema(Expectations))

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {}


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
    fleet: Fleet = Field(default_factory=Fleet)
    """The nodes and their environment."""
    modules: dict[Name, ModuleProfile] = Field(default_factory=dict)
    """Fault profiles by module id."""
    deployment: Deployment
    """The guide's deployment object."""
    expect: Annotated[Expectations | None, _Parsed] = None  # parsed once, by the loader
    """What hotswap check demands of the runs (docs/ci.md)."""
    _recording: Recording | None = PrivateAttr(default=None)  # fleet.traffic.replay, read by the loader

    @property
    def recording(self) -> Recording | None:
        """The traffic recording ``fleet.traffic.replay`` names, as the loader read it."""
        return self._recording

    def varied(self, *, fleet: dict[str, Any] | None = None, deployment: dict[str, Any] | None = None) -> "Scenario":
        """A copy with keys of its fleet and deployment replaced (camelCase, as in a file),
        validated again; the expectations are dropped, the recording kept."""
        data = self.model_dump(by_alias=True, exclude_none=True, exclude={"expect"})
        data["fleet"].update(fleet or {})
        data["deployment"].update(deployment or {})
        return Scenario.model_validate(data).with_recording(self.recording)

    def with_recording(self, recording: Recording | None) -> "Scenario":
        """A copy that carries ``recording``."""
        copy = self.model_copy()
        copy._recording = recording
        return copy

    @property
    def previous(self) -> str:
        """The module the fleet runs before the deployment."""
        return self.previous_module_id or self.deployment.previous_module_id or f"{self.deployment.module_id}-previous"

    def profile(self, module_id: str) -> ModuleProfile:
        """The fault profile of a module (healthy defaults when the file names none)."""
        return self.modules.get(module_id) or ModuleProfile()
