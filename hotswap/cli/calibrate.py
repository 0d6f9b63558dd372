"""`hotswap calibrate`: how should the gate be set for this fleet and traffic?"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from hotswap.cli.common import Steps, fail, staged_folder, write


@click.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--runs", type=click.IntRange(min=1), default=200, show_default=True, help="Seeded runs a cell.")
@click.option("--grid", type=click.Path(path_type=Path), help="YAML list of autoRollback overrides (settings).")
@click.option(
    "--max-false-rollback",
    type=click.FloatRange(min=0, max=100),
    default=5.0,
    show_default=True,
    help="Allowed false rollbacks, percent (upper bound of the 95% interval).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), help="Folder for the JSON and a Pareto plot.")
@click.option("--jobs", type=click.IntRange(min=1), help="Simulator processes [default: all cores].")
def calibrate(
    scenario: Path,
    runs: int,
    grid: Path | None,
    max_false_rollback: float,
    fmt: str,
    out: Path | None,
    jobs: int | None,
) -> None:
    """Run SCENARIO's deployment with a healthy and graded bad candidates under each
    gate setting; report false rollbacks, detection, and the setting to use. Exit 0 with
    a recommendation, 1 when no setting qualifies, 2 on bad input."""
    from hotswap.reports import calibrate as lab
    from hotswap.scenario import ScenarioError, load

    try:
        loaded = load(scenario)
    except ScenarioError as exc:
        fail(str(exc))
    settings = lab.default_grid(loaded) if grid is None else _grid(grid)
    for i, setting in enumerate(settings):
        error = lab.setting_error(setting, loaded.deployment.auto_rollback)
        if error:
            fail(f"{grid or scenario}: [{i}]: {error}")
    if out is not None and out.exists() and not out.is_dir():
        fail(f"--out {out}: exists and is not a folder")
    steps = Steps(len(settings) * 7, "calibrate") if sys.stderr.isatty() else None
    try:
        result = lab.calibrate(
            loaded, settings, runs=runs, max_false_rollback=max_false_rollback, jobs=jobs, progress=steps
        )
    finally:
        if steps is not None:
            steps.close()
    text = json.dumps(result, indent=2) if fmt == "json" else lab.text(result)
    if out is not None:
        from hotswap.reports.calibrate import pareto

        with staged_folder(out) as folder:
            (folder / "calibration.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
            pareto(result, folder / "pareto.png")
    write(None, text)
    sys.exit(0 if result["recommended"] is not None else 1)


def _grid(path: Path) -> list[dict[str, Any]]:
    """The settings of a ``--grid`` file: a YAML list of mappings (bad input: exit 2)."""
    import yaml

    try:
        if path.stat().st_size > 1_000_000:
            fail(f"{path}: larger than 1 MB")
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        fail(f"{path}: cannot read: {exc.strerror or exc}")
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        fail(f"{path}: not YAML: {str(exc).splitlines()[0]}")
    if not isinstance(data, list) or not data:
        fail(f"{path}: expected a non-empty YAML list of autoRollback settings")
    return data
