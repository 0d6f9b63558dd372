"""The control plane: typed messages of plain data between the fleet and its workers.

A frame is a 4-byte big-endian length and that many bytes of UTF-8 JSON, one object;
nothing on this channel runs code when decoded (no pickle). Every message has a fixed
schema (``REQUESTS``, ``REPLIES``) and is checked field by field where it is received:
a worker answers a request that does not match with an error, the fleet treats a reply
that does not match as a fault of that worker.

Requests carry ``seq`` (to drop late replies), ``deadline`` (``time.monotonic``, shared
by the processes of one machine) and ``op``; replies carry the request's ``seq``.
"""

from __future__ import annotations

import json
import math
import re
import select
import socket
import time
from collections.abc import Callable
from typing import Any

MAX_FRAME = 1 << 20  # bytes of one message at the most
MAX_TEXT = 4096  # characters of a text field at the most
MAX_COUNT = 1 << 16  # requests in one batch at the most
DIGEST = re.compile(r"[0-9a-f]{64}")

Check = Callable[[Any], bool]


class ProtocolError(ValueError):
    """A frame or message that does not match the protocol."""


class Unframed(ProtocolError):
    """A frame length beyond ``MAX_FRAME``: the stream cannot be read any further."""


def integer(low: int, high: int) -> Check:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and low <= v <= high


def number(low: float, high: float) -> Check:
    return lambda v: isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and low <= v <= high


def text(v: Any) -> bool:
    return isinstance(v, str) and len(v) <= MAX_TEXT


def one_of(*values: str) -> Check:
    return lambda v: v in values


def optional(check: Check) -> Check:
    return lambda v: v is None or check(v)


def mapping(value: Check) -> Check:
    return lambda v: isinstance(v, dict) and all(text(k) and value(x) for k, x in v.items())


def record(schema: dict[str, Check]) -> Check:
    return lambda v: isinstance(v, dict) and not problems(v, schema)


SEQ = integer(0, 2**53)
PINNED = record(
    {
        "sha256": lambda v: isinstance(v, str) and DIGEST.fullmatch(v) is not None,
        "kind": one_of("cwasm", "wasm"),
        "knobs": mapping(integer(-(2**31), 2**31 - 1)),
        "fuel": integer(1, 2**62),
    }
)
REQUESTS: dict[str, dict[str, Check]] = {
    "hello": {"folder": text, "node_key": integer(0, 999_999), "modules": mapping(PINNED)},
    "deploy": {"module": optional(text)},
    "health": {"module": text, "function": text},
    "running": {},
    "slow": {"ms": number(0, 1e6)},
    "batch": {"count": integer(1, MAX_COUNT)},
}
REPLIES: dict[str, dict[str, Check]] = {
    "hello": {"pid": integer(1, 2**31)},
    "deploy": {"status": one_of("ok", "failed"), "detail": text, "seconds": number(0, 1e6)},
    "health": {"answer": text},
    "running": {"module": optional(text)},
    "slow": {},
    "batch": {
        "module": optional(text),
        "ok": integer(0, MAX_COUNT),
        "crashed": integer(0, 1),
        "hung": integer(0, 1),
        "busy_ms": number(0, 1e9),
        "memory_mb": number(0, 1e6),
    },
}


def problems(message: dict[str, Any], schema: dict[str, Check]) -> list[str]:
    """The fields of ``message`` that do not match ``schema`` (missing, extra or wrong)."""
    wrong = [f"{name}: missing" for name in schema if name not in message]
    wrong += [f"{name}: unexpected" for name in message if name not in schema]
    return wrong + [
        f"{name}: invalid" for name, check in schema.items() if name in message and not check(message[name])
    ]


def frame(message: dict[str, Any]) -> bytes:
    payload = json.dumps(message, allow_nan=False, separators=(",", ":")).encode()
    if len(payload) > MAX_FRAME:
        raise ProtocolError(f"message of {len(payload)} bytes, more than {MAX_FRAME}")
    return len(payload).to_bytes(4, "big") + payload


def _refuse_constant(name: str) -> Any:
    raise ProtocolError(f"{name} is not a number here")


def decode(payload: bytes) -> dict[str, Any]:
    try:
        message = json.loads(payload.decode(), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ProtocolError(f"not JSON: {exc}") from None
    if not isinstance(message, dict):
        raise ProtocolError("not a JSON object")
    return message


def request(message: dict[str, Any]) -> tuple[int, float, str, dict[str, Any]]:
    """A request checked against its schema: seq, deadline, op and its fields."""
    seq, deadline, op = message.get("seq"), message.get("deadline"), message.get("op")
    if not SEQ(seq) or not number(0, math.inf)(deadline) or not isinstance(op, str) or op not in REQUESTS:
        raise ProtocolError("a request needs seq, deadline and a known op")
    assert isinstance(seq, int) and isinstance(deadline, int | float)
    fields = {k: v for k, v in message.items() if k not in ("seq", "deadline", "op")}
    wrong = problems(fields, REQUESTS[op])
    if wrong:
        raise ProtocolError(f"{op}: {'; '.join(wrong)}")
    return seq, float(deadline), op, fields


def reply(op: str, message: dict[str, Any]) -> dict[str, Any]:
    """A reply to ``op`` checked against its schema (without its seq)."""
    fields = {k: v for k, v in message.items() if k != "seq"}
    wrong = problems(fields, REPLIES[op])
    if wrong:
        raise ProtocolError(f"reply to {op}: {'; '.join(wrong)}")
    return fields


class Stream:
    """Frames over a stream socket; a frame cut by a timeout stays buffered for the next read."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.buffer = sock, bytearray()

    def send(self, message: dict[str, Any]) -> None:
        self.sock.sendall(frame(message))

    def receive(self, timeout: float | None = None) -> dict[str, Any] | None:
        """The next message; None when none came within ``timeout`` seconds (None: wait).
        ``EOFError`` once the peer is gone; ``ProtocolError`` for a frame that does not parse
        (read whole: the next one can be read), ``Unframed`` for one that cannot be read."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if len(self.buffer) >= 4:
                size = int.from_bytes(self.buffer[:4], "big")
                if size > MAX_FRAME:
                    raise Unframed(f"frame of {size} bytes, more than {MAX_FRAME}")
                if len(self.buffer) >= 4 + size:
                    payload = bytes(self.buffer[4 : 4 + size])
                    del self.buffer[: 4 + size]
                    return decode(payload)
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                    return None
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise EOFError("peer closed the channel")
            self.buffer += chunk
