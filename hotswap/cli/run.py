"""`hotswap run`: one scenario, once or as seeded replications."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from hotswap.cli.common import fail, write
from hotswap.runs.backends import BACKENDS


@click.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--backend", type=click.Choice(sorted(BACKENDS)), default="sim", show_default=True)
@click.option("--seed", type=click.IntRange(min=0), help="Seed of the first run [default: the scenario's].")
@click.option(
    "--runs", type=click.IntRange(min=1), default=1, show_default=True, help="Seeded replications: seed, seed+1, ..."
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write here instead of stdout.")
@click.option("--jobs", type=click.IntRange(min=1), help="Simulator processes [default: all cores].")
@click.option("--nodes", type=click.IntRange(min=1), help="Real fleet: active workers [default: 16].")
@click.option(
    "--time-scale", type=click.FloatRange(min=1), help="Real fleet: waits run this many times faster [default: 300]."
)
@click.option("--rate", type=click.FloatRange(min=1), help="Real fleet: requests per second [default: 2000].")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Real fleet: live progress on stderr [default: when stderr is a terminal].",
)
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
    progress: bool | None,
) -> None:
    """Run SCENARIO's deployment and report deploy time, rollback time and blast radius."""
    from hotswap.cli import render
    from hotswap.core.record import summarize
    from hotswap.runs import runner
    from hotswap.scenario import ScenarioError, load

    try:
        loaded = load(scenario)
    except ScenarioError as exc:
        fail(str(exc))
    options = {k: v for k, v in {"nodes": nodes, "time_scale": time_scale, "rate": rate}.items() if v is not None}
    if backend == "sim" and (options or progress):
        fail(f"--{next(iter(options), 'progress').replace('_', '-')} applies to --backend real only")
    first = loaded.seed if seed is None else seed
    try:  # input the backend cannot take is refused before it starts
        runner.prepare(loaded, backend, options)
    except ValueError as exc:
        fail(f"{scenario}: {exc}")
    if backend == "real" and (sys.stderr.isatty() if progress is None else progress):
        options["progress"] = runner.progress_printer(backend)
    try:
        records = runner.replicate(loaded, backend_name=backend, seed=first, runs=runs, jobs=jobs, options=options)
    except RuntimeError as exc:  # the real fleet itself failed: not the input's fault
        click.echo(f"hotswap: real fleet failed: {exc}", err=True)
        sys.exit(1)
    data: dict[str, Any]
    if runs == 1:
        data = records[0]
        text = render.run_text(data)
    else:
        data = {"runs": records, "summary": summarize(records)}
        text = render.summary_text(loaded.name, data["summary"])
    for line in render.warning_lines(records):
        click.echo(f"hotswap: warning: {scenario}: {line}", err=True)
    write(out, json.dumps(data, indent=2) if fmt == "json" else text)
