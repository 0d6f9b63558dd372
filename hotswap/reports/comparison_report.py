"""Write a comparison: data (CSV, Parquet), plots, and a Markdown + HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from hotswap.core.figures import number_text, value_text
from hotswap.core.record import RunRecord
from hotswap.files import write_text
from hotswap.reports import document, plots
from hotswap.reports.document import Heading, Image, Para, Table

SHOWN = (
    "deployTimeSeconds",
    "rollbackTimeSeconds",
    "blastRadius.nodesPercent",
    "blastRadius.requests",
    "blastRadius.failedRequests",
    "blastRadius.nodeSeconds",
)
HEADERS = {
    "deployTimeSeconds": "deploy time",
    "rollbackTimeSeconds": "rollback time",
    "blastRadius.nodesPercent": "nodes exposed %",
    "blastRadius.requests": "requests to new",
    "blastRadius.failedRequests": "failed requests",
    "blastRadius.nodeSeconds": "node-seconds",
}


STATISTICS = ("p5", "p50", "p95", "mean", "ci95Low", "ci95High")
BRIEF = ("deployTimeSeconds", "rollbackTimeSeconds", "blastRadius.nodesPercent", "blastRadius.failedRequests")


def table(summary: pd.DataFrame, detail: str = "spread", figures: tuple[str, ...] = SHOWN) -> Table:
    """Per case, each of ``figures`` (durations humanised): its p50 (``detail`` ``p50``),
    p50 [p5 to p95] (``spread``), or its mean (95% CI of the mean) (``mean``)."""
    suffix = {"p50": " p50", "mean": " mean"}.get(detail, "")
    headers = ["case", "runs", "outcomes", *(HEADERS[f] + suffix for f in figures)]
    headers.append("capacity overhead %")
    rows = []
    for _, row in summary.iterrows():
        cells = [row["label"], str(row["runs"]), row["outcomes"]]
        for name in figures:
            text = {key: value_text(name, _number(row.get(f"{name}.{key}"))) for key in STATISTICS}
            cell = {
                "p50": text["p50"],
                "spread": f"{text['p50']} [{text['p5']} to {text['p95']}]",
                "mean": f"{text['mean']} ({text['ci95Low']} to {text['ci95High']})",
            }[detail]
            cells.append("-" if text["p50"] == "-" else cell)
        cells.append(number_text(_number(row.get("capacity.overheadPercent.mean"))))
        rows.append(cells)
    return Table(headers, rows)


def _number(value: Any) -> float | None:
    """A summary cell as a number; None where it is empty (NaN in pandas)."""
    return None if value is None or pd.isna(value) else float(value)


def parquet_available() -> bool:
    """Whether Parquet can be written (the ``[parquet]`` extra: pyarrow)."""
    import importlib.util

    return importlib.util.find_spec("pyarrow") is not None


def _condition(frame: pd.DataFrame, wanted: str) -> str | None:
    """``wanted`` when the frame has that condition, else ``None`` (every row: files as written)."""
    return wanted if (frame["condition"] == wanted).any() else None


def write(
    folder: Path,
    title: str,
    intro: str,
    frame: pd.DataFrame,
    summary: pd.DataFrame,
    examples: dict[str, RunRecord],
    series: str = "strategy",
) -> list[Path]:
    """Write everything into ``folder``; the files written. ``series`` is the column that
    names a plotted line: ``strategy``, or ``label`` when scenario files are compared."""
    folder.mkdir(parents=True, exist_ok=True)
    data = [folder / "runs.csv", folder / "summary.csv"]
    frame.to_csv(data[0], index=False)
    summary.to_csv(data[1], index=False)
    if parquet_available():
        frame.to_parquet(folder / "runs.parquet", index=False)
        data.append(folder / "runs.parquet")
    healthy, faulty = _condition(frame, "healthy"), _condition(frame, "faulty")
    which = {c: f", {c} module" if c else "" for c in (healthy, faulty)}
    per = "per strategy" if series == "strategy" else "per scenario"
    deploy = plots.cdf(
        frame, "deployTimeSeconds", healthy, folder / "deploy-time-cdf.png", "Deploy time" + which[healthy], series
    )
    pictures = [(deploy, f"CDF of deploy time {per}{which[healthy]}")]
    if plots.rows(frame, faulty)["rollbackTimeSeconds"].notna().any():
        path = folder / "rollback-time-cdf.png"
        rollback = plots.cdf(frame, "rollbackTimeSeconds", faulty, path, "Rollback time" + which[faulty], series)
        pictures.append((rollback, f"CDF of rollback time {per}{which[faulty]} (runs that rolled back)"))
    pictures.append((plots.blast(frame, folder / "blast-radius.png", faulty, series), f"Blast radius {per}"))
    colours = plots.palette(frame[series])
    by_label = dict(zip(frame["label"], frame[series], strict=False))
    for condition in dict.fromkeys(frame["condition"]):
        labels = frame.loc[frame["condition"] == condition, "label"].unique()
        name = condition.replace(" ", "-")
        pictures.append(
            (
                plots.timelines(
                    {by_label[label]: examples[label] for label in labels},
                    folder / f"timeline-{name}.png",
                    colours,
                ),
                f"Share of nodes and traffic on the new module, representative run ({condition})",
            )
        )
    blocks: list[document.Block] = [
        Heading(1, title),
        Para(intro),
        Para(
            "Each cell: p50 [p5 to p95]. Data: `runs.csv`"
            + (" / `runs.parquet`" if parquet_available() else "")
            + " (one row a run, exact figures), `summary.csv` (per case, numbers only)."
        ),
        table(summary),
        Para("Means, with the 95% confidence interval of the mean in brackets:"),
        table(summary, "mean", BRIEF),
        *[Image(p, c) for p, c in pictures],
    ]
    write_text(folder / "report.md", document.markdown(blocks, folder))
    write_text(folder / "report.html", document.page(blocks, title))
    return [folder / "report.md", folder / "report.html", *data, *(p for p, _ in pictures)]
