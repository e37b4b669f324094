"""Progress a person can watch: a live table on a terminal, plain periodic lines elsewhere.

Why (issue 12): a run over thousands of feeds takes minutes; an operator needs to see that it
moves, how far it is, what is failing and when it will end, without reading debug logs. The run
layer reports counts (:meth:`RunProgress.update`) and per-item outcomes
(:meth:`RunProgress.event`); this class keeps the tallies, works out rate and ETA, and renders:

* on a terminal, a ``rich`` live table refreshed a few times a second;
* otherwise (a pipe, a file, an Airflow task log), one plain line every ``interval`` seconds and
  one at the end, through ``logging`` (or a given stream), so logs stay greppable.

Everything is computed by :meth:`RunProgress.snapshot` and :func:`render_line`, which tests call
directly with an injected clock: no terminal is needed to check what a user would see.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

__all__ = ["ProgressSnapshot", "RunProgress", "render_line", "render_table"]

log = logging.getLogger("newsflow.progress")

_COUNTS = (
    "feeds_due",
    "pages_queued",
    "hosts_waiting",
    "hosts_open",
    "in_flight",
    "batches_staged",
)


@dataclass(frozen=True)
class ProgressSnapshot:
    """Everything shown at one moment; ``rate`` is items finished per second lately."""

    elapsed: float
    feeds_due: int
    feeds_polled: int
    pages_queued: int
    pages_fetched: int
    pages_extracted: int
    pages_done: int
    poll_outcomes: dict[str, int]
    page_outcomes: dict[str, int]
    hosts_waiting: int
    hosts_open: int
    in_flight: int
    batches_staged: int
    rate: float  # feeds polled + pages finished, per second over the recent window
    eta: float | None  # seconds, None while unknown


@dataclass
class _Tally:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_COUNTS, 0))
    feeds_polled: int = 0
    pages_fetched: int = 0
    pages_extracted: int = 0
    poll_outcomes: Counter[str] = field(default_factory=Counter)
    page_outcomes: Counter[str] = field(default_factory=Counter)


class RunProgress:
    """Tallies of one run and their display; thread-safe; use as a context manager.

    ``live=None`` picks the live table when ``stream`` is a terminal outside Airflow.
    ``interval`` spaces plain lines. ``clock`` is injectable for tests.
    """

    def __init__(
        self,
        *,
        live: bool | None = None,
        stream: TextIO | None = None,
        interval: float = 10.0,
        window: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        title: str = "newsflow run",
    ) -> None:
        self._stream = stream
        self._clock = clock
        self.interval = interval
        self.window = window
        self.title = title
        self.live = _wants_live(stream or sys.stderr) if live is None else live
        self._lock = threading.Lock()
        self._t = _Tally()
        self._start = clock()
        self._last_line = self._start
        self._done_at: deque[tuple[float, int]] = deque([(self._start, 0)])
        self._live: Any = None
        self._ticker: threading.Thread | None = None
        self._closed = threading.Event()

    # -- lifecycle

    def __enter__(self) -> RunProgress:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the live display, or the ticker that writes plain lines while nothing moves."""
        if self.live:
            from rich.console import Console
            from rich.live import Live

            console = Console(file=self._stream or sys.stderr)
            self._live = Live(
                console=console,
                get_renderable=lambda: render_table(self.snapshot(), self.title),
                refresh_per_second=4,
                transient=False,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._live.start()
        elif self.interval > 0:
            self._ticker = threading.Thread(target=self._tick_loop, name="progress", daemon=True)
            self._ticker.start()

    def close(self) -> None:
        """Stop the display and write the final line."""
        if self._closed.is_set():
            return
        self._closed.set()
        if self._live is not None:
            self._live.refresh()
            self._live.stop()
            self._live = None
        else:
            self._emit(render_line(self.snapshot(), final=True))

    # -- what the run layer calls

    def update(self, **counts: int) -> None:
        """Set gauges: feeds_due, pages_queued, hosts_waiting, hosts_open, in_flight,
        batches_staged (absolute values; unknown names are a bug and raise)."""
        with self._lock:
            for name, value in counts.items():
                if name not in self._t.counts:
                    raise ValueError(f"unknown progress count {name!r}; one of {_COUNTS}")
                self._t.counts[name] = int(value)
        self.tick()

    def event(self, stage: str, outcome: str, n: int = 1) -> None:
        """Count ``n`` items reaching ``outcome`` at ``stage`` ('poll', 'fetch', 'extract').

        A fetch that is not ``ok`` is the URL's final outcome; an ``ok`` fetch goes on to
        extraction, whose outcome is final.
        """
        with self._lock:
            t = self._t
            if stage == "poll":
                t.feeds_polled += n
                t.poll_outcomes[outcome] += n
            elif stage == "fetch":
                if outcome != "deferred":
                    t.pages_fetched += n
                if outcome != "ok":
                    t.page_outcomes[outcome] += n
            elif stage == "extract":
                t.pages_extracted += n
                t.page_outcomes[outcome] += n
            else:
                raise ValueError(f"unknown stage {stage!r}; one of poll, fetch, extract")
            self._done_at.append((self._clock(), self._finished()))
        self.tick()

    def note(self, message: str) -> None:
        """A one-off line (a stage finished, a circuit opened), above the live table if any."""
        if self._live is not None:
            self._live.console.print(message, markup=False, highlight=False)
        else:
            self._emit(message)

    def tick(self) -> None:
        """Write a plain line if ``interval`` has passed since the last one."""
        if self.live or self.interval <= 0 or self._closed.is_set():
            return
        now = self._clock()
        with self._lock:
            if now - self._last_line < self.interval:
                return
            self._last_line = now
        self._emit(render_line(self.snapshot()))

    # -- numbers

    def snapshot(self) -> ProgressSnapshot:
        now = self._clock()
        with self._lock:
            t = self._t
            c = t.counts
            while len(self._done_at) > 2 and now - self._done_at[1][0] > self.window:
                self._done_at.popleft()
            t0, n0 = self._done_at[0]
            done = self._finished()
            rate = (done - n0) / (now - t0) if now > t0 else 0.0
            pages_done = sum(t.page_outcomes.values())
            remaining = max(0, c["feeds_due"] - t.feeds_polled) + max(
                0, c["pages_queued"] - pages_done
            )
            return ProgressSnapshot(
                elapsed=now - self._start,
                feeds_due=c["feeds_due"],
                feeds_polled=t.feeds_polled,
                pages_queued=c["pages_queued"],
                pages_fetched=t.pages_fetched,
                pages_extracted=t.pages_extracted,
                pages_done=pages_done,
                poll_outcomes=dict(t.poll_outcomes),
                page_outcomes=dict(t.page_outcomes),
                hosts_waiting=c["hosts_waiting"],
                hosts_open=c["hosts_open"],
                in_flight=c["in_flight"],
                batches_staged=c["batches_staged"],
                rate=rate,
                eta=remaining / rate if rate > 0 else (0.0 if remaining == 0 else None),
            )

    def _finished(self) -> int:
        """Items finished so far (feeds polled + pages with a final outcome): the unit of
        ``rate`` and ETA. Pages queued grow as feeds are polled, so the ETA firms up then."""
        return self._t.feeds_polled + sum(self._t.page_outcomes.values())

    def _emit(self, line: str) -> None:
        if self._stream is not None:
            self._stream.write(line + "\n")
            self._stream.flush()
        else:
            log.info("%s", line)

    def _tick_loop(self) -> None:
        while not self._closed.wait(min(self.interval, 5.0)):
            self.tick()


def _wants_live(stream: TextIO) -> bool:
    if os.environ.get("AIRFLOW_CTX_DAG_ID") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


def _outcomes(counts: dict[str, int]) -> str:
    return " ".join(f"{k}={v}" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def render_line(s: ProgressSnapshot, *, final: bool = False) -> str:
    """One plain line: what a log reader needs to see progress and trouble."""
    head = "[progress] done" if final else "[progress]"
    parts = [
        f"{head} {_duration(s.elapsed)}",
        f"feeds {s.feeds_polled}/{s.feeds_due}",
        f"pages fetched {s.pages_fetched} extracted {s.pages_extracted} "
        f"done {s.pages_done}/{s.pages_queued}",
        f"{s.rate:.1f}/s",
    ]
    if not final:
        parts.append(f"ETA {_duration(s.eta)}")
        parts.append(f"hosts waiting {s.hosts_waiting}")
    if s.hosts_open:
        parts.append(f"hosts deferred {s.hosts_open}")
    if s.poll_outcomes:
        parts.append(f"polls: {_outcomes(s.poll_outcomes)}")
    if s.page_outcomes:
        parts.append(f"pages: {_outcomes(s.page_outcomes)}")
    return " | ".join(parts)


def render_table(s: ProgressSnapshot, title: str = "newsflow run") -> Any:
    """The live view: a small rich table (built lazily so plain mode never imports rich)."""
    from rich.table import Table

    table = Table(title=f"{title} · {_duration(s.elapsed)}", title_justify="left", expand=False)
    for col in ("feeds", "pages fetched", "extracted", "done", "rate", "ETA", "hosts waiting"):
        table.add_column(col, justify="right")
    table.add_row(
        f"{s.feeds_polled}/{s.feeds_due}",
        str(s.pages_fetched),
        str(s.pages_extracted),
        f"{s.pages_done}/{s.pages_queued}",
        f"{s.rate:.1f}/s",
        _duration(s.eta),
        str(s.hosts_waiting) + (f" ({s.hosts_open} deferred)" if s.hosts_open else ""),
    )
    if s.poll_outcomes or s.page_outcomes:
        table.caption = f"polls: {_outcomes(s.poll_outcomes)}   pages: {_outcomes(s.page_outcomes)}"
        table.caption_justify = "left"
    return table
