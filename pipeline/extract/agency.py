"""Attribute an article to the wire agency whose copy it is (AFP, Reuters, AP, ...), or to none.

Why this is conservative: ``articles.agency`` feeds the agency marts ("how much of outlet X is AFP
copy"), so a guess is worse than a NULL. An outlet's own reporting must come out ``None``; only
places where copy is *attributed* count, never places where an agency is merely *cited* ("told
AFP", "according to Reuters") or credited for a picture ("AP Photo/Evan Vucci").

Signals, in order of precedence (the first one that names an agency wins):

1. ``credit_line`` - a trailing credit split off by :func:`pipeline.extract.boilerplate.clean_body`:
   ``(AFP)``, ``— Reuters``, ``AFP/mb``, ``Source: dpa``, ``Copyright 2026 The Associated Press``.
   It is the agency's own sign-off on the copy, so it outranks everything.
2. ``dateline`` - ``KARACHI, March 3 (Reuters) -``, ``SAO PAULO (AP) —``, ``(Bloomberg) --``,
   ``MOSCOW, March 3. /TASS/.`` at the start of one of the first lines of the body.
3. ``byline`` - the article's author string names an agency ("By AFP", "Jane Doe, Reuters",
   "AP Business Writer"). A part of the byline must *start* with the alias, so "Michael
   Bloomberg" is not Bloomberg.
4. ``meta_author`` - the same test on raw metadata authors (JSON-LD author, ``<meta name=author>``).
5. ``feed_author`` - the same test on the feed entry's author.
6. ``feed_hint`` - the feed is configured as one agency's copy (``agency:`` in FEEDS.yaml). It is
   a per-feed default, so any per-article evidence above overrides it. A hint naming an agency
   that is not in the data file is returned as written: the operator said so.
7. ``phrase`` - mixed copy: "(with AFP)", "additional reporting by Reuters", "with inputs from
   PTI", "The Associated Press contributed to this report", in the body or in a credit line.
   Weakest, because the outlet wrote the story and the agency contributed.

"Staff and agencies" / "with agencies" name no agency, so they produce no match (``None``); they do
not veto a named agency found by another signal. "(Reporting by ...; Editing by ...)" credits are
Reuters house style but do not name Reuters, so on their own they produce no match either.

Image credits ("AP Photo/...", "Photo: ... / AFP", "REUTERS/Kevin Lamarque", "AFP via Getty
Images") are stripped from every input first: a picture is not authorship.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

AGENCIES_FILE = Path(__file__).parents[1] / "data" / "agencies.yaml"

EVIDENCE_KINDS = (
    "credit_line",
    "dateline",
    "byline",
    "meta_author",
    "feed_author",
    "feed_hint",
    "phrase",
)


@dataclass(frozen=True)
class AgencyMatch:
    agency: str
    evidence: str


# --------------------------------------------------------------------------------------------
# Data file


def _is_acronym(alias: str) -> bool:
    """Short all-caps / all-lowercase aliases are matched case-sensitively (see agencies.yaml)."""
    return len(alias) <= 5 and " " not in alias and (alias.isupper() or alias.islower())


@lru_cache(maxsize=1)
def load_agencies() -> dict[str, tuple[str, ...]]:
    """Canonical name -> aliases, read once per process from ``pipeline/data/agencies.yaml``.

    Raises ValueError if the file is malformed: it ships with the code, so a bad file is a bug.
    """
    raw = yaml.safe_load(AGENCIES_FILE.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not raw:
        raise ValueError(f"{AGENCIES_FILE}: expected a mapping of agency -> list of aliases")
    out: dict[str, tuple[str, ...]] = {}
    owner: dict[str, str] = {}
    for name, aliases in raw.items():
        if not isinstance(name, str) or not isinstance(aliases, list) or not aliases:
            raise ValueError(f"{AGENCIES_FILE}: {name!r}: expected a non-empty list of aliases")
        clean: list[str] = []
        for alias in aliases:
            if not isinstance(alias, str) or not alias.strip():
                raise ValueError(f"{AGENCIES_FILE}: {name!r}: aliases must be non-empty strings")
            alias = alias.strip()
            key = alias if _is_acronym(alias) else alias.casefold()
            if owner.get(key, name) != name:
                raise ValueError(
                    f"{AGENCIES_FILE}: alias {alias!r} of {name!r} already belongs to {owner[key]!r}"
                )
            owner[key] = name
            clean.append(alias)
        out[name] = tuple(clean)
    return out


@lru_cache(maxsize=1)
def _alias_index() -> tuple[dict[str, str], dict[str, str]]:
    """(case-sensitive acronym -> canonical, casefolded name -> canonical)."""
    exact: dict[str, str] = {}
    folded: dict[str, str] = {}
    for name, aliases in load_agencies().items():
        for alias in (name, *aliases):
            if _is_acronym(alias):
                exact[alias] = name
            else:
                folded[alias.casefold()] = name
    return exact, folded


@lru_cache(maxsize=1)
def _alias_pattern() -> str:
    """One alternation over every alias, longest first, acronyms case-sensitive."""
    aliases = sorted(
        {a for names in load_agencies().values() for a in names}, key=len, reverse=True
    )
    parts = [re.escape(a) if _is_acronym(a) else f"(?i:{re.escape(a)})" for a in aliases]
    return "(?:" + "|".join(parts) + ")"


@lru_cache(maxsize=1)
def _alias_anywhere() -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-])(?P<alias>{_alias_pattern()})(?![\w-])")


@lru_cache(maxsize=1)
def _alias_at_start() -> re.Pattern[str]:
    return re.compile(rf"(?P<alias>{_alias_pattern()})(?![\w-])")


def _canonical(alias: str) -> str | None:
    exact, folded = _alias_index()
    return exact.get(alias) or folded.get(alias.casefold())


def resolve_agency(name: str) -> str | None:
    """The canonical agency for a string that *is* an alias (whole string), else None."""
    name = " ".join(name.split())
    return _canonical(name) if name else None


def find_agency(text: str) -> str | None:
    """The agency of the first alias mentioned anywhere in ``text`` (word-bounded), else None.

    Only for short, structured strings (credit lines, byline parts): in running prose a mention
    is usually a citation, not attribution.
    """
    m = _alias_anywhere().search(text)
    return _canonical(m.group("alias")) if m else None


# --------------------------------------------------------------------------------------------
# Image credits: pictures are not authorship

_PIC = r"(?:Photo|Foto|Pic|Photograph|Picture|Image|Video|Graphic|Illustration)s?"


@lru_cache(maxsize=1)
def image_credit_pattern() -> str:
    """Regex source matching one image-credit fragment ("AP Photo/Evan Vucci", "Photo: X / AFP").

    Each alternative needs an explicit picture marker (or the agency-slash-photographer form), so
    none can swallow ordinary prose. :mod:`pipeline.extract.boilerplate` anchors it to whole lines.
    """
    return "|".join(
        [
            # AP Photo/Evan Vucci, AFP Photo / Sergei Supinsky, Photos/Getty
            rf"(?:\b[A-Z][\w&.'’-]*[ \t]+)?\b{_PIC}[ \t]*/[ \t]*[A-Z][^()\[\]\n]{{0,79}}",
            # Photo: Jane Doe / AFP, Photo credit: Reuters, Credit: AFP
            rf"\b(?:{_PIC}|Credits?)(?:[ \t]+(?:credits?|source))?[ \t]*:[ \t]*[^()\[\]\n]{{1,120}}",
            # Image source, Getty Images (BBC style)
            r"\b(?:Image|Photo|Picture)[ \t]+source[ \t]*,[ \t]*[^()\[\]\n]{1,120}",
            # Photo by Jane Doe/AFP via Getty Images, Photograph courtesy of ...
            rf"\b{_PIC}[ \t]+(?:by|courtesy(?:[ \t]+of)?)[ \t]+[^()\[\]\n]{{1,120}}",
            # AFP via Getty Images, Getty Images/iStockphoto
            r"(?:\b[\w&.'’-]+(?:[ \t]*/[ \t]*[\w&.'’-]+)?[ \t]+)?\bvia[ \t]+Getty[ \t]+Images\b",
            r"\bGetty[ \t]+Images[ \t]*/[ \t]*[^()\[\]\n]{1,60}",
            # REUTERS/Kevin Lamarque, EPA-EFE/Filip Singer, Xinhua/Li Xin: an all-caps credit or
            # an agency, a slash, then a photographer's name of two or more capitalised words
            rf"(?:\b[A-Z]{{2,}}(?:-[A-Z]{{2,}})?|(?<![\w-]){_alias_pattern()})"
            r"[ \t]?/[ \t]?[A-Z][\w'’.-]*(?:[ \t]+[A-Z][\w'’.-]*)+",
        ]
    )


@lru_cache(maxsize=1)
def _image_credit() -> re.Pattern[str]:
    return re.compile(image_credit_pattern())


def strip_image_credits(text: str) -> str:
    """``text`` with every image-credit fragment blanked out (detection input only)."""
    return _image_credit().sub(" ", text)


# --------------------------------------------------------------------------------------------
# Signals

# Credits that say the agency *contributed* rather than *wrote*: evidence "phrase".
_CONTRIBUTED = re.compile(
    r"\b(?:with|additional\s+reporting|contributed|contributing|inputs?\s+from)\b", re.I
)

_DATE_PART = r"(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}|\d{1,2}\.?\s+[A-Z][a-z]{2,8}\.?)(?:,?\s+\d{4})?"
_DATELINE = re.compile(
    r"^(?P<loc>[A-ZÀ-Þ][\w'’.-]*(?:[ /-][\w'’.-]+){0,5})?"
    rf"(?P<date>\s*,\s*{_DATE_PART})?"
    r"\s*[.,:]?\s*"
    r"(?:\((?P<paren>[^()\n]{2,40})\)|/(?P<slash>[^/\n]{2,20})/)"
    r"(?P<sep>\s*(?:[-–—]+|:|\.\s*-|\.))?"
    r"\s*\S"
)

# Phrases that attribute part of the copy. Each yields a window to look for an agency in.
_PHRASE_AFTER = re.compile(
    r"\badditional\s+reporting\s+(?:by|from)\s+"
    r"|(?:^|[(\n])\s*reporting\s+(?:by|from)\s+"
    r"|\bwith\s+(?:additional\s+)?(?:reporting|inputs?|material)\s+(?:by|from)\s+"
    r"|\binputs?\s+from\s+"
    r"|\bcompiled\s+from\s+(?:\w+\s+)?reports?\s+(?:by|from)\s+"
    r"|\(\s*with\s+",
    re.I,
)
_PHRASE_BEFORE = re.compile(
    r"\s+contributed\s+(?:reporting|to\s+this\s+(?:report|story|article))", re.I
)
_SPLIT_PARTS = re.compile(r"\s*(?:[,;|/&()\[\]·•—–]|\s-\s|\band\b|\bwith\b)\s*", re.I)
_BY = re.compile(r"^(?:by|from|von|par|por)\s+", re.I)
_URL = re.compile(r"\S+://\S*|\bwww\.\S+")
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")


def _strip_inline(s: str | None) -> str:
    return " ".join(strip_image_credits(s).split()) if s else ""


def _credit_agency(credit: str) -> tuple[str, str] | None:
    text = _strip_inline(credit)
    agency = find_agency(text)
    if agency is None:
        return None
    return agency, "phrase" if _CONTRIBUTED.search(text) else "credit_line"


def _dateline_agency(body: str, max_lines: int = 3) -> str | None:
    """Look at the first few lines: a standfirst or subhead may precede the dateline paragraph."""
    lines = [ln.strip() for ln in body.splitlines() if ln.strip()][:max_lines]
    for line in lines:
        m = _DATELINE.match(_strip_inline(line[:300]))
        if not m:
            continue
        inner = m.group("paren") or m.group("slash") or ""
        agency = next(
            (a for a in (resolve_agency(p) for p in _SPLIT_PARTS.split(inner) if p) if a), None
        )
        if agency is None:
            continue
        loc = (m.group("loc") or "").strip()
        # "(AFP) said" after ordinary words is a citation, not a dateline: without a dash or
        # colon, only a classic ALL-CAPS place or a date before the credit makes it a dateline.
        if m.group("sep") or m.group("slash") or not loc or loc.isupper() or m.group("date"):
            return agency
    return None


def _author_agency(author: str | None) -> str | None:
    """An agency if some part of the author string *starts* with an alias."""
    text = _URL.sub(" ", _strip_inline(author))  # profile links name the site, not the author
    for part in _SPLIT_PARTS.split(text):
        part = _BY.sub("", part.strip())
        if not part:
            continue
        m = _alias_at_start().match(part)
        if m:
            return _canonical(m.group("alias"))
    return None


def _phrase_agency(body: str) -> str | None:
    text = strip_image_credits(body)  # keeps newlines: "Reporting by" counts at a line start
    for m in _PHRASE_AFTER.finditer(text):
        window = text[m.end() : m.end() + 80]
        end = _SENTENCE_END.search(window)
        agency = find_agency(window[: end.start() + 1] if end else window)
        if agency:
            return agency
    for m in _PHRASE_BEFORE.finditer(text):
        window = text[max(0, m.start() - 80) : m.start()]
        window = _SENTENCE_END.split(window)[-1]
        agency = find_agency(window)
        if agency:
            return agency
    return None


def detect_agency(
    body: str,
    *,
    credits: Sequence[str] = (),
    byline: str | None = None,
    meta_authors: Iterable[str] = (),
    feed_author: str | None = None,
    feed_hint: str | None = None,
) -> AgencyMatch | None:
    """The agency whose copy this is and the strongest evidence for it, or None (see module doc)."""
    credit_hits = [hit for hit in map(_credit_agency, credits) if hit]
    for agency, kind in credit_hits:
        if kind == "credit_line":
            return AgencyMatch(agency, "credit_line")
    if agency := _dateline_agency(body):
        return AgencyMatch(agency, "dateline")
    if agency := _author_agency(byline):
        return AgencyMatch(agency, "byline")
    for author in meta_authors:
        if agency := _author_agency(author):
            return AgencyMatch(agency, "meta_author")
    if agency := _author_agency(feed_author):
        return AgencyMatch(agency, "feed_author")
    if feed_hint and feed_hint.strip():
        return AgencyMatch(resolve_agency(feed_hint) or feed_hint.strip(), "feed_hint")
    if credit_hits:
        return AgencyMatch(credit_hits[0][0], "phrase")
    if agency := _phrase_agency(body):
        return AgencyMatch(agency, "phrase")
    return None
