"""Everything that happens to one fetched page, as one picklable function for a worker process.

``analyze_page`` is what runs under the wall-clock limit of ``pipeline.run.pool.BoundedPool``:
extraction (trafilatura, metadata, boilerplate, agency) and place tagging. It is also what
``newsflow extract`` and re-extraction call, so debugging a page uses the ingestion code path.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from pipeline.storage.schema import PlaceRow


def analyze_page(
    html: bytes | str,
    url: str,
    hints: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Extract and tag one page. ``hints`` carries feed-side metadata (all optional):
    ``title``, ``published`` (ISO-8601), ``author``, ``agency`` (feed agency hint), ``timezone``,
    ``publisher_country``, ``home_admin1``, ``charset`` (the response's Content-Type charset). Returns ``{"extraction": {...}, "places": [{...},
    ...], "tagger": TAGGER_VERSION}``.
    """
    from pipeline.extract import extract_article

    hints = hints or {}
    published = hints.get("published")
    feed_published = datetime.fromisoformat(published) if published else None
    ext = extract_article(
        html,
        url,
        feed_title=hints.get("title"),
        feed_published=feed_published,
        feed_author=hints.get("author"),
        feed_agency_hint=hints.get("agency"),
        default_tz=hints.get("timezone"),
        country=hints.get("publisher_country"),
        http_charset=hints.get("charset"),
    )
    tagged = {"places": [], "tagger": None}
    if ext.outcome == "ok" and ext.body:
        tagged = tag_text(ext.body, ext.title, hints)
    return {"extraction": asdict(ext), **tagged}


def tag_text(body: str, title: str | None, hints: dict[str, Any]) -> dict[str, Any]:
    """Place tags of one article's text (``asdict`` of each PlaceTag) and the tagger's version:
    what ingestion, re-extraction and re-tagging all store. ``hints`` may carry
    ``publisher_country``, ``home_admin1``, ``dateline`` and ``located`` (wire items)."""
    from pipeline.places import TAGGER_VERSION, tag_places

    tags = tag_places(
        body,
        title,
        publisher_country=hints.get("publisher_country"),
        home_admin1=hints.get("home_admin1"),
        dateline=hints.get("dateline"),
        located=hints.get("located"),
    )
    return {"places": [asdict(t) for t in tags], "tagger": TAGGER_VERSION}


def extraction_record(fields: dict[str, Any]) -> dict[str, Any]:
    """An Extraction as ``asdict`` gives it (e.g. back from a worker) as a JSON-safe record:
    every field, ``published_at`` in ISO-8601. One place, so ``newsflow extract`` and
    ``extract_file`` never drift apart when Extraction gains a field. Lives here, not in
    ``pipeline.extract``, so the CLI parent process need not import trafilatura."""
    record = dict(fields)
    pub = record.get("published_at")
    record["published_at"] = pub.isoformat() if isinstance(pub, datetime) else pub
    return record


def warm_up() -> None:
    """Load what every page needs (trafilatura, the language model, the gazetteer index) once
    per worker process, so a page's time limit measures that page alone."""
    analyze_page(
        b"<html><body><article><p>Warm-up text about Paris, France, written to load the"
        b" extraction, language and place models once.</p></article></body></html>",
        "http://warm-up.invalid/",
    )


def place_rows(article_id: str, places: list[dict[str, Any]]) -> list[PlaceRow]:
    """``article_places`` rows from a worker's place tags (``asdict(PlaceTag)``).

    One mapping for ingestion and re-extraction, so a new tag field reaches both."""
    return [
        PlaceRow(
            article_id=article_id,
            country_code=p["country_code"],
            admin1_code=p.get("admin1_code"),
            place_name=p["place_name"],
            canonical_name=p.get("canonical_name"),
            geonameid=p.get("geonameid"),
            mention_count=p.get("mention_count", 1),
            confidence=p.get("confidence"),
            is_primary=bool(p.get("is_primary")),
            place_kind=p.get("kind"),
            match_type=p.get("match"),
            how=p.get("how"),
        )
        for p in places
    ]
