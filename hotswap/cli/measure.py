"""`hotswap measure`: a timing profile of the local real fleet, for the simulator."""

from __future__ import annotations

import os
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
@click.option(
    "--scenario",
    type=click.Path(path_type=Path),
    help="Play this scenario's two modules (their work per request loads the host) [the guide's].",
)
def measure(nodes: int, out: Path | None, scenario: Path | None) -> None:
    """Measure hot swaps, health checks, rollbacks, restarts, request latency and the
    router's request rate on NODES local workers; write them as a timing profile
    (milliseconds as {median, p99}) for `hotswap run --profile`."""
    import yaml

    from hotswap.cli.common import fail
    from hotswap.runs import runner
    from hotswap.scenario import ScenarioError, load

    try:
        played = load(scenario) if scenario is not None else None
    except ScenarioError as exc:
        fail(str(exc))
    busy = os.getloadavg()[0]  # before the fleet adds its own
    try:
        profile = runner.measure(nodes, played)
    except RuntimeError as exc:
        click.echo(f"hotswap: real fleet failed: {exc}", err=True)
        sys.exit(1)
    played_with = f" --scenario {scenario}" if scenario else ""
    header = (
        f"# hotswap measure --nodes {nodes}{played_with}, {time.strftime('%Y-%m-%d', time.gmtime())}, "
        f"{platform.machine()} with {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores, load average {busy:.1f} before measuring\n"
    )
    write(out, header + yaml.safe_dump(profile, sort_keys=False).rstrip("\n"))
