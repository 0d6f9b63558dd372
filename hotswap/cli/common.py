"""What every command shares: one-line refusals (exit 2), atomic output, progress bars,
and a stop on SIGINT or SIGTERM that tears down what the command started."""

from __future__ import annotations

import functools
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from hotswap.runs import executors

if TYPE_CHECKING:
    from hotswap.scenario import Scenario


def fail(message: str) -> NoReturn:
    """Refuse: one line on stderr, exit 2."""
    click.echo(f"hotswap: {message}", err=True)
    sys.exit(2)


def warn(path: Path, scenario: Scenario) -> None:
    """Likely unit mistakes in a valid scenario: one line each on stderr."""
    from hotswap.scenario.hints import unit_warnings

    for w in unit_warnings(scenario):
        click.echo(f"hotswap: warning: {path}: {w['field']}: {w['message']}", err=True)


class Stopped(BaseException):
    """SIGINT or SIGTERM arrived: unwind (each ``with`` tears down what it started), then exit."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGINT and SIGTERM stop what runs inside: it unwinds (fleets, folders torn down),
    then one line on stderr and exit 128 + the signal (130, 143). A second signal during
    the teardown is ignored, so the teardown finishes."""

    def stop(signum: int, _: object) -> None:
        for s in (signal.SIGINT, signal.SIGTERM):
            signal.signal(s, signal.SIG_IGN)
        raise Stopped(signum)

    if threading.current_thread() is not threading.main_thread():  # only the main thread gets signals
        yield
        return
    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    except Stopped as exc:
        click.echo(f"hotswap: stopped by {signal.Signals(exc.signum).name}: the run was torn down", err=True)
        sys.exit(128 + exc.signum)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def write(out: Path | None, text: str | Iterable[str]) -> None:
    """Print, or write ``out`` (whole or not at all; a FIFO or device is written through);
    ``text`` may come in pieces, each written as it is made."""
    from hotswap.files import OutputError, write_pieces

    pieces = [text] if isinstance(text, str) else text
    try:
        write_pieces(out or "-", _encoded(pieces))
    except OutputError as exc:
        fail(str(exc))


def _encoded(pieces: Iterable[str]) -> Iterator[bytes]:
    for piece in pieces:
        yield piece.encode("utf-8")
    yield b"\n"


@contextmanager
def staged_folder(out: Path) -> Iterator[Path]:
    """A fresh sibling folder to write into; moved into place as ``out`` when the block
    ends without error (its files replace same-named ones in an existing ``out``), removed
    otherwise: ``out`` is never left half-written."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
        umask = os.umask(0)
        os.umask(umask)
        stage.chmod(0o777 & ~umask)  # as mkdir would make it, not mkdtemp's 0700
    except OSError as exc:
        fail(f"{out}: cannot write: {exc.strerror or exc}")
    try:
        yield stage
        if out.exists() and not out.is_dir():
            fail(f"{out}: exists and is not a folder")
        if not out.exists():
            os.rename(stage, out)
            return
        for path in sorted(stage.iterdir()):
            os.replace(path, out / path.name)
    except OSError as exc:
        fail(f"{out}: cannot write: {exc.strerror or exc}")
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def sweeps(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--executor`` and ``--scheduler`` to a command that sweeps: everything it
    runs goes to that executor (with the command's ``--jobs``), opened once."""

    @functools.wraps(command)
    def wrapper(*args: Any, executor: str, scheduler: str | None, **kwargs: Any) -> Any:
        with ExitStack() as stack:
            try:
                choice = executors.Executor(executor, scheduler, kwargs.get("jobs"))
                stack.enter_context(executors.use(choice))
            except ValueError as exc:
                fail(str(exc))
            return command(*args, **kwargs)

    wrapper = click.option(
        "--scheduler",
        metavar="ADDRESS",
        help="A running Dask cluster's scheduler, e.g. tcp://10.0.0.5:8786 [default: start a local one].",
    )(wrapper)
    return click.option(
        "--executor",
        type=click.Choice(executors.EXECUTORS),
        default="local",
        show_default=True,
        help="Where runs go: the local process pool, or Dask (pip install 'hotswap[dask]').",
    )(wrapper)


class Steps:
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
