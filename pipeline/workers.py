"""Run untrusted-input work (feed parsing, page extraction) in bounded worker processes.

Why processes: feedparser and trafilatura have no timeout and can spin for tens of seconds on a
hostile document; a thread cannot be stopped, a process can. pebble's pool kills a worker whose
task overruns its wall-clock limit and replaces it, so one bad page costs at most ``timeout``
seconds and never stalls the run. Workers start with ``forkserver`` (never a plain fork): the
parent may hold a DuckDB connection or HTTP sockets, which must not be duplicated into children.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pebble import ProcessExpired, ProcessPool

T = TypeVar("T")


@dataclass
class TaskOutcome(Generic[T]):
    """What happened to one item: a value, a timeout, or a crash (with its reason)."""

    ok: bool
    value: T | None = None
    timed_out: bool = False
    error: str | None = None


def _context() -> multiprocessing.context.BaseContext:
    method = os.environ.get("NEWSFLOW_MP_START", "forkserver")
    if method not in multiprocessing.get_all_start_methods():
        method = "spawn"
    return multiprocessing.get_context(method)


class BoundedPool:
    """A process pool where every task has a wall-clock limit.

    Use as a context manager; ``map`` returns one TaskOutcome per item, in order. Workers are
    recycled after ``max_tasks`` tasks to cap memory growth from leaky parsers.
    """

    def __init__(
        self,
        workers: int = 2,
        *,
        max_tasks: int = 200,
        initializer: Callable[[], None] | None = None,
    ) -> None:
        self.workers = max(1, workers)
        self.max_tasks = max_tasks
        # Runs once per worker before its first task, outside any task's time limit: model
        # loading and index building must not count against (and time out) the first page.
        self.initializer = initializer
        self._pool: ProcessPool | None = None

    def __enter__(self) -> BoundedPool:
        self._pool = ProcessPool(
            max_workers=self.workers,
            max_tasks=self.max_tasks,
            context=_context(),
            initializer=self.initializer,
        )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.stop()
            self._pool.join(timeout=10)
            self._pool = None

    def map(
        self, fn: Callable[..., T], arg_tuples: Iterable[Sequence[Any]], timeout: float
    ) -> list[TaskOutcome[T]]:
        if self._pool is None:
            raise RuntimeError("BoundedPool used outside its context manager")
        futures = [
            self._pool.schedule(fn, args=tuple(args), timeout=timeout) for args in arg_tuples
        ]
        results: list[TaskOutcome[T]] = []
        for fut in futures:
            try:
                results.append(TaskOutcome(ok=True, value=fut.result()))
            except FutureTimeout:
                results.append(
                    TaskOutcome(ok=False, timed_out=True, error=f"exceeded {timeout:g}s wall clock")
                )
            except ProcessExpired as exc:
                results.append(TaskOutcome(ok=False, error=f"worker died (exit {exc.exitcode})"))
            except Exception as exc:  # the task itself raised: record, never crash the run
                results.append(TaskOutcome(ok=False, error=f"{type(exc).__name__}: {exc}"[:500]))
        return results
