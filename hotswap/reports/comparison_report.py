"""Write a comparison: data (CSV, Parquet), plots, and a Markdown + HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from hotswap.reports import document, plots
from hotswap.reports.document import Heading, Image, Para, Table

FIGURE_LABELS = {
    "deployTimeSeconds": "deploy s",
    "rollbackTimeSeconds": "rollback s",
    "blastRadius.nodesPercent": "nodes %",
    "blastRadius.requests": "requests",
    "blastRadius.failedRequests": "failed",
    "blastRadius.nodeSeconds": "node-s",
}


def number(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    value = float(value)
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def table(summary: pd.DataFrame) -> Table:
    """p50 [p5-p95] of each figure, per case, with its 95% CI of the mean."""
    headers = ["case", "runs", "outcomes", *FIGURE_LABELS.values(), "overhead %"]
    rows = []
    for _, row in summary.iterrows():
        cells = [row["label"], str(row["runs"]), row["outcomes"]]
        for name in FIGURE_LABELS:
            if row.get(f"{name}.p50") is None or pd.isna(row.get(f"{name}.p50")):
                cells.append("-")
                continue
            cells.append(
                f"{number(row[f'{name}.p50'])} [{number(row[f'{name}.p5'])}-{number(row[f'{name}.p95'])}]"
                f" mean {number(row[f'{name}.mean'])} CI {row.get(f'{name}.ci95', '-')}"
            )
        cells.append(number(row.get("capacity.overheadPercent.mean")))
        rows.append(cells)
    return Table(headers, rows)


def write(
    folder: Path,
    title: str,
    intro: str,
    frame: pd.DataFrame,
    summary: pd.DataFrame,
    records: dict[str, list[dict[str, Any]]],
) -> list[Path]:
    """Write everything into ``folder``; the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / "runs.csv", index=False)
    frame.to_parquet(folder / "runs.parquet", index=False)
    summary.to_csv(folder / "summary.csv", index=False)
    pictures = [
        plots.cdf(frame, "deployTimeSeconds", "healthy", folder / "deploy-time-cdf.png", "Deploy time, healthy module"),
        plots.cdf(
            frame, "rollbackTimeSeconds", "faulty", folder / "rollback-time-cdf.png", "Rollback time, faulty module"
        ),
        plots.blast(frame, folder / "blast-radius.png"),
        plots.timelines(
            {label: plots.representative(runs) for label, runs in records.items() if label.endswith("healthy")},
            folder / "timeline-healthy.png",
        ),
        plots.timelines(
            {label: plots.representative(runs) for label, runs in records.items() if label.endswith("faulty")},
            folder / "timeline-faulty.png",
        ),
    ]
    captions = [
        "CDF of deploy time per strategy (healthy module)",
        "CDF of rollback time per strategy (faulty module)",
        "Blast radius per strategy (faulty module)",
        "Share of nodes and traffic on the new module, representative run (healthy)",
        "Share of nodes and traffic on the new module, representative run (faulty)",
    ]
    blocks: list[document.Block] = [
        Heading(1, title),
        Para(intro),
        Para(
            "Each cell: p50 [p5-p95], the mean and the 95% confidence interval of the mean. "
            "Data: `runs.csv` / `runs.parquet` (one row a run), `summary.csv`."
        ),
        table(summary),
        *[Image(p, c) for p, c in zip(pictures, captions, strict=True)],
    ]
    (folder / "report.md").write_text(document.markdown(blocks, folder), encoding="utf-8")
    (folder / "report.html").write_text(document.page(blocks, title), encoding="utf-8")
    return [folder / n for n in ("runs.csv", "runs.parquet", "summary.csv", "report.md", "report.html")] + pictures
