"""When to start: the scenario's own deployment at each start time, compared."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from hotswap.cli import main
from hotswap.reports import start_times

SCENARIOS = Path(__file__).parents[3] / "scenarios"


def test_a_spec_gives_the_start_times():
    assert start_times.parse("00:00-23:00/1h") == [f"{h:02d}:00" for h in range(24)]
    assert start_times.parse("06:00-07:00/20m") == ["06:00", "06:20", "06:40", "07:00"]
    for bad in ("0-23/1h", "10:00-09:00/1h", "00:00-24:00/1h", "00:00-01:00/0m", "00:00-01:00/1s"):
        with pytest.raises(ValueError, match=r"FROM-TO/STEP|23:59|before the first|at least one minute"):
            start_times.parse(bad)


def test_detection_is_the_first_trigger_or_failed_gate():
    record = {
        "timeline": [
            {"t": 5, "event": "HealthGate", "passed": True},
            {"t": 40, "event": "HealthGate", "passed": False},
            {"t": 41, "event": "RollbackStarted"},
        ]
    }
    assert start_times.detect_seconds(record) == 40
    assert start_times.detect_seconds({"timeline": [{"t": 1, "event": "Deploy"}]}) is None


def test_compare_by_start_time_writes_a_report_where_the_day_shows(tmp_path: Path):
    out = tmp_path / "when"
    result = CliRunner().invoke(
        main,
        ["compare", str(SCENARIOS / "canary-diurnal.yaml"), "--start-times", "01:00-13:00/12h", "--runs", "3"],
        catch_exceptions=False,
    )
    assert result.exit_code == 2 and "--out" in result.output  # --out is required
    result = CliRunner().invoke(
        main,
        [
            *("compare", str(SCENARIOS / "canary-diurnal.yaml"), "--start-times", "01:00-13:00/12h", "--runs", "3"),
            *("--out", str(out), "--jobs", "1"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {
        "report.md",
        "report.html",
        "runs.csv",
        "by-start-time.csv",
        "start-times.png",
    }
    table = pd.read_csv(out / "by-start-time.csv")
    assert list(table["startAt"]) == ["01:00", "13:00"]
    peak, trough = table.iloc[0], table.iloc[1]  # 20:00 and 08:00 local
    assert trough["timeToDetectSeconds.mean"] > peak["timeToDetectSeconds.mean"]
    assert trough["blastRadius.requests.mean"] < peak["blastRadius.requests.mean"]
    assert "Smallest blast radius when started at 13:00 UTC" in (out / "report.md").read_text()


def test_start_times_take_one_scenario_and_a_good_spec(tmp_path: Path):
    path = str(SCENARIOS / "canary-diurnal.yaml")
    for args, says in (
        ([path, path, "--start-times", "00:00-01:00/1h"], "give one scenario file"),
        ([path, "--start-times", "noon"], "--start-times: 'noon': expected FROM-TO/STEP"),
    ):
        result = CliRunner().invoke(main, ["compare", *args, "--out", str(tmp_path / "x")])
        assert result.exit_code == 2 and says in result.stderr, result.output
        assert not (tmp_path / "x").exists()
