"""The public tagger: an article in, its places (primary first) and every mention out."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.places.gazetteer import _load_index
from pipeline.places.resolution import (
    _article_mentions,
    _Evidence,
    _fuzzy_mentions,
    _primary,
    _qualified,
    _resolve,
)

TAGGER_VERSION = "places-2"  # bump whenever tagging results change (re-tag stale articles)


@dataclass(frozen=True)
class PlaceTag:
    """One distinct place an article mentions (all its spellings and mentions grouped)."""

    country_code: str  # ISO 3166-1 alpha-2
    admin1_code: str | None  # ISO 3166-2 (e.g. "US-CA", "UA-65"), None when unknown
    place_name: str  # as first written in the text
    canonical_name: str  # gazetteer name, e.g. "Kherson"
    geonameid: int | None
    mention_count: int
    confidence: float  # 0..1
    is_primary: bool  # exactly one True per article when any place found
    start: int | None = None  # char offset of first mention in `text` (None if only in title)
    end: int | None = None
    kind: str = ""  # country | admin1 | city | region (a news region from places_extra.yaml)
    match: str = "exact"  # exact | alternate (a GeoNames alternate name) | fuzzy (near miss)


@dataclass(frozen=True)
class PlaceMention:
    """One occurrence of a place in the text or the title (what mention-level scoring needs)."""

    name: str  # as written
    start: int  # offsets into the field it is in
    end: int
    field: str  # "text" | "title"
    country_code: str
    admin1_code: str | None
    canonical_name: str
    geonameid: int | None
    kind: str
    confidence: float  # the place's (PlaceTag.confidence)


@dataclass(frozen=True)
class Tagging:
    """All of one article's tagging: distinct places (primary first) and every mention."""

    places: list[PlaceTag]
    mentions: list[PlaceMention]

    @property
    def primary(self) -> PlaceTag | None:
        return self.places[0] if self.places else None


def tag_article(
    text: str, title: str | None = None, *, publisher_country: str | None = None
) -> Tagging:
    """Tag an article: its distinct places, the primary first, and every mention in text order
    (title mentions first). See :func:`tag_places` for ``publisher_country``."""
    idx = _load_index()
    text = text or ""
    head, body, unknown = _article_mentions(idx, text, title)
    mentions = head + body
    if not mentions:
        return Tagging([], [])
    ev = _Evidence.of(mentions)
    mentions += _fuzzy_mentions(idx, unknown, ev)
    mentions.sort(key=lambda m: (not m.in_title, m.start))
    qualified = _qualified([(title or "", head), (text, body)])
    publisher = publisher_country.upper() if publisher_country else None
    by_pid, resolved = _resolve(mentions, ev, qualified, publisher)
    aggs = list(by_pid.values())
    if not aggs:
        return Tagging([], [])
    scores = {a.place.pid: a.score(len(text)) for a in aggs}
    primary = _primary(aggs, scores, ev.demonyms)
    aggs.sort(key=lambda a: (a is not primary, -scores[a.place.pid], a.first_pos()))
    confidence = {a.place.pid: a.confidence() for a in aggs}
    places = [
        PlaceTag(
            country_code=a.place.country_code or "",
            admin1_code=a.place.admin1_code,
            place_name=a.first_written(),
            canonical_name=a.place.name,
            geonameid=a.place.geonameid,
            mention_count=a.count,
            confidence=confidence[a.place.pid],
            is_primary=a is primary,
            start=a.body.start if a.body else None,
            end=a.body.end if a.body else None,
            kind=a.place.kind,
            match="fuzzy" if a.fuzzy else "alternate" if a.alt else "exact",
        )
        for a in aggs
    ]
    occurrences = [
        PlaceMention(
            name=m.surface,
            start=m.start,
            end=m.end,
            field="title" if m.in_title else "text",
            country_code=place.country_code or "",
            admin1_code=place.admin1_code,
            canonical_name=place.name,
            geonameid=place.geonameid,
            kind=place.kind,
            confidence=confidence[place.pid],
        )
        for m in mentions
        if m.key in resolved
        for place in (resolved[m.key][0],)
    ]
    return Tagging(places, occurrences)


def tag_places(
    text: str, title: str | None = None, *, publisher_country: str | None = None
) -> list[PlaceTag]:
    """Tag the places an article mentions; the primary (what the story is about) comes first.

    ``publisher_country`` only breaks ties between same-named places; it never makes the
    publisher's country the story's country.
    """
    return tag_article(text, title, publisher_country=publisher_country).places


def warm_index() -> None:
    """Load (or build and cache) the gazetteer index now, e.g. before timing anything."""
    _load_index()


def countries_mentioned(tags: list[PlaceTag]) -> list[str]:
    """Distinct country codes of ``tags`` in tag order (the primary's country first)."""
    return list(dict.fromkeys(t.country_code for t in tags))
