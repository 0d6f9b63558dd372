"""`hotswap calibrate`: how should the gate be set for this fleet and traffic?"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from hotswap.cli import options as bounded
from hotswap.cli.common import Progress, fail, progress_option, staged_folder, sweeps, write

MOST_SETTINGS = 64  # a grid file's settings: each costs seven cells of --runs runs


@click.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--runs", type=bounded.RUNS, default=200, show_default=True, help="Seeded runs a cell.")
@click.option("--grid", type=click.Path(path_type=Path), help="YAML list of autoRollback overrides (settings).")
@click.option(
    "--max-false-rollback",
    type=bounded.Finite(0, 100),
    default=5.0,
    show_default=True,
    help="Allowed false rollbacks, percent (upper bound of the 95% interval).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), help="Folder for the JSON and a Pareto plot.")
@progress_option
@sweeps
def calibrate(
    scenario: Path,
    runs: int,
    grid: Path | None,
    max_false_rollback: float,
    fmt: str,
    out: Path | None,
    jobs: int | None,
    progress: bool | None,
) -> None:
    """Run SCENARIO's deployment with a healthy and graded bad candidates under each
    gate setting; report false rollbacks, detection, and the setting to use. Exit 0 with
    a recommendation, 1 when no setting qualifies, 2 on bad input."""
    from hotswap.files import json_text
    from hotswap.reports import calibrate as lab
    from hotswap.scenario import ScenarioError, load

    try:
        loaded = load(scenario)
    except ScenarioError as exc:
        fail(str(exc))
    if problem := bounded.last_seed_problem(loaded.seed, runs):
        fail(problem)
    settings = lab.default_grid(loaded) if grid is None else _grid(grid)
    for i, setting in enumerate(settings):
        error = lab.setting_error(setting, loaded.deployment.auto_rollback)
        if error:
            fail(f"{grid or scenario}: [{i}]: {error}")
    if out is not None and out.exists() and not out.is_dir():
        fail(f"--out {out}: exists and is not a folder")
    with Progress("calibrate", len(settings) * len(lab.candidates(loaded)), progress) as shown:
        result = lab.calibrate(
            loaded, settings, runs=runs, max_false_rollback=max_false_rollback, jobs=jobs, progress=shown
        )
    if out is not None:
        with staged_folder(out) as folder:
            write(folder / "calibration.json", json_text(result))
            lab.pareto(result, folder / "pareto.png")
    write(None, json_text(result) if fmt == "json" else lab.text(result))
    sys.exit(0 if result["recommended"] is not None else 1)


def _grid(path: Path) -> list[dict[str, Any]]:
    """The settings of a ``--grid`` file: a YAML list of mappings, read within the
    scenario reader's limits (bad input: exit 2)."""
    from hotswap.scenario.read import ReadError, read

    try:
        data = read(path)
    except ReadError as exc:
        fail(f"{path}: {exc.field + ': ' if exc.field else ''}{exc}")
    if not isinstance(data, list) or not data:
        fail(f"{path}: expected a non-empty YAML list of autoRollback settings")
    if len(data) > MOST_SETTINGS:
        fail(f"{path}: {len(data)} settings, more than {MOST_SETTINGS}")
    return data
