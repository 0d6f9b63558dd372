"""Plots of comparison runs: CDFs of times, blast radius per strategy, and the share of
nodes and traffic on the new module over one representative run.

Each series (a strategy, or a scenario file) keeps one colour in every plot; legends sit
outside the data; times read in seconds, minutes or hours, whichever suits their range.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.typing import RcKeyType

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from hotswap.core.config import STRATEGIES
from hotswap.core.figures import duration_text
from hotswap.core.record import RunRecord
from hotswap.files import write_bytes

STYLE: dict[RcKeyType, Any] = {"figure.figsize": (7.5, 4.2), "axes.grid": True, "grid.alpha": 0.3, "font.size": 9}
# colour-blind-safe (Okabe-Ito); one per strategy everywhere, the rest for scenario files
STRATEGY_COLOURS = dict(zip(STRATEGIES, ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00"), strict=True))
OTHER_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000")
LABELS = {
    "deployTimeSeconds": "deploy time",
    "rollbackTimeSeconds": "rollback time",
    "blastRadius.nodesPercent": "nodes exposed (% of fleet)",
    "blastRadius.failedRequests": "failed requests",
}  # the plots' own (shorter) names; tables use core.figures.NAMES
TIME_UNITS = ((7200.0, 3600.0, "h"), (120.0, 60.0, "min"), (0.0, 1.0, "s"))


def palette(names: Iterable[str]) -> dict[str, str]:
    """A colour per series: a strategy's own, otherwise the next free one in order."""
    names = list(dict.fromkeys(names))
    if all(n in STRATEGY_COLOURS for n in names):
        return {n: STRATEGY_COLOURS[n] for n in names}
    return {n: OTHER_COLOURS[i % len(OTHER_COLOURS)] for i, n in enumerate(names)}


def time_unit(seconds: Iterable[float]) -> tuple[float, str]:
    """Divisor and name of the unit that reads best for these durations."""
    top = max((float(s) for s in seconds), default=0.0)
    return next((div, name) for bound, div, name in TIME_UNITS if top >= bound)


NICE_DURATIONS = (0.01, 0.1, 1, 10, 60, 600, 3600, 6 * 3600, 86400, 7 * 86400)


def duration_ticks(ax: Any, seconds: Iterable[float]) -> None:
    """Ticks of a log-scale axis in seconds at round durations (1 s, 10 s, 1 min, 10 min,
    1 h, ...), labelled as a person reads them."""
    values = [float(v) for v in seconds if v > 0]
    if not values:
        return
    low, high = min(values), max(values)
    ticks = [t for t in NICE_DURATIONS if low / 3 <= t <= high * 3]
    if len(ticks) < 2:  # a narrow range: the round durations either side of it
        below = [t for t in NICE_DURATIONS if t <= low] or [NICE_DURATIONS[0]]
        above = [t for t in NICE_DURATIONS if t >= high] or [NICE_DURATIONS[-1]]
        ticks = sorted({below[-1], above[0]})
    ax.xaxis.set_major_locator(matplotlib.ticker.FixedLocator(ticks))
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: duration_text(v)))
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())


def _thousands(ax: Any) -> None:
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 10 else f"{v:g}"))


def _save(fig: Any, path: Path) -> Path:
    picture = io.BytesIO()
    fig.savefig(picture, format="png", dpi=110, bbox_inches="tight")  # legends outside the axes are kept
    plt.close(fig)
    write_bytes(path, picture.getvalue())
    return path


def _legend_outside(ax: Any, **kwargs: Any) -> None:
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, frameon=False, **kwargs)


def rows(frame: pd.DataFrame, condition: str | None) -> pd.DataFrame:
    """The rows of ``condition`` (``None``: all)."""
    return frame if condition is None else frame[frame["condition"] == condition]


def cdf(
    frame: pd.DataFrame, column: str, condition: str | None, path: Path, title: str, series: str = "strategy"
) -> Path:
    """One empirical CDF per series of the duration ``column`` (log scale) in ``condition``
    (``None``: every row)."""
    colours = palette(frame[series])
    data = rows(frame, condition)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots()
        for name, group in data.groupby(series, sort=False):
            values = np.sort(group[column].dropna().to_numpy(dtype=float))
            if len(values):
                ax.step(
                    np.maximum(values, 1e-3),
                    np.arange(1, len(values) + 1) / len(values),
                    where="post",
                    color=colours[str(name)],
                    label=f"{name} (n={len(values)})",
                )
        ax.set_xscale("log")
        duration_ticks(ax, data[column].dropna())
        ax.set_xlabel(f"{LABELS.get(column, column)} (log scale)")
        ax.set_ylabel("share of runs at or below")
        ax.set_ylim(0, 1.02)
        ax.set_title(title)
        _legend_outside(ax)
        return _save(fig, path)


def blast(frame: pd.DataFrame, path: Path, condition: str | None = "faulty", series: str = "strategy") -> Path:
    """Blast radius per series: share of nodes and failed requests (p50, p5-p95)."""
    colours = palette(frame[series])
    data = rows(frame, condition)
    names = list(dict.fromkeys(data[series]))
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 2)
        for ax, column in zip(axes, ("blastRadius.nodesPercent", "blastRadius.failedRequests"), strict=True):
            p50, low, high = [], [], []
            for s in names:
                v = data.loc[data[series] == s, column].to_numpy(dtype=float)
                q5, q50, q95 = np.percentile(v, [5, 50, 95])
                p50.append(q50)
                low.append(q50 - q5)
                high.append(q95 - q50)
            ax.bar(names, p50, yerr=[low, high], capsize=3, color=[colours[s] for s in names])
            ax.set_title(LABELS[column], fontsize=9)
            ax.set_ylabel("median, whiskers p5 to p95")
            _thousands(ax)
            ax.tick_params(axis="x", rotation=30)
            for tick in ax.get_xticklabels():
                tick.set_horizontalalignment("right")
        fig.suptitle("Blast radius" + (f" of a {condition} module" if condition else ""))
        fig.tight_layout()
        return _save(fig, path)


def gates(table: pd.DataFrame, path: Path) -> Path:
    """Health gates at scale, a panel per gate: per strategy (its colour everywhere) the
    share of runs in which a healthy module was stopped (solid) and a bad one let through
    (dashed), against fleet size; one legend outside the panels."""
    colours = palette(table["strategy"])
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.8), sharey=True)
        for ax, (gate_name, group) in zip(axes, table.groupby("gate", sort=False), strict=True):
            for strategy, g in group.groupby("strategy", sort=False):
                colour = colours[str(strategy)]
                ax.plot(g["nodes"], 100 * g["falseAlarmRate"], "o-", color=colour, ms=4)
                ax.plot(g["nodes"], 100 * g["missedBadRate"], "x--", color=colour, ms=5)
            ax.set_xscale("log")
            ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
            ax.set_xlabel("fleet size (nodes, log scale)")
            ax.set_title(str(gate_name), fontsize=9)
        axes[0].set_ylabel("% of runs")
        lines = matplotlib.lines.Line2D
        handles = [lines([], [], color=c, lw=6, label=s) for s, c in colours.items()] + [
            lines([], [], color="#555", marker="o", label="healthy module stopped (false alarm)"),
            lines([], [], color="#555", marker="x", ls="--", label="bad module let through (missed)"),
        ]
        axes[1].legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False, fontsize=8)
        return _save(fig, path)


def shares(record: RunRecord) -> tuple[list[float], list[float], list[tuple[float, float, float]]]:
    """From a run's timeline: times and share of the fleet's nodes running the new module
    (blue-green's green pool counts against the active fleet, so a switch reads 100%),
    and per evaluated window its start, end and the share of requests the new module served."""
    t_nodes, nodes, windows = [0.0], [0.0], []
    new, fleet = record["moduleId"], max(record["fleet"]["nodes"], 1)
    for event in record["timeline"]:
        if event["event"] == "Deploy":
            t_nodes.append(event["t"] + event["seconds"])
            nodes.append(min(event["newModuleNodes"] / fleet, 1.0))
        elif event["event"] in ("Evaluated", "TriggerFired"):
            served = {k: v["requests"] for k, v in event.items() if isinstance(v, dict)}
            total = sum(served.values())
            length = float(event.get("seconds", event.get("afterSeconds", 0.0)))
            if total:
                windows.append((event["t"] - length, event["t"], served.get(new, 0) / total))
    t_nodes.append(record["totalTimeSeconds"])
    nodes.append(nodes[-1])
    return t_nodes, nodes, windows


def timelines(records: dict[str, RunRecord], path: Path, colours: dict[str, str] | None = None) -> Path:
    """One panel per series, each on its own time axis (in the unit that reads best): its
    representative run's share of the fleet running the new module (a line), and the share
    of requests the new module served in each evaluated window (a bar over the window:
    what it measured, not a trend between window ends)."""
    colours = colours or palette(records)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(len(records), 1, figsize=(7.5, 1.6 * len(records) + 0.9), squeeze=False)
        for ax, (label, record) in zip(axes[:, 0], records.items(), strict=True):
            t_nodes, nodes, windows = shares(record)
            div, unit = time_unit([record["totalTimeSeconds"]])
            colour = colours.get(label, "#0072B2")
            ax.step(np.asarray(t_nodes) / div, np.asarray(nodes) * 100, where="post", color=colour, lw=1.6)
            for start, end, share in windows:
                ax.fill_between([start / div, end / div], 0, share * 100, color=colour, alpha=0.18, lw=0, step="post")
                ax.hlines(share * 100, start / div, end / div, color=colour, lw=1, ls=(0, (2, 1)))
            ax.set_ylim(-5, 105)
            ax.set_yticks([0, 50, 100])
            ax.set_ylabel("% new")
            ax.set_xlim(0, record["totalTimeSeconds"] / div * 1.02 or 1)
            ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _, u=unit: f"{v:g} {u}"))
            ax.set_title(f"{label}: {record['outcome']} (seed {record['seed']})", fontsize=9, loc="left")
        axes[-1, 0].set_xlabel("scenario time (each panel its own scale)")
        handles = [
            matplotlib.lines.Line2D([], [], color="#555", lw=1.6, label="nodes running the new module (% of fleet)"),
            matplotlib.patches.Patch(
                facecolor="#55555530", edgecolor="#555", ls=(0, (2, 1)), label="requests it served, per window"
            ),
        ]
        fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
        fig.tight_layout()
        return _save(fig, path)
