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
from concurrent.futures import CancelledError, Future
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


class _MainNotReimported:
    """While a pool lives, its spawn/forkserver workers do not re-run the parent's ``__main__``.

    Why: such a child first re-executes the parent's main *script* (as ``__mp_main__``) unless
    the main module has a spec. In an Airflow task the main script is the ``airflow`` console
    script, whose import initialises Airflow, and in Airflow 3 task processes that fails (the
    metadata DB URL is deliberately unusable there): every worker died and every feed was a
    ``parse_error``. The workers only run functions of importable ``pipeline`` modules, so they
    never need ``__main__``; a spec named ``__main__`` makes multiprocessing skip it. Restored on
    exit; nested pools are fine (the outermost restores).
    """

    _MISSING = object()

    def __init__(self) -> None:
        self._saved: object = self._MISSING

    def __enter__(self) -> None:
        import importlib.machinery
        import sys

        main = sys.modules.get("__main__")
        if main is None or getattr(getattr(main, "__spec__", None), "name", None):
            return  # run with -m (or no main): multiprocessing already skips it
        self._saved = main.__spec__
        main.__spec__ = importlib.machinery.ModuleSpec("__main__", None)

    def __exit__(self, *exc: object) -> None:
        import sys

        if self._saved is not self._MISSING:
            main = sys.modules.get("__main__")
            if main is not None:
                main.__spec__ = self._saved
            self._saved = self._MISSING


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
        self._main = _MainNotReimported()

    def __enter__(self) -> BoundedPool:
        self._main = _MainNotReimported()
        self._main.__enter__()
        try:
            self._pool = ProcessPool(
                max_workers=self.workers,
                max_tasks=self.max_tasks,
                context=_context(),
                initializer=self.initializer,
            )
        except BaseException:
            self._main.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._pool is not None:
                self._pool.stop()
                self._pool.join(timeout=10)
                self._pool = None
        finally:
            self._main.__exit__()

    def submit(self, fn: Callable[..., T], args: Sequence[Any], timeout: float) -> Future[T]:
        """Schedule one task without waiting (the streamed run feeds pages in as they arrive);
        read its result with :func:`task_outcome` once it is ``done()``."""
        if self._pool is None:
            raise RuntimeError("BoundedPool used outside its context manager")
        fut = self._pool.schedule(fn, args=tuple(args), timeout=timeout)
        fut.newsflow_timeout = timeout  # type: ignore[attr-defined]  # for task_outcome's message
        return fut

    def map(
        self, fn: Callable[..., T], arg_tuples: Iterable[Sequence[Any]], timeout: float
    ) -> list[TaskOutcome[T]]:
        futures = [self.submit(fn, args, timeout) for args in arg_tuples]
        return [task_outcome(fut) for fut in futures]


def task_outcome(fut: Future[T]) -> TaskOutcome[T]:
    """What became of one scheduled task (waits for it): a value, a timeout or a crash."""
    try:
        return TaskOutcome(ok=True, value=fut.result())
    except FutureTimeout:
        timeout = getattr(fut, "newsflow_timeout", None)
        limit = f"exceeded {timeout:g}s wall clock" if timeout else "exceeded its wall clock"
        return TaskOutcome(ok=False, timed_out=True, error=limit)
    except ProcessExpired as exc:
        return TaskOutcome(ok=False, error=f"worker died (exit {exc.exitcode})")
    except CancelledError:
        return TaskOutcome(ok=False, error="cancelled: the pool was stopped")
    except Exception as exc:  # the task itself raised: record, never crash the run
        return TaskOutcome(ok=False, error=f"{type(exc).__name__}: {exc}"[:500])
