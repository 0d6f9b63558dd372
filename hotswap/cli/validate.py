"""`hotswap validate`: check scenario files without running them."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hotswap.cli.common import warn


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check scenario FILES without running them."""
    from hotswap.scenario import ScenarioError, load

    bad = 0
    for path in files:
        try:
            s = load(path)
            if any(p.wasm is not None for p in s.modules.values()):
                from hotswap.runs import runner

                runner.prepare(s, "real", {})  # compiles the files: the real backend's part
        except ScenarioError as exc:
            click.echo(f"hotswap: {exc}", err=True)
            bad += 1
            continue
        except ValueError as exc:
            click.echo(f"hotswap: {path}: {exc}", err=True)
            bad += 1
            continue
        from hotswap.scenario.lint import warnings

        for warning in warnings(s):
            click.echo(f"hotswap: warning: {path}: {warning}", err=True)
        warn(path, s)
        nodes = sum(r.nodes for r in s.fleet.regions)
        click.echo(f"ok  {path}  ({s.deployment.strategy}, {nodes:,} nodes)")
    if bad:
        sys.exit(2)
