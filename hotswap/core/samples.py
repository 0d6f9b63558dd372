"""A sample of single-request latencies that grows window by window.

``Samples`` is an immutable view of the first ``n`` values of an append-only buffer that
views share. Adding a window to the newest view writes into the buffer's spare room
(doubling it when full), so merging window after window costs the new values, not every
value so far; adding to an older view copies, so no view ever changes.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


class _Buffer:
    __slots__ = ("data", "filled")

    def __init__(self, data: np.ndarray, filled: int) -> None:
        self.data, self.filled = data, filled


class Samples:
    __slots__ = ("_buffer", "_size")

    def __init__(self, values: Iterable[float] | np.ndarray = ()) -> None:
        data = np.array(values, dtype=float).reshape(-1)
        self._buffer, self._size = _Buffer(data, len(data)), len(data)

    @property
    def values(self) -> np.ndarray:
        """The samples, as a read-only array."""
        view = self._buffer.data[: self._size]
        view.flags.writeable = False
        return view

    def __len__(self) -> int:
        return self._size

    def __bool__(self) -> bool:
        return self._size > 0

    def __add__(self, other: Samples) -> Samples:
        if not other:
            return self
        buffer, end = self._buffer, self._size + len(other)
        if buffer.filled != self._size:  # another view grew this buffer: copy
            buffer = _Buffer(self._buffer.data[: self._size].copy(), self._size)
        if end > len(buffer.data):
            grown = np.empty(max(end, 2 * len(buffer.data)))
            grown[: self._size] = buffer.data[: self._size]
            buffer.data = grown
        buffer.data[self._size : end] = other.values
        buffer.filled = end
        out = Samples.__new__(Samples)
        out._buffer, out._size = buffer, end
        return out

    def every_other(self) -> Samples:
        """Every other sample, from the first."""
        return Samples(self.values[::2])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Samples):
            other = other.values
        try:
            return bool(np.array_equal(self.values, np.asarray(other, dtype=float)))
        except (TypeError, ValueError):
            return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Samples({len(self)} values)"
