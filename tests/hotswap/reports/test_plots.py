"""Plots read as a person reads them: units, words instead of field names, legends
outside the data, one colour per strategy in every plot, and what a window measured."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hotswap.reports import compare, plots
from hotswap.runs import runner
from hotswap.scenario import load

SCENARIOS = Path(__file__).parents[3] / "scenarios"


@pytest.fixture
def figures(monkeypatch) -> list[Any]:
    """The figures the plot functions make, kept open instead of saved."""
    made: list[Any] = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: made.append(fig) or path)
    return made


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    scenario = load(SCENARIOS / "canary-bad-module.yaml")
    rows, _ = compare.measure(compare.cases(scenario, ["Canary", "BlueGreen", "Rolling"]), runs=3, seed=1)
    return rows


def texts(fig: Any) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]


def test_cdf_axis_in_round_durations_and_words_and_the_legend_outside(figures, frame):
    plots.cdf(frame, "deployTimeSeconds", "healthy", Path("x.png"), "Deploy time")
    (fig,) = figures
    ax = fig.axes[0]
    assert ax.get_xlabel() == "deploy time (log scale)"
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert "10 min" in labels and all(label.endswith((" s", " min", " h")) for label in labels), labels
    assert not [t for t in texts(fig) if "Seconds" in t or "blastRadius" in t]  # no raw field names
    legend = ax.get_legend()
    fig.canvas.draw()
    assert legend.get_window_extent().x0 >= ax.get_window_extent().x1  # right of the data, not on it


def test_every_plot_gives_a_strategy_the_same_colour(figures, frame):
    plots.cdf(frame, "deployTimeSeconds", "healthy", Path("a.png"), "t")
    plots.blast(frame, Path("b.png"))
    cdf, blast = figures
    cdf_colours = {line.get_label().split(" (")[0]: line.get_color() for line in cdf.axes[0].get_lines()}
    bars = [patch.get_facecolor() for patch in blast.axes[0].patches]
    from matplotlib.colors import to_hex, to_rgba

    assert cdf_colours == {s: plots.STRATEGY_COLOURS[s] for s in ("Canary", "BlueGreen", "Rolling")}
    assert [to_hex(c) for c in bars] == [to_hex(to_rgba(cdf_colours[s])) for s in ("Canary", "BlueGreen", "Rolling")]
    assert blast.axes[1].get_yticklabels()  # failed requests: thousands separated, not raw 1e5 offsets


def test_blue_green_reads_100_percent_on_green_and_windows_span_what_they_measured():
    scenario = load(SCENARIOS / "blue-green-bad-module.yaml")
    record = runner.replicate(scenario, seed=scenario.seed)[0]
    t_nodes, nodes, windows = plots.shares(record)
    deploy = next(e for e in record["timeline"] if e["event"] == "Deploy")
    assert nodes[1] == 1.0 and t_nodes[1] == pytest.approx(deploy["t"] + deploy["seconds"])  # green serves, not 50%
    fired = next(e for e in record["timeline"] if e["event"] == "TriggerFired")
    start, end, share = windows[0]
    assert (end - start, end) == (fired["afterSeconds"], fired["t"])  # a span, not a point at the window's end
    assert share == 1.0  # every request went to green
    assert nodes[-1] == 0.0  # rolled back: green holds the new module no more


def test_timeline_panels_each_on_their_own_scale(figures):
    records = {
        s: runner.replicate(load(SCENARIOS / f"{name}.yaml"), seed=1)[0]
        for s, name in (("Canary", "canary"), ("ABTesting", "ab-testing-bad-module"))
    }
    plots.timelines(records, Path("t.png"))
    (fig,) = figures
    for ax, record in zip(fig.axes, records.values(), strict=True):
        div, unit = plots.time_unit([record["totalTimeSeconds"]])
        assert ax.get_xlim()[1] == pytest.approx(record["totalTimeSeconds"] / div * 1.02)
        labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        assert labels and all(label.endswith(f" {unit}") for label in labels)


def test_gates_plot_colours_are_the_strategies_and_the_legend_is_outside(figures):
    table = pd.read_csv(Path(__file__).parents[3] / "reports" / "strategy-table" / "gates.csv")
    plots.gates(table, Path("g.png"))
    (fig,) = figures
    for ax in fig.axes:
        colours = {line.get_color() for line in ax.get_lines()}
        assert colours == set(plots.STRATEGY_COLOURS.values())
        assert ax.get_xlabel() == "fleet size (nodes, log scale)"
    legend = fig.axes[1].get_legend()
    fig.canvas.draw()
    assert legend.get_window_extent().x0 >= fig.axes[1].get_window_extent().x1
