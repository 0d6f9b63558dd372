import json

from click.testing import CliRunner

from hotswap.cli.main import main

SCENARIO = """
name: small-canary
seed: 1
fleet:
  regions: [{name: a, nodes: 10}, {name: b, nodes: 10}]
  trafficPerNode: 20
deployment:
  moduleId: m-v2
  strategy: Canary
  strategyConfig: {stages: [50, 100], evaluationPeriod: PT2M}
"""


def calibrate(tmp_path, *args, grid=None):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO)
    extra = []
    if grid is not None:
        (tmp_path / "grid.yaml").write_text(grid)
        extra = ["--grid", str(tmp_path / "grid.yaml")]
    return CliRunner().invoke(main, ["calibrate", str(scenario), *extra, *args])


def test_json_shape_recommendation_and_plot(tmp_path):
    out = tmp_path / "out"
    result = calibrate(
        tmp_path,
        "--runs",
        "20",
        "--format",
        "json",
        "--max-false-rollback",
        "20",  # 0 of 20: the Wilson interval's upper bound is 16.1%
        "--out",
        str(out),
        grid="- {}\n- {test: observed}\n",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [s["setting"] for s in data["settings"]] == [{}, {"test": "observed"}]
    first = data["settings"][0]
    assert set(first) == {"setting", "falseRollbackPercent", "falseRollbackCI", "detection"}
    assert first["falseRollbackCI"][0] <= first["falseRollbackPercent"] <= first["falseRollbackCI"][1]
    grades = [g["grade"] for g in first["detection"]]
    assert grades == ["error x1.5", "error x2", "error x5", "latency +20%", "latency +50%", "crash rate 0.05"]
    x5 = first["detection"][2]
    assert x5["detectedPercent"] == 0.0  # 0.5% errors stay under the guide's absolute 5% trigger
    crash = first["detection"][-1]
    assert crash["detectedPercent"] > 50 and crash["medianTimeToDetectSeconds"] > 0
    assert data["recommended"]["setting"] in ({}, {"test": "observed"})
    assert (out / "pareto.png").stat().st_size > 1000
    assert json.loads((out / "calibration.json").read_text()) == data


def test_no_setting_qualifies_exits_1(tmp_path):
    result = calibrate(tmp_path, "--runs", "5", "--max-false-rollback", "0", grid="- {interval: 60}\n")
    assert result.exit_code == 1, result.output
    assert "recommended: none" in result.stdout


def test_bad_grid_exits_2_naming_file_and_field(tmp_path):
    result = calibrate(tmp_path, "--runs", "5", grid="- {confidence: 2}\n")
    assert result.exit_code == 2
    assert f"{tmp_path / 'grid.yaml'}: [0]: confidence:" in result.stderr
    assert calibrate(tmp_path, grid="just text").exit_code == 2
    assert calibrate(tmp_path, grid="- {test: maybe}\n").exit_code == 2


def test_default_grid_is_about_eight_settings():
    from hotswap.reports.calibrate import default_grid
    from hotswap.scenario import load

    grid = default_grid(load("scenarios/canary.yaml"))
    assert len(grid) == 8
    assert grid[-1]["triggers"][0] == {
        "metric": "error_rate",
        "threshold": 100,
        "unit": "percent",
        "baseline": "previous",
    }
