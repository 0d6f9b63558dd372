"""Semantic lint: one warning per surprising configuration, none for the guide's canary."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from hotswap.cli.main import main
from hotswap.scenario.lint import warnings
from hotswap.scenario.model import Scenario


def lint(config: dict, **auto_rollback: object) -> list[str]:
    deployment = {"moduleId": "m", "strategy": "Canary", "strategyConfig": config}
    if auto_rollback:
        deployment["autoRollback"] = auto_rollback
    return warnings(Scenario.model_validate({"deployment": deployment}))


def test_the_guide_canary_is_clean():
    assert lint({}) == []


def test_analysis_starting_after_traffic_shifted():
    (w,) = lint({"stages": [10, 50, 100], "startingStage": 2})
    assert "analysis starts at stage 2: 1 stage(s) shift traffic with nothing watching" in w


def test_a_pause_with_nothing_watching():
    found = lint({"stages": [10, {"approval": "PT1H"}, 60, 100]}, enabled=False)
    assert [w.split(":")[0] for w in found] == [
        "deployment.strategyConfig.stages[0]",
        "deployment.strategyConfig.stages[1]",
        "deployment.strategyConfig.stages[2]",
    ]
    assert "an approval wait with nothing watching" in found[1]


def test_traffic_that_never_reaches_half_before_promotion():
    (w,) = lint({"stages": [{"nodes": 10, "traffic": 5}, {"nodes": 20, "traffic": 10}, 100]})
    assert "promotion jumps from 10% to 100%" in w


def test_stages_finer_than_the_fleet():
    (w,) = lint({"stages": [1, 2, 50, 100]})
    assert "stage-collapse: stages 1%, 2% expose the same 4 of 65 nodes (6.2%)" in w


def test_a_bake_shorter_than_the_interval():
    (w,) = lint({"stages": [50, 100], "bakeTime": "PT10S"}, interval="PT1M")
    assert "bakeTime: 10 s is shorter than the 60 s" in w


def test_validate_prints_warnings_and_still_passes(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text("deployment: {moduleId: m, strategy: Canary, strategyConfig: {stages: [1, 2, 50, 100]}}\n")
    out = CliRunner().invoke(main, ["validate", str(path)])
    assert out.exit_code == 0
    where = "deployment.strategyConfig.stages"
    assert out.stderr.startswith(f"hotswap: warning: {path}: {where}: stage-collapse: stages 1%, 2%")


def regional(within: dict, **config: object) -> list[str]:
    strategy = {"canaryWithinRegion": within, **config}
    deployment = {"moduleId": "m", "strategy": "Regional", "strategyConfig": strategy}
    return warnings(Scenario.model_validate({"deployment": deployment}))


def test_a_canary_within_regions_finer_than_a_region():
    (w,) = regional({"stages": [2, 4, 100]}, regionOrder=["apac-east", "us-east"])
    assert w.startswith("deployment.strategyConfig.canaryWithinRegion.stages: stage-collapse: region apac-east: ")
    assert "region us-east: stages 2%, 4% expose the same 1 of 20 nodes (5.0%)" in w
    assert "us-west" not in w  # not in the order: never deployed
    assert regional({"stages": [20, 100]}) == []
