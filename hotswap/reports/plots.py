"""Plots of comparison runs: CDFs of times, blast radius per strategy, and the share of
nodes and traffic on the new module over one representative run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

STYLE = {"figure.figsize": (7.5, 4.2), "axes.grid": True, "grid.alpha": 0.3, "font.size": 9}


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def cdf(frame: pd.DataFrame, column: str, condition: str, path: Path, title: str) -> Path:
    """One empirical CDF per strategy of ``column`` (seconds, log scale) in ``condition``."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots()
        for strategy, group in frame[frame["condition"] == condition].groupby("strategy", sort=False):
            values = np.sort(group[column].dropna().to_numpy(dtype=float))
            if len(values):
                ax.step(
                    np.maximum(values, 1e-3),
                    np.arange(1, len(values) + 1) / len(values),
                    where="post",
                    label=f"{strategy} (n={len(values)})",
                )
        ax.set_xscale("log")
        ax.set_xlabel(f"{column} (log scale)")
        ax.set_ylabel("share of runs")
        ax.set_title(title)
        ax.legend(loc="lower right")
        return _save(fig, path)


def blast(frame: pd.DataFrame, path: Path, condition: str = "faulty") -> Path:
    """Blast radius per strategy: share of nodes and failed requests (p50, p5-p95)."""
    data = frame[frame["condition"] == condition]
    strategies = list(dict.fromkeys(data["strategy"]))
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 2)
        for ax, column, label in (
            (axes[0], "blastRadius.nodesPercent", "nodes exposed (%)"),
            (axes[1], "blastRadius.failedRequests", "failed requests"),
        ):
            p50, low, high = [], [], []
            for s in strategies:
                v = data.loc[data["strategy"] == s, column].to_numpy(dtype=float)
                q5, q50, q95 = np.percentile(v, [5, 50, 95])
                p50.append(q50)
                low.append(q50 - q5)
                high.append(q95 - q50)
            ax.bar(strategies, p50, yerr=[low, high], capsize=3, color="#c0504d")
            ax.set_ylabel(f"{label}, p50 with p5-p95")
            ax.tick_params(axis="x", rotation=30)
        fig.suptitle(f"Blast radius of a {condition} module")
        return _save(fig, path)


def shares(record: dict[str, Any]) -> tuple[list[float], list[float], list[float], list[float]]:
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


def timelines(records: dict[str, dict[str, Any]], path: Path) -> Path:
    """One panel per strategy: its representative run's share of nodes and traffic on
    the new module over scenario time."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(len(records), 1, figsize=(7.5, 1.6 * len(records) + 0.6), squeeze=False)
        for ax, (label, record) in zip(axes[:, 0], records.items(), strict=True):
            t_nodes, nodes, t_traffic, traffic = shares(record)
            minutes = np.asarray(t_nodes) / 60
            ax.step(minutes, np.asarray(nodes) * 100, where="post", label="nodes in use on new module")
            if traffic:
                ax.plot(
                    np.asarray(t_traffic) / 60,
                    np.asarray(traffic) * 100,
                    "o--",
                    ms=3,
                    label="requests served by new module (per window)",
                )
            ax.set_ylim(-5, 105)
            ax.set_ylabel("%")
            ax.set_title(f"{label}: {record['outcome']} (seed {record['seed']})", fontsize=9, loc="left")
        axes[-1, 0].set_xlabel("scenario time (minutes)")
        axes[0, 0].legend(loc="lower right", fontsize=7)
        return _save(fig, path)


def representative(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The run whose deploy time is the median's closest."""
    times = np.array([r["deployTimeSeconds"] for r in records])
    return records[int(np.argmin(np.abs(times - np.median(times))))]
