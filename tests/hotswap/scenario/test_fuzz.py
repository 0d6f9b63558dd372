"""A structure-aware fuzz of the scenario loader: random YAML and JSON trees, bundled
scenarios with one value replaced by an extreme one, and bundled files with their text
mangled. Whatever the file, ``load`` returns a scenario whose numbers are all finite and
within the caps, or raises a ``ScenarioError`` whose message is one line naming the file."""

from __future__ import annotations

import json
import math
import tracemalloc
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotswap.core import limits
from hotswap.scenario import Scenario, ScenarioError, load

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"
BUNDLED = sorted(SCENARIOS.glob("*.yaml")) + sorted((SCENARIOS / "guide").glob("*.json"))
FUZZ = settings(
    max_examples=60,
    deadline=30_000,  # generous: the machine is shared; the benchmark measures the real figure
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)

EXTREME_NUMBERS = [
    0,
    -1,
    1,
    0.5,
    1e-300,
    1e308,
    -1e308,
    math.inf,
    -math.inf,
    math.nan,
    2**31,
    2**53 + 1,
    2**63 - 1,
    2**63,
    2**80,
    10**7,
    10**7 + 1,
    10**11,
    True,
    False,
]
EXTREME_DURATIONS = ["P99999999D", "PT0.000001S", "P365D", "P366D", "PT", "P1M", "-PT5M", "PT1e9S", "P1W", "PT0S"]
EXTREME_STRINGS = ["", "../etc/passwd", "a/b", "a..b", "{{ .Values.x }}", "x" * 129, "\x00", "é", " ", "-a"]
EXTREME = st.sampled_from(EXTREME_NUMBERS + EXTREME_DURATIONS + EXTREME_STRINGS + [None, [], {}, [[[]]]])

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**90), max_value=2**90)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | EXTREME
)
KEYS = st.sampled_from(
    ["fleet", "regions", "deployment", "moduleId", "strategy", "nodes", "name", "seed", "expect"]
) | st.text(max_size=8)
TREES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(KEYS, inner, max_size=5), max_leaves=40
)


def assert_loads_or_refuses(path: Path) -> Scenario | None:
    """One of the two outcomes a user may meet, and nothing else."""
    tracemalloc.start()
    try:
        scenario = load(path)
    except ScenarioError as exc:
        message = str(exc)
        assert message.startswith(f"{path}: "), message
        assert "\n" not in message and len(message) < 1_000, message
        assert "Traceback" not in message and "pydantic" not in message, message
        return None
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < 64 * 2**20
    assert_within_caps(scenario)
    return scenario


def try_file(factory: Any, name: str, text: str) -> Scenario | None:
    path = factory.mktemp("fuzz") / name
    path.write_text(text, encoding="utf-8")
    return assert_loads_or_refuses(path)


def assert_within_caps(scenario: Scenario) -> None:
    fleet = scenario.fleet
    assert sum(r.nodes for r in fleet.regions) > 0
    assert sum(r.nodes + r.idle_nodes for r in fleet.regions) <= limits.TOTAL_NODES
    assert len(fleet.regions) <= limits.REGIONS
    assert 0 <= scenario.seed <= limits.SEED
    stack: list[Any] = [scenario.model_dump(exclude={"expect"})]  # expect's open bounds are infinite
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list | tuple):
            stack.extend(value)
        elif isinstance(value, float):
            assert math.isfinite(value)
            assert abs(value) <= 1e12


def dump(data: Any, suffix: str) -> str:
    if suffix == ".json":
        return json.dumps(data)  # NaN and Infinity as JSON's extension writes them
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def bundled(index: int) -> tuple[Path, Any]:
    path = BUNDLED[index % len(BUNDLED)]
    return path, yaml.safe_load(path.read_text(encoding="utf-8"))


def paths_of(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a tree a value could be replaced."""
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out += paths_of(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += paths_of(v, (*prefix, i))
    return out


def replaced(data: Any, where: tuple[Any, ...], value: Any) -> Any:
    if not where:
        return value
    head, rest = where[0], where[1:]
    if isinstance(data, dict):
        return {**data, head: replaced(data[head], rest, value)}
    copy = list(data)
    copy[head] = replaced(copy[head], rest, value)
    return copy


@FUZZ
@given(tree=TREES, suffix=st.sampled_from([".yaml", ".json"]))
def test_random_trees_load_or_are_refused_in_one_line(tmp_path_factory, tree: Any, suffix: str):
    try_file(tmp_path_factory, f"s{suffix}", dump(tree, suffix))


@FUZZ
@given(
    index=st.integers(min_value=0),
    pick=st.integers(min_value=0),
    value=EXTREME | TREES,
    suffix=st.sampled_from([".yaml", ".json"]),
)
def test_a_bundled_scenario_with_one_extreme_value(tmp_path_factory, index: int, pick: int, value: Any, suffix: str):
    _, data = bundled(index)
    places = paths_of(data)
    mutated = replaced(data, places[pick % len(places)], value)
    try_file(tmp_path_factory, f"s{suffix}", dump(mutated, suffix))


@FUZZ
@given(
    index=st.integers(min_value=0),
    pick=st.integers(min_value=0),
    duration=st.sampled_from(EXTREME_DURATIONS) | st.floats(),
)
def test_a_bundled_scenario_with_an_extreme_duration(tmp_path_factory, index: int, pick: int, duration: Any):
    _, data = bundled(index)
    deployment = data.get("deployment", data)
    places = [("strategyConfig", k) for k in deployment.get("strategyConfig", {})] + [("autoRollback", "interval")]
    section, key = places[pick % len(places)]
    deployment.setdefault(section, {})[key] = duration
    try_file(tmp_path_factory, "s.yaml", yaml.safe_dump(data))


@FUZZ
@given(
    index=st.integers(min_value=0), cuts=st.lists(st.tuples(st.integers(min_value=0), st.text(max_size=6)), max_size=4)
)
def test_a_bundled_file_with_its_text_mangled(tmp_path_factory, index: int, cuts: list[tuple[int, str]]):
    source = BUNDLED[index % len(BUNDLED)]
    text = source.read_text(encoding="utf-8")
    for at, insert in cuts:
        at %= len(text) + 1
        text = text[:at] + insert + text[at + len(insert) :]
    try_file(tmp_path_factory, source.name, text)


def test_the_bundled_scenarios_load_within_caps():
    for path in BUNDLED:
        assert assert_loads_or_refuses(path) is not None
