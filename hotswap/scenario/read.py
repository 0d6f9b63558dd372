"""Untrusted scenario text to plain data (dicts, lists, strings, numbers), within limits.

The file is read up to ``FILE_BYTES``; YAML is composed event by event (libyaml's parser,
the safe constructors) with the nesting depth, the entries of one mapping or list, and
the values of the whole file counted as they arrive, aliases counted expanded, so a
billion-laughs file or a 20,000-level nesting stops early. JSON has the same limits.
Keys must be strings; every number must be finite. A problem is a ``ReadError`` naming
the field path where it was found.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode
from yaml.resolver import Resolver

from hotswap.core.limits import DEPTH, FILE_BYTES, ITEMS, VALUES

try:
    from yaml.cyaml import CParser as _Parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml.parser import Parser as _Parser  # type: ignore[assignment]

STR = "tag:yaml.org,2002:str"


class ReadError(ValueError):
    """Unreadable or unbounded input; ``field`` is the path where it was found."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def read(path: Path) -> Any:
    """The file's data; JSON when the name ends in ``.json``, YAML otherwise."""
    try:
        with open(path, "rb") as f:
            raw = f.read(FILE_BYTES + 1)
    except FileNotFoundError:
        raise ReadError("", "no such file") from None
    except OSError as exc:
        raise ReadError("", f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > FILE_BYTES:
        raise ReadError("", f"larger than {FILE_BYTES:,} bytes (the cap)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReadError("", f"cannot read: not UTF-8 text (byte {exc.start})") from None
    data = _json(text) if path.suffix.lower() == ".json" else _yaml(text)
    _inspect(data)
    return data


def _json(text: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_unique_pairs, parse_constant=float)
    except RecursionError:
        raise ReadError("", f"malformed JSON: nested deeper than {DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise ReadError(f"line {exc.lineno}", f"malformed JSON: {exc.msg}") from None
    except ValueError as exc:
        raise ReadError("", f"malformed JSON: {str(exc).split(':')[0][:200]}") from None


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key[:80]!r}")
        out[key] = value
    return out


def _yaml(text: str) -> Any:
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    except ReadError:
        raise
    except RecursionError:
        raise ReadError("", f"malformed YAML: nested deeper than {DEPTH} levels") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ReadError(line, f"malformed YAML: {problem[:200]}") from None
    except (ValueError, TypeError, OverflowError) as exc:  # a scalar the safe constructors cannot build
        raise ReadError("", f"malformed YAML: {str(exc).split(':')[0][:200]}") from None
    finally:
        loader.dispose()


class _Limits(Composer):
    """A composer that counts as it goes and knows where it is."""

    check_event: Callable[..., bool]  # the parser's, mixed in below
    peek_event: Callable[[], Any]

    def __init__(self) -> None:
        super().__init__()
        self.path: list[str] = []
        self.depth = 0
        self.values = 0
        self.weights: dict[int, int] = {}  # anchored node -> its values, expanded

    def where(self) -> str:
        return "".join(self.path).lstrip(".")

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        step = self._step(parent, index)
        self.path.append(step)
        try:
            if self.check_event(yaml.AliasEvent):
                anchor = self.peek_event().anchor
                node = super().compose_node(parent, index)
                if id(node) not in self.weights:
                    raise ReadError(self.where(), f"alias *{anchor} refers to a value that contains it")
                self._count(self.weights[id(node)])
                return node
            anchor = self.peek_event().anchor
            self.depth += 1
            if self.depth > DEPTH:
                raise ReadError(self.where(), f"nested deeper than {DEPTH} levels (the cap)")
            before = self.values
            self._count(1)
            node = super().compose_node(parent, index)
            self.depth -= 1
            if anchor is not None:
                self.weights[id(node)] = self.values - before
            return node
        finally:
            self.path.pop()

    def _step(self, parent: Node | None, index: Any) -> str:
        if isinstance(index, int) and not isinstance(index, bool):
            if index >= ITEMS:
                raise ReadError(self.where(), f"more than {ITEMS:,} items (the cap)")
            return f"[{index}]"
        if isinstance(index, ScalarNode):
            return f".{index.value[:80]}"
        if isinstance(parent, MappingNode) and index is None:  # a key
            if len(parent.value) >= ITEMS:
                raise ReadError(self.where(), f"more than {ITEMS:,} keys (the cap)")
            if not self.check_event(yaml.ScalarEvent):
                raise ReadError(self.where(), "a key that is not a string (a template? render it first)")
        return ""

    def compose_mapping_node(self, anchor: Any) -> MappingNode:
        node = super().compose_mapping_node(anchor)
        for key, _ in node.value:
            if not isinstance(key, ScalarNode) or key.tag != STR:
                raise ReadError(
                    self.where(), f"key {str(key.value)[:40]!r} is not a string (quote it, or render a template first)"
                )
        return node

    def _count(self, n: int) -> None:
        self.values += n
        if self.values > VALUES:
            raise ReadError(self.where(), f"more than {VALUES:,} values, aliases expanded (the cap)")


class _Loader(_Limits, _Parser, SafeConstructor, Resolver):
    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)
        _Limits.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Mappings refuse a key given twice (PyYAML would keep the last one)."""
        seen = set()
        for key_node, _ in node.value:
            if key_node.value in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key_node.value[:80]!r}", key_node.start_mark
                )
            seen.add(key_node.value)
        return super().construct_mapping(node, deep)


def _inspect(data: Any) -> None:
    """Walk the data once (no recursion): plain types only, finite numbers, and the same
    depth and size caps for both formats."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    seen = 0
    while stack:
        value, where, depth = stack.pop()
        seen += 1
        if seen > VALUES:
            raise ReadError(where, f"more than {VALUES:,} values (the cap)")
        if depth > DEPTH:
            raise ReadError(where, f"nested deeper than {DEPTH} levels (the cap)")
        if isinstance(value, dict):
            if len(value) > ITEMS:
                raise ReadError(where, f"more than {ITEMS:,} keys (the cap)")
            for key, item in value.items():
                if not isinstance(key, str):
                    raise ReadError(where, f"key {key!r:.40} is not a string")
                stack.append((item, f"{where}.{key[:80]}".lstrip("."), depth + 1))
        elif isinstance(value, list):
            if len(value) > ITEMS:
                raise ReadError(where, f"more than {ITEMS:,} items (the cap)")
            stack.extend((item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value))
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise ReadError(where, f"{value} is not a finite number")
        elif value is not None and not isinstance(value, str | int | bool):
            raise ReadError(where, f"a {type(value).__name__} value is not supported here (quote it as a string)")
