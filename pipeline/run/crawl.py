"""The streamed crawl: concurrent polls and page fetches through one frontier, extraction as
pages land, rows staged in batches of at most ``batch_size``.

Why (issue 12): polling feeds one after another and fetching pages in fetch-then-extract
batches left the network idle while the CPU extracted, and the CPU idle while hosts waited on
their delays. Here one :class:`~pipeline.acquire.frontier.Frontier` fetches every due feed and
every new page (each host politely, many hosts at once); each fetched feed is parsed in the
worker pool without blocking; its new entries go back into the same frontier; each fetched page
goes into the worker pool as it arrives; finished rows are staged whenever a batch is full, so
a crash loses at most one batch. The same loop serves ``newsflow run`` (polls and pages in one
go) and the Airflow shards (polls only, or pre-planned pages only).

Guarantees kept from the batch path: every URL ends in exactly one ``fetch_log`` row (a URL
another feed listed first is ``duplicate``; one the run could not reach is ``deferred`` with
``attempts = 0``), every due feed in exactly one ``feed_polls`` row.
"""

from __future__ import annotations

import concurrent.futures as cf
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipeline.acquire.feeds import ParsedFeed, _parse_task, _salvage_task
from pipeline.acquire.frontier import Frontier, FrontierResult, WorkItem
from pipeline.acquire.salvage import looks_like_feed
from pipeline.outcomes import PollOutcome, UrlOutcome
from pipeline.run.batch import BatchRows, Fetched, hints, record_pages
from pipeline.run.clock import Progress, now, quiet
from pipeline.run.page import analyze_page
from pipeline.run.plan import in_window
from pipeline.run.poll import PollResult, new_items, poll_row
from pipeline.run.pool import BoundedPool, task_outcome
from pipeline.run.progress import RunProgress
from pipeline.settings import FeedConfig, Settings
from pipeline.storage.schema import PollRow
from pipeline.storage.state import read_feed_state, read_seen

TICK = 0.25  # seconds between housekeeping passes while every host waits


@dataclass
class CrawlReport:
    """What one crawl did. ``items`` are the new page items it did not fetch itself
    (``fetch_new=False``: the Airflow poll shard hands them to ``plan``)."""

    polls: list[PollResult] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    items: list[dict[str, Any]] = field(default_factory=list)
    n_batches: int = 0
    n_articles: int = 0
    stopped: bool = False


@dataclass
class FeedBody:
    """A page whose HTML came inside its feed entry (``full_content`` feeds): no request made,
    but it goes through extraction and the ``fetch_log`` like a fetched page."""

    url: str
    content: bytes
    final_url: str | None = None
    outcome: str = UrlOutcome.OK
    status_code: int | None = None
    content_type: str = "text/html"
    duration_ms: int = 0
    attempts: int = 0
    n_bytes: int = 0
    error: str | None = None


@dataclass
class _Parse:
    feed: FeedConfig
    result: FrontierResult
    polled_at: datetime
    state: dict[str, Any]
    salvage: str | None = None  # set on the second (salvage) attempt: why the parse failed


class Crawl:
    """One streamed crawl; build, :meth:`poll` and/or :meth:`add_pages`, then :meth:`run`.

    ``fetch_new``: fetch the pages that polls find (the CLI) or return them in the report
    (the Airflow poll shard). ``seen``: URL hashes already finished (None: looked up per poll).
    ``batch_prefix`` names the staged batches (``{run_id}-{prefix}{n:04d}``).
    """

    def __init__(
        self,
        settings: Settings,
        run_id: str,
        *,
        pool: BoundedPool,
        stop: threading.Event | None = None,
        progress: RunProgress | None = None,
        log: Progress = quiet,
        batch_prefix: str = "b",
        fetch_new: bool = True,
        since: datetime | None = None,
        until: datetime | None = None,
        seen: set[str] | None = None,
    ) -> None:
        self.s = settings
        self.run_id = run_id
        self.pool = pool
        self.stop = stop or threading.Event()
        self.progress = progress
        self.log = log
        self.prefix = batch_prefix
        self.fetch_new = fetch_new
        self.window = (since, until)
        self.seen = seen
        self.feeds = {f.id: f for f in settings.feeds}
        self.report = CrawlReport()
        self._feed_items: list[WorkItem] = []
        self._page_items: list[dict[str, Any]] = []
        self._wire_ids: list[str] = []
        self._parses: dict[cf.Future[Any], _Parse] = {}
        self._extracts: dict[cf.Future[Any], tuple[dict[str, Any], Any, datetime]] = {}
        self._taken: dict[str, dict[str, Any]] = {}  # url hash -> the item fetching it
        self._claimed: set[str] = set()  # article ids recorded in this run
        self._rows = self._new_rows()
        self._queued = 0
        self._held: list[PollRow] = []  # poll rows waiting for their pages' rows to be staged
        self._max_extracts = 4 * self.pool.workers + settings.batch_size
        self._wire: list[cf.Future[PollResult]] = []
        self.frontier: Frontier | None = None

    # -- what to do

    def poll(self, feed_ids: Iterable[str]) -> None:
        """Poll these feeds in this crawl (wire feeds go to the wire poller)."""
        states = read_feed_state(self.s.state_dir)  # once: thousands of feeds, one file
        for fid in feed_ids:
            feed = self.s.feed(fid)
            if feed.is_wire:
                self._wire_ids.append(fid)
                continue
            state = states.get(fid) or {}
            if state.get("feed_url") != feed.url:
                state = {}  # the feed moved: its old validators and history mean nothing
            self._feed_items.append(
                WorkItem(
                    feed.url,
                    "feed",
                    payload=(fid, state),
                    etag=state.get("etag"),
                    last_modified=state.get("last_modified"),
                    extra_headers=dict(feed.headers) or None,
                )
            )

    def add_pages(self, items: Iterable[dict[str, Any]]) -> None:
        """Fetch these page items too (re-queued deferred pages, or a planned shard)."""
        self._page_items.extend(items)

    # -- the loop

    def run(self) -> CrawlReport:
        """Poll, fetch, extract and stage until every item has its row (or the run stops)."""
        self._gauge(feeds_due=len(self._feed_items) + len(self._wire_ids))
        wire = self._start_wire()
        with Frontier(self.s, stop=self.stop) as frontier:
            self.frontier = frontier
            frontier.submit(self._feed_items)
            self._queue_pages(self._page_items, known_new=False)
            while True:
                for res in frontier.results_with_ticks(TICK):
                    if res is not None:
                        self._on_result(res)
                    self._housekeeping(block=False)
                    # Extraction behind: stop taking pages (the frontier then pauses at its
                    # buffer limit), so memory is bounded by batch and buffer sizes.
                    while len(self._extracts) >= self._max_extracts and not self.stop.is_set():
                        self._housekeeping(block=True)
                if not self._parses and not self._extracts and not frontier.pending:
                    break
                if self.stop.is_set():
                    self._abandon_pending()
                    break
                self._housekeeping(block=True)
            self.frontier = None
        self._finish_wire(wire)
        self._flush(force=True)
        for i in range(0, len(self._held), self.s.batch_size):
            self._rows.polls.extend(self._held[i : i + self.s.batch_size])
            self._flush(force=True)
        self.report.stopped = self.stop.is_set()
        return self.report

    def _on_result(self, res: FrontierResult) -> None:
        if res.item.kind == "feed":
            self._on_feed(res)
        else:
            self._on_page(res)

    def _housekeeping(self, *, block: bool) -> None:
        """Collect finished parses and extractions; stage a full batch; refresh the gauges."""
        pending = list(self._parses) + list(self._extracts)
        if block and pending:
            cf.wait(pending, timeout=TICK, return_when=cf.FIRST_COMPLETED)
        for fut in [f for f in self._parses if f.done()]:
            self._on_parsed(fut, self._parses.pop(fut))
        done = [f for f in self._extracts if f.done()]
        if done:
            self._record([(self._extracts.pop(f), task_outcome(f)) for f in done])
        self._flush(force=False)
        if self.frontier is not None and self.progress is not None:
            st = self.frontier.stats()
            self.progress.update(
                hosts_waiting=st.hosts_waiting, hosts_open=st.hosts_open, in_flight=st.in_flight
            )

    # -- feeds

    def _on_feed(self, res: FrontierResult) -> None:
        fid, state = res.item.payload
        feed = self.feeds[fid]
        polled_at = res.started_at or now()
        fr = res.fetch
        if fr is None or not res.ok:
            self._poll_done(_Parse(feed, res, polled_at, state), res.outcome, res.error, None)
            return
        args = (
            fr.content or b"",
            fr.final_url or feed.url,
            self.s.max_items_per_feed,
            fr.content_type,
            feed.timezone,
            feed.country,
            True,
        )
        fut = self.pool.submit(_parse_task, args, timeout=self.s.feed_parse_timeout)
        self._parses[fut] = _Parse(feed, res, polled_at, state)

    def _on_parsed(self, fut: cf.Future[Any], job: _Parse) -> None:
        """A feed parse finished: salvage on failure, else record the poll and queue its pages."""
        out = task_outcome(fut)
        fr = job.result.fetch
        assert fr is not None
        if out.ok and isinstance(out.value, ParsedFeed):
            parsed: ParsedFeed = out.value
            if parsed.outcome == PollOutcome.PARSE_ERROR:
                self._poll_done(job, parsed.outcome, parsed.note, None)
            else:
                self._poll_done(job, parsed.outcome, parsed.note, parsed)
            return
        if job.salvage is not None:
            why = f"{job.salvage}; salvage failed too ({out.error})"
            self._poll_done(job, PollOutcome.PARSE_ERROR, why, None)
            return
        why = (
            f"feed parsing exceeded {self.s.feed_parse_timeout:g}s"
            if out.timed_out
            else f"feed parser failed: {out.error}"
        )
        content = fr.content or b""
        if not looks_like_feed(content):
            self._poll_done(job, PollOutcome.PARSE_ERROR, why, None)
            return
        kwargs = {"timezone": job.feed.timezone, "country": job.feed.country}
        args = (content, fr.final_url or job.feed.url, self.s.max_items_per_feed, why, kwargs)
        job.salvage = why
        self._parses[self.pool.submit(_salvage_task, args, self.s.feed_parse_timeout)] = job

    def _poll_done(
        self, job: _Parse, outcome: str, error: str | None, parsed: ParsedFeed | None
    ) -> None:
        """Stage the feed's poll row; queue (or hand back) its new entries."""
        feed, fr = job.feed, job.result.fetch
        items = new_items(self.s, feed, parsed, self.seen) if parsed is not None else []
        items = [i for i in items if in_window(i.get("published"), *self.window)]
        row = poll_row(self.s, feed, self.run_id, job.polled_at, job.state, fr, outcome, error,
                       parsed, items)  # fmt: skip
        full = [i for i in items if i.get("content")]
        pages = [i for i in items if not i.get("content")]
        if self.fetch_new and items:
            # Staged after the pages it listed: the row carries the feed's validators, and once
            # loaded the next poll is a 304 listing nothing, so a run killed between this poll
            # and those pages' rows would lose the pages for good.
            self._held.append(row)
        else:
            self._rows.polls.append(row)
            self._flush(force=False)
        status = getattr(fr, "status_code", None)
        kept = [] if self.fetch_new else [i for i in items if not i.get("content")]
        self.report.polls.append(
            PollResult(feed.id, outcome, status, row.n_entries, len(items), kept, error)
        )
        self._event("poll", outcome)
        self.log(_describe(feed.id, outcome, status, row.n_entries, len(items), error))
        self._queue_bodies(full)
        if self.fetch_new:
            self._queue_pages(pages, known_new=True)
        else:
            self.report.items.extend(pages)

    # -- pages

    def _claim(self, items: Iterable[dict[str, Any]], known_new: bool) -> list[dict[str, Any]]:
        """Items this run has not taken yet; a URL another feed took first is logged
        ``duplicate``; re-queued pages finished meanwhile are dropped."""
        items = list(items)
        if not known_new and items:
            seen = self.seen
            if seen is None:
                seen = read_seen(self.s.state_dir, among=[i["url_hash"] for i in items])
            items = [i for i in items if i["url_hash"] not in seen]
        fresh = []
        for item in items:
            first = self._taken.get(item["url_hash"])
            if first is None:
                self._taken[item["url_hash"]] = item
                fresh.append(item)
            elif first["feed_id"] != item["feed_id"] and not item.get("duplicate_of"):
                why = f"also listed by another feed as {first['canonical_url']}"
                self._rows.log(item, UrlOutcome.DUPLICATE, error=why)
                self._event("fetch", UrlOutcome.DUPLICATE)
                self._flush(force=False)
            elif item.get("duplicate_of"):
                self._rows.log(item, UrlOutcome.DUPLICATE,
                               error=f"also listed by another feed as {item['duplicate_of']}")  # fmt: skip
                self._event("fetch", UrlOutcome.DUPLICATE)
                self._flush(force=False)
        return fresh

    def _queue_pages(self, items: Iterable[dict[str, Any]], *, known_new: bool) -> None:
        fresh = self._claim(items, known_new)
        if not fresh:
            return
        assert self.frontier is not None
        self.frontier.submit(
            WorkItem(
                i["url"],
                "page",
                payload=i,
                extra_headers=dict(f.headers) if (f := self.feeds.get(i["feed_id"])) and
                f.headers else None,
            )
            for i in fresh
        )  # fmt: skip
        self._queued += len(fresh)
        self._gauge(pages_queued=self._queued)

    def _queue_bodies(self, items: list[dict[str, Any]]) -> None:
        """Entries of a ``full_content`` feed: extracted from the feed's HTML, not fetched."""
        for item in self._claim(items, known_new=True):
            html = _wrap(item.pop("content"), item.get("title"))
            body = FeedBody(item["url"], html, final_url=item["url"], n_bytes=len(html))
            self._queued += 1
            self._extract(item, body, now())
        self._gauge(pages_queued=self._queued)

    def _on_page(self, res: FrontierResult) -> None:
        item = res.item.payload
        self._event("fetch", res.outcome)
        if res.ok and res.fetch is not None:
            self._extract(item, res.fetch, res.started_at or now())
            return
        self._rows.log(item, res.outcome, res=res.fetch, started=res.started_at, error=res.error)
        self._flush(force=False)

    def _extract(self, item: dict[str, Any], fetched: Any, started: datetime) -> None:
        feed = self.feeds.get(item["feed_id"])
        args = (
            fetched.content,
            fetched.final_url or item["url"],
            hints(item, feed, fetched.encoding),
        )
        fut = self.pool.submit(analyze_page, args, timeout=self.s.extract_timeout)
        self._extracts[fut] = (item, fetched, started)

    def _record(self, finished: Sequence[tuple[Fetched, Any]]) -> None:
        """Rows for finished extractions (one ``fetch_log`` row each, articles when new), in
        chunks that fill the batch in hand exactly."""
        rest = list(finished)
        while rest:
            room = max(1, self.s.batch_size - len(self._rows))
            chunk, rest = rest[:room], rest[room:]
            before = len(self._rows.articles), len(self._rows.fetches)
            pages, outcomes = [f for f, _ in chunk], [o for _, o in chunk]
            record_pages(self._rows, self.feeds, pages, outcomes, self.seen, self.s, self._claimed)
            for row in self._rows.fetches[before[1] :]:
                self._event("extract", row.outcome)
            self.report.n_articles += len(self._rows.articles) - before[0]
            self._flush(force=False)

    def _abandon_pending(self) -> None:
        """On stop: give running parses and extractions a moment, then record the rest as
        ``deferred`` (retried next run) instead of waiting out their time limits."""
        grace = 3.0
        cf.wait(list(self._parses) + list(self._extracts), timeout=grace)
        self._housekeeping(block=False)
        for fut, job in list(self._parses.items()):
            fut.cancel()
            self._poll_done(job, PollOutcome.DEFERRED, "run stopped while the feed was parsed",
                            None)  # fmt: skip
        self._parses.clear()
        for fut, (item, _fetched, started) in list(self._extracts.items()):
            fut.cancel()
            why = "run stopped while the page was extracted"
            self._rows.log(item, UrlOutcome.DEFERRED, started=started, error=why)
            self._event("extract", UrlOutcome.DEFERRED)
            self._flush(force=False)
        self._extracts.clear()

    # -- staging

    def _new_rows(self) -> BatchRows:
        bid = f"{self.run_id}-{self.prefix}{self.report.n_batches:04d}"
        return BatchRows(self.run_id, bid)

    def _flush(self, *, force: bool) -> None:
        """Stage the rows in hand once they fill a batch (or at the end)."""
        rows = self._rows
        if len(rows) == 0 or (not force and len(rows) < self.s.batch_size):
            return
        rows.stage(self.s.staging_dir)
        outcomes = rows.outcomes()
        for outcome, n in outcomes.items():
            self.report.outcomes[outcome] += n
        if rows.fetches:  # the batch path's two lines, so logs read the same
            self.log(f"[fetch] {rows.batch_id}: {len(rows.fetches)} page(s) fetched")
            self.log(
                f"[extract] {rows.batch_id}: {len(rows.articles)} article(s); "
                + ", ".join(f"{k}={v}" for k, v in sorted(outcomes.items()))
            )
        self.report.n_batches += 1
        self._gauge(batches_staged=self.report.n_batches)
        self._rows = self._new_rows()

    # -- wire feeds (another engineer's poller; imported lazily)

    def _start_wire(self) -> cf.ThreadPoolExecutor | None:
        if not self._wire_ids:
            return None
        try:
            from pipeline.run.wire import poll_wire_feed  # type: ignore[import-not-found]
        except ImportError:  # the wire poller is merged separately; say so, never crash
            for fid in self._wire_ids:
                self.log(f"[poll] {fid}: skipped: wire feeds need pipeline.run.wire")
            return None
        ex = cf.ThreadPoolExecutor(max_workers=2, thread_name_prefix="wire")
        self._wire = [
            ex.submit(poll_wire_feed, self.s, fid, self.run_id, pool=self.pool, progress=self.log)
            for fid in self._wire_ids
        ]
        return ex

    def _finish_wire(self, ex: cf.ThreadPoolExecutor | None) -> None:
        if ex is None:
            return
        for fut in self._wire:
            res = fut.result()
            self.report.polls.append(res)
            self._event("poll", res.outcome)
        ex.shutdown()

    # -- progress

    def _gauge(self, **counts: int) -> None:
        if self.progress is not None:
            self.progress.update(**counts)

    def _event(self, stage: str, outcome: str) -> None:
        if self.progress is not None:
            self.progress.event(stage, str(outcome))


def _wrap(content: str, title: str | None) -> bytes:
    """An entry's HTML fragment as a page extraction can read."""
    from html import escape

    head = f"<title>{escape(title)}</title>" if title else ""
    return f"<html><head>{head}</head><body><article>{content}</article></body></html>".encode()


def _describe(
    fid: str, outcome: str, status: int | None, n_entries: int, n_new: int, error: str | None
) -> str:
    detail = f": {error}" if error and outcome != "ok" else ""
    code = f" (HTTP {status})" if status else ""
    return f"[poll] {fid}: {outcome}{code}, {n_entries} entries, {n_new} new{detail}"
