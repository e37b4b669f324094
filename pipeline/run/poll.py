"""Poll: fetch one feed (conditionally), parse it in a bounded worker, stage its ``feed_polls``
row, and return the entries the pipeline has not seen as work items.

A work item is a plain dict (JSON-safe, fit for XCom): feed id, link as given, canonical URL and
its hash, and the feed's title/date/author hints for extraction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.acquire.feeds import ParsedFeed, parse_feed_bounded
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
    state = read_feed_state(settings.state_dir).get(feed.id) or {}
    if state.get("feed_url") != feed.url:
        state = {}  # the feed moved: its old validators mean nothing
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
    etag, last_modified = fr.etag, fr.last_modified
    if outcome == PollOutcome.NOT_MODIFIED:
        etag = etag or state.get("etag")
        last_modified = last_modified or state.get("last_modified")
    items = _new_items(settings, feed, parsed, seen) if parsed is not None else []
    n_entries = parsed.n_entries if parsed is not None else 0
    row = PollRow(
        poll_id=f"{run_id}-{feed.id}",
        run_id=run_id,
        feed_id=feed.id,
        feed_url=feed.url,
        polled_at=polled_at,
        outcome=outcome,
        status_code=fr.status_code,
        duration_ms=int((now() - polled_at).total_seconds() * 1000),
        n_entries=n_entries,
        n_new=len(items),
        etag=etag,
        last_modified=last_modified,
        feed_format=parsed.format if parsed else None,
        error=error,
        n_dropped=parsed.n_dropped if parsed is not None else None,
        next_due_at=None,
        feed_state=None,
        schedule_note=None,
        publisher_interval_s=None,
    )
    if stage:
        write_batch(settings.staging_dir, f"{run_id}-poll-{feed.id}", run_id, {"feed_polls": [row]})
    return PollResult(feed.id, outcome, fr.status_code, n_entries, len(items), items, error, row)


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


def _new_items(
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
            }
        )
    return items
