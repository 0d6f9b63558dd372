"""`hotswap parity`: a scenario on the real fleet against its simulated twin."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from hotswap.cli.common import fail, write
from hotswap.cli.run import TimeScale


@click.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--nodes", type=click.IntRange(min=1), default=16, show_default=True, help="Workers.")
@click.option(
    "--seeds", type=click.IntRange(min=1), default=3, show_default=True, help="Real runs (seed, seed+1, ...)."
)
@click.option("--runs", type=click.IntRange(min=1), default=200, show_default=True, help="Twin runs.")
@click.option("--time-scale", type=TimeScale(), help="As for hotswap run [auto].")
@click.option("--rate", type=click.FloatRange(min=1), help="As for hotswap run [the profile's requestsPerSecond].")
@click.option("--seed", type=click.IntRange(min=0), help="The first seed [default: the scenario's].")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), help="A folder for the plots and the JSON.")
def parity(
    scenario: Path,
    nodes: int,
    seeds: int,
    runs: int,
    time_scale: float | None,
    rate: float | None,
    seed: int | None,
    fmt: str,
    out: Path | None,
) -> None:
    """Run SCENARIO on the real fleet (SEEDS seeds) and its simulated twin (RUNS runs) and
    say whether outcomes, deploy and rollback times and blast radius agree (exit 1 if not)."""
    from hotswap.reports import parity as report
    from hotswap.runs import runner
    from hotswap.scenario import ScenarioError, load

    try:
        loaded = load(scenario)
    except ScenarioError as exc:
        fail(str(exc))
    options: dict[str, Any] = {
        k: v for k, v in {"nodes": nodes, "time_scale": time_scale, "rate": rate}.items() if v is not None
    }
    try:
        warnings = runner.prepare(loaded, "real", options)
        runner.prepare(loaded, "sim", options)
    except ValueError as exc:
        fail(f"{scenario}: {exc}")
    for warning in warnings:
        click.echo(f"hotswap: warning: {scenario}: {warning}", err=True)
    first = loaded.seed if seed is None else seed
    try:
        real = runner.replicate(loaded, backend_name="real", seed=first, runs=seeds, options=options)
    except RuntimeError as exc:
        click.echo(f"hotswap: real fleet failed: {exc}", err=True)
        sys.exit(1)
    twin = runner.replicate(loaded, backend_name="sim", seed=first, runs=runs, options=options)
    verdict = report.compare(real, twin)
    verdict["warnings"] = warnings
    body = json.dumps(verdict, indent=2) if fmt == "json" else report.text(loaded.name, verdict, warnings)
    if out is not None:
        report.plot(verdict, twin, out)
        write(out / "parity.json", json.dumps(verdict, indent=2))
    write(None, body)
    sys.exit(0 if verdict["agree"] else 1)
