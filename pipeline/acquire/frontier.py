"""The crawl frontier: per-host slots, a global concurrency limit, results streamed as they land.

Why (issue 12): polling feeds one after another and fetching pages in fetch-then-extract
batches leaves the network idle while the CPU works and lets one busy or stuck host stall
everything. This is Scrapy's scheduler/downloader split, in threads:

* **One slot per host** (``host:port``), holding that host's queue and its own
  :class:`~pipeline.acquire.fetch.Fetcher` (connection reuse, robots.txt cache, ``Crawl-delay`` and
  ``Retry-After`` kept per host). A slot runs one request at a time and is only handed to a
  thread once its politeness delay has passed, so threads never sit in a politeness wait that
  the scheduler could have avoided.
* **A global limit** on requests in flight across hosts (``concurrency``). A thread that sleeps
  inside its Fetcher (``Crawl-delay``, retry back-off, ``Retry-After``) gives its request slot
  back while it sleeps, so a host that asks us to wait does not slow the others.
* **Results as they complete**: :meth:`Frontier.results` yields each :class:`FrontierResult` the
  moment it is ready, and :meth:`Frontier.submit` may be called from inside that loop (feeds
  polled → their pages submitted), so fetch, extraction and staging can overlap.
* **A failure budget per host** (issue 13 item 5): time spent in timeouts and errors (not
  politeness waits) and the number of timed-out fetches are counted per host; past either limit
  the host's circuit opens and its remaining items come back ``deferred`` (not an attempt, so
  retried next run).
* **Stoppable**: when ``stop`` is set, no new request starts; sleeping fetches wake up at once,
  in-flight requests get ``stop_grace`` seconds, and everything unfinished comes back
  ``deferred`` with ``attempted=False``: reported, never lost.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from pipeline.acquire.fetch import Fetcher, FetchResult, Kind
from pipeline.outcomes import UrlOutcome
from pipeline.settings import Settings

__all__ = [
    "DEFERRED",
    "Frontier",
    "FrontierConfig",
    "FrontierResult",
    "FrontierStats",
    "WorkItem",
    "fetch_all",
    "host_key",
    "shard_for",
]

log = logging.getLogger(__name__)

DEFERRED = UrlOutcome.DEFERRED.value  # same value as PollOutcome.DEFERRED

_FAILURE_OUTCOMES = frozenset({"timeout", "network_error"})
_THROTTLE_STATUSES = frozenset({429, 503})


def host_key(url: str) -> str:
    """The politeness key of a URL: lowercased ``host:port`` (default port filled in)."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").rstrip(".")
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    return f"{host}:{port}"


def shard_for(key: str, n_shards: int) -> int:
    """Stable shard (0 .. n_shards-1) of a host key, the same in every process and run: the
    Airflow shards split feeds and pages by host, so no two shards ever hit one host."""
    if n_shards < 1:
        raise ValueError(f"n_shards must be >= 1, got {n_shards}")
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % n_shards


@dataclass(frozen=True)
class WorkItem:
    """One URL to fetch. ``payload`` travels untouched to the result (a feed id, a plan row)."""

    url: str
    kind: Kind
    payload: Any = None
    host: str | None = None  # politeness key; default host_key(url)
    etag: str | None = None
    last_modified: str | None = None
    extra_headers: Mapping[str, str] | None = None

    @property
    def key(self) -> str:
        return self.host or host_key(self.url)


@dataclass
class FrontierResult:
    """What became of one item. ``fetch`` is None when no request was completed for it
    (``deferred``: the host's budget ran out or the run stopped); then ``attempted`` is False
    and the item must be retried next run, not counted against ``max_attempts_per_url``."""

    item: WorkItem
    outcome: str
    fetch: FetchResult | None = None
    started_at: datetime | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @property
    def attempted(self) -> bool:
        return self.fetch is not None


@dataclass(frozen=True)
class FrontierConfig:
    """Knobs of one frontier; :meth:`from_settings` maps the run's settings onto them."""

    concurrency: int = 4
    """Requests in flight at once, across all hosts."""
    threads: int | None = None
    """Worker threads = hosts busy at once (in a request or sleeping in their Fetcher, e.g.
    the per-host delay between robots.txt and the first request); default 8 × concurrency,
    16 to 128. Sleeping threads cost no request slot, only a little memory."""
    host_max_timeouts: int = 3
    """Timed-out fetches of one host after which its circuit opens for the rest of the run."""
    host_failure_budget: float = 60.0
    """Seconds of timeouts and errors (politeness and back-off sleeps excluded) per host. Checked
    between fetches: one URL's retries can overrun it, up to (max_retries + 1) ×
    request_deadline."""
    host_max_throttles: int = 2
    """Fetches still answered 429/503 after the Fetcher's own Retry-After waits, after which
    the host is left alone for the rest of the run."""
    throttle_pause: float = 30.0
    """A host that still answers 429/503 after those waits gets no request for this long."""
    stop_grace: float = 3.0
    """After stop, how long in-flight requests may finish before they are abandoned."""
    max_open_fetchers: int = 256
    """Idle hosts' Fetchers (and their connections) beyond this many are closed."""
    max_buffered: int = 256
    """Results fetched but not yet taken by the consumer, plus requests in flight, at most:
    when extraction falls behind, fetching waits instead of holding pages in memory."""

    @property
    def n_threads(self) -> int:
        return self.threads or min(128, max(16, 8 * self.concurrency))

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> FrontierConfig:
        """The run's settings (``fetch_concurrency`` and the per-host failure budget)."""
        values: dict[str, Any] = {
            "concurrency": settings.fetch_concurrency,
            "host_max_timeouts": settings.host_max_timeouts,
            "host_failure_budget": settings.host_failure_budget,
            "host_max_throttles": settings.host_max_throttles,
        }
        values.update(overrides)
        return cls(**values)


@dataclass(frozen=True)
class FrontierStats:
    """A snapshot for progress displays."""

    hosts: int
    queued: int
    in_flight: int
    sleeping: int  # requests paused inside a Fetcher (Crawl-delay, back-off, Retry-After)
    hosts_waiting: int  # hosts with work that wait for their politeness delay
    hosts_open: int  # hosts whose circuit opened this run
    done: int
    outcomes: dict[str, int]


class _Stopped(Exception):
    """Raised from a Fetcher's sleep when the stop flag is set: abandon this item."""


@dataclass
class _Call:
    started: float
    slept: float = 0.0
    holding: bool = True  # holds a global request slot


@dataclass
class _Slot:
    key: str
    queue: deque[WorkItem] = field(default_factory=deque)
    fetcher: Fetcher | None = None
    busy: WorkItem | None = None
    call: _Call | None = None
    ready_at: float = 0.0
    in_heap: bool = False
    last_used: float = 0.0
    timeouts: int = 0
    throttles: int = 0
    failure_s: float = 0.0
    open_reason: str | None = None


class Frontier:
    """Fetch work items over many hosts at once, politely; use as a context manager.

    ``fetcher_factory(sleep)`` builds a slot's Fetcher given the sleep function it must use
    (tests inject their own); the default is ``Fetcher(settings, sleep=sleep, verify=ctx)``
    with one TLS context shared by all slots.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        config: FrontierConfig | None = None,
        stop: threading.Event | None = None,
        fetcher_factory: Callable[[Callable[[float], None]], Fetcher] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.config = config or FrontierConfig.from_settings(settings)
        self.stop = stop or threading.Event()
        self._clock = clock
        self._factory = fetcher_factory or self._default_factory()
        self._cv = threading.Condition()
        self._requests = threading.BoundedSemaphore(self.config.concurrency)
        self._slots: dict[str, _Slot] = {}
        self._heap: list[tuple[float, int, str]] = []
        self._seq = itertools.count()
        self._done: deque[FrontierResult] = deque()
        self._pending = 0  # submitted, result not yet yielded
        self._n_busy = 0  # items being fetched
        self._abandoned: set[int] = set()  # id() of in-flight items given up at stop
        self._outcomes: Counter[str] = Counter()
        self._closed = False
        self._threads: list[threading.Thread] = []

    def _default_factory(self) -> Callable[[Callable[[float], None]], Fetcher]:
        import httpx

        ctx = httpx.create_ssl_context()  # one CA bundle load, not one per host
        return lambda sleep: Fetcher(self.settings, sleep=sleep, verify=ctx)

    # -- lifecycle
    def __enter__(self) -> Frontier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers and close idle Fetchers (a busy one is closed by its thread)."""
        with self._cv:
            self._closed = True
            self._cv.notify_all()
            idle = [s for s in self._slots.values() if s.busy is None and s.fetcher]
        for t in self._threads:
            t.join(timeout=0.5)
        for slot in idle:
            self._close_fetcher(slot)

    # -- public

    def submit(self, items: Iterable[WorkItem]) -> int:
        """Queue items (thread-safe, also from inside :meth:`results`); returns how many.

        After stop, or for a host whose circuit is open, items come straight back deferred.
        """
        n = 0
        with self._cv:
            if self._closed:
                raise RuntimeError("Frontier used after close()")
            for item in items:
                n += 1
                self._pending += 1
                slot = self._slots.get(item.key)
                if slot is None:
                    slot = self._slots[item.key] = _Slot(item.key)
                if self.stop.is_set():
                    self._defer(item, "run stopped before this URL was fetched")
                elif slot.open_reason:
                    self._defer(item, slot.open_reason)
                else:
                    slot.queue.append(item)
                    self._schedule(slot)
            self._start_threads()
            self._cv.notify_all()
        return n

    @property
    def pending(self) -> int:  # submitted, result not yet yielded (an int read needs no lock)
        return self._pending

    def results(self) -> Iterator[FrontierResult]:
        """Yield results as they complete until every submitted item has one."""
        for res in self._results(None):
            assert res is not None
            yield res

    def results_with_ticks(self, tick: float) -> Iterator[FrontierResult | None]:
        """Like :meth:`results`, but yields None after ``tick`` seconds without a result, so
        the consumer can collect finished extractions, stage a batch or refresh progress
        while every host waits on its delay."""
        return self._results(tick)

    def _results(self, tick: float | None) -> Iterator[FrontierResult | None]:
        while True:
            with self._cv:
                waited_from = self._clock()
                while not self._done and self._pending and not self.stop.is_set():
                    if tick is not None and self._clock() - waited_from >= tick:
                        break
                    self._cv.wait(0.2 if tick is None else min(0.2, tick))
                if not self._done and self._pending and not self.stop.is_set():
                    res = None  # a tick: nothing arrived within ``tick`` seconds
                elif not self._done and self._pending and self.stop.is_set():
                    self._drain_on_stop()
                if self._done:
                    res = self._done.popleft()
                    self._pending -= 1
                    if len(self._done) + self._n_busy + 1 >= self.config.max_buffered:
                        self._cv.notify_all()  # a worker may wait for buffer room
                elif not self._pending or self.stop.is_set():
                    return
            yield res

    def stats(self) -> FrontierStats:
        now = self._clock()
        with self._cv:
            slots = list(self._slots.values())
            queued = sum(len(s.queue) for s in slots)
            busy = [s for s in slots if s.busy is not None]
            sleeping = sum(1 for s in busy if s.call and not s.call.holding)
            waiting = sum(1 for s in slots if s.queue and s.busy is None and s.ready_at > now)
            return FrontierStats(
                hosts=len(slots),
                queued=queued,
                in_flight=len(busy) - sleeping,
                sleeping=sleeping,
                hosts_waiting=waiting + sleeping,
                hosts_open=sum(1 for s in slots if s.open_reason),
                done=sum(self._outcomes.values()),
                outcomes=dict(self._outcomes),
            )

    def host_report(self) -> dict[str, dict[str, Any]]:
        """Per host: timeouts, failure seconds and why its circuit opened (None if it did not)."""
        with self._cv:
            return {
                k: {
                    "timeouts": s.timeouts,
                    "failure_s": round(s.failure_s, 3),
                    "open": s.open_reason,
                }
                for k, s in self._slots.items()
            }

    # -- scheduling (all under self._cv)

    def _schedule(self, slot: _Slot) -> None:
        if slot.queue and slot.busy is None and not slot.in_heap:
            heapq.heappush(self._heap, (slot.ready_at, next(self._seq), slot.key))
            slot.in_heap = True

    def _start_threads(self) -> None:
        want = min(self.config.n_threads, len(self._slots))
        while len(self._threads) < want:
            t = threading.Thread(
                target=self._worker, name=f"frontier-{len(self._threads)}", daemon=True
            )
            self._threads.append(t)
            t.start()

    def _defer(self, item: WorkItem, reason: str) -> None:
        self._outcomes[DEFERRED] += 1
        self._done.append(FrontierResult(item, DEFERRED, error=reason))
        self._cv.notify_all()

    def _next_work(self) -> tuple[_Slot, WorkItem] | None:
        """Wait for a host whose delay has passed; None when the frontier closes or stops."""
        while not self._closed and not self.stop.is_set():
            timeout = 0.5
            if len(self._done) + self._n_busy >= self.config.max_buffered:
                self._cv.wait(timeout)  # the consumer is behind: back-pressure
                continue
            if self._heap:
                ready_at, _, key = self._heap[0]
                now = self._clock()
                if ready_at <= now:
                    heapq.heappop(self._heap)
                    slot = self._slots[key]
                    slot.in_heap = False
                    if not slot.queue or slot.open_reason or slot.busy is not None:
                        continue
                    item = slot.queue.popleft()
                    slot.busy = item
                    self._n_busy += 1
                    slot.last_used = now
                    return slot, item
                timeout = min(timeout, ready_at - now)
            self._cv.wait(timeout)
        return None

    def _drain_on_stop(self) -> None:
        """Defer queued items now; give in-flight ones ``stop_grace`` s, then abandon them."""
        for slot in self._slots.values():
            while slot.queue:
                self._defer(slot.queue.popleft(), "run stopped before this URL was fetched")
        deadline = self._clock() + self.config.stop_grace
        while self._clock() < deadline and any(s.busy for s in self._slots.values()):
            self._cv.wait(0.05)
        for slot in self._slots.values():
            if slot.busy is not None and id(slot.busy) not in self._abandoned:
                self._abandoned.add(id(slot.busy))
                self._defer(slot.busy, "run stopped while this URL was being fetched")

    # -- workers

    def _worker(self) -> None:
        while True:
            with self._cv:
                work = self._next_work()
            if work is None:
                return
            slot, item = work
            res = self._fetch(slot, item)
            with self._cv:
                self._finish(slot, item, res)

    def _fetch(self, slot: _Slot, item: WorkItem) -> FrontierResult:
        """Run one item through the slot's Fetcher; the Fetcher's sleeps release the request
        slot and wake up on stop."""
        started_at = datetime.now(UTC)
        call = _Call(started=self._clock(), holding=False)
        slot.call = call
        try:
            if slot.fetcher is None:
                slot.fetcher = self._factory(self._sleeper(slot))
                self._trim_fetchers()
            self._acquire(call)
            fr = slot.fetcher.fetch(
                item.url,
                kind=item.kind,
                etag=item.etag,
                last_modified=item.last_modified,
                extra_headers=item.extra_headers,
            )
        except _Stopped:
            return FrontierResult(item, DEFERRED, error="run stopped while this URL was waiting")
        except Exception as exc:  # a bug in the fetcher: record it, keep the other hosts going
            log.exception("fetcher raised on %s", item.url)
            fr = _internal_error(item.url, exc)
        finally:
            if call.holding:
                call.holding = False
                self._requests.release()
        self._account(slot, fr, self._clock() - call.started - call.slept)
        return FrontierResult(item, fr.outcome, fr, started_at, fr.error)

    def _acquire(self, call: _Call) -> None:
        while not self._requests.acquire(timeout=0.2):
            if self.stop.is_set():
                raise _Stopped
        call.holding = True

    def _sleeper(self, slot: _Slot) -> Callable[[float], None]:
        def sleep(seconds: float) -> None:
            call = slot.call
            if call is None or seconds <= 0:
                return
            if call.holding:
                call.holding = False
                self._requests.release()
            t0 = self._clock()
            try:
                if self.stop.wait(seconds):
                    raise _Stopped
            finally:
                call.slept += self._clock() - t0
            self._acquire(call)

        return sleep

    def _account(self, slot: _Slot, fr: FetchResult, busy_s: float) -> None:
        """Charge a failed fetch to its host's budget; open the circuit when it is spent."""
        failed = fr.outcome in _FAILURE_OUTCOMES or (
            fr.outcome == "http_error" and (fr.status_code or 500) >= 500
        )
        with self._cv:
            slot.timeouts += fr.outcome == "timeout"
            slot.throttles += fr.status_code in _THROTTLE_STATUSES
            if failed:
                slot.failure_s += max(0.0, busy_s)
            if slot.open_reason is None:
                slot.open_reason = self._open_reason(slot)
                if slot.open_reason:
                    log.warning("circuit open: %s", slot.open_reason)

    def _open_reason(self, slot: _Slot) -> str | None:
        cfg = self.config
        if slot.timeouts >= cfg.host_max_timeouts:
            return f"host {slot.key} timed out {slot.timeouts} times this run; deferred"
        if slot.throttles >= cfg.host_max_throttles:
            return (
                f"host {slot.key} still answered 429/503 after waiting, {slot.throttles} times "
                "this run; deferred"
            )
        if slot.failure_s >= cfg.host_failure_budget:
            return (
                f"host {slot.key} spent {slot.failure_s:.0f}s in errors this run "
                f"(budget {cfg.host_failure_budget:g}s); deferred"
            )
        return None

    def _finish(self, slot: _Slot, item: WorkItem, res: FrontierResult) -> None:
        now = self._clock()
        slot.busy = None
        self._n_busy -= 1
        slot.call = None
        slot.last_used = now
        delay = self.settings.per_host_delay
        if res.fetch is not None and res.fetch.status_code in _THROTTLE_STATUSES:
            delay = max(delay, self.config.throttle_pause)
        slot.ready_at = now + delay
        if id(item) in self._abandoned:
            self._abandoned.discard(id(item))
        else:
            self._outcomes[res.outcome] += 1
            self._done.append(res)
        if slot.open_reason:
            while slot.queue:
                self._defer(slot.queue.popleft(), slot.open_reason)
        self._schedule(slot)
        if self._closed:
            self._close_fetcher(slot)
        self._cv.notify_all()

    def _trim_fetchers(self) -> None:
        """Close the least recently used idle Fetchers beyond ``max_open_fetchers``."""
        with self._cv:
            open_slots = [s for s in self._slots.values() if s.fetcher is not None]
            excess = len(open_slots) - self.config.max_open_fetchers
            if excess <= 0:
                return
            idle = sorted(
                (s for s in open_slots if s.busy is None and not s.queue),
                key=lambda s: s.last_used,
            )[:excess]
            for slot in idle:
                self._close_fetcher(slot)

    @staticmethod
    def _close_fetcher(slot: _Slot) -> None:
        fetcher, slot.fetcher = slot.fetcher, None
        if fetcher is not None:
            try:
                fetcher.close()
            except Exception:  # closing must never fail a run
                log.debug("closing the fetcher of %s failed", slot.key, exc_info=True)


def _internal_error(url: str, exc: Exception) -> FetchResult:
    return FetchResult(
        url=url,
        final_url=None,
        outcome="network_error",
        status_code=None,
        content=None,
        content_type=None,
        encoding=None,
        etag=None,
        last_modified=None,
        duration_ms=0,
        attempts=1,
        n_bytes=0,
        error=f"internal error: {type(exc).__name__}: {exc}"[:500],
    )


def fetch_all(
    settings: Settings,
    items: Iterable[WorkItem],
    *,
    stop: threading.Event | None = None,
    config: FrontierConfig | None = None,
) -> Iterator[FrontierResult]:
    """Fetch ``items`` through a fresh frontier, yielding results as they complete."""
    with Frontier(settings, stop=stop, config=config) as frontier:
        frontier.submit(items)
        yield from frontier.results()
