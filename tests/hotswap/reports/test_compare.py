"""Strategy comparisons on the simulator, and what they write."""

from pathlib import Path

import pandas as pd
import pytest

from hotswap.core.config import STRATEGIES
from hotswap.reports import compare, comparison_report
from hotswap.scenario import load

SCENARIOS = Path(__file__).parents[3] / "scenarios"


def test_cases_run_every_strategy_healthy_and_faulty_with_the_guide_configs():
    scenario = load(SCENARIOS / "fleet-10k.yaml")
    items = compare.cases(scenario, list(STRATEGIES))
    assert [(c.strategy, c.condition) for c in items] == [(s, c) for s in STRATEGIES for c in ("healthy", "faulty")]
    by = {(c.strategy, c.condition): c.scenario for c in items}
    assert by["Canary", "healthy"].deployment == scenario.deployment  # its own strategy keeps its config
    rolling = by["Rolling", "healthy"].deployment.strategy_config
    assert (rolling.batch_size, rolling.batch_delay) == (2, 30.0)  # the guide's example
    assert by["Regional", "healthy"].deployment.strategy_config.region_order is None  # guide names other regions
    green = by["BlueGreen", "healthy"].fleet.regions
    assert all(r.idle_nodes == r.nodes for r in green)
    module = scenario.deployment.module_id
    assert by["Canary", "faulty"].profile(module).error_rate == 0.12  # the default fault: requests fail
    assert by["Canary", "healthy"].profile(module).latency_ms.median == 15  # the profile's latency is kept


def test_a_faulty_profile_of_the_scenario_is_the_faulty_case():
    scenario = load(SCENARIOS / "canary-bad-module.yaml")
    items = compare.cases(scenario, ["Rolling"])
    module = scenario.deployment.module_id
    assert items[1].scenario.profile(module).health_check_failure_rate == 0.3
    assert items[0].scenario.profile(module).health_check_failure_rate == 0.0


def test_run_summary_and_files(tmp_path):
    scenario = load(SCENARIOS / "canary.yaml")
    frame, records = compare.measure(compare.cases(scenario, ["Canary", "BlueGreen"]), runs=3, seed=5)
    assert len(frame) == 12 and list(frame.columns) == list(compare.COLUMNS)
    assert set(frame["seed"]) == {5, 6, 7}
    assert (frame.loc[frame["label"] == "Canary faulty", "outcome"] == "RolledBack").all()
    assert (frame.loc[frame["strategy"] == "BlueGreen", "capacity.overheadPercent"] == 100).all()
    summary = compare.summary(frame)
    row = summary.set_index("label").loc["Canary healthy"]
    assert row["outcomes"] == "Succeeded 100%"
    assert row["deployTimeSeconds.p50"] == pytest.approx(
        frame.loc[frame["label"] == "Canary healthy", "deployTimeSeconds"].median()
    )
    written = comparison_report.write(tmp_path, "t", "intro", frame, summary, records)
    assert all(p.exists() and p.stat().st_size for p in written)
    if comparison_report.parquet_available():  # the [parquet] extra
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "runs.parquet"), frame)
    assert len(pd.read_csv(tmp_path / "runs.csv")) == len(frame)
    text = (tmp_path / "report.md").read_text()
    assert "| Canary faulty | 3 | RolledBack 100% |" in text
    assert text.count("![") == 5


def test_without_pyarrow_the_runs_are_csv_only(tmp_path, monkeypatch):
    scenario = load(SCENARIOS / "canary.yaml")
    frame, records = compare.measure(compare.cases(scenario, ["Canary"]), runs=2, seed=5)
    monkeypatch.setattr(comparison_report, "parquet_available", lambda: False)
    written = comparison_report.write(tmp_path, "t", "intro", frame, compare.summary(frame), records)
    assert not (tmp_path / "runs.parquet").exists() and tmp_path / "runs.parquet" not in written
    assert "runs.parquet" not in (tmp_path / "report.md").read_text()
    assert len(pd.read_csv(tmp_path / "runs.csv")) == len(frame)


def test_compare_command(tmp_path):
    from click.testing import CliRunner

    from hotswap.cli import main

    result = CliRunner().invoke(
        main,
        [
            "compare",
            str(SCENARIOS / "canary.yaml"),
            "--strategies",
            "Canary,Rolling",
            "--runs",
            "2",
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()  # progress goes to stderr only
    assert lines[:2] == ["Strategies compared on canary", "medians of 2 runs per case (seeds 1..2)"]
    assert lines[-1] == f"wrote 10 files to {tmp_path / 'out'}/ (report.md, report.html, runs.csv, summary.csv, ...)"
    header = next(line for line in lines if line.startswith(" case "))
    columns = "deploy time p50, rollback time p50, nodes exposed % p50, failed requests p50, capacity overhead %"
    assert header.split() == ["case", "runs", "outcomes", *columns.replace(",", "").split()]
    rows = [line for line in lines if line.startswith((" Canary ", " Rolling "))]
    assert [r.split()[:3] for r in rows] == [[s, c, "2"] for s in ("Canary", "Rolling") for c in ("healthy", "faulty")]
    summary = pd.read_csv(tmp_path / "out" / "summary.csv").set_index("label")
    p50 = summary.loc["Canary healthy", "deployTimeSeconds.p50"]
    assert f" {p50 / 60:.1f} min " in rows[0]  # humanised on the terminal, exact in the CSV
    assert set(pd.read_csv(tmp_path / "out" / "runs.csv")["strategy"]) == {"Canary", "Rolling"}
    bad = CliRunner().invoke(
        main, ["compare", str(SCENARIOS / "canary.yaml"), "--strategies", "Linear", "--out", str(tmp_path / "x")]
    )
    assert bad.exit_code == 2 and "unknown strategy 'Linear'" in bad.stderr
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    "files",
    [("canary.yaml", "blue-green-bad-module.yaml"), ("canary.yaml", "fleet-10k.yaml", "rolling-bad-module.yaml")],
    ids=["same-fleet", "different-fleets"],
)
def test_compare_scenario_files_as_written(tmp_path, files):
    from click.testing import CliRunner

    from hotswap.cli import main

    out = tmp_path / "out"
    args = ["compare", *(str(SCENARIOS / f) for f in files), "--runs", "2", "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    runs = pd.read_csv(out / "runs.csv")
    names = [load(SCENARIOS / f).name for f in files]
    assert list(dict.fromkeys(runs["label"])) == names and set(runs["condition"]) == {"as written"}
    assert (runs.groupby("label").size() == 2).all()
    report = (out / "report.md").read_text()
    for name in names:
        assert f"| {name} | 2 |" in report
    assert "timeline-as-written.png" in report and (out / "timeline-as-written.png").stat().st_size
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder left behind


def test_compare_that_fails_while_writing_leaves_nothing(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from hotswap.cli import main

    def broken(folder, *args, **kwargs):
        (folder / "runs.csv").write_text("half")
        raise RuntimeError("plotting failed")

    monkeypatch.setattr(comparison_report, "write", broken)
    args = ["compare", str(SCENARIOS / "canary.yaml"), "--strategies", "Canary", "--runs", "1", "--out"]
    result = CliRunner().invoke(main, [*args, str(tmp_path / "out")])
    assert isinstance(result.exception, RuntimeError)
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "runs.csv").write_text("earlier")
    CliRunner().invoke(main, [*args, str(tmp_path / "old")])
    assert [p.name for p in tmp_path.iterdir()] == ["old"] and (tmp_path / "old" / "runs.csv").read_text() == "earlier"


def test_summary_csv_holds_numbers_and_the_confidence_interval_as_two_columns(tmp_path):
    scenario = load(SCENARIOS / "canary-bad-module.yaml")
    frame, records = compare.measure(compare.cases(scenario, ["Canary"]), runs=4, seed=1)
    comparison_report.write(tmp_path, "t", "intro", frame, compare.summary(frame), records)
    summary = pd.read_csv(tmp_path / "summary.csv").set_index("label")
    numbers = summary.drop(columns=["strategy", "condition", "outcomes"])
    assert all(pd.api.types.is_numeric_dtype(numbers[c]) for c in numbers.columns)
    row = summary.loc["Canary faulty"]
    assert row["rollbackTimeSeconds.ci95Low"] < row["rollbackTimeSeconds.mean"] < row["rollbackTimeSeconds.ci95High"]
    assert pd.isna(summary.loc["Canary healthy", "rollbackTimeSeconds.ci95Low"])  # nothing rolled back


def test_compare_markdown_prints_the_summary_table_for_a_pull_request(tmp_path):
    from click.testing import CliRunner

    from hotswap.cli import main

    out = tmp_path / "out"
    args = ["compare", str(SCENARIOS / "canary-bad-module.yaml"), "--strategies", "Canary", "--runs", "3"]
    result = CliRunner().invoke(main, [*args, "--out", str(out), "--format", "markdown"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "### Strategies compared on canary-bad-module"
    assert lines[2].startswith("| case | runs | outcomes | deploy time | rollback time | nodes exposed % |")
    assert lines[3] == "|" + "---|" * lines[2].count(" | ") + "---|"
    assert lines[4].startswith("| Canary healthy | 3 | Succeeded 100% | ") and " min [" in lines[4]
    assert lines[5].startswith("| Canary faulty | 3 | RolledBack 100% | ") and " s [" in lines[5]
    assert lines[-1].startswith("p50 [p5 to p95] of 3 runs per case (seeds 7..9); the report, plots and data: ")
    assert (out / "report.md").exists() and "\x1b" not in result.stdout
