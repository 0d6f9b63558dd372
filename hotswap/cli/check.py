"""`hotswap check`: the CI gate on scenario files' expectations and baselines."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hotswap.cli import options as bounded
from hotswap.cli.common import Progress, fail, format_option, progress_option, sweeps, warn
from hotswap.runs.backends import BACKENDS


@click.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--backend",
    type=click.Choice(sorted(BACKENDS)),
    help="Run on this backend [default: each file's expect.backend, else sim].",
)
@click.option("--junit", "junit_path", type=click.Path(path_type=Path, dir_okay=False), help="Write JUnit XML here.")
@click.option("--update-baseline", is_flag=True, help="Record the figures as each scenario's baseline.")
@click.option(
    "--tolerance",
    type=bounded.TOLERANCE,
    default=0.05,
    show_default=True,
    help="How far a figure may grow beyond its baseline (a fraction), or an outcome's share move.",
)
@format_option(
    "text",
    "markdown",
    help="markdown: a table of every expectation, for a pull request or $GITHUB_STEP_SUMMARY.",
)
@sweeps
@progress_option
def check_(
    paths: tuple[Path, ...],
    backend: str | None,
    junit_path: Path | None,
    update_baseline: bool,
    tolerance: float,
    fmt: str,
    jobs: int | None,
    progress: bool | None,
) -> None:
    """Check the expectations of the scenario files in PATHS (files or folders, default
    scenarios/). Exit 0 when all hold, 1 when any fails, 2 on unusable input."""
    from hotswap.files import OutputError
    from hotswap.gate import check, junit
    from hotswap.scenario import ScenarioError

    try:  # every file and baseline is validated before anything runs or is written
        targets = check.files(list(paths) or [Path("scenarios")])
        prepared = [(path, *check.prepare(path, compare_baseline=not update_baseline)) for path in targets]
    except ScenarioError as exc:
        fail(str(exc))
    for path, scenario, _ in prepared:
        warn(path, scenario)
    if not prepared:
        fail(f"no scenario with an expect block in {', '.join(map(str, paths or ('scenarios',)))}")
    results = []
    with Progress("check", len(prepared), progress) as shown:
        for path, scenario, stored in prepared:
            shown.step(path.name)
            checked = check.check(path, scenario, stored, backend=backend, tolerance=tolerance, jobs=jobs)
            if fmt == "text":
                click.echo("\n".join(check.report_lines(checked)))
            results.append(checked)
    try:
        if update_baseline:
            for checked in results:
                check.write_baseline(checked)
        if junit_path is not None:
            junit.write(junit_path, results)
    except OutputError as exc:
        fail(str(exc))
    failed = sum(not c.passed for c in results)
    if fmt == "markdown":
        from hotswap.cli import render

        click.echo(render.markdown(render.check_blocks(results)))
    else:
        click.echo(f"{len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
