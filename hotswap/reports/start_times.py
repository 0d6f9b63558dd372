"""When to start: the scenario's own deployment at each start time of a day, compared.

``hotswap compare SCENARIO --start-times 00:00-23:00/1h`` runs the scenario as written
with ``deployment.startAt`` set to each time, so its traffic over time (a diurnal day or
a replayed recording) meets the rollout at another hour. Per start time: time to detect
(from the start to the first trigger or failed health gate, runs that detected
something), deploy time, blast radius; a plot of each against the start time, and the
start times with the smallest and largest blast radius.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from hotswap.core.record import RunRecord
from hotswap.reports import document, plots
from hotswap.reports.compare import Case
from hotswap.reports.document import Heading, Image, Para, Table
from hotswap.runs import runner
from hotswap.scenario import Scenario

MAX_STARTS = 24 * 60
DETECTED = ("TriggerFired", "RollbackStarted")


def parse(spec: str) -> list[str]:
    """``FROM-TO/STEP`` (``00:00-23:00/1h``, step in ``h`` or ``m``) as the start times,
    ``HH:MM`` each; ``ValueError`` says what is wrong."""
    match = re.fullmatch(r"\s*(\d\d):(\d\d)\s*-\s*(\d\d):(\d\d)\s*/\s*(\d+)\s*([hm])\s*", spec)
    if not match:
        raise ValueError(f"{spec!r}: expected FROM-TO/STEP, e.g. 00:00-23:00/1h or 06:00-09:00/15m")
    h0, m0, h1, m1, size, unit = match.groups()
    if int(h0) > 23 or int(h1) > 23 or int(m0) > 59 or int(m1) > 59:
        raise ValueError(f"{spec!r}: times run from 00:00 to 23:59")
    first, last = int(h0) * 60 + int(m0), int(h1) * 60 + int(m1)
    step = int(size) * (60 if unit == "h" else 1)
    if last < first:
        raise ValueError(f"{spec!r}: the last start time is before the first")
    if step < 1:
        raise ValueError(f"{spec!r}: the step must be at least one minute")
    return [f"{m // 60:02d}:{m % 60:02d}" for m in range(first, last + 1, step)][:MAX_STARTS]


def cases(scenario: Scenario, starts: list[str]) -> list[Case]:
    """The scenario as written, once per start time."""
    out = []
    for start in starts:
        deployment = scenario.deployment.model_copy(update={"start_at": start})
        label = f"start {start}"
        out.append(
            Case(label, scenario.deployment.strategy, label, scenario.model_copy(update={"deployment": deployment}))
        )
    return out


def measure(
    items: list[Case], *, runs: int, seed: int, jobs: int | None = None, progress: Callable[[str], None] | None = None
) -> tuple[pd.DataFrame, dict[str, list[RunRecord]]]:
    """Every run of every start time, as rows and as records with their timelines (time
    to detect is read off the timeline)."""
    rows, records = [], {}
    for case in items:
        if progress is not None:
            progress(case.label)
        done = runner.replicate(case.scenario, seed=seed, runs=runs, jobs=jobs)
        records[case.label] = done
        for r in done:
            rows.append(
                {
                    "label": case.label,
                    "seed": r["seed"],
                    "outcome": r["outcome"],
                    "deployTimeSeconds": r["deployTimeSeconds"],
                    **{f"blastRadius.{k}": r["blastRadius"][k] for k in ("nodesPercent", "requests", "failedRequests")},
                }
            )
    return pd.DataFrame(rows), records


def detect_seconds(record: RunRecord) -> float | None:
    """When the run first saw the module fail: a trigger fired or a rollback started
    (a failed health gate starts one); None when nothing was detected."""
    for entry in record["timeline"]:
        if entry["event"] in DETECTED or (entry["event"] == "HealthGate" and not entry.get("passed", True)):
            return float(entry["t"])
    return None


def by_start(frame: pd.DataFrame, records: dict[str, list[RunRecord]], starts: list[str]) -> pd.DataFrame:
    """Per start time: runs, outcomes, time to detect, deploy time and blast radius."""
    out = []
    for start in starts:
        label = f"start {start}"
        group = frame[frame["label"] == label]
        detect = [d for d in (detect_seconds(r) for r in records[label]) if d is not None]
        shares = group["outcome"].value_counts(normalize=True)
        row: dict[str, Any] = {
            "startAt": start,
            "runs": len(group),
            "outcomes": ", ".join(f"{o} {s:.0%}" for o, s in shares.items()),
            "detected": len(detect),
        }
        for name, values in (
            ("timeToDetectSeconds", detect),
            ("deployTimeSeconds", group["deployTimeSeconds"].dropna().tolist()),
            ("blastRadius.nodesPercent", group["blastRadius.nodesPercent"].tolist()),
            ("blastRadius.requests", group["blastRadius.requests"].tolist()),
            ("blastRadius.failedRequests", group["blastRadius.failedRequests"].tolist()),
        ):
            q = np.percentile(values, [5, 50, 95]) if values else [np.nan] * 3
            row.update({f"{name}.mean": float(np.mean(values)) if values else np.nan})
            row.update({f"{name}.{k}": float(v) for k, v in zip(("p5", "p50", "p95"), q, strict=True)})
        out.append(row)
    return pd.DataFrame(out)


def plot(table: pd.DataFrame, path: Path, title: str) -> Path:
    """Time to detect, deploy time and failed requests against the start time: the
    median, with the p5-p95 band."""
    x = np.arange(len(table))
    panels = (
        ("timeToDetectSeconds", "time to detect"),
        ("deployTimeSeconds", "deploy time"),
        ("blastRadius.failedRequests", "failed requests (blast radius)"),
    )
    with plt.rc_context({**plots.STYLE, "figure.figsize": (7.5, 7.0)}):
        fig, axes = plt.subplots(len(panels), 1, sharex=True)
        for ax, (name, label) in zip(axes, panels, strict=True):
            div, unit = (1.0, "") if name.startswith("blast") else plots.time_unit(table[f"{name}.p95"].dropna())
            ax.plot(x, table[f"{name}.p50"] / div, marker="o", color="#0072B2", label="p50")
            ax.fill_between(x, table[f"{name}.p5"] / div, table[f"{name}.p95"] / div, alpha=0.2, color="#0072B2")
            ax.set_ylabel(f"{label}" + (f" ({unit})" if unit else ""), fontsize=8)
        step = max(1, len(table) // 12)
        axes[-1].set_xticks(x[::step], table["startAt"][::step], rotation=45)
        axes[-1].set_xlabel("start time (UTC)")
        fig.suptitle(title)
        fig.tight_layout()
        return plots._save(fig, path)


def _cell(value: Any, digits: str = ",.0f") -> str:
    return "-" if value is None or value != value else format(float(value), digits)


def _spread(row: Any, name: str) -> str:
    return f"{_cell(row[name + '.p50'])} [{_cell(row[name + '.p5'])}-{_cell(row[name + '.p95'])}]"


def verdict(table: pd.DataFrame) -> str:
    """Which start times exposed the least and the most, from the data."""
    failed = table["blastRadius.failedRequests.mean"]
    if failed.isna().all():
        return "No run served the new module."
    best, worst = table.iloc[int(np.nanargmin(failed))], table.iloc[int(np.nanargmax(failed))]
    detect = table["timeToDetectSeconds.mean"]
    said = (
        f"Smallest blast radius when started at {best['startAt']} UTC (mean "
        f"{_cell(best['blastRadius.failedRequests.mean'])} failed requests); largest at {worst['startAt']} "
        f"({_cell(worst['blastRadius.failedRequests.mean'])})."
    )
    if detect.notna().any():
        fast, slow = table.iloc[int(np.nanargmin(detect))], table.iloc[int(np.nanargmax(detect))]
        said += (
            f" Fastest detection at {fast['startAt']} (mean {_cell(fast['timeToDetectSeconds.mean'], '.0f')} s), "
            f"slowest at {slow['startAt']} ({_cell(slow['timeToDetectSeconds.mean'], '.0f')} s)."
        )
    return said


def write(folder: Path, title: str, intro: str, frame: pd.DataFrame, table: pd.DataFrame) -> list[Path]:
    """Data, the plot and the report (Markdown and HTML) into ``folder``; the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    data = [folder / "runs.csv", folder / "by-start-time.csv"]
    frame.to_csv(data[0], index=False)
    table.to_csv(data[1], index=False)
    picture = plot(table, folder / "start-times.png", title)
    rows = [
        [
            r["startAt"],
            str(r["runs"]),
            r["outcomes"],
            f"{_spread(r, 'timeToDetectSeconds')} ({r['detected']} runs)",
            _spread(r, "deployTimeSeconds"),
            _cell(r["blastRadius.nodesPercent.mean"], ".3g"),
            _cell(r["blastRadius.requests.mean"]),
            _cell(r["blastRadius.failedRequests.mean"]),
        ]
        for _, r in table.iterrows()
    ]
    headers = ["start (UTC)", "runs", "outcomes", "detect s p50 [p5-p95]", "deploy s p50 [p5-p95]"]
    headers += ["nodes % mean", "requests mean", "failed mean"]
    blocks: list[document.Block] = [
        Heading(1, title),
        Para(intro),
        Para(verdict(table)),
        Table(headers, rows),
        Image(picture, "Time to detect, deploy time and failed requests by start time (p50, band p5-p95)"),
        Para("Data: `runs.csv` (one row a run), `by-start-time.csv` (one row a start time)."),
    ]
    (folder / "report.md").write_text(document.markdown(blocks, folder), encoding="utf-8")
    (folder / "report.html").write_text(document.page(blocks, title), encoding="utf-8")
    return [folder / "report.md", folder / "report.html", *data, picture]
