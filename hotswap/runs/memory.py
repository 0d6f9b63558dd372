"""Freed memory kept for the next allocation, in the processes that run simulations.

A run on a large fleet allocates and frees arrays of a million entries many times (a
deploy's nodes, a health check's answers). glibc's malloc serves each such block from a
memory map of its own and unmaps it when freed, so the next one is faulted in again page
by page: on the gates' million-node runs a fifth of the CPU time went to the kernel.
With its mapping and trimming thresholds raised, freed blocks stay in the heap and are
reused (peak memory unchanged: the blocks were freed anyway). Elsewhere (macOS, musl)
nothing changes.
"""

from __future__ import annotations

import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)
KEEP = 1 << 30  # blocks up to 1 GiB come from the heap; up to 2 GiB of free top kept


def keep_freed_memory() -> bool:
    """Raise glibc's thresholds in this process (its forked workers inherit them); False
    where there is no glibc."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # here: start-up of the quick commands does without it

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # no mallopt: not glibc
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, KEEP)) and bool(mallopt(M_TRIM_THRESHOLD, 2 * KEEP))
