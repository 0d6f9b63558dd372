"""Results for people: a run, a summary of runs, a check, as document blocks rendered to
the terminal (rich tables) or to Markdown (a pull-request comment, ``$GITHUB_STEP_SUMMARY``).
Durations are humanised (34 s, 19.4 min, 1.2 h); JSON and CSV keep the exact figures."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from hotswap.core.figures import FIGURES, NAMES, duration_text, number_text, value_text
from hotswap.core.record import RunRecord, Summary
from hotswap.reports.document import Block, Heading, Para, Table

if TYPE_CHECKING:
    from hotswap.gate.check import Checked

FORMATS = ("text", "markdown")
WIDTH = 200  # the terminal text is the same whether printed or written to a file


def run_blocks(run: RunRecord) -> list[Block]:
    """One run: outcome, reason, times, blast radius and capacity."""
    b, capacity = run["blastRadius"], run["capacity"]
    rows = [
        ["outcome", f"{run['outcome']}: {run['reason']}"],
        ["deploy time", duration_text(run["deployTimeSeconds"])],
        ["rollback time", duration_text(run["rollbackTimeSeconds"])],
        ["blast radius", f"{b['nodes']:,} nodes ({number_text(b['nodesPercent'])}% of the fleet)"],
        ["requests to the new module", f"{b['requests']:,}, {b['failedRequests']:,} failed"],
        ["node-seconds on the new module", number_text(b["nodeSeconds"])],
        ["capacity", f"peak {capacity['peakNodes']:,} nodes (+{number_text(capacity['overheadPercent'])}%)"],
    ]
    if "real" in run:
        real = run["real"]
        rows.append(
            [
                "real fleet",
                f"{real['workers']} workers for {real['scaledFrom']:,} nodes, {duration_text(real['wallSeconds'])} "
                f"wall at time scale {real['timeScale']:g}, {real['requestRate']:,.0f} requests/s, "
                f"{real['workerRestarts']} worker restarts",
            ]
        )
    rows += [["warning", f"{w['code']}: {w['message']}"] for w in run.get("warnings", [])]
    title = (
        f"{run['scenario']}: {run['strategy']} {run['previousModuleId']} -> {run['moduleId']} "
        f"on {run['fleet']['nodes']:,} nodes ({run['backend']}, seed {run['seed']})"
    )
    return [Heading(3, title), Table(["", ""], rows)]


class Warnings:
    """The warnings of many runs, added one run at a time: one line per code (its first
    message and in how many runs it came; a stage-collapse message, the same in every
    run, once each)."""

    def __init__(self, shown: tuple[str, ...] = ()) -> None:
        self.shown = shown  # codes already said before the runs (the scenario's hints)
        self.runs = 0
        self.first: dict[str, str] = {}
        self.count: dict[str, int] = {}
        self.collapse: dict[str, None] = {}

    def add(self, run: RunRecord) -> RunRecord:
        self.runs += 1
        for code in dict.fromkeys(w["code"] for w in run.get("warnings", [])):
            self.count[code] = self.count.get(code, 0) + 1
        for w in run.get("warnings", []):
            self.first.setdefault(w["code"], w["message"])
            if w["code"] == "stage-collapse":
                self.collapse[w["message"]] = None
        return run

    def lines(self) -> list[str]:
        out = []
        for code, message in self.first.items():
            if code in self.shown:
                continue
            if code == "stage-collapse":
                out += [f"{code}: {m}" for m in self.collapse]
            else:
                many = f" (in {self.count[code]} of {self.runs} runs)" if self.runs > 1 else ""
                out.append(f"{code}: {message}{many}")
        return out


def summary_blocks(name: str, summary: Summary) -> list[Block]:
    """Many runs: outcome shares and each figure's distribution."""
    outcomes = ", ".join(f"{k} {v['count']} ({100 * v['rate']:.0f}%)" for k, v in summary["outcomes"].items())
    rows = []
    for figure in FIGURES:
        f = summary["figures"][figure]
        if not f["n"]:
            rows.append([NAMES[figure], "0", "-", "-", "-", "-", "-"])
            continue
        low, high = f["ci95"]
        rows.append(
            [
                NAMES[figure],
                f"{f['n']:,}",
                *(value_text(figure, f[k]) for k in ("mean", "p5", "p50", "p95")),
                f"{value_text(figure, low)} to {value_text(figure, high)}",
            ]
        )
    seeds = summary["seeds"]
    return [
        Heading(3, f"{name}: {summary['runs']:,} runs, seeds {seeds[0]}..{seeds[1]}"),
        Para(f"Outcomes: {outcomes}"),
        Table(["figure", "n", "mean", "p5", "p50", "p95", "95% CI of the mean"], rows),
    ]


def check_blocks(results: list[Checked]) -> list[Block]:
    """Every expectation of every checked file, passed or failed, with breaking seeds."""
    failed = sum(not c.passed for c in results)
    rows = []
    for checked in results:
        for v in checked.verdicts:
            more = f" (+{len(v.seeds) - 5} more)" if len(v.seeds) > 5 else ""
            seeds = ", ".join(str(s) for s in v.seeds[:5]) + more
            replay = f"; replay: `hotswap run {checked.path} --seed {v.seeds[0]}`" if v.seeds else ""
            rows.append(
                [
                    "pass" if v.passed else "**FAIL**",
                    f"`{checked.path}`",
                    f"{len(checked.runs):,}",
                    v.what,
                    v.measured,
                    v.demanded,
                    seeds + replay,
                ]
            )
    headers = ["result", "scenario", "runs", "expectation", "measured", "expected", "breaking seeds"]
    return [Heading(3, f"hotswap check: {len(results) - failed} passed, {failed} failed"), Table(headers, rows)]


def markdown(blocks: list[Block]) -> str:
    """Markdown for a pull-request comment or a CI job summary."""
    from hotswap.reports import document

    return document.markdown(blocks, Path(".")).rstrip("\n")


def terminal(blocks: list[Block]) -> str:
    """Text for the terminal: rich tables, no colour (the same bytes on a terminal and in a file)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table as RichTable

    out = io.StringIO()
    console = Console(file=out, width=WIDTH, color_system=None, highlight=False, emoji=False, markup=False)
    for block in blocks:
        if isinstance(block, Heading | Para):
            console.print(block.text.replace("**", "").replace("`", ""), soft_wrap=True)
        elif isinstance(block, Table):
            table = RichTable(box=box.SIMPLE_HEAD, show_header=any(block.headers), pad_edge=False)
            for i, header in enumerate(block.headers):
                numeric = i > 0 and bool(block.rows) and _numeric(block, i)
                table.add_column(header, justify="right" if numeric else "left", no_wrap=numeric)
            for row in block.rows:
                table.add_row(*(cell.replace("**", "").replace("`", "") for cell in row))
            console.print(table)
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines()).strip("\n")


def _numeric(table: Table, column: int) -> bool:
    """Whether a column holds numbers (and durations): set right, never wrapped."""
    return all(cell[:1].isdigit() or cell[:1] in "-+" for row in table.rows for cell in row[column : column + 1])


def render(blocks: list[Block], fmt: str) -> str:
    return markdown(blocks) if fmt == "markdown" else terminal(blocks)
