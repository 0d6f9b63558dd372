"""`hotswap compare`: strategies or scenario files over many runs, with plots and data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from hotswap.cli import options as bounded
from hotswap.cli.common import Progress, fail, format_option, progress_option, staged_folder, sweeps, warn


@click.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--strategies",
    default="all",
    show_default=True,
    help="Comma-separated strategies to compare on the first scenario's fleet, or 'all'; "
    "with several scenario files, each file is compared as written.",
)
@click.option("--runs", type=bounded.RUNS, default=200, show_default=True)
@click.option("--seed", type=bounded.SEED, help="Seed of the first run [default: the scenario's].")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Folder for the data, plots and report.",
)
@format_option(
    "text",
    "markdown",
    help="The summary table on stdout (the full report goes to --out): for the terminal, or Markdown "
    "for a pull request or $GITHUB_STEP_SUMMARY.",
)
@progress_option
@sweeps
@click.option(
    "--start-times",
    metavar="FROM-TO/STEP",
    help="Run one scenario's own deployment at each start time, e.g. 00:00-23:00/1h (UTC): "
    "time to detect, deploy time and blast radius by start time.",
)
def compare(
    scenarios: tuple[Path, ...],
    strategies: str,
    runs: int,
    seed: int | None,
    out: Path,
    fmt: str,
    jobs: int | None,
    progress: bool | None,
    start_times: str | None,
) -> None:
    """Compare strategies on one scenario's fleet, or several scenario files as written,
    over many runs: deploy time, rollback time and blast radius, with plots and data."""
    from hotswap.cli import render
    from hotswap.core.config import STRATEGIES
    from hotswap.reports import compare as comparing
    from hotswap.reports import comparison_report
    from hotswap.reports.document import Heading, Para
    from hotswap.scenario import ScenarioError, load

    try:
        loaded = [load(p) for p in scenarios]
    except ScenarioError as exc:
        fail(str(exc))
    for path, s in zip(scenarios, loaded, strict=True):
        warn(path, s)
    if out.exists() and not out.is_dir():
        fail(f"--out {out}: exists and is not a folder")
    first = loaded[0].seed if seed is None else seed
    if problem := bounded.last_seed_problem(first, runs):
        fail(problem)
    per_case = f"{runs} runs per case (seeds {first}..{first + runs - 1})"
    if start_times is not None:
        _by_start_time(loaded, start_times, runs=runs, seed=first, out=out, jobs=jobs, progress=progress)
        return
    if len(loaded) == 1:
        names = list(STRATEGIES) if strategies == "all" else [s.strip() for s in strategies.split(",")]
        unknown = [n for n in names if n not in STRATEGIES]
        if unknown:
            fail(f"--strategies: unknown strategy {unknown[0]!r}; one of {', '.join(STRATEGIES)} or all")
        items = comparing.cases(loaded[0], names)
        title = f"Strategies compared on {loaded[0].name}"
        series = "strategy"
        intro = (
            f"{per_case} on {comparing.fleet_text(loaded[0])}; each strategy with the guide's example configuration "
            "(the scenario's own for its strategy). Faulty: the scenario's module profile, or one that passes "
            "health checks while 12% of its requests fail. Blue-green runs with as many idle nodes as active ones."
        )
    else:
        items = comparing.as_written(loaded, list(scenarios))
        title = "Scenarios compared: " + ", ".join(c.label for c in items)
        series = "label"
        intro = (
            f"{per_case}, each scenario file as written: "
            + "; ".join(f"{c.label} ({c.strategy} on {comparing.fleet_text(c.scenario)})" for c in items)
            + "."
        )
    with Progress("compare", len(items) + 1, progress) as shown:
        frame, examples = comparing.measure(items, runs=runs, seed=first, jobs=jobs, progress=shown)
        shown.step("plots and report")
        summary = comparing.summary(frame)
        with staged_folder(out) as folder:
            written = comparison_report.write(folder, title, intro, frame, summary, examples, series)
    files = f"{len(written)} files in {out}/ ({', '.join(p.name for p in written[:4])}, ...)"
    if fmt == "markdown":
        note = f"p50 [p5 to p95] of {per_case}; the report, plots and data: {files}"
        table = comparison_report.table(summary, detail="spread")
        click.echo(render.markdown([Heading(3, title), table, Para(note)]))
    else:
        table = comparison_report.table(summary, detail="p50", figures=comparison_report.BRIEF)
        click.echo(render.terminal([Heading(3, title), Para(f"medians of {per_case}"), table]))
        click.echo(f"wrote {files.replace(' in ', ' to ', 1)}")


def _by_start_time(
    loaded: list[Any], spec: str, *, runs: int, seed: int, out: Path, jobs: int | None, progress: bool | None
) -> None:
    from hotswap.reports import compare as comparing
    from hotswap.reports import start_times

    if len(loaded) != 1:
        fail("--start-times: give one scenario file")
    try:
        starts = start_times.parse(spec)
    except ValueError as exc:
        fail(f"--start-times: {exc}")
    scenario = loaded[0]
    items = start_times.cases(scenario, starts)
    with Progress("compare", len(items), progress) as shown:
        frame, records = start_times.measure(items, runs=runs, seed=seed, jobs=jobs, progress=shown)
    title = f"When to start {scenario.name}"
    intro = (
        f"{runs} runs per start time (seeds {seed}..{seed + runs - 1}) of the scenario's own "
        f"{scenario.deployment.strategy} deployment on {comparing.fleet_text(scenario)}, started at "
        f"{starts[0]} to {starts[-1]} UTC ({len(starts)} start times)."
    )
    table = start_times.by_start(frame, records, starts)
    with staged_folder(out) as folder:
        written = start_times.write(folder, title, intro, frame, table)
    click.echo(f"wrote {len(written)} files to {out}/ ({', '.join(p.name for p in written[:4])}, ...)")
