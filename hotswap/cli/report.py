"""`hotswap report`: reports that check the guide against measured runs."""

from __future__ import annotations

from pathlib import Path

import click

from hotswap.cli import options as bounded
from hotswap.cli.common import Progress, fail, progress_option, sweeps


@click.group()
def report() -> None:
    """Write reports that check the guide against measured runs."""


@report.command("strategy-table")
@click.option(
    "--runs",
    type=bounded.RUNS,
    default=200,
    show_default=True,
    help="Runs per case on the guide's fleet (a tenth on the larger fleets).",
)
@click.option("--seed", type=bounded.SEED, default=1, show_default=True)
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("reports"), show_default=True)
@click.option(
    "--real/--no-real",
    default=False,
    show_default=True,
    help="Add a column measured on the real fleet (3 seeds, 16 workers) against its simulated twin (hotswap parity).",
)
@progress_option
@sweeps
def strategy_table_(runs: int, seed: int, out: Path, real: bool, jobs: int | None, progress: bool | None) -> None:
    """Check the guide's strategy table and comparison matrix: writes
    OUT/strategy-table.md, OUT/strategy-table.html and plots."""
    from hotswap.core.config import STRATEGIES
    from hotswap.reports import gates, guide_cases, strategy_table

    if problem := bounded.last_seed_problem(seed, runs):
        fail(problem)

    steps = len(guide_cases.cases()) + len(gates.GATES) * len(gates.SIZES) * len(STRATEGIES)
    with Progress("strategy table", steps + (5 if real else 0), progress) as shown:
        measured = strategy_table.measure_real(shown) if real else None
        written = strategy_table.build(out, runs=runs, seed=seed, jobs=jobs, real=measured, progress=shown)
    click.echo(f"wrote {written[0]} and {written[1]} (plots in {out}/strategy-table/)")
