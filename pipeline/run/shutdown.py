"""Clean shutdown: SIGTERM / Ctrl-C set a stop flag instead of killing the run mid-write.

Why (issue 12): Airflow kills a task with SIGTERM and a person presses Ctrl-C; either used to
raise wherever the run happened to be. With :func:`stop_on_signals` the first signal sets a
``threading.Event`` that the frontier and the run loop watch: no new request starts, what is
done is staged, unfinished items are reported as deferred, and the process exits within a few
seconds. A second signal means "now": the previous handler runs (KeyboardInterrupt for SIGINT,
the default termination for SIGTERM).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

__all__ = ["stop_on_signals"]

log = logging.getLogger(__name__)


@contextlib.contextmanager
def stop_on_signals(
    stop: threading.Event | None = None,
    signals: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT),
) -> Iterator[threading.Event]:
    """Within the block, the first of ``signals`` sets the yielded event; handlers are restored
    on exit. Off the main thread (where Python cannot install handlers) the event is yielded
    without handlers: the caller's own stop logic still works."""
    event = stop or threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield event
        return
    previous: dict[signal.Signals, Any] = {}

    def handler(signum: int, frame: FrameType | None) -> None:
        sig = signal.Signals(signum)
        if event.is_set():
            log.warning("%s again: stopping now", sig.name)
            _chain(previous.get(sig), sig, frame)
            return
        log.warning("%s: finishing in-flight work, staging what is done, then exiting", sig.name)
        event.set()

    for sig in signals:
        previous[sig] = signal.getsignal(sig)
        signal.signal(sig, handler)
    try:
        yield event
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _chain(old: Any, sig: signal.Signals, frame: FrameType | None) -> None:
    """Run what would have happened without us: a Python handler, or the default action."""
    if callable(old):
        old(sig, frame)
        return
    if old == signal.SIG_IGN:
        return
    if sig == signal.SIGINT:
        raise KeyboardInterrupt
    signal.signal(sig, signal.SIG_DFL)
    signal.raise_signal(sig)
