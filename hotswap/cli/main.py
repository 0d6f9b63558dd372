"""The ``hotswap`` command line: validates input, calls the library, prints results.

Exit status: 0 done, 1 a check failed, 2 unusable input (one line naming the file and
field, no traceback), 130 or 143 stopped by SIGINT or SIGTERM. Each command lives in its
own module, imported only when that command runs (or its help is shown), so start-up
stays fast.
"""

from __future__ import annotations

import gc
import importlib
import os
from typing import Any

import click

QUICK = frozenset({"validate", "schema"})  # bounded, short work: run without the cyclic collector (cli/entry.py)

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
    "calibrate": "hotswap.cli.calibrate:calibrate",
}


class UsageLine(click.ClickException):
    """A usage error (unknown option, missing argument, bad value) as one line naming the
    option, exit 2: click's own takes three lines and a blank one."""

    exit_code = 2

    def __init__(self, error: click.UsageError, words: list[str]) -> None:
        path = error.ctx.command_path.split()[1:] if error.ctx is not None else words
        where = " ".join(["hotswap", *path])
        message = " ".join(error.format_message().split()).rstrip(".")
        super().__init__(f"hotswap: {''.join(p + ': ' for p in path)}{message} (see {where} --help)")

    def show(self, file: Any = None) -> None:
        click.echo(self.message, err=True)


class LazyGroup(click.Group):
    """A group whose commands are imported by name when first needed; usage errors are
    one line."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Run the command line. Pydantic plugins are not looked up (unless
        ``PYDANTIC_DISABLE_PLUGINS`` is set otherwise): HotSwap uses none, and the lookup
        reads every installed package's metadata at the first model build (3% of
        ``hotswap validate``'s start-up with 108 packages installed)."""
        os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
        return super().main(*args, **kwargs)

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as exc:
            raise UsageLine(exc, []) from None

    ran: str | None = None
    """The command this process ran (``cli/entry.py`` ends a quick one quickly)."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; every command stops on SIGINT or SIGTERM (what it started is
        torn down, one line says so, exit 130 or 143). For all but the quick commands
        the cyclic garbage collector, off during start-up, is back on, and freed memory
        is kept for reuse (``runs.memory``)."""
        from hotswap.cli.common import stop_on_signals

        words = self._commands(ctx, [*ctx._protected_args, *ctx.args])
        self.ran = words[0] if words else None
        if self.ran not in QUICK:
            from hotswap.runs.memory import keep_freed_memory

            gc.enable()
            keep_freed_memory()
        try:
            with stop_on_signals():
                return super().invoke(ctx)
        except click.UsageError as exc:
            raise UsageLine(exc, words) from None

    def _commands(self, ctx: click.Context, args: list[str]) -> list[str]:
        """The (sub)command names at the start of ``args``: where a usage error without
        a context happened."""
        names: list[str] = []
        command: click.Command | None = self
        for word in args:
            if not isinstance(command, click.Group) or (command := command.get_command(ctx, word)) is None:
                break
            names.append(word)
        return names

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
