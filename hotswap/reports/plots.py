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
}
TIME_UNITS = ((7200.0, 3600.0, "hours"), (120.0, 60.0, "minutes"), (0.0, 1.0, "seconds"))


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
    div, unit = time_unit(data[column].dropna())
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots()
        for name, group in data.groupby(series, sort=False):
            values = np.sort(group[column].dropna().to_numpy(dtype=float))
            if len(values):
                ax.step(
                    np.maximum(values / div, 1e-3),
                    np.arange(1, len(values) + 1) / len(values),
                    where="post",
                    color=colours[str(name)],
                    label=f"{name} (n={len(values)})",
                )
        ax.set_xscale("log")
        ax.set_xlabel(f"{LABELS.get(column, column)} ({unit}, log scale)")
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
            ax.set_ylabel("p50, whiskers p5-p95")
            ax.tick_params(axis="x", rotation=30)
            for tick in ax.get_xticklabels():
                tick.set_horizontalalignment("right")
        fig.suptitle("Blast radius" + (f" of a {condition} module" if condition else ""))
        fig.tight_layout()
        return _save(fig, path)


def shares(record: RunRecord) -> tuple[list[float], list[float], list[float], list[float]]:
    """From a run's timeline: times and share of nodes in use on the new module, and the
    end times and share of requests the new module served per evaluated window."""
    t_nodes, nodes, t_traffic, traffic = [0.0], [0.0], [], []
    new = record["moduleId"]
    for event in record["timeline"]:
        if event["event"] == "Deploy":
            in_use = event["newModuleNodes"] + event["previousModuleNodes"]
            t_nodes.append(event["t"] + event["seconds"])
            nodes.append(event["newModuleNodes"] / in_use if in_use else 0.0)
        elif event["event"] in ("Evaluated", "TriggerFired"):
            served = {k: v["requests"] for k, v in event.items() if isinstance(v, dict)}
            total = sum(served.values())
            if total:
                t_traffic.append(event["t"])
                traffic.append(served.get(new, 0) / total)
    t_nodes.append(record["totalTimeSeconds"])
    nodes.append(nodes[-1])
    return t_nodes, nodes, t_traffic, traffic


def timelines(records: dict[str, RunRecord], path: Path, colours: dict[str, str] | None = None) -> Path:
    """One panel per series: its representative run's share of nodes on the new module
    over scenario time (a line), and the share of requests it served in each evaluated
    window (one dot per window, at the window's end)."""
    colours = colours or palette(records)
    div, unit = time_unit(r["totalTimeSeconds"] for r in records.values())
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(len(records), 1, figsize=(7.5, 1.5 * len(records) + 0.9), squeeze=False, sharex=True)
        for ax, (label, record) in zip(axes[:, 0], records.items(), strict=True):
            t_nodes, nodes, t_traffic, traffic = shares(record)
            colour = colours.get(label, "#0072B2")
            ax.step(np.asarray(t_nodes) / div, np.asarray(nodes) * 100, where="post", color=colour, label="nodes")
            if traffic:
                ax.plot(
                    np.asarray(t_traffic) / div,
                    np.asarray(traffic) * 100,
                    "o",
                    ms=4,
                    mfc="white",
                    color=colour,
                    label="requests (per window)",
                )
            ax.set_ylim(-5, 105)
            ax.set_yticks([0, 50, 100])
            ax.set_ylabel("% new")
            ax.set_title(f"{label}: {record['outcome']} (seed {record['seed']})", fontsize=9, loc="left")
        axes[-1, 0].set_xlabel(f"scenario time ({unit})")
        handles = [
            matplotlib.lines.Line2D([], [], color="#555", label="nodes in use on the new module"),
            matplotlib.lines.Line2D(
                [], [], color="#555", marker="o", mfc="white", ls="", label="requests it served, per window"
            ),
        ]
        fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
        fig.tight_layout()
        return _save(fig, path)
