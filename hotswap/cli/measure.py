"""`hotswap measure`: a timing profile of the local real fleet, for the simulator."""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

import click

from hotswap.cli import options as bounded
from hotswap.cli.common import write


@click.command()
@click.option("--nodes", type=bounded.NODES, default=16, show_default=True, help="Workers.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="The profile file [stdout].")
def measure(nodes: int, out: Path | None) -> None:
    """Measure hot swaps, health checks, rollbacks, restarts, request latency and the
    router's request rate on NODES local workers; write them as a timing profile
    (milliseconds as {median, p99}) for `hotswap run --profile`."""
    import yaml

    from hotswap.runs import runner

    try:
        profile = runner.measure(nodes)
    except RuntimeError as exc:
        click.echo(f"hotswap: real fleet failed: {exc}", err=True)
        sys.exit(1)
    header = (
        f"# hotswap measure --nodes {nodes}, {time.strftime('%Y-%m-%d', time.gmtime())}, "
        f"{platform.machine()} with {platform.python_implementation()} {platform.python_version()}\n"
    )
    write(out, header + yaml.safe_dump(profile, sort_keys=False).rstrip("\n"))
