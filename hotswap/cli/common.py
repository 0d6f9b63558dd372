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

from hotswap.cli import options as bounded

if TYPE_CHECKING:
    from hotswap.scenario import Scenario


def fail(message: str) -> NoReturn:
    """Refuse: one line on stderr, exit 2."""
    click.echo(f"hotswap: {message}", err=True)
    sys.exit(2)


def warn(path: Path, scenario: Scenario) -> None:
    """Likely mistakes in a valid scenario (units, replaced default triggers): one line each on stderr."""
    from hotswap.scenario import hints

    for w in hints.warnings(scenario):
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

    owner = os.getpid()

    def stop(signum: int, _: object) -> None:
        if os.getpid() != owner:  # a child forked before it reset its handlers: it just ends
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
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
    """Add ``--jobs``, ``--executor`` and ``--scheduler`` to a command that sweeps:
    everything it runs goes to that executor, opened once (the command gets ``jobs``)."""
    from hotswap.runs import executors  # here: only the commands that sweep need it

    @functools.wraps(command)
    def wrapper(*args: Any, executor: str, scheduler: str | None, **kwargs: Any) -> Any:
        with ExitStack() as stack:
            try:
                choice = executors.Executor(executor, scheduler, kwargs.get("jobs"))
                stack.enter_context(executors.use(choice))
            except ValueError as exc:
                fail(str(exc))
            return command(*args, **kwargs)

    wrapper = click.option("--jobs", type=bounded.JOBS, help="Simulator processes [default: all cores].")(wrapper)
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


def format_option(*formats: str, help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--format`` (the parameter ``fmt``), the first of ``formats`` by default."""
    return click.option("--format", "fmt", type=click.Choice(formats), default=formats[0], show_default=True, help=help)


PLAIN_EVERY = 5.0  # seconds between plain progress lines (CI logs)


def progress_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--progress/--no-progress`` for a command with long work (``Progress``)."""
    return click.option(
        "--progress/--no-progress",
        default=None,
        help="Progress on stderr: a bar on a terminal, otherwise a plain line every few seconds "
        "[default: on a terminal, or when CI is set].",
    )(command)


class Progress:
    """Long work's progress on stderr, the one helper every command uses: a rich bar when
    stderr is a terminal; when it is not, plain lines (no escape codes) at most every
    ``PLAIN_EVERY`` seconds, if ``shown`` (``--progress``) or the ``CI`` variable is set;
    nothing with ``--no-progress``. ``total`` steps; ``step`` names the one that starts,
    ``advance`` counts one done, ``note`` says where a step is (``done``: a fraction of it)."""

    def __init__(self, what: str, total: int, shown: bool | None = None) -> None:
        import time

        self.what, self.total, self.done, self.name = what, max(total, 1), 0.0, ""
        self.started = self.printed = time.monotonic()
        terminal = sys.stderr.isatty()
        self.bar: Any = None
        self.plain = not terminal and (shown if shown is not None else bool(os.environ.get("CI")))
        if terminal and shown is not False:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.task = self.bar.add_task(what, total=self.total)
            self.bar.start()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(finished=exc[0] is None)

    def step(self, name: str) -> None:
        """The step ``name`` starts (the one before it, if any, is done)."""
        if self.name:
            self.done = float(int(self.done) + 1)
        self.name = name
        self._show()

    __call__ = step  # reports take a ``progress(name)`` callable

    def advance(self, name: str = "") -> None:
        """One step is done (``name``: what comes next, if known)."""
        self.done = float(int(self.done) + 1)
        self.name = name or self.name
        self._show()

    def note(self, text: str, done: float | None = None) -> None:
        """Where the current step is: ``text``, and ``done`` (0..1) of it when known."""
        if done is not None:
            self.done = int(self.done) + min(max(done, 0.0), 0.999)
        self.name = text
        self._show()

    def _show(self) -> None:
        import time

        if self.bar is not None:
            description = f"{self.what}: {self.name}" if self.name else self.what
            self.bar.update(self.task, completed=self.done, description=description)
        elif self.plain and time.monotonic() - self.printed >= PLAIN_EVERY:
            self.printed = time.monotonic()
            self._line(self.name)

    def _line(self, text: str) -> None:
        import time

        from hotswap.core.figures import duration_text

        count = f"{int(self.done):,}/{self.total:,}"
        elapsed = duration_text(time.monotonic() - self.started)
        click.echo(f"hotswap: {self.what}: {count} done, {elapsed}" + (f": {text}" if text else ""), err=True)

    def close(self, finished: bool = True) -> None:
        """Remove the bar; in plain lines, say how it ended."""
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
        elif self.plain:
            if finished:
                self.done = float(self.total)
            self._line("finished" if finished else "stopped")
            self.plain = False
