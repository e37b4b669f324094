"""One exclusive advisory file lock, waited for with a bound: the DB lock and drop folders use it.

Why flock: it is released by the kernel when the holder dies (kill -9 included), so a crashed task
never leaves a stale lock behind, and it works across the processes of one machine, which is what
both the single DuckDB writer and a drop folder's one-claimer-at-a-time rule need.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def exclusive(
    path: Path, *, wait: float, busy: Callable[[], Exception], poll: float = 0.2
) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing); wait up to ``wait`` seconds for
    another holder, then raise ``busy()``."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise busy() from None
                time.sleep(poll)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
