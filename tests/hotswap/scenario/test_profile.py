"""``fleet.profile``: a timing profile named by the scenario, read bounded and checked at load."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hotswap.cli import main
from hotswap.core import limits
from hotswap.scenario import ScenarioError, load
from hotswap.scenario.profile import ProfileError, checked
from sim.driver import simulate

EXACT = "{median: 10, p99: 10}"
PROFILE = f"requestsPerSecond: 1000\nswapMs: {EXACT}\nrollbackMs: {EXACT}\nlatencyMs:\n  a: {{median: 0.5, p99: 1}}\n"
SCENARIO = """\
previousModuleId: image-processor-v1.1.0
fleet:
  regions: [{{name: r, nodes: 4}}]
  {extra}
  profile: {profile}
deployment: {{moduleId: image-processor-v1.2.0, strategy: AllAtOnce}}
"""


def scenario(folder: Path, profile_text: str | None = PROFILE, name: str = "timings/p.yaml", extra: str = "") -> Path:
    if profile_text is not None:
        (folder / "timings").mkdir(exist_ok=True)
        (folder / "timings" / "p.yaml").write_text(profile_text)
    path = folder / "s.yaml"
    path.write_text(SCENARIO.format(profile=name, extra=extra).replace("AllAtOnce", "Rolling"))
    return path


def test_a_profile_named_relative_to_the_scenario_replaces_the_drawn_timings(tmp_path: Path):
    loaded = load(scenario(tmp_path))
    assert loaded.fleet.profile == str((tmp_path / "timings" / "p.yaml").resolve())
    record = simulate(loaded, 1)
    deploys = [e for e in record["timeline"] if e["event"] == "Deploy" and e["updated"]]
    assert deploys and all(e["seconds"] == pytest.approx(0.01) for e in deploys)  # swapMs, not 2 s drawn


@pytest.mark.parametrize(
    ("text", "name", "says"),
    [
        (None, "nope.yaml", "fleet.profile: nope.yaml: no such file"),
        ("swapMs: {median: 1, p99: 2}\n", "timings/p.yaml", "fleet.profile: timings/p.yaml: requestsPerSecond: "),
        ("requestsPerSecond: 5\nswapMs: 3\n", "timings/p.yaml", "fleet.profile: timings/p.yaml: swapMs: "),
        ("a: [" * 100_000, "timings/p.yaml", "fleet.profile: timings/p.yaml: "),
        ("x" * (limits.FILE_BYTES + 1), "timings/p.yaml", f"larger than {limits.FILE_BYTES:,} bytes"),
    ],
)
def test_a_bad_profile_is_one_line_naming_the_scenario_the_field_and_the_profiles_field(tmp_path, text, name, says):
    path = scenario(tmp_path, text, name)
    with pytest.raises(ScenarioError) as caught:
        load(path)
    assert str(caught.value).startswith(f"{path}: fleet.profile: ") and says in str(caught.value)
    result = CliRunner().invoke(main, ["run", str(path)])
    assert result.exit_code == 2 and result.stdout == "" and result.stderr.count("\n") == 1, result.output
    assert says in result.stderr and "Traceback" not in result.stderr


def test_the_timings_the_scenario_set_that_its_profile_replaces_are_named(tmp_path: Path):
    path = scenario(tmp_path, extra="deploySeconds: {median: 1, p99: 2}")
    result = CliRunner().invoke(main, ["run", str(path)])
    assert result.exit_code == 0, result.output
    assert "the timing profile replaces the scenario's deploySeconds" in result.stderr


def test_checked_refuses_what_is_not_a_profile():
    for data, field in [
        ([], ""),
        ({"requestsPerSecond": True, "swapMs": {}, "rollbackMs": {}}, "requestsPerSecond"),
        (
            {"requestsPerSecond": 1, "swapMs": {"median": 1, "p99": 1}, "rollbackMs": {"median": 2, "p99": 1}},
            "rollbackMs",
        ),
        (
            {
                "requestsPerSecond": 1,
                "swapMs": {"median": 1, "p99": 1},
                "rollbackMs": {"median": 1, "p99": 1},
                "latencyMs": {"m": 3},
            },
            "latencyMs.m",
        ),
    ]:
        with pytest.raises(ProfileError) as caught:
            checked(data)
        assert caught.value.field == field
