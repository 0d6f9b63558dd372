"""The JSON Schema (draft 2020-12) of scenario files, generated from the models the
loader validates with, so editors can complete and check what ``hotswap`` accepts.

Descriptions are the fields' docstrings; defaults are the models' own. The ``expect``
block, parsed by hand (scenario/expect.py), gets a schema built from the same names.
"""

from __future__ import annotations

import ast
import functools
import inspect
import itertools
import textwrap
from typing import Any

from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import core_schema

from hotswap.core.config import OUTCOMES
from hotswap.core.fields import Model
from hotswap.core.figures import FIGURES
from hotswap.scenario.expect import EXTRA_FIGURES, STATISTICS
from hotswap.scenario.model import Scenario

DIALECT = "https://json-schema.org/draft/2020-12/schema"


class _Generator(GenerateJsonSchema):
    def field_title_should_be_set(self, schema: Any) -> bool:
        return False  # titles would be "Variantbpercentage": the descriptions say it better

    def get_default_value(self, schema: core_schema.WithDefaultSchema) -> Any:
        """A section made on first use (``default_factory=HealthCheckSettings``, or a
        ``partial`` of one) shows its defaults, as a default instance would; other
        factories stay unevaluated."""
        factory = schema.get("default_factory")
        if (
            isinstance(factory, functools.partial)
            and isinstance(factory.func, type)
            and issubclass(factory.func, Model)
        ):
            return factory()
        if isinstance(factory, type) and issubclass(factory, Model):
            return factory()
        return super().get_default_value(schema)


def _docstrings(model: type[Model]) -> dict[str, str]:
    """A model's field docstrings (the string right after a field), its bases' included."""
    docs: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if not issubclass(cls, Model) or cls is Model:
            continue
        body = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0]
        assert isinstance(body, ast.ClassDef)
        for field, after in itertools.pairwise(body.body):
            if (
                isinstance(field, ast.AnnAssign)
                and isinstance(field.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                docs[field.target.id] = inspect.cleandoc(after.value.value)
    return docs


def _models(root: type[Model]) -> dict[str, type[Model]]:
    """Every model class below ``Model`` by name, as ``$defs`` names them."""
    found, todo = {root.__name__: root}, list(Model.__subclasses__())
    while todo:
        cls = todo.pop()
        found.setdefault(cls.__name__, cls)
        todo.extend(cls.__subclasses__())
    return found


def _describe(section: dict[str, Any], model: type[Model]) -> None:
    """Give each property of ``section`` its field's docstring as description (over the
    description of the field's type, e.g. a duration's)."""
    properties, docs = section.get("properties", {}), _docstrings(model)
    for name, field in model.model_fields.items():
        prop = properties.get(field.alias or name)
        if prop is not None and field.description is None and name in docs:
            prop["description"] = docs[name]


def _bound() -> dict[str, Any]:
    number = {"type": "number"}
    return {
        "type": "object",
        "description": "Bounds on a figure, in its unit: {max: x}, {min: x}, both, or {between: [a, b]}.",
        "properties": {
            "min": {**number, "description": "Lowest value allowed."},
            "max": {**number, "description": "Highest value allowed."},
            "between": {
                "type": "array",
                "items": number,
                "minItems": 2,
                "maxItems": 2,
                "description": "Lowest and highest value allowed.",
            },
        },
        "additionalProperties": False,
        "minProperties": 1,
    }


def expect_schema() -> dict[str, Any]:
    """The ``expect`` block: runs, backend, outcome(s), outcome shares and figure bounds."""
    bound = {"$ref": "#/$defs/Bound"}
    per_stat = {"type": "object", "properties": dict.fromkeys(STATISTICS, bound), "additionalProperties": False}
    figure = {"anyOf": [bound, per_stat]}
    outcome = {"enum": list(OUTCOMES)}
    return {
        "description": "What hotswap check demands of the runs (docs/ci.md).",
        "type": "object",
        "properties": {
            "runs": {"type": "integer", "minimum": 1, "default": 1, "description": "Replications judged."},
            "backend": {"enum": ["sim", "real"], "description": "Backend the check runs on; default sim."},
            "outcome": {"anyOf": [outcome, {"type": "array", "items": outcome}], "description": "Every run ends so."},
            "outcomeRate": {
                "type": "object",
                "properties": dict.fromkeys(OUTCOMES, bound),
                "additionalProperties": False,
                "description": "Share of runs (a fraction, 0-1) with each outcome.",
            },
            **{name: figure for name in (*FIGURES, *EXTRA_FIGURES)},
        },
        "additionalProperties": False,
    }


def json_schema() -> dict[str, Any]:
    """The scenario file's schema, ready to dump as JSON."""
    schema = Scenario.model_json_schema(by_alias=True, mode="validation", schema_generator=_Generator)
    models = _models(Scenario)
    _describe(schema, Scenario)
    for name, section in schema["$defs"].items():
        if name in models:
            _describe(section, models[name])
    for name in ("Expectation", "Expectations"):  # the parsed form's; the file's form replaces it
        schema["$defs"].pop(name, None)
    schema["$defs"] = dict(sorted({**schema["$defs"], "Bound": _bound()}.items()))  # pydantic's order: by name
    schema["properties"]["expect"] = {"anyOf": [expect_schema(), {"type": "null"}], "default": None}
    return {
        "$schema": DIALECT,
        "title": "HotSwap scenario",
        "description": "A fleet of edge nodes, how the modules behave on it, and one deployment (docs/scenario.md).",
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }
