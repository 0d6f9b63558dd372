"""The ``hotswap`` command line: validates input, calls the library, prints results.

Exit status: 0 done, 2 unusable input (one line naming the file and field, no traceback).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from hotswap.cli import render
from hotswap.core.config import STRATEGIES
from hotswap.core.record import summarize
from hotswap.runs import runner
from hotswap.scenario import ScenarioError, load


def _fail(message: str) -> None:
    click.echo(f"hotswap: {message}", err=True)
    sys.exit(2)


def _write(out: Path | None, text: str) -> None:
    """Print, or write ``out`` atomically (whole or not at all)."""
    if out is None:
        click.echo(text)
        return
    tmp = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text + "\n")
        os.replace(tmp, out)
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        _fail(f"{out}: cannot write: {exc.strerror or exc}")


@click.group()
@click.version_option(package_name="hotswap")
def main() -> None:
    """Simulate and run WebAssembly rollout strategies on edge fleets."""


@main.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--backend", type=click.Choice(sorted(runner.BACKENDS)), default="sim", show_default=True)
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
    try:
        loaded = load(scenario)
    except ScenarioError as exc:
        _fail(str(exc))
    options = {k: v for k, v in {"nodes": nodes, "time_scale": time_scale, "rate": rate}.items() if v is not None}
    if backend == "sim" and (options or progress):
        _fail(f"--{next(iter(options), 'progress').replace('_', '-')} applies to --backend real only")
    first = loaded.seed if seed is None else seed
    try:  # input the backend cannot take is refused before it starts
        runner.prepare(loaded, backend, options)
    except ValueError as exc:
        _fail(f"{scenario}: {exc}")
    if backend == "real" and (sys.stderr.isatty() if progress is None else progress):
        options["progress"] = runner.progress_printer(backend)
    try:
        records = runner.run(loaded, backend_name=backend, seed=first, runs=runs, jobs=jobs, options=options)
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
    _write(out, json.dumps(data, indent=2) if fmt == "json" else text)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check scenario FILES without running them."""
    bad = 0
    for path in files:
        try:
            s = load(path)
            if any(p.wasm is not None for p in s.modules.values()):
                runner.prepare(s, "real", {})  # compiles the files: the real backend's part
        except ScenarioError as exc:
            click.echo(f"hotswap: {exc}", err=True)
            bad += 1
            continue
        except ValueError as exc:
            click.echo(f"hotswap: {path}: {exc}", err=True)
            bad += 1
            continue
        nodes = sum(r.nodes for r in s.fleet.regions)
        click.echo(f"ok  {path}  ({s.deployment.strategy}, {nodes:,} nodes)")
    if bad:
        sys.exit(2)


@main.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--backend",
    type=click.Choice(sorted(runner.BACKENDS)),
    help="Run on this backend [default: each file's expect.backend, else sim].",
)
@click.option("--junit", "junit_path", type=click.Path(path_type=Path, dir_okay=False), help="Write JUnit XML here.")
@click.option("--update-baseline", is_flag=True, help="Record the figures as each scenario's baseline.")
@click.option(
    "--tolerance",
    type=click.FloatRange(min=0),
    default=0.05,
    show_default=True,
    help="How far a figure may grow beyond its baseline (a fraction), or an outcome's share move.",
)
@click.option("--jobs", type=click.IntRange(min=1), help="Simulator processes [default: all cores].")
def check_(
    paths: tuple[Path, ...],
    backend: str | None,
    junit_path: Path | None,
    update_baseline: bool,
    tolerance: float,
    jobs: int | None,
) -> None:
    """Check the expectations of the scenario files in PATHS (files or folders, default
    scenarios/). Exit 0 when all hold, 1 when any fails, 2 on unusable input."""
    from hotswap.gate import check, junit

    try:  # every file and baseline is validated before anything runs or is written
        targets = check.files(list(paths) or [Path("scenarios")])
        prepared = [(path, *check.prepare(path, compare_baseline=not update_baseline)) for path in targets]
    except ScenarioError as exc:
        _fail(str(exc))
    if not prepared:
        _fail(f"no scenario with an expect block in {', '.join(map(str, paths or ('scenarios',)))}")
    results = []
    for path, scenario, stored in prepared:
        checked = check.check(path, scenario, stored, backend=backend, tolerance=tolerance, jobs=jobs)
        click.echo("\n".join(check.report_lines(checked)))
        results.append(checked)
    if update_baseline:
        for checked in results:
            check.write_baseline(checked)
    if junit_path is not None:
        junit.write(junit_path, results)
    failed = sum(not c.passed for c in results)
    click.echo(f"{len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


class _Steps:
    """A progress bar on stderr (rich): call it with each step's name as the step starts."""

    def __init__(self, total: int, what: str) -> None:
        from rich.console import Console
        from rich.progress import Progress

        self.what, self.started = what, False
        self.bar = Progress(console=Console(stderr=True), transient=True)
        self.task = self.bar.add_task(what, total=total)
        self.bar.start()

    def __call__(self, name: str) -> None:
        self.bar.update(self.task, advance=1 if self.started else 0, description=f"{self.what}: {name}")
        self.started = True

    def close(self) -> None:
        self.bar.stop()


@main.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--strategies",
    default="all",
    show_default=True,
    help="Comma-separated strategies to compare on the first scenario's fleet, or 'all'; "
    "with several scenario files, each file is compared as written.",
)
@click.option("--runs", type=click.IntRange(min=1), default=200, show_default=True)
@click.option("--seed", type=click.IntRange(min=0), help="Seed of the first run [default: the scenario's].")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Folder for the data, plots and report.",
)
@click.option("--jobs", type=click.IntRange(min=1), help="Simulator processes [default: all cores].")
def compare(
    scenarios: tuple[Path, ...], strategies: str, runs: int, seed: int | None, out: Path, jobs: int | None
) -> None:
    """Compare strategies (or scenario files) over many runs: deploy time, rollback time
    and blast radius, with plots and data."""
    from hotswap.reports import compare as comparing
    from hotswap.reports import comparison_report

    try:
        loaded = [load(p) for p in scenarios]
    except ScenarioError as exc:
        _fail(str(exc))
    if len(loaded) == 1:
        names = list(STRATEGIES) if strategies == "all" else [s.strip() for s in strategies.split(",")]
        unknown = [n for n in names if n not in STRATEGIES]
        if unknown:
            _fail(f"--strategies: unknown strategy {unknown[0]!r}; one of {', '.join(STRATEGIES)} or all")
        items = comparing.cases(loaded[0], names)
        title = f"Strategies compared on {loaded[0].name}"
    else:
        items = [comparing.Case(s.name, s.deployment.strategy, "as written", s) for s in loaded]
        title = "Scenarios compared: " + ", ".join(s.name for s in loaded)
    first = loaded[0].seed if seed is None else seed
    step = _Steps(len(items), "compare")
    try:
        frame, records = comparing.run(items, runs=runs, seed=first, jobs=jobs, progress=step)
    finally:
        step.close()
    fleet = loaded[0].fleet
    intro = (
        f"{runs} runs per case (seeds {first}..{first + runs - 1}) on {sum(r.nodes for r in fleet.regions):,} "
        f"nodes in {len(fleet.regions)} regions; each strategy with the guide's example configuration "
        "(the scenario's own for its strategy). Faulty: the scenario's module profile, or one that passes "
        "health checks while 12% of its requests fail. Blue-green runs with as many idle nodes as active ones."
    )
    written = comparison_report.write(out, title, intro, frame, comparing.summary(frame), records)
    click.echo(f"wrote {len(written)} files to {out}/ (report.md, report.html, runs.csv, runs.parquet, ...)")


@main.group()
def report() -> None:
    """Write reports that check the guide against measured runs."""


@report.command("strategy-table")
@click.option(
    "--runs",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="Runs per case on the guide's fleet (a tenth on the larger fleets).",
)
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True)
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("reports"), show_default=True)
@click.option(
    "--real/--no-real",
    default=False,
    show_default=True,
    help="Add a column measured on the real fleet of wasmtime workers (wall-clock, not reproducible).",
)
@click.option("--jobs", type=click.IntRange(min=1), help="Simulator processes [default: all cores].")
def strategy_table_(runs: int, seed: int, out: Path, real: bool, jobs: int | None) -> None:
    """Check the guide's strategy table and comparison matrix: writes
    OUT/strategy-table.md, OUT/strategy-table.html and plots."""
    from hotswap.reports import gates, strategy_table

    steps = len(strategy_table.cases()) + len(gates.GATES) * len(gates.SIZES) * len(STRATEGIES)
    step = _Steps(steps + (5 if real else 0), "strategy table")
    try:
        measured = strategy_table.measure_real(step) if real else None
        written = strategy_table.build(out, runs=runs, seed=seed, jobs=jobs, real=measured, progress=step)
    finally:
        step.close()
    click.echo(f"wrote {written[0]} and {written[1]} (plots in {out}/strategy-table/)")
