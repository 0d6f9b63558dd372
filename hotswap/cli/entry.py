"""The ``hotswap`` console script (and ``python -m hotswap``): the command line, started
without the cyclic garbage collector, and a quick command ended without the interpreter's
teardown.

Start-up creates only long-lived objects (modules, classes, built models), which the
collector walks for nothing; and tearing those down at exit costs more than the work of
``validate`` or ``schema``. So the collector is off until a command that is not quick
starts (``LazyGroup.invoke`` turns it back on), and a quick command ends by flushing its
output, running the ``atexit`` handlers (temporary folders' finalizers among them) and
``os._exit``. Quick commands (``main.QUICK``) do bounded work: a scenario file is at most
``limits`` in size.
"""

import gc

gc.disable()  # before the imports below: they are start-up

import atexit  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

from hotswap.cli.main import QUICK, main  # noqa: E402


def run() -> None:
    """Run the command line and exit with its status."""
    try:
        main(prog_name="hotswap")
        code: str | int | None = 0
    except SystemExit as exc:
        code = exc.code
    if main.ran not in QUICK:
        sys.exit(code)
    status = _status(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: what Python's own exit reports as 120
            status = status or 120
    os._exit(status)


def _status(code: str | int | None) -> int:
    """The exit status ``sys.exit(code)`` gives: None is 0, an int itself, else 1 after
    printing it."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1
