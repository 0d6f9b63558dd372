"""A run's private temp folder, removed on every way the run can end.

The folder is made 0700 and records its owner (pid and start time, so a reused pid is
not mistaken for it). A guard process, in a session of its own, holds the read end of a
pipe whose write end only the owner holds: when the owner ends, however it ends
(SIGKILL too), the pipe closes and the guard removes the folder. A new run also removes
the folders of owners that are gone (a guard that was killed as well).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PREFIX = "hotswap-"
OWNER = "owner"
GUARD = "import shutil, sys\nsys.stdin.buffer.read()\nshutil.rmtree(sys.argv[1], ignore_errors=True)\n"


def start_time(pid: int) -> str | None:
    """The start time of process ``pid`` (clock ticks after boot); None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def owner_gone(folder: Path) -> bool:
    """The process recorded in ``folder`` has ended (False when no owner is recorded)."""
    try:
        pid, started = (folder / OWNER).read_text().split()
    except (OSError, ValueError):
        return False
    return start_time(int(pid)) != started


def sweep(parent: Path) -> list[Path]:
    """Remove the run folders under ``parent`` that are ours and whose owner is gone."""
    removed = []
    for entry in parent.glob(f"{PREFIX}*"):
        with contextlib.suppress(OSError):
            info = entry.lstat()
            if entry.is_dir() and not entry.is_symlink() and info.st_uid == os.getuid() and owner_gone(entry):
                shutil.rmtree(entry)
                removed.append(entry)
    return removed


class RunFolder:
    """A private folder for one run (``with RunFolder("fleet") as path: ...``)."""

    def __init__(self, kind: str) -> None:
        parent = Path(tempfile.gettempdir())
        sweep(parent)
        self.path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{kind}-", dir=parent))  # mode 0700
        os.chmod(self.path, 0o700)
        me = os.getpid()
        (self.path / OWNER).write_text(f"{me} {start_time(me)}\n")
        read, self._pipe = os.pipe()
        try:
            self._guard: subprocess.Popen[bytes] | None = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", GUARD, str(self.path)],
                stdin=read,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # out of reach of a Ctrl-C meant for the run
            )
        except BaseException:
            os.close(self._pipe)
            shutil.rmtree(self.path, ignore_errors=True)
            raise
        finally:
            os.close(read)

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove the folder and let the guard go; safe to call more than once."""
        shutil.rmtree(self.path, ignore_errors=True)
        if self._guard is not None:
            os.close(self._pipe)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._guard.wait(5)
            self._guard = None
