"""Typed rows for tests: one factory per staged table, every field filled, overrides by keyword.

Tests build rows here instead of spelling dict literals, so a column added to a record in
``pipeline.storage.schema`` is added here once (a factory that misses it fails at construction).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pipeline.storage.schema import ArticleRow, FetchRow, PlaceRow, PollRow
from pipeline.stories.fingerprints import content_hash, fingerprint

T0 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def article(
    aid: str,
    body: str,
    *,
    outlet: str = "a.example",
    hours: float = 0,
    staged_fp: bool = True,
    **overrides: Any,
) -> ArticleRow:
    """An article published ``hours`` after T0 and fetched five minutes later."""
    url = overrides.pop("url", None) or f"https://{outlet}/{aid}"
    fields: dict[str, Any] = {
        "article_id": aid,
        "url": url,
        "feed_id": "f1",
        "outlet": outlet,
        "publisher_country": None,
        "title": f"Title of {aid}",
        "title_source": "og:title",
        "body": body,
        "word_count": len(body.split()),
        "published_at": T0 + timedelta(hours=hours),
        "date_source": "page",
        "fetched_at": T0 + timedelta(hours=hours, minutes=5),
        "agency": None,
        "agency_evidence": None,
        "byline": None,
        "content_hash": content_hash(body),
        "language": "en",
        "feed_entry_url": url,
        "extractor": "test",
        "extractor_version": "test",
        "run_id": "r",
        "batch_id": "b",
        "fingerprint_version": None,
        "fp_shingles": None,
        "fp_lede": None,
        "fp_band_keys": None,
        "section": None,
        "date_flags": None,
        "published_offset_minutes": None,
        "tagger_version": None,
        "item_uri": None,
        "item_version": None,
        "firstcreated": None,
        "versioncreated": None,
        "urgency": None,
        "is_correction": None,
        "withdrawn_at": None,
        "embargoed_until": None,
    }
    if staged_fp:
        fields |= fingerprint(body).to_columns()
    return ArticleRow(**(fields | overrides))


def fetch(aid: str, **overrides: Any) -> FetchRow:
    outcome = overrides.get("outcome", "ok")
    url = overrides.pop("url", None) or f"https://a.example/{aid}"
    fields: dict[str, Any] = {
        "fetch_id": f"fx-{aid}-{outcome}-{url}",
        "run_id": "r1",
        "batch_id": "b",
        "feed_id": "f1",
        "url": url,
        "url_hash": f"h{aid}{url}",
        "final_url": None,
        "article_id": aid if outcome == "ok" else None,
        "attempted_at": T0,
        "outcome": outcome,
        "status_code": 200,
        "duration_ms": 12,
        "n_bytes": 100,
        "attempts": 1,
        "error": None,
    }
    return FetchRow(**(fields | overrides))


def poll(pid: str, **overrides: Any) -> PollRow:
    fields: dict[str, Any] = {
        "poll_id": pid,
        "run_id": "r1",
        "feed_id": "f1",
        "feed_url": "https://a.example/feed",
        "polled_at": T0,
        "outcome": "ok",
        "status_code": 200,
        "duration_ms": 5,
        "n_entries": 2,
        "n_new": 2,
        "etag": '"v1"',
        "last_modified": None,
        "feed_format": "rss20",
        "error": None,
        "n_dropped": None,
        "next_due_at": None,
        "feed_state": None,
        "schedule_note": None,
        "publisher_interval_s": None,
    }
    return PollRow(**(fields | overrides))


def place(aid: str, country: str, **overrides: Any) -> PlaceRow:
    fields: dict[str, Any] = {
        "article_id": aid,
        "country_code": country,
        "admin1_code": None,
        "place_name": country,
        "canonical_name": country,
        "geonameid": None,
        "mention_count": 2,
        "confidence": 0.9,
        "is_primary": True,
        "place_kind": "country",
        "match_type": "exact",
        "how": None,
    }
    return PlaceRow(**(fields | overrides))
