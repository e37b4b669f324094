"""Parse RSS/Atom bytes into feed entries: total, bounded, and honest about what was lost.

feedparser is handed bytes we fetched ourselves (never a URL or a path: it would fetch or read
with no timeout or size limit), after :func:`~pipeline.acquire.neutralise.neutralise` has cut the
fields its regexes choke on. The parse runs in a :class:`~pipeline.run.pool.BoundedPool` worker
with a time limit (:func:`parse_feed_bounded`); when feedparser still fails, times out or reads
fewer entries than the document holds, the entries are salvaged one by one
(:mod:`pipeline.acquire.salvage`) and the poll is ``partial`` with the reason.

Nothing is dropped silently: :class:`ParsedFeed` counts the document's entries (``n_entries``),
those without a usable link (``n_skipped``) and those cut by ``max_items`` (``n_dropped``; the
oldest go). Dates are re-read from their raw strings (:mod:`pipeline.acquire.feed_dates`).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any
from urllib.parse import urljoin

from pipeline.acquire.feed_dates import FeedDate, resolve_feed_dates
from pipeline.acquire.neutralise import neutralise
from pipeline.acquire.salvage import count_entries, looks_like_feed, salvage_entries
from pipeline.outcomes import PollOutcome
from pipeline.run.pool import BoundedPool

__all__ = [
    "DEFAULT_MAX_ITEMS",
    "FeedEntry",
    "ParsedFeed",
    "keep_newest",
    "parse_feed",
    "parse_feed_bounded",
    "parse_feed_task",
    "salvage_feed",
    "salvage_feed_task",
]

# Fields longer than this are truncated: they are metadata, and storage should never see
# megabytes of it.
_MAX_FIELD = 2_000
DEFAULT_MAX_ITEMS = 1000
_HTML_ROOT = re.compile(
    rb"^(?:\s|<\?[^>]*\?>|<!--.*?-->)*<(?:!doctype\s+html|html)[\s>]", re.I | re.S
)
_CHANNEL_TITLE = re.compile(rb"<title[^<>]{0,200}>(?:<!\[CDATA\[)?([^<]{0,500})", re.I)


@dataclass
class FeedEntry:
    """One item of a feed, reduced to what the pipeline uses."""

    link: str
    title: str | None = None
    published: str | None = None  # ISO-8601 UTC, or None when the feed gave no usable date
    author: str | None = None
    guid: str | None = None
    summary: str | None = None
    published_offset_minutes: int | None = None  # the publisher's UTC offset, when written
    date_flags: str | None = None  # comma-separated feed_date_* doubts, see feed_dates
    content: str | None = None  # full text (content:encoded / Atom content), for full_content

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ParsedFeed:
    """A parsed feed. ``entries`` are the kept ones, in feed order.

    ``n_entries`` counts every entry in the document; ``n_entries == len(entries) + n_skipped +
    n_dropped`` whenever the parse read the whole document. ``partial`` says why only some
    entries could be read (the poll is then ``partial``).
    """

    format: str | None  # e.g. "rss20", "atom10", "salvaged"
    title: str | None
    entries: list[FeedEntry] = field(default_factory=list)
    error: str | None = None  # set when the document is not a usable feed
    warning: str | None = None  # what was repaired or ignored while still reading every entry
    n_skipped: int = 0  # entries without a usable http(s) link
    n_entries: int = 0  # entries in the document
    n_dropped: int = 0  # entries cut by max_items (the oldest)
    partial: str | None = None  # why some entries could not be read
    # The publisher's polling hints (adaptive polling): RSS <ttl> minutes, sy:updatePeriod/Frequency
    ttl_minutes: int | None = None
    update_period: str | None = None
    update_frequency: int | None = None

    @property
    def outcome(self) -> PollOutcome:
        """The poll outcome this parse stands for."""
        if self.error:
            return PollOutcome.PARSE_ERROR
        return PollOutcome.PARTIAL if self.partial else PollOutcome.OK

    @property
    def note(self) -> str | None:
        """One line for the poll's ``error`` column: the error, the partial reason or the
        repairs, with the count cut by ``max_items``."""
        parts = [p for p in (self.error or self.partial, self.warning) if p]
        if self.n_dropped:
            parts.append(f"{self.n_dropped} older entries over max_items_per_feed not taken")
        return "; ".join(parts)[:1000] or None


# --------------------------------------------------------------------------- entry points


def parse_feed(
    content: bytes,
    feed_url: str,
    max_items: int = DEFAULT_MAX_ITEMS,
    content_type: str | None = None,
    *,
    timezone: str | None = None,
    country: str | None = None,
    neutralise_fields: bool = True,
) -> ParsedFeed:
    """Parse feed bytes with feedparser, salvaging entry by entry when it reads too few.

    Never raises for bad input: problems come back in ``error``/``partial``. ``content_type`` is
    the response's header (feedparser uses its charset). ``timezone``/``country`` are the feed's
    (FeedConfig) and resolve dates written without an offset. Run it through
    :func:`parse_feed_bounded`: feedparser has no time limit of its own.
    """
    import feedparser

    rejected = _reject(content)
    if rejected:
        return rejected
    original = content
    notes: list[str] = []
    if neutralise_fields:
        content, notes = neutralise(content)
    parsed = feedparser.parse(
        content,
        response_headers={
            "content-location": feed_url,
            "content-type": content_type or "application/xml",
        },
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    version = parsed.get("version") or None
    bozo = parsed.get("bozo_exception")
    raw_entries = list(parsed.get("entries") or [])
    bozo_note = f"{type(bozo).__name__}: {bozo}"[:300] if bozo else None
    if not version and not raw_entries and not count_entries(content):
        reason = bozo_note or "no RSS/Atom root element"
        return ParsedFeed(format=None, title=None, error=f"not a feed ({reason})"[:500])
    if bozo_note:
        notes.append(f"recovered from malformed feed: {bozo_note}")
    out = ParsedFeed(
        format=version,
        title=_clip(parsed.get("feed", {}).get("title")),
        warning="; ".join(notes) or None,
        partial=_truncation(content) if bozo else None,
        **_poll_hints(parsed.get("feed", {})),
    )
    out = _finish(out, raw_entries, feed_url, max_items, timezone, country)
    in_document = count_entries(content) if bozo else 0
    if len(raw_entries) >= in_document:
        return out
    # feedparser stopped early: read entry by entry and keep whichever read more
    why = f"feedparser read {len(raw_entries)} of {in_document} entries ({bozo_note})"
    salvaged = salvage_feed(
        original, feed_url, max_items, timezone=timezone, country=country, reason=why
    )
    if len(salvaged.entries) < len(out.entries):  # a salvage error has no entries
        out.partial = why
        out.n_entries = max(out.n_entries, in_document)
        return out
    return salvaged


def salvage_feed(
    content: bytes,
    feed_url: str,
    max_items: int = DEFAULT_MAX_ITEMS,
    *,
    timezone: str | None = None,
    country: str | None = None,
    reason: str = "the feed did not parse whole",
) -> ParsedFeed:
    """The entries lxml can read one at a time; ``partial`` carries ``reason`` and the count."""
    rejected = _reject(content)
    if rejected:
        return rejected
    content, notes = neutralise(content)
    total = count_entries(content)
    raw_entries = salvage_entries(content)
    if not raw_entries:
        return ParsedFeed(
            format=None, title=None, error=f"{reason}; no entry could be salvaged"[:500]
        )
    title = _CHANNEL_TITLE.search(content[:65536])
    out = ParsedFeed(
        format="salvaged",
        title=_clip(title.group(1).decode("utf-8", "replace")) if title else None,
        warning="; ".join(notes) or None,
        partial=f"{reason}; salvaged {len(raw_entries)} of {total} entries"[:500],
    )
    out = _finish(out, raw_entries, feed_url, max_items, timezone, country)
    out.n_entries = max(out.n_entries, total)
    return out


def parse_feed_bounded(
    content: bytes,
    feed_url: str,
    *,
    timeout: float,
    pool: BoundedPool | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
    content_type: str | None = None,
    timezone: str | None = None,
    country: str | None = None,
    neutralise_fields: bool = True,
) -> ParsedFeed:
    """:func:`parse_feed` in a worker process with a wall-clock limit, and a salvage (with the
    same limit) when it overruns or its worker dies. Always returns a ParsedFeed: check
    ``.outcome`` (ok / partial / parse_error) and ``.note``. Give ``pool`` to reuse workers.
    """
    if pool is None:
        with BoundedPool(1) as own:
            return parse_feed_bounded(
                content,
                feed_url,
                timeout=timeout,
                pool=own,
                max_items=max_items,
                content_type=content_type,
                timezone=timezone,
                country=country,
                neutralise_fields=neutralise_fields,
            )
    kwargs = {"timezone": timezone, "country": country}
    args = (content, feed_url, max_items, content_type, timezone, country, neutralise_fields)
    (res,) = pool.map(parse_feed_task, [args], timeout=timeout)
    if res.ok and isinstance(res.value, ParsedFeed):
        return res.value
    why = (
        f"feed parsing exceeded {timeout:g}s"
        if res.timed_out
        else f"feed parser failed: {res.error}"
    )
    if not looks_like_feed(content):
        return ParsedFeed(format=None, title=None, error=why)
    (salvaged,) = pool.map(
        salvage_feed_task, [(content, feed_url, max_items, why, kwargs)], timeout=timeout
    )
    if salvaged.ok and isinstance(salvaged.value, ParsedFeed):
        return salvaged.value
    return ParsedFeed(
        format=None, title=None, error=f"{why}; salvage failed too ({salvaged.error})"
    )


def parse_feed_task(
    content: bytes,
    feed_url: str,
    max_items: int,
    content_type: str | None,
    timezone: str | None,
    country: str | None,
    neutralise_fields: bool,
) -> ParsedFeed:
    """:func:`parse_feed` with positional arguments only: what a worker pool submits (a
    top-level function, so it pickles) when the caller bounds the parse itself."""
    return parse_feed(
        content,
        feed_url,
        max_items,
        content_type,
        timezone=timezone,
        country=country,
        neutralise_fields=neutralise_fields,
    )


def salvage_feed_task(
    content: bytes, feed_url: str, max_items: int, reason: str, kwargs: dict[str, Any]
) -> ParsedFeed:
    """:func:`salvage_feed` with positional arguments (``kwargs``: timezone, country): the
    pool's callable for the second attempt after a parse overran or its worker died."""
    return salvage_feed(content, feed_url, max_items, reason=reason, **kwargs)


# --------------------------------------------------------------------------- shared steps


def _reject(content: bytes) -> ParsedFeed | None:
    """A fast, specific error for bodies that are not feeds at all."""
    if not content or not content.strip():
        return ParsedFeed(format=None, title=None, error="empty response body")
    if _HTML_ROOT.match(content[:4096]):
        return ParsedFeed(
            format=None, title=None, error="not a feed: the body is an HTML page (<html> root)"
        )
    return None


def _truncation(content: bytes) -> str | None:
    """Why a malformed document looks cut short: its root element is never closed."""
    tail = content[-256:].rstrip()
    if re.search(rb"</(?:[\w.-]+:)?(?:rss|feed|RDF)>(?:\s|<!--.*?-->)*$", tail, re.S):
        return None
    return "the document ends before its root element closes (truncated)"


def _finish(
    out: ParsedFeed,
    raw_entries: Sequence[dict[str, Any]],
    feed_url: str,
    max_items: int,
    timezone: str | None,
    country: str | None,
) -> ParsedFeed:
    """Links resolved, dates re-read for the whole feed, newest ``max_items`` kept."""
    linked: list[tuple[dict[str, Any], str]] = []
    for entry in raw_entries:
        link = _entry_link(entry, feed_url)
        if link is None:
            out.n_skipped += 1
        else:
            linked.append((entry, link))
    raws, fallbacks = zip(*(_raw_date(e) for e, _ in linked), strict=True) if linked else ((), ())
    dates = resolve_feed_dates(raws, fallbacks, timezone_name=timezone, country=country)
    keep = keep_newest(dates, max_items)
    for i in keep:
        entry, link = linked[i]
        out.entries.append(_entry(entry, link, dates[i]))
    out.n_entries = len(raw_entries)
    out.n_dropped = len(linked) - len(keep)
    return out


def keep_newest(dates: Sequence[FeedDate], limit: int) -> list[int]:
    """Indices (in feed order) of the ``limit`` newest entries: by date when every date is
    trusted, else by the feed's own order (newest-first unless its dated entries ascend)."""
    n = len(dates)
    if n <= limit:
        return list(range(n))
    if all(d.trusted for d in dates):
        ranked = sorted(range(n), key=lambda i: (dates[i].published or "", -i), reverse=True)
        return sorted(ranked[:limit])
    dated = [d.published for d in dates if d.trusted and d.published]
    rising = sum(a < b for a, b in pairwise(dated))
    falling = sum(a > b for a, b in pairwise(dated))
    return list(range(n - limit, n)) if rising > falling else list(range(limit))


def _entry(entry: dict[str, Any], link: str, when: FeedDate) -> FeedEntry:
    return FeedEntry(
        link=link[:_MAX_FIELD],
        title=_clip(entry.get("title")),
        published=when.published,
        author=_clip(entry.get("author")),
        guid=_clip(entry.get("id")),
        summary=_clip(entry.get("summary")),
        published_offset_minutes=when.offset_minutes,
        date_flags=when.date_flags,
        content=_full_text(entry),
    )


# The full text of an entry is the article body (full_content feeds): kept whole up to this.
_MAX_CONTENT = 2_000_000


def _full_text(entry: dict[str, Any]) -> str | None:
    """The entry's longest HTML/text ``content`` (RSS content:encoded, Atom content), if any."""
    values = [
        c.get("value") for c in entry.get("content") or () if isinstance(c, dict) and c.get("value")
    ]
    if not values:
        return None
    return str(max(values, key=len))[:_MAX_CONTENT]


def _poll_hints(feed: dict[str, Any]) -> dict[str, Any]:
    """RSS ``<ttl>`` and ``sy:updatePeriod``/``sy:updateFrequency`` (nonsense is ignored)."""

    def number(value: object) -> int | None:
        try:
            n = int(str(value).strip())
        except (TypeError, ValueError):
            return None
        return n if 0 < n < 10**7 else None

    period = str(feed.get("sy_updateperiod") or "").strip().lower() or None
    return {
        "ttl_minutes": number(feed.get("ttl")),
        "update_period": period if period and len(period) <= 20 else None,
        "update_frequency": number(feed.get("sy_updatefrequency")),
    }


def _clip(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value[:_MAX_FIELD] or None


def _raw_date(entry: dict[str, Any]) -> tuple[str | None, datetime | None]:
    """The entry's date as written (published, else updated, else created) and feedparser's
    UTC reading of that same field, if any."""
    for key in ("published", "updated", "created"):
        raw = entry.get(key)
        if isinstance(raw, str) and raw.strip():
            return raw, _struct_to_utc(entry.get(f"{key}_parsed"))
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        if entry.get(key):
            return None, _struct_to_utc(entry.get(key))
    return None, None


def _struct_to_utc(st: Any) -> datetime | None:
    if not st:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(st), tz=UTC)
    except (OverflowError, ValueError, TypeError):
        return None


def _entry_link(entry: dict[str, Any], feed_url: str) -> str | None:
    link = entry.get("link")
    if not link:
        for candidate in entry.get("links") or []:
            if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                link = candidate["href"]
                break
    if not link:
        guid = entry.get("id")
        if isinstance(guid, str) and guid.startswith(("http://", "https://")):
            link = guid
    if not isinstance(link, str):
        return None
    link = link.strip()
    if not link.startswith(("http://", "https://")):
        # relative links are common in hand-made feeds: resolve against the feed URL
        link = urljoin(feed_url, link) if link else ""
    return link if link.startswith(("http://", "https://")) else None
