"""Parse RSS/Atom bytes into feed entries.

feedparser is handed bytes we fetched ourselves (never a URL or a path: it would fetch or read
with no timeout or size limit) and runs inside a BoundedPool worker, because its entity expansion
and author regex can go quadratic on hostile input. This module is pure: bytes in, entries out.
"""

from __future__ import annotations

import calendar
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

# Fields longer than this are truncated: they are metadata, and feedparser's author regex and our
# storage should never see megabytes of it.
_MAX_FIELD = 2_000


@dataclass
class FeedEntry:
    """One item of a feed, reduced to what the pipeline uses."""

    link: str
    title: str | None = None
    published: str | None = None  # ISO-8601 UTC, or None when the feed gave no usable date
    author: str | None = None
    guid: str | None = None
    summary: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return asdict(self)


@dataclass
class ParsedFeed:
    format: str | None  # e.g. "rss20", "atom10"
    title: str | None
    entries: list[FeedEntry] = field(default_factory=list)
    error: str | None = None  # set when the document is not a usable feed
    warning: str | None = None  # feedparser's bozo note when entries were still recovered
    n_skipped: int = 0  # entries without a usable http(s) link


def _clip(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value[:_MAX_FIELD] or None


def _entry_date(entry: dict) -> str | None:
    """feedparser normalises dates to UTC struct_time; prefer published over updated."""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        st = entry.get(key)
        if st:
            try:
                ts = calendar.timegm(st)
                return datetime.fromtimestamp(ts, tz=UTC).isoformat()
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def _entry_link(entry: dict) -> str | None:
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
    return link if link.startswith(("http://", "https://")) else None


def parse_feed(
    content: bytes, feed_url: str, max_items: int = 200, content_type: str | None = None
) -> ParsedFeed:
    """Parse feed bytes. Never raises for bad input: problems come back in ``error``.

    ``content_type`` is the response's header: feedparser uses its charset, and without it flags
    every feed as malformed ("no Content-type specified").
    """
    import feedparser

    if not content or not content.strip():
        return ParsedFeed(format=None, title=None, error="empty response body")
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
    raw_entries = parsed.get("entries") or []
    if not version and not raw_entries:
        reason = f"{type(bozo).__name__}: {bozo}" if bozo else "no RSS/Atom root element"
        return ParsedFeed(format=None, title=None, error=f"not a feed ({reason})"[:500])
    out = ParsedFeed(
        format=version,
        title=_clip(parsed.get("feed", {}).get("title")),
        warning=f"{type(bozo).__name__}: {bozo}"[:500] if bozo else None,
    )
    from urllib.parse import urljoin

    for entry in raw_entries[:max_items]:
        link = _entry_link(entry)
        if link is None and isinstance(entry.get("link"), str):
            # relative links are common in hand-made feeds: resolve against the feed URL
            joined = urljoin(feed_url, entry["link"].strip())
            link = joined if joined.startswith(("http://", "https://")) else None
        if link is None:
            out.n_skipped += 1
            continue
        out.entries.append(
            FeedEntry(
                link=link[:_MAX_FIELD],
                title=_clip(entry.get("title")),
                published=_entry_date(entry),
                author=_clip(entry.get("author")),
                guid=_clip(entry.get("id")),
                summary=_clip(entry.get("summary")),
            )
        )
    out.n_skipped += max(0, len(raw_entries) - max_items)
    return out
