"""The public tagger: an article in, its places (primary first) and every mention out."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from pipeline.places.fuzzy import _fuzzy_mentions
from pipeline.places.gazetteer import _Index, _load_index, _Place
from pipeline.places.matching import _Mention, _scan
from pipeline.places.resolution import (
    _admin1_votes,
    _Agg,
    _article_mentions,
    _Context,
    _Evidence,
    _primary,
    _resolve,
    _second_pass,
    _within,
)

TAGGER_VERSION = "places-4"  # bump whenever tagging results change (re-tag stale articles)


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
    kind: str = ""  # country | admin1 | admin2 (a US county) | city | region (places_extra.yaml)
    match: str = "exact"  # exact | alternate (a GeoNames alternate name) | fuzzy (near miss)
    # why this reading of the name: unique | qualifier ("X, Ga.", a named state) | dateline
    # (also a wire item's located place) | coherence (the article's other places) | home_prior
    # (publisher's country / home admin-1) | country_name (a country's own name over same-named
    # subdivisions elsewhere: Niger, Luxembourg) | population (the biggest reading, last resort)
    how: str = "unique"


@dataclass(frozen=True)
class PlaceMention:
    """One occurrence of a place in the text or the title (what mention-level scoring needs)."""

    name: str  # as written
    start: int  # offsets into the field it is in
    end: int
    field: str  # "text" | "title"
    country_code: str  # "" for a world region
    admin1_code: str | None
    canonical_name: str
    geonameid: int | None
    kind: str  # a PlaceTag kind, or world_region ("Africa", "South-East Asia": no country)
    confidence: float  # the place's (PlaceTag.confidence)
    how: str = "unique"  # the place's (PlaceTag.how)


@dataclass(frozen=True)
class Tagging:
    """All of one article's tagging: distinct places (primary first) and every mention."""

    places: list[PlaceTag]
    mentions: list[PlaceMention]

    @property
    def primary(self) -> PlaceTag | None:
        return self.places[0] if self.places else None


def _evidence_mentions(idx: _Index, *strings: str | None) -> list[tuple[str, list[_Mention]]]:
    """The places in a separate dateline or a wire item's ``located`` field, read as a dateline
    (all caps allowed, abbreviations after a comma): evidence, never tags of their own."""
    out = []
    for s in strings:
        if s and s.strip():
            found = _scan(idx, s, in_title=False, sentence_case=False, dateline=(0, len(s)))
            out.append((s, found.mentions))
    return out


def _qualified(
    sources: list[tuple[str, list[_Mention]]],
) -> dict[tuple[str, ...], list[_Place]]:
    """Readings kept by "X, Y" where Y is a country or subdivision ("Paris, Texas"), unless
    "X, Y" is part of a list of countries (:func:`_listed_countries`)."""
    out: dict[tuple[str, ...], list[_Place]] = {}
    for src, ms in sources:
        for i, (a, b) in enumerate(itertools.pairwise(ms)):
            if src[a.end : b.start] != ", " or _listed_countries(src, ms, i):
                continue
            outer = [nm.place for nm in b.names if nm.place.kind in ("country", "admin1", "region")]
            inner = [nm.place for nm in a.names if any(_within(nm.place, o) for o in outer)]
            if inner:
                out[a.key] = inner
    return out


_LIST_GAP = re.compile(r",? (?:and|or)(?: the)? |, (?:the )?")


def _country_like(m: _Mention) -> bool:
    return any(nm.place.kind == "country" for nm in m.names)


def _listed_countries(src: str, ms: list[_Mention], i: int) -> bool:
    """Is "A, B" (``ms[i]``, ``ms[i + 1]``) in a list of countries: both may be countries, B
    no subdivision, and a third country is listed right before A or right after B ("Ghana,
    Niger, Nigeria and Togo": not Niger State; "China, Japan, and the United Kingdom": not a
    Japanese town called China; but "Athens, Georgia, USA" and "Georgia, USA, in 1990")?"""
    a, b = ms[i], ms[i + 1]
    kinds = {nm.place.kind for nm in b.names}
    if "country" not in kinds or kinds & {"admin1", "region"} or not _country_like(a):
        return False
    before = (
        i > 0 and _country_like(ms[i - 1]) and _LIST_GAP.fullmatch(src[ms[i - 1].end : a.start])
    )
    after = (
        i + 2 < len(ms)
        and _country_like(ms[i + 2])
        and _LIST_GAP.fullmatch(src[b.end : ms[i + 2].start])
    )
    return bool(before or after)


def _context(
    mentions: list[_Mention],
    evidence: list[_Mention],
    ev: _Evidence,
    publisher: str | None,
    home_admin1: str | None,
) -> _Context:
    """Article-wide evidence; dateline/located places count twice (where the story happens)."""
    votes, own = _admin1_votes(mentions)
    support, named = dict(ev.support), set(ev.named_admin1)
    if evidence:
        e_votes, _ = _admin1_votes(evidence)
        for code, v in e_votes.items():
            votes[code] = votes.get(code, 0.0) + 2 * v
        e_ev = _Evidence.of(evidence)
        for cc, n in e_ev.support.items():
            support[cc] = support.get(cc, 0.0) + 2 * n
        named |= e_ev.named_admin1
    return _Context(support, named, votes, own, publisher, home_admin1)


def _norm_code(code: str | None) -> str | None:
    return code.strip().upper() if code and code.strip() else None


def tag_article(
    text: str,
    title: str | None = None,
    *,
    publisher_country: str | None = None,
    home_admin1: str | None = None,
    dateline: str | None = None,
    located: str | None = None,
) -> Tagging:
    """Tag an article: its distinct places, the primary first, and every mention in text order
    (title mentions first). See :func:`tag_places` for the keyword arguments."""
    return _tag(text, title, publisher_country, home_admin1, dateline, located, with_mentions=True)


def _tag(
    text: str,
    title: str | None,
    publisher_country: str | None,
    home_admin1: str | None,
    dateline: str | None,
    located: str | None,
    *,
    with_mentions: bool,
) -> Tagging:
    """:func:`tag_article`; ``with_mentions=False`` leaves ``Tagging.mentions`` empty (what
    :func:`tag_places` needs: a mention object per occurrence costs ~5% of tagging)."""
    idx = _load_index()
    text = text or ""
    head, body, unknown = _article_mentions(idx, text, title)
    mentions = head + body
    if not mentions:
        return Tagging([], [])
    extra = _evidence_mentions(idx, dateline, located)
    evidence = [m for _, ms in extra for m in ms]
    ev = _Evidence.of(mentions)
    mentions += _fuzzy_mentions(idx, unknown, ev)
    mentions.sort(key=lambda m: (not m.in_title, m.start))
    qualified = _qualified([*extra, (title or "", head), (text, body)])
    home = _norm_code(home_admin1)
    publisher = _norm_code(publisher_country) or (home.split("-")[0] if home else None)
    ctx = _context(mentions, evidence, ev, publisher, home)
    keys = frozenset(m.key for m in evidence)
    by_pid, resolved = _resolve(mentions, qualified, ctx, keys)
    again = _second_pass(resolved, ctx)
    if again.support != ctx.support:  # a spelling read as a country changes the evidence
        by_pid, resolved = _resolve(mentions, qualified, again, keys, previous=resolved)
    confidence = {pid: a.confidence() for pid, a in by_pid.items()}
    # A world region ("Africa") is a mention, never a place of the article: no country for the
    # marts, never the primary (see world_regions in data/places_extra.yaml).
    aggs = [a for a in by_pid.values() if a.place.kind != "world_region"]
    if not aggs:
        return _tagging([], None, confidence, mentions if with_mentions else [], resolved)
    for a in aggs:
        a.dateline = a.dateline or a.how == "dateline"
    scores = {a.place.pid: a.score(len(text)) for a in aggs}
    primary = _primary(aggs, scores, ev.demonyms)
    aggs.sort(key=lambda a: (a is not primary, -scores[a.place.pid], a.first_pos()))
    return _tagging(aggs, primary, confidence, mentions if with_mentions else [], resolved)


def _tagging(
    aggs: list[_Agg],
    primary: _Agg | None,
    confidence: dict[str | int, float],
    mentions: list[_Mention],
    resolved: dict[tuple[str, ...], tuple[_Place, str]],
) -> Tagging:
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
            how=a.how,
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
            how=how,
        )
        for m in mentions
        if m.key in resolved
        for place, how in (resolved[m.key],)
    ]
    return Tagging(places, occurrences)


def tag_places(
    text: str,
    title: str | None = None,
    *,
    publisher_country: str | None = None,
    home_admin1: str | None = None,
    dateline: str | None = None,
    located: str | None = None,
) -> list[PlaceTag]:
    """Tag the places an article mentions; the primary (where the story happens) comes first.

    ``publisher_country`` (ISO 3166-1) and ``home_admin1`` (ISO 3166-2, a local paper's
    state; it implies the country when ``publisher_country`` is not given) are the home prior: an ambiguous name resolves at home unless the text says
    otherwise. They are evidence for reading names, never an answer: an article naming no
    place gets no tags. ``dateline`` (when the caller split it off the body) and ``located``
    (a wire item's located place) are read like a dateline: evidence for the story's place.
    """
    return _tag(text, title, publisher_country, home_admin1, dateline, located,
                with_mentions=False).places  # fmt: skip


def warm_index() -> None:
    """Load (or build and cache) the gazetteer index now, e.g. before timing anything."""
    _load_index()


def countries_mentioned(tags: list[PlaceTag]) -> list[str]:
    """Distinct country codes of ``tags`` in tag order (the primary's country first)."""
    return list(dict.fromkeys(t.country_code for t in tags))
