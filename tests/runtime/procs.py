"""Worker processes as the operating system sees them, read from /proc (no psutil)."""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")


def _stat(pid: int) -> tuple[str, int] | None:
    """State letter and parent pid of a process; None once it is gone."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    state, ppid = stat.rsplit(")", 1)[1].split()[:2]  # the name in parentheses may hold spaces
    return state, int(ppid)


def alive(pid: int) -> bool:
    """The process exists and is not a zombie (dead, waiting to be reaped)."""
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"


def worker_processes(folder: Path | None = None) -> dict[int, str]:
    """Live ``runtime.worker`` processes that this process started, or whose name (its
    last argument, a path in its fleet's folder) lies under ``folder``: pid -> name."""
    me, out = os.getpid(), {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        args = [a.decode(errors="replace") for a in argv if a]
        if "runtime.worker" not in args:
            continue
        stat = _stat(int(entry.name))
        if stat is None or stat[0] == "Z":
            continue
        mine = stat[1] == me or (folder is not None and Path(args[-1]).is_relative_to(folder))
        if mine:
            out[int(entry.name)] = args[-1]
    return out


def pid_of(node: str) -> int:
    """The pid of this process's worker named ``node`` (e.g. "node-2")."""
    found = [pid for pid, name in worker_processes().items() if name.endswith("/" + node)]
    assert len(found) == 1, f"expected one worker {node}, found {found}"
    return found[0]


def processes_under(folder: Path) -> dict[int, list[str]]:
    """Live processes (workers, guards) whose arguments name a path under ``folder``."""
    out = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = [a.decode(errors="replace") for a in (entry / "cmdline").read_bytes().split(b"\0") if a]
        except OSError:
            continue
        if any(a.startswith(str(folder)) for a in args) and alive(int(entry.name)):
            out[int(entry.name)] = args
    return out
