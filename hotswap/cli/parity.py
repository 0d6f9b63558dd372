"""`hotswap parity`: a scenario on the real fleet against its simulated twin."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from hotswap.cli import options as bounded
from hotswap.cli.common import fail, staged_folder, write
from hotswap.cli.run import TimeScale


@click.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--nodes", type=bounded.NODES, default=16, show_default=True, help="Workers.")
@click.option("--seeds", type=bounded.RUNS, default=3, show_default=True, help="Real runs (seed, seed+1, ...).")
@click.option("--runs", type=bounded.RUNS, default=200, show_default=True, help="Twin runs.")
@click.option("--time-scale", type=TimeScale(), help="As for hotswap run [auto].")
@click.option("--rate", type=bounded.RATE, help="As for hotswap run [the profile's requestsPerSecond].")
@click.option("--seed", type=bounded.SEED, help="The first seed [default: the scenario's].")
@click.option(
    "--profile",
    type=click.Path(dir_okay=False, exists=True),
    help="A timing profile (hotswap measure) for the twin; its requestsPerSecond paces both [the shipped one].",
)
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
    profile: str | None,
    fmt: str,
    out: Path | None,
) -> None:
    """Run SCENARIO on the real fleet (SEEDS seeds) and its simulated twin (RUNS runs) and
    say whether outcomes, deploy and rollback times and blast radius agree (exit 1 if not)."""
    from hotswap.files import json_text
    from hotswap.reports import parity as report
    from hotswap.runs import fleet_plan, runner
    from hotswap.scenario import ScenarioError, load

    try:
        loaded = load(scenario)
    except ScenarioError as exc:
        fail(str(exc))
    first = loaded.seed if seed is None else seed
    if problem := bounded.last_seed_problem(first, max(seeds, runs)):
        fail(problem)
    options: dict[str, Any] = {
        k: v for k, v in {"nodes": nodes, "time_scale": time_scale, "rate": rate}.items() if v is not None
    }
    try:
        if profile is not None:  # the real fleet is paced by the profile's router rate too
            options.setdefault("rate", float(fleet_plan.load_profile(Path(profile))["requestsPerSecond"]))
        warnings = runner.prepare(loaded, "real", options)
        runner.prepare(loaded, "sim", {**options, "profile": profile})
    except ValueError as exc:
        fail(f"{scenario}: {exc}")
    for warning in warnings:
        click.echo(f"hotswap: warning: {scenario}: {warning}", err=True)
    try:
        real = runner.replicate(loaded, backend_name="real", seed=first, runs=seeds, options=options)
    except RuntimeError as exc:
        click.echo(f"hotswap: real fleet failed: {exc}", err=True)
        sys.exit(1)
    twin_options = {**options, "profile": profile} if profile is not None else options
    twin = runner.replicate(loaded, backend_name="sim", seed=first, runs=runs, options=twin_options)
    verdict = report.compare(real, twin)
    verdict["warnings"] = warnings
    body = json_text(verdict) if fmt == "json" else report.text(loaded.name, verdict, warnings)
    if out is not None:
        with staged_folder(out) as folder:  # plots and JSON, all or none
            report.plot(verdict, twin, folder)
            write(folder / "parity.json", json_text(verdict))
    write(None, body)
    sys.exit(0 if verdict["agree"] else 1)
