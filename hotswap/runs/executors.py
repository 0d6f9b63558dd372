"""Where replications run: the local process pool (the default) or a Dask cluster.

A command picks its executor once (``use``) and every sweep inside it (``--runs``,
compare's cases, check's scenarios, a report's cells) maps its jobs on it. Results come
back one at a time in job order, and each job carries its own seed, so the bytes are the
same on every executor and worker count.

``dask`` without a scheduler address starts a ``LocalCluster`` on loopback (one
single-threaded worker process per job slot); with one, it connects to a running
cluster (``dask scheduler`` + ``dask worker``). Dask is the optional extra ``[dask]``.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hotswap.runs.memory import keep_freed_memory

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

EXECUTORS = ("local", "dask")
POOL_FROM = 8  # local: fewer jobs than this run in-process
CHUNKS_PER_WORKER = 32  # small chunks: runs of unequal cost still end together
DASK_CHUNKS_PER_WORKER = 8  # fewer: a Dask task costs the scheduler milliseconds, a pool chunk far less


@dataclass(frozen=True)
class Executor:
    """``kind``: local or dask; ``scheduler``: a running Dask cluster's address;
    ``jobs``: local processes, or the workers of a LocalCluster [default: all cores]."""

    kind: str = "local"
    scheduler: str | None = None
    jobs: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in EXECUTORS:
            raise ValueError(f"unknown executor {self.kind!r}; one of {', '.join(EXECUTORS)}")
        if self.scheduler is not None and self.kind != "dask":
            raise ValueError("--scheduler applies to --executor dask only")


class _Local:
    """The local process pool; inside ``use``, one pool serves every sweep."""

    def __init__(self, jobs: int | None, keep: bool = False) -> None:
        self.jobs, self.keep = jobs, keep
        self.pool: ProcessPoolExecutor | None = None

    def map(self, fn: Callable[[Any], Any], items: list[Any], jobs: int | None = None) -> Iterator[Any]:
        workers = min(jobs or self.jobs or os.cpu_count() or 1, len(items))
        if len(items) < POOL_FROM or workers < 2:
            yield from map(fn, items)
            return
        from concurrent.futures import ProcessPoolExecutor

        chunks = max(1, len(items) // (CHUNKS_PER_WORKER * workers))
        if self.keep and self.pool is None:
            self.pool = ProcessPoolExecutor(self.jobs or os.cpu_count() or 1, initializer=_quiet_worker)
        pool = self.pool if self.keep else ProcessPoolExecutor(workers, initializer=_quiet_worker)
        assert pool is not None
        finished = False
        try:
            yield from pool.map(fn, items, chunksize=chunks)
            finished = True
        finally:
            if not finished:  # stopped (a signal) or failed: no worker outlives the sweep
                _stop(pool)
                self.pool = None
            elif not self.keep:
                pool.shutdown()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def _quiet_worker() -> None:
    """A pool worker leaves signals to the command: Ctrl-C (sent to the whole process
    group) is ignored, SIGTERM (the command stopping it) ends it at once, silently. It
    keeps freed memory for reuse (``memory``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    keep_freed_memory()  # inherited when forked; not when spawned


def _stop(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's workers instead of waiting for the runs they hold."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):  # 3.14: pool.terminate_workers()
        process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


class _Dask:
    def __init__(self, client: Any) -> None:
        self.client = client

    def map(self, fn: Callable[[Any], Any], items: list[Any], jobs: int | None = None) -> Iterator[Any]:
        """Jobs go out in chunks, as to the local pool: a task costs the cluster
        milliseconds (and sends its scenario once a chunk), a short run not much more."""
        workers = max(1, sum(w.get("nthreads", 1) for w in self.client.scheduler_info()["workers"].values()))
        size = max(1, len(items) // (DASK_CHUNKS_PER_WORKER * workers))
        chunks = [(fn, items[i : i + size]) for i in range(0, len(items), size)]
        futures = self.client.map(_each, chunks, pure=False)
        try:
            for future in futures:
                yield from future.result()
                future.release()  # the cluster forgets a result once it is taken
        finally:
            self.client.cancel(futures)


def _each(chunk: tuple[Callable[[Any], Any], list[Any]]) -> list[Any]:
    """One task's jobs, run in order."""
    fn, items = chunk
    return [fn(item) for item in items]


_current: ContextVar[_Local | _Dask | None] = ContextVar("executor", default=None)


@contextmanager
def use(executor: Executor) -> Iterator[None]:
    """Run every sweep inside the block on ``executor`` (a cluster is started or
    connected to once, and closed at the end)."""
    if executor.kind == "local":
        local = _Local(executor.jobs, keep=True)
        token = _current.set(local)
        try:
            yield
        finally:
            _current.reset(token)
            local.close()
        return
    import logging  # here, with Dask: the local path does not need it (start-up)

    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ValueError("--executor dask needs Dask: pip install 'hotswap[dask]'") from None
    if executor.scheduler is not None:
        try:
            client, cluster = Client(executor.scheduler, timeout=10), None
        except (OSError, TimeoutError, ValueError) as exc:
            raise ValueError(f"--scheduler {executor.scheduler}: cannot reach the Dask scheduler ({exc})") from None
    else:
        cluster = LocalCluster(
            n_workers=executor.jobs or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
        client.run(keep_freed_memory)  # our own workers (a running cluster's set-up is its owner's)
    token = _current.set(_Dask(client))
    try:
        yield
    finally:
        _current.reset(token)
        client.close()
        if cluster is not None:
            cluster.close()


def ordered(fn: Callable[[Any], Any], items: Iterable[Any], jobs: int | None = None) -> Iterator[Any]:
    """``fn`` of each item on the current executor (local by default), in item order,
    each result as soon as it and those before it are done. ``jobs`` caps the local pool."""
    executor = _current.get() or _Local(None)
    return executor.map(fn, list(items), jobs)
