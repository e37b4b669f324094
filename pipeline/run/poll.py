"""Poll: fetch one feed (conditionally), parse it in a bounded worker, stage its ``feed_polls``
row, and return the entries the pipeline has not seen as work items.

A work item is a plain dict (JSON-safe, fit for XCom): feed id, link as given, canonical URL and
its hash, and the feed's title/date/author hints for extraction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pipeline.acquire.feeds import ParsedFeed, parse_feed_bounded
from pipeline.acquire.schedule import (
    FeedHints,
    PollBounds,
    PollRecord,
    Schedule,
    due_feeds,
    next_poll,
    parse_cache_control,
    parse_expires,
    publisher_interval,
)
from pipeline.acquire.urls import canonicalize_url, url_hash
from pipeline.outcomes import PollOutcome
from pipeline.run.clock import now
from pipeline.run.pool import BoundedPool
from pipeline.settings import FeedConfig, Settings
from pipeline.storage.schema import PollRow
from pipeline.storage.staging import write_batch
from pipeline.storage.state import read_feed_state, read_seen


@dataclass
class PollResult:
    feed_id: str
    outcome: str
    status_code: int | None
    n_entries: int
    n_new: int
    items: list[dict[str, Any]]
    error: str | None = None
    row: PollRow | None = None  # the feed_polls row, for a caller that stages it itself


def poll_feed(
    settings: Settings,
    feed_id: str,
    run_id: str,
    *,
    pool: BoundedPool | None = None,
    seen: set[str] | None = None,
    stage: bool = True,
) -> PollResult:
    """Fetch and parse one feed; stage its ``feed_polls`` row (unless ``stage`` is false: then
    the caller stages ``PollResult.row`` once the items are staged); return its new work items."""
    from pipeline.acquire.fetch import Fetcher

    feed = settings.feed(feed_id)
    state = feed_state_of(settings, feed)
    polled_at = now()
    with Fetcher(settings) as fetcher:
        fr = fetcher.fetch(
            feed.url,
            kind="feed",
            etag=state.get("etag"),
            last_modified=state.get("last_modified"),
            extra_headers=dict(feed.headers) or None,
        )
    outcome, error, parsed = _parse_response(settings, fr, feed, pool)
    items = new_items(settings, feed, parsed, seen) if parsed is not None else []
    row = poll_row(settings, feed, run_id, polled_at, state, fr, outcome, error, parsed, items)
    if stage:
        write_batch(settings.staging_dir, f"{run_id}-poll-{feed.id}", run_id, {"feed_polls": [row]})
    return PollResult(
        feed.id, outcome, fr.status_code, row.n_entries, len(items), items, error, row
    )


def feed_state_of(settings: Settings, feed: FeedConfig) -> dict[str, Any]:
    """The exported state of one feed (validators, poll history), empty if it moved."""
    state = read_feed_state(settings.state_dir).get(feed.id) or {}
    return state if state.get("feed_url") == feed.url else {}


def bounds_for(settings: Settings, feed: FeedConfig) -> PollBounds:
    """Adaptive polling bounds: the settings' range, narrowed or widened per feed."""
    base = PollBounds(
        min_interval=settings.min_poll_interval, max_interval=settings.max_poll_interval
    )
    return base.for_feed(feed.min_interval, feed.max_interval)


def history_of(state: dict[str, Any]) -> list[PollRecord]:
    """The feed's recent polls from its exported state (malformed entries are skipped)."""
    out = []
    for rec in state.get("history") or ():
        try:
            at = datetime.fromisoformat(rec[0]).replace(tzinfo=UTC)
            out.append(PollRecord(at, str(rec[1]), int(rec[2])))
        except (TypeError, ValueError, IndexError):
            continue
    return out


def schedule_of(
    settings: Settings, feed: FeedConfig, state: dict[str, Any], at: datetime
) -> Schedule:
    """When the feed is next due, from its exported history (as of the last load)."""
    interval = state.get("publisher_interval_s")
    hints = FeedHints(max_age=float(interval)) if interval else None
    return next_poll(history_of(state), at, bounds_for(settings, feed), hints)


def due_feed_ids(
    settings: Settings,
    feed_ids: Sequence[str],
    *,
    poll_all: bool = False,
    at: datetime | None = None,
) -> list[str]:
    """The feeds to poll in this run (every one with ``poll_all``), most overdue first; drop
    folders are always due."""
    states = read_feed_state(settings.state_dir)
    at = at or now()
    schedules = {}
    for fid in feed_ids:
        feed = settings.feed(fid)
        state = states.get(fid) or {}
        if state.get("feed_url") != feed.url:
            state = {}
        schedules[fid] = schedule_of(settings, feed, state, at)
    due = due_feeds(schedules, at, poll_all=poll_all)
    # A drop folder is a local directory listing, no one's server: every run looks at it.
    folders = [f for f in feed_ids if f not in due and settings.feed(f).is_drop_folder]
    return due + folders


def _publisher_interval(
    fr: Any, parsed: ParsedFeed | None, state: dict[str, Any], at: datetime
) -> float | None:
    """Seconds the publisher says the feed stays fresh (headers, <ttl>, sy:), this poll's or,
    for a 304 (no body), the last known one."""
    cc = getattr(fr, "cache_control", None)
    hints = FeedHints(
        max_age=parse_cache_control(cc),
        expires=None,
        ttl_minutes=parsed.ttl_minutes if parsed else None,
        update_period=parsed.update_period if parsed else None,
        update_frequency=parsed.update_frequency if parsed else None,
    )
    found = publisher_interval(hints, at)
    expires = parse_expires(getattr(fr, "expires", None), at)
    seconds = max([x for x in (found[0] if found else None, expires) if x], default=None)
    if seconds is None and parsed is None:
        return state.get("publisher_interval_s")
    return seconds


def poll_row(
    settings: Settings,
    feed: FeedConfig,
    run_id: str,
    polled_at: datetime,
    state: dict[str, Any],
    fr: Any,
    outcome: str,
    error: str | None,
    parsed: ParsedFeed | None,
    items: Sequence[dict[str, Any]],
) -> PollRow:
    """The ``feed_polls`` row of one poll, with the feed's next due time after it.

    ``fr`` is the FetchResult, or None when no request was made (a ``deferred`` poll)."""
    etag, last_modified = getattr(fr, "etag", None), getattr(fr, "last_modified", None)
    if outcome in (PollOutcome.NOT_MODIFIED, PollOutcome.DEFERRED):
        etag = etag or state.get("etag")
        last_modified = last_modified or state.get("last_modified")
    interval = _publisher_interval(fr, parsed, state, polled_at)
    records = [*history_of(state), PollRecord(polled_at, outcome, len(items))]
    hints = FeedHints(max_age=interval) if interval else None
    sched = next_poll(records, polled_at, bounds_for(settings, feed), hints)
    return PollRow(
        poll_id=f"{run_id}-{feed.id}",
        run_id=run_id,
        feed_id=feed.id,
        feed_url=feed.url,
        polled_at=polled_at,
        outcome=outcome,
        status_code=getattr(fr, "status_code", None),
        duration_ms=int((now() - polled_at).total_seconds() * 1000),
        n_entries=parsed.n_entries if parsed is not None else 0,
        n_new=len(items),
        etag=etag,
        last_modified=last_modified,
        feed_format=parsed.format if parsed else None,
        error=error,
        n_dropped=parsed.n_dropped if parsed is not None else None,
        next_due_at=sched.next_due,
        feed_state=sched.state.value,
        schedule_note=sched.reason[:500],
        publisher_interval_s=interval,
    )


def _parse_response(
    settings: Settings, fr: Any, feed: FeedConfig, pool: BoundedPool | None
) -> tuple[str, str | None, ParsedFeed | None]:
    """(poll outcome, error, parsed feed or None) for one fetch result. A feed that did not
    parse whole but gave some entries is ``partial``, and its entries are kept."""
    if fr.outcome != PollOutcome.OK:
        return fr.outcome, fr.error, None
    parsed = parse_feed_bounded(
        fr.content or b"",
        fr.final_url or feed.url,
        timeout=settings.feed_parse_timeout,
        pool=pool,
        max_items=settings.max_items_per_feed,
        content_type=fr.content_type,
        timezone=feed.timezone,
        country=feed.country,
    )
    if parsed.outcome == PollOutcome.PARSE_ERROR:
        return parsed.outcome, parsed.note, None
    return parsed.outcome, parsed.note, parsed


def new_items(
    settings: Settings, feed: FeedConfig, parsed: ParsedFeed, seen: set[str] | None
) -> list[dict[str, Any]]:
    """Entries with a usable link that the pipeline has not finished with, once each."""
    canonicals: list[tuple[Any, str, str]] = []
    for entry in parsed.entries:
        try:
            canonical = canonicalize_url(entry.link)
        except ValueError:
            continue
        canonicals.append((entry, canonical, url_hash(canonical)))
    if seen is None:
        seen = read_seen(settings.state_dir, among=[h for _, _, h in canonicals])
    items: list[dict[str, Any]] = []
    taken: set[str] = set()
    for entry, canonical, h in canonicals:
        if h in seen or h in taken:
            continue
        taken.add(h)
        items.append(
            {
                "feed_id": feed.id,
                "url": entry.link,
                "canonical_url": canonical,
                "url_hash": h,
                "title": entry.title,
                "published": entry.published,
                "author": entry.author,
                "published_offset_minutes": entry.published_offset_minutes,
                "date_flags": entry.date_flags,
                **({"content": entry.content} if feed.full_content and entry.content else {}),
            }
        )
    return items
