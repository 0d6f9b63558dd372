"""The ``hotswap`` command line: validates input, calls the library, prints results.

Exit status: 0 done, 1 a check failed, 2 unusable input (one line naming the file and
field, no traceback). Each command lives in its own module, imported only when that
command runs (or its help is shown), so start-up stays fast.
"""

from __future__ import annotations

import importlib

import click

COMMANDS = {
    "run": "hotswap.cli.run:run",
    "validate": "hotswap.cli.validate:validate",
    "check": "hotswap.cli.check:check_",
    "compare": "hotswap.cli.compare:compare",
    "report": "hotswap.cli.report:report",
    "measure": "hotswap.cli.measure:measure",
    "parity": "hotswap.cli.parity:parity",
    "schema": "hotswap.cli.schema:schema",
    "import": "hotswap.cli.import_:import_",
}


class LazyGroup(click.Group):
    """A group whose commands are imported by name when first needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute = COMMANDS[cmd_name].split(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command


@click.group(cls=LazyGroup)
@click.version_option(package_name="hotswap")
def main() -> None:
    """Simulate and run WebAssembly rollout strategies on edge fleets."""
