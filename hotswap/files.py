"""Output files: written whole or not at all, and never a FIFO or a device replaced.

A regular file (or a path that does not exist yet) is written to a temporary file beside
it and renamed over it, so a reader sees the old content or the new, never half; a new
file gets the mode the umask gives (0644 under 022), a replaced one keeps its mode. A
symbolic link is followed: the file it names is replaced, the link stays. Anything else
that exists (a FIFO, a character device such as /dev/null) is written through, and ``-``
is standard output. A failure is an ``OutputError`` whose message is one line.

JSON text comes from ``json_text``: a float that is not finite is written as null, and
the record says which field and why (``nonFinite``), so no NaN or Infinity reaches a file.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import stat
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any


class OutputError(ValueError):
    """An output that cannot be written; ``str()`` is the one-line message."""


def write_text(target: Path | str, text: str) -> None:
    """Write ``text`` (UTF-8) to ``target``: see the module's docstring."""
    write_bytes(target, text.encode("utf-8"))


def write_bytes(target: Path | str, data: bytes) -> None:
    """Write ``data`` to ``target``: atomically when it is a regular file or absent,
    through when it is a FIFO or a device, to standard output when it is ``-``."""
    write_pieces(target, [data])


def write_pieces(target: Path | str, data: Iterable[bytes]) -> None:
    """``write_bytes`` for output made in pieces: each piece is written as it is made, so
    a long output is never held whole (still atomic for a regular file)."""
    if str(target) == "-":
        sys.stdout.flush()
        for piece in data:
            sys.stdout.buffer.write(piece)
        sys.stdout.buffer.flush()
        return
    path = Path(os.path.realpath(target))
    try:
        info = path.stat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise OutputError(f"{target}: cannot write: {exc.strerror or exc}") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise OutputError(f"{target}: cannot write: is a folder")
    if info is not None and not stat.S_ISREG(info.st_mode):
        _through(target, path, data)
    else:
        _replace(target, path, data, None if info is None else stat.S_IMODE(info.st_mode))


def _through(shown: Path | str, path: Path, data: Iterable[bytes]) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "wb") as f:
            f.writelines(data)
    except OSError as exc:
        raise OutputError(f"{shown}: cannot write: {exc.strerror or exc}") from None


def _replace(shown: Path | str, path: Path, data: Iterable[bytes], mode: int | None) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    created = False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)  # umask applies
        created = True
        with os.fdopen(fd, "wb") as f:
            if mode is not None:
                os.fchmod(f.fileno(), mode)
            f.writelines(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:  # a failed write, a failed run making the data, a signal: no trace left
        if created:
            tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(f"{shown}: cannot write: {exc.strerror or exc}") from None
        raise


def json_text(data: Any) -> str:
    """``data`` as indented JSON; non-finite floats become null, listed in ``nonFinite``
    (field path and value) when ``data`` is a mapping, refused otherwise."""
    found: list[dict[str, str]] = []
    clean = _finite(data, "", found)
    if found:
        if not isinstance(clean, dict):
            raise ValueError(f"{found[0]['field'] or 'the value'} is {found[0]['value']}, which JSON cannot hold")
        clean = {**clean, "nonFinite": found}
    return json.dumps(clean, indent=2, allow_nan=False)


def _finite(value: Any, where: str, found: list[dict[str, str]]) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        found.append({"field": where, "value": str(value), "reason": "not a finite number: written as null"})
        return None
    if isinstance(value, dict):
        return {k: _finite(v, f"{where}.{k}".lstrip("."), found) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v, f"{where}[{i}]", found) for i, v in enumerate(value)]
    return value
