"""`hotswap run`: one scenario, once or as seeded replications."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from hotswap.cli import options as bounded
from hotswap.cli.common import Progress, fail, format_option, progress_option, sweeps, warn, write
from hotswap.core import limits
from hotswap.runs.backends import BACKENDS

if TYPE_CHECKING:
    from hotswap.core.record import RunRecord, Summarizer


class TimeScale(click.ParamType):  # type: ignore[type-arg]
    """A number of at least 1, or ``auto`` (None)."""

    name = "auto|NUMBER"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float | None:
        if value is None or value == "auto":
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is neither auto nor a number", param, ctx)
        if not 1 <= number <= limits.CLI_TIME_SCALE:  # nan compares false: refused too
            self.fail(f"{value!r} is not auto nor a number from 1 to {limits.CLI_TIME_SCALE:,.0f}", param, ctx)
        return number


@click.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--backend", type=click.Choice(sorted(BACKENDS)), default="sim", show_default=True)
@click.option("--seed", type=bounded.SEED, help="Seed of the first run [default: the scenario's].")
@click.option("--runs", type=bounded.RUNS, default=1, show_default=True, help="Seeded replications: seed, seed+1, ...")
@format_option(
    "text",
    "json",
    "markdown",
    help="text: tables for the terminal; json: the records, exact; markdown: for a pull request or a CI job summary.",
)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write here instead of stdout.")
@click.option(
    "--nodes",
    type=bounded.NODES,
    help="Workers of the real fleet (or of its simulated twin) [16].",
)
@click.option(
    "--time-scale",
    type=TimeScale(),
    help="Waits run this many times faster on the real fleet (and its twin) [auto: the largest up to 300 "
    f"at which the router delivers the scenario's traffic; at most {limits.CLI_TIME_SCALE:,.0f}].",
)
@click.option(
    "--rate",
    type=bounded.RATE,
    help="The most requests a wall second the router sends [the timing profile's requestsPerSecond].",
)
@click.option(
    "--profile",
    type=click.Path(dir_okay=False, exists=True),
    help="Simulator: a timing profile (hotswap measure) replacing its drawn timings.",
)
@progress_option
@sweeps
def run(
    scenario: Path,
    backend: str,
    seed: int | None,
    runs: int,
    fmt: str,
    out: Path | None,
    jobs: int | None,
    nodes: int | None,
    time_scale: float | None,
    rate: float | None,
    profile: str | None,
    progress: bool | None,
) -> None:
    """Run SCENARIO's deployment and report deploy time, rollback time and blast radius."""
    from hotswap.cli import render
    from hotswap.core.record import Summarizer
    from hotswap.files import json_text
    from hotswap.runs import runner
    from hotswap.scenario import ScenarioError, load

    try:
        loaded = load(scenario)
    except ScenarioError as exc:
        fail(str(exc))
    warn(scenario, loaded)
    options: dict[str, Any] = {
        k: v
        for k, v in {"nodes": nodes, "time_scale": time_scale, "rate": rate, "profile": profile}.items()
        if v is not None
    }
    if backend == "real" and profile is not None:
        fail("--profile applies to --backend sim only (the real fleet measures its timings)")
    first = loaded.seed if seed is None else seed
    if problem := bounded.last_seed_problem(first, runs):
        fail(problem)
    try:  # input the backend cannot take is refused before it starts
        warnings = runner.prepare(loaded, backend, options)
    except ValueError as exc:
        fail(f"{scenario}: {exc}")
    for warning in warnings:
        click.echo(f"hotswap: warning: {scenario}: {warning}", err=True)
    with Progress("run", runs, progress) as shown:
        if backend == "real":
            options["progress"] = _timeline_notes(shown, first)
        try:
            records = _counted(
                runner.stream(loaded, backend_name=backend, seed=first, runs=runs, jobs=jobs, options=options), shown
            )
            if backend != "sim" or runs == 1:
                records = iter(list(records))  # the real fleet can fail: nothing is written until it is done
        except RuntimeError as exc:  # the real fleet itself failed: not the input's fault
            click.echo(f"hotswap: real fleet failed: {exc}", err=True)
            sys.exit(1)
        from hotswap.scenario import hints

        warned = render.Warnings(shown=hints.CODES)  # the scenario's hints: said when it was loaded
        records = map(warned.add, records)
        if runs == 1:
            data = next(records)
            write(out, json_text(data) if fmt == "json" else render.render(render.run_blocks(data), fmt))
        elif fmt == "json":
            write(out, _json_pieces(records, Summarizer()))
        else:
            summary = Summarizer()
            for record in records:
                summary.add(record)
            write(out, render.render(render.summary_blocks(loaded.name, summary.result()), fmt))
    for line in warned.lines():
        click.echo(f"hotswap: warning: {scenario}: {line}", err=True)


def _counted(records: Iterator[RunRecord], shown: Progress) -> Iterator[RunRecord]:
    """The records, each counted as done as it arrives."""
    for record in records:
        shown.advance(f"seed {record['seed']} {record['outcome']}")
        yield record


def _timeline_notes(shown: Progress, first: int) -> Callable[[dict[str, Any]], None]:
    """The real fleet's timeline entries as progress: seed, scenario time, what happened."""
    from hotswap.core.figures import duration_text

    def note(entry: dict[str, Any]) -> None:
        percent = entry.get("progress")
        seed = first + int(shown.done)
        done = percent / 100 if isinstance(percent, int | float) else None
        shown.note(f"seed {seed}, scenario time {duration_text(entry['t'])}: {entry['event']}", done)

    return note


def _json_pieces(records: Iterator[RunRecord], summary: Summarizer) -> Iterator[str]:
    """``json.dumps({"runs": [...], "summary": ...}, indent=2)``, a run at a time, so no
    more than one run is held."""
    from hotswap.files import json_text

    yield '{\n  "runs": ['
    for i, record in enumerate(records):
        summary.add(record)
        yield ("," if i else "") + "\n    " + json_text(record).replace("\n", "\n    ")
    yield '\n  ],\n  "summary": ' + json_text(summary.result()).replace("\n", "\n  ") + "\n}"
