"""Turn one fetched HTML page into an article record: body, title, date, language, agency.

A pure function of (HTML, URL, feed entry facts): no network, no database, no processes. The
caller runs it in a wall-clock-limited worker pool, so it must never raise for bad input: bytes
that are not HTML come back as ``outcome="parse_error"``, pages without a story as
``"empty_extract"``, subscriber teasers as ``"paywalled"`` and cookie/consent interstitials as
``"consent_wall"`` (a teaser or a consent notice stored as the article would be counted, deduped
and place-tagged as if it were the story).

Choices and why (figures: ``newsflow eval extract``, ``benchmarks/RESULTS.md``):

- Body (:func:`choose_body`): trafilatura in fast mode (its own readability/justext comparison is
  skipped, we run a comparison we can see and record), favouring recall, without comments,
  images or links (layout tables are unwrapped into paragraphs, data tables dropped). Then a second opinion from a different algorithm: readability
  (trafilatura's maintained fork of readability-lxml, which scores DOM nodes by text density
  rather than by trafilatura's rules). When the two agree (4-gram shingle F1 >=
  ``AGREEMENT_F1``) and the trafilatura text is not implausibly short (``MIN_BODY_WORDS``), it
  is kept: that is the common case and costs one readability pass. Otherwise a third candidate
  is brought in (the page's JSON-LD ``articleBody`` when it has one, else trafilatura's baseline:
  ``<article>`` / all paragraphs) and the candidate that agrees most with the others wins (the
  medoid by shingle F1; ties go to trafilatura, then readability, jsonld, baseline). Majority
  agreement between independent extractors is how a wrong pick (a sidebar, a comment thread, a
  press release appended to the story) is outvoted without per-site rules. ``extractor`` records
  the winner. Then :func:`pipeline.boilerplate.clean_body`, and the headline is dropped when it
  opens the body (the title is its own column).
- Title (:func:`choose_title`): ``og:title``, then JSON-LD ``headline``, then the page ``<h1>``,
  then the feed's title, then ``<title>``; a candidate that is only the site's name is skipped
  and site-name suffixes (" | The Daily Ledger") are stripped from each.
- Date (see :func:`choose_date`): the page's own published date when it carries a time zone
  and agrees with the feed's date within ``DATE_AGREEMENT``; otherwise the feed's date; then any
  page date; then a date in the URL. Timestamps without an offset are read in ``default_tz``
  (the feed's configured zone), else the outlet's zone when its country has exactly one
  (``country``), else UTC. Dates in the future (beyond ``FUTURE_SLACK``), before ``MIN_DATE`` or
  more than ``MAX_FEED_GAP`` before the feed's date are not used and are *flagged*
  (``date_flags``), as is a page date that disagrees with the feed.
- Language: py3langid on the body, ISO 639-1, or the page's declared language (``<html lang>``,
  ``og:locale``) when the identifier is unsure.
- Agency: :func:`pipeline.agency.detect_agency` over body, credit lines and author fields.
- Walls (:func:`detect_wall`): a short body on a page that declares restricted access
  (JSON-LD ``isAccessibleForFree: false``, ``article:content_tier``) or shows a subscription
  prompt is ``paywalled``; no story on a page with a consent manager or consent text is
  ``consent_wall``.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import logging
import math
import re
from collections import Counter
from collections.abc import Sequence
from copy import deepcopy
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from email.utils import parsedate_to_datetime
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import htmldate
import trafilatura
from lxml import etree
from lxml import html as lxml_html
from trafilatura.xml import xmltotxt

from pipeline.agency import detect_agency
from pipeline.boilerplate import CleanResult, clean_body
from pipeline.errors import NewsflowError

LOGGER = logging.getLogger(__name__)

# Bump the newsflow part whenever the output for the same page can change (cleaning rules, date
# rules, title rules, body choice): stored rows carry it, so re-extraction knows what is stale.
EXTRACTOR_VERSION = f"newsflow-3+trafilatura-{trafilatura.__version__}"
# Values of ``Extraction.extractor`` (and ``articles.extractor``): which candidate won the body.
EXTRACTORS = ("trafilatura", "trafilatura+fallback", "readability", "jsonld", "baseline")
EXTRACTOR = EXTRACTORS[0]
OUTCOMES = ("ok", "empty_extract", "parse_error", "paywalled", "consent_wall")

MIN_BODY_WORDS = 20
AGREEMENT_F1 = 0.8
DUMP_MIN_WORDS = 40
DUMP_MAX_LINES = 2
SHINGLE_SIZE = 4
TEASER_MAX_WORDS = 150
CONSENT_SHARE = 0.5
DATE_AGREEMENT = timedelta(days=2)
FUTURE_SLACK = timedelta(days=1)
MIN_DATE = datetime(1995, 1, 1, tzinfo=UTC)
MAX_FEED_GAP = timedelta(days=3653)  # "decades before the feed item": ten years is already wrong
LANGUAGE_MIN_CONFIDENCE = 0.5
LANGUAGE_MIN_WORDS = 5
LANGUAGE_MAX_CHARS = 1000


@dataclass
class Extraction:
    outcome: str  # one of OUTCOMES
    title: str | None
    title_source: str | None  # "og:title" | "jsonld" | "h1" | "feed" | "html_title"
    body: str
    word_count: int
    published_at: datetime | None  # tz-aware UTC
    date_source: str | None  # "feed" | "page" | "url"
    language: str | None  # ISO 639-1
    canonical_url: str | None
    byline: str | None
    agency: str | None
    agency_evidence: str | None
    extractor: str  # one of EXTRACTORS
    extractor_version: str
    error: str | None = None
    section: str | None = None  # the outlet's own section label ("World", "Politics")
    date_flags: str | None = None  # comma-separated codes, see choose_date


def _failed(outcome: str, error: str) -> Extraction:
    return Extraction(
        outcome=outcome,
        title=None,
        title_source=None,
        body="",
        word_count=0,
        published_at=None,
        date_source=None,
        language=None,
        canonical_url=None,
        byline=None,
        agency=None,
        agency_evidence=None,
        extractor=EXTRACTOR,
        extractor_version=EXTRACTOR_VERSION,
        error=error,
    )


_CJK_CHAR = "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
_CJK_RUN = re.compile(_CJK_CHAR + "+")


def count_words(text: str) -> int:
    """Whitespace words, except that Chinese/Japanese script (written without spaces) counts one
    word per two characters, the usual average; otherwise every Chinese story would have a
    handful of "words" and be discarded as empty."""
    n_cjk = sum(len(m) for m in _CJK_RUN.findall(text))
    if not n_cjk:
        return len(text.split())
    return len(_CJK_RUN.sub(" ", text).split()) + math.ceil(n_cjk / 2)


# ---------------------------------------------------------------------------------------------
# Decoding and sanity


_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})"""
    rb"""|<\?xml[^>]{0,100}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})""",
    re.I,
)


def decode_html(data: bytes) -> str:
    """Bytes to text: a BOM wins, then ``<meta charset>`` / http-equiv / XML declaration in the
    first 4 KB, else UTF-8; undecodable bytes become U+FFFD rather than an error.

    As browsers do (WHATWG encoding spec), a declared latin-1/ascii means windows-1252 and a
    declared UTF-16 in an ASCII-compatible document means UTF-8.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    encoding = "utf-8"
    m = _DECLARED_CHARSET.search(data[:4096])
    if m:
        label = (m.group(1) or m.group(2)).decode("ascii").lower()
        try:
            name = codecs.lookup(label).name
        except LookupError:
            name = "utf-8"
        if name in ("latin-1", "iso8859-1", "ascii"):
            name = "cp1252"
        elif name.startswith("utf-16") or name.startswith("utf-32"):
            name = "utf-8"
        encoding = name
    return data.decode(encoding, errors="replace")


_CONTROL_CHARS = re.compile("[\x00-\x08\x0e-\x1f]")
_HAS_TAG = re.compile(r"<[A-Za-z!?/]")


def _not_html(text: str) -> str | None:
    """Why this text is not an HTML document at all, or None.

    Binary data shows as C0 control characters (about 9% of random bytes, next to none in real
    markup) and as U+FFFD; the U+FFFD bar is high because an undeclared latin-1 page decoded as
    UTF-8 also produces some, and that page is damaged, not binary.
    """
    if not text.strip():
        return "empty document"
    sample = text[:8192]
    n = len(sample)
    if (
        "\x00" in sample
        or len(_CONTROL_CHARS.findall(sample)) > 0.01 * n
        or sample.count("\ufffd") > 0.25 * n
    ):
        return "binary content, not HTML"
    if not _HAS_TAG.search(sample):
        return "no HTML markup"
    return None


def _load_tree(html: str | bytes) -> tuple[lxml_html.HtmlElement | None, str | None]:
    """(parsed page, None), or (None, why it is not an HTML document / None if unparseable)."""
    text = decode_html(html) if isinstance(html, bytes) else html
    reason = _not_html(text)
    if reason:
        return None, reason
    return _parse(text), None


def _parse(text: str) -> lxml_html.HtmlElement | None:
    tree = trafilatura.load_html(text)
    if tree is None:
        # A fragment without <html> (a bare <div>…): give it a document around it.
        tree = trafilatura.load_html(f"<html><body>{text}</body></html>")
    return tree


# ---------------------------------------------------------------------------------------------
# Page metadata


def _norm(s: str | None) -> str:
    return " ".join(s.split()) if s else ""


def _meta(tree: lxml_html.HtmlElement) -> dict[str, list[str]]:
    """All ``<meta>`` contents keyed by lowercased property/name/itemprop/http-equiv, in document
    order."""
    out: dict[str, list[str]] = {}
    for el in tree.iter("meta"):
        content = _norm(el.get("content"))
        if not content:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = (el.get(attr) or "").strip().lower()
            if key:
                out.setdefault(key, []).append(content)
    return out


_ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "reviewnewsarticle",
    "blogposting",
    "liveblogposting",
    "socialmediaposting",
    "report",
    "webpage",
}


def _jsonld_objects(tree: lxml_html.HtmlElement) -> list[dict[str, Any]]:
    """Every JSON-LD object on the page, flattened out of lists and ``@graph``."""
    out: list[dict[str, Any]] = []

    def walk(node: Any, depth: int = 0) -> None:
        if depth > 4:
            return
        if isinstance(node, list):
            for item in node:
                walk(item, depth + 1)
        elif isinstance(node, dict):
            out.append(node)
            if "@graph" in node:
                walk(node["@graph"], depth + 1)

    for script in tree.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            walk(json.loads(raw, strict=False))
        except (ValueError, RecursionError):
            continue
    return out


def _types(obj: dict[str, Any]) -> set[str]:
    t = obj.get("@type")
    items = t if isinstance(t, list) else [t]
    return {x.lower() for x in items if isinstance(x, str)}


def _article_objects(objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Article-like objects first (most specific type first), WebPage last."""
    arts = [o for o in objs if _types(o) & _ARTICLE_TYPES]
    return sorted(arts, key=lambda o: "webpage" in _types(o))


def _names(value: Any) -> list[str]:
    """Person/Organization names out of a JSON-LD author-ish value."""
    if isinstance(value, str):
        return [_norm(value)] if _norm(value) else []
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    if isinstance(value, dict):
        return _names(value.get("name"))
    return []


def _strings(value: Any) -> list[str]:
    """A JSON-LD text-or-list-of-texts value as clean strings."""
    items = value if isinstance(value, list) else [value]
    return [_norm(v) for v in items if isinstance(v, str) and _norm(v)]


def _not_free(value: Any) -> bool:
    """schema.org ``isAccessibleForFree`` says no (a boolean, or its text forms)."""
    if isinstance(value, bool):
        return not value
    return isinstance(value, str) and value.strip().lower() in ("false", "no", "0")


@dataclass
class PageMeta:
    og_title: str | None
    jsonld_headline: str | None
    h1: str | None
    html_title: str | None
    site_names: list[str]
    published: list[str]  # raw explicit published-date strings, best first
    authors: list[str]
    canonical_candidates: list[str]
    section: str | None = None
    article_bodies: list[str] | None = None  # JSON-LD articleBody texts
    declared_language: str | None = None  # <html lang>, og:locale, content-language
    restricted: bool = False  # the page says its content is not free to read


_PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "publication_date",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
    "article.published",
)
_AUTHOR_META = (
    "author",
    "article:author",
    "byl",
    "dc.creator",
    "parsely-author",
    "sailthru.author",
)
_SECTION_META = ("article:section", "og:article:section", "parsely-section", "section", "category")
_LANG_CODE = re.compile(r"^([a-z]{2})(?:[-_][a-z0-9]{2,8})*$", re.I)


def _lang_code(value: str | None) -> str | None:
    m = _LANG_CODE.match((value or "").strip())
    return m.group(1).lower() if m else None


def page_meta(tree: lxml_html.HtmlElement) -> PageMeta:
    """What the page says about itself: titles, dates, authors, section, access, language."""
    meta = _meta(tree)
    arts = _article_objects(_jsonld_objects(tree))

    def first(keys: tuple[str, ...] | list[str]) -> str | None:
        return next((meta[k][0] for k in keys if k in meta), None)

    headline = next(
        (_norm(o["headline"]) for o in arts if isinstance(o.get("headline"), str)), None
    )
    published = [o["datePublished"] for o in arts if isinstance(o.get("datePublished"), str)]
    published += [v for k in _PUBLISHED_META for v in meta.get(k, [])]
    published += [
        v
        for el in tree.xpath('//*[@itemprop="datePublished"]')
        for v in (el.get("datetime"), el.get("content"))
        if v
    ]
    authors = [n for o in arts for k in ("author", "creator") for n in _names(o.get(k))]
    authors += [v for k in _AUTHOR_META for v in meta.get(k, [])]
    site_names = [n for o in arts for n in _names(o.get("publisher"))]
    site_names += [v for k in ("og:site_name", "application-name") for v in meta.get(k, [])]
    sections = [s for o in arts for s in _strings(o.get("articleSection"))]
    sections += [v for k in _SECTION_META for v in meta.get(k, [])]
    bodies = [
        o["articleBody"]
        for o in arts
        if isinstance(o.get("articleBody"), str) and o["articleBody"].strip()
    ]
    parts = [p for o in arts for p in (o.get("hasPart") or []) if isinstance(p, dict)]
    restricted = any(_not_free(o.get("isAccessibleForFree")) for o in (*arts, *parts)) or any(
        v.lower() in ("locked", "metered") for v in meta.get("article:content_tier", [])
    )

    # XPath unions come back in document order; the preference order needs three queries.
    h1_els = tree.xpath("//article//h1") + tree.xpath("//main//h1") + tree.xpath("//h1")
    h1s = [_norm(el.text_content()) for el in h1_els]
    site_keys = {_site_key(n) for n in site_names}
    h1 = next((h for h in h1s if h and _site_key(h) not in site_keys), None)
    title_el = tree.find(".//title")
    canonical = [
        el.get("href", "")
        for el in tree.xpath("//link[@href]")
        if "canonical" in (el.get("rel") or "").lower().split()
    ]
    canonical += meta.get("og:url", [])
    root = tree.getroottree().getroot()
    declared = [root.get("lang"), root.get("{http://www.w3.org/XML/1998/namespace}lang")]
    declared += [*meta.get("og:locale", []), *meta.get("content-language", [])]
    return PageMeta(
        og_title=first(("og:title",)),
        jsonld_headline=headline or None,
        h1=h1,
        html_title=_norm(title_el.text_content()) if title_el is not None else None,
        site_names=site_names,
        published=published,
        authors=list(dict.fromkeys(a for a in authors if a)),
        canonical_candidates=canonical,
        section=sections[0][:100] if sections else None,
        article_bodies=bodies,
        declared_language=next((c for c in map(_lang_code, declared) if c), None),
        restricted=restricted,
    )


# ---------------------------------------------------------------------------------------------
# Title

_TITLE_SEP = re.compile(r"\s+(\||-|–|—|::|·|•|»|/)\s+")
_MAX_SUFFIX_WORDS = 5


def _site_key(s: str) -> str:
    s = re.sub(r"^(?:the|www)\b", "", s.strip().lower())
    return re.sub(r"[\W_]+", "", s)


def _host_key(url: str) -> str:
    """'www.dailyledger.co.uk' -> 'dailyledger': the label a site name usually echoes."""
    host = (urlsplit(url).hostname or "").lower()
    labels = [x for x in host.split(".") if x not in ("www", "m", "amp", "edition")]
    return max(labels[:-1] or labels or [""], key=len)


def strip_site_suffix(title: str, site_names: Sequence[str] = (), url: str = "") -> str:
    """Drop " | Site", " - Site" (and "Site | " prefixes) when the segment is the site's name.

    A trailing " | segment" of at most five words is dropped even when the name is unknown: the
    pipe is a site-name separator in practice, while " - " often belongs to the headline.
    """
    title = _norm(title)
    keys = {k for k in (_site_key(n) for n in site_names) if k}
    host = _host_key(url) if url else ""

    def is_site(segment: str) -> bool:
        k = _site_key(segment)
        if not k:
            return False
        return k in keys or bool(host and len(segment.split()) <= 4 and k.startswith(host))

    while True:
        parts = _TITLE_SEP.split(title)  # [seg, sep, seg, sep, seg, ...]
        if len(parts) < 3:
            return title
        head, sep, last = " ".join(parts[:-2]), parts[-2], parts[-1]
        if is_site(last) or (
            sep == "|" and len(last.split()) <= _MAX_SUFFIX_WORDS and len(head.split()) >= 3
        ):
            title = head.strip()
            continue
        if is_site(parts[0]) and parts[1] in ("|", "-", "–", "—", "::", "»"):
            title = " ".join(parts[2:]).strip()
            continue
        return title


def choose_title(page: PageMeta, feed_title: str | None, url: str) -> tuple[str | None, str | None]:
    """The headline and where it came from (see the module docstring for the order).

    A candidate that is nothing but the site's name (an ``og:title`` of "The Daily Ledger" on
    every page) is skipped rather than stored as every article's title.
    """
    candidates = (
        ("og:title", page.og_title),
        ("jsonld", page.jsonld_headline),
        ("h1", page.h1),
        ("feed", feed_title),
        ("html_title", page.html_title),
    )
    site_keys = {k for k in map(_site_key, page.site_names) if k}
    for source, raw in candidates:
        if not raw or not _norm(raw) or _site_key(raw) in site_keys:
            continue
        title = strip_site_suffix(raw, page.site_names, url)
        if title and _site_key(title) not in site_keys:
            return title, source
    return None, None


# ---------------------------------------------------------------------------------------------
# Dates


def _zone(name: str | None) -> tzinfo | None:
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            LOGGER.warning("unknown time zone %r, reading naive dates as UTC", name)
    return None


@lru_cache(maxsize=1)
def _country_zones() -> dict[str, list[str]]:
    """ISO 3166-1 alpha-2 -> IANA zones, from the tz database's own ``zone.tab`` (shipped by
    the ``tzdata`` package, or the system's zoneinfo directory)."""
    text = None
    try:
        from importlib.resources import files

        text = (files("tzdata") / "zoneinfo" / "zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        for path in ("/usr/share/zoneinfo/zone.tab", "/usr/lib/zoneinfo/zone.tab"):
            try:
                text = Path(path).read_text(encoding="utf-8")
                break
            except OSError:
                continue
    zones: dict[str, list[str]] = {}
    for line in (text or "").splitlines():
        if line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) >= 3:
            zones.setdefault(cols[0].upper(), []).append(cols[2].strip())
    return zones


def country_timezone(country: str | None) -> str | None:
    """The zone of a country that has exactly one (FR -> Europe/Paris); None for countries that
    span several (US, RU, BR, AU ...), where guessing would put some outlets hours off."""
    zones = _country_zones().get((country or "").upper(), [])
    return zones[0] if len(zones) == 1 else None


def naive_date_zone(default_tz: str | None, country: str | None = None) -> tzinfo:
    """Where a timestamp without an offset is read: the feed's configured zone, else the outlet's
    country's single zone, else UTC."""
    return _zone(default_tz) or _zone(country_timezone(country)) or UTC


_HAS_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def parse_datetime(value: str) -> tuple[datetime, bool] | None:
    """(datetime, had an explicit offset) from ISO 8601 or RFC 2822 text, or None."""
    value = value.strip()
    if not value or len(value) > 100:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        try:
            dt = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            if not _HAS_YEAR.search(value):  # dateutil fills a missing year/month from today
                return None
            try:
                import warnings

                from dateutil import parser as du

                with warnings.catch_warnings():  # "tzname EDT identified but not understood"
                    warnings.simplefilter("ignore")
                    dt = du.parse(value)
            except (ValueError, OverflowError, TypeError):
                return None
    return dt, dt.tzinfo is not None and dt.utcoffset() is not None


def _localise(dt: datetime, tz: tzinfo) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        dt = dt.replace(tzinfo=tz)
    return dt.astimezone(UTC)


_URL_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?!\d)"
)


def url_date(url: str | None) -> date | None:
    """A /2026/03/04/ or 2026-03-04 date in a URL's path, or None."""
    if not url:
        return None
    m = _URL_DATE.search(urlsplit(url).path)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


@dataclass
class DateChoice:
    published_at: datetime | None  # UTC
    source: str | None  # "page" | "feed" | "url"
    flags: list[str]  # e.g. ["page_future", "page_feed_disagree"]


def _check(dt: datetime, kind: str, now: datetime, feed: datetime | None, flags: list[str]) -> bool:
    """Is ``dt`` a possible publication time? If not, say why in ``flags``."""
    if dt > now + FUTURE_SLACK:
        flags.append(f"{kind}_future")
    elif dt < MIN_DATE:
        flags.append(f"{kind}_too_old")
    elif feed is not None and kind != "feed" and dt < feed - MAX_FEED_GAP:
        flags.append(f"{kind}_before_feed")
    else:
        return True
    return False


def choose_date(
    page_dates: Sequence[str],
    feed_published: datetime | None,
    urls: Sequence[str | None],
    *,
    default_tz: str | None = None,
    country: str | None = None,
    now: datetime | None = None,
) -> DateChoice:
    """The article's publication time (UTC), where it came from, and what looked wrong.

    1. the first possible page date with an explicit offset, if the feed has no date or the
       two agree within ``DATE_AGREEMENT`` (the page knows the minute; the feed confirms the day);
    2. else the feed's date (a page date that disagrees is usually a modified date or a template
       default: flagged ``page_feed_disagree``);
    3. else the first possible page date without an offset;
    4. else a date in the URL (midnight).
    Naive values are read in :func:`naive_date_zone`. Impossible values are skipped and flagged
    ``<kind>_future`` (beyond ``FUTURE_SLACK`` from now), ``<kind>_too_old`` (before
    ``MIN_DATE``) or ``<kind>_before_feed`` (more than ``MAX_FEED_GAP`` before the feed's date),
    where kind is ``page``, ``feed`` or ``url``.
    """
    tz = naive_date_zone(default_tz, country)
    now = now or datetime.now(UTC)
    flags: list[str] = []
    feed = _localise(feed_published, tz) if feed_published else None
    if feed is not None and not _check(feed, "feed", now, None, flags):
        feed = None
    aware: datetime | None = None
    naive: datetime | None = None
    for raw in page_dates:
        parsed = parse_datetime(raw)
        if parsed is None:
            continue
        dt = _localise(parsed[0], tz)
        if not _check(dt, "page", now, feed, flags):
            continue
        if parsed[1]:
            aware = aware or dt
        else:
            naive = naive or dt
    flags = list(dict.fromkeys(flags))
    if aware and (feed is None or abs(aware - feed) <= DATE_AGREEMENT):
        return DateChoice(aware, "page", flags)
    if feed:
        if aware:
            flags.append("page_feed_disagree")
        return DateChoice(feed, "feed", flags)
    if naive:
        return DateChoice(naive, "page", flags)
    for u in urls:
        d = url_date(u)
        if d:
            dt = _localise(datetime(d.year, d.month, d.day), tz)
            if _check(dt, "url", now, None, flags):
                return DateChoice(dt, "url", flags)
    return DateChoice(None, None, list(dict.fromkeys(flags)))


def choose_published(
    page_dates: list[str],
    feed_published: datetime | None,
    urls: list[str | None],
    *,
    default_tz: str | None = None,
    now: datetime | None = None,
) -> tuple[datetime | None, str | None]:
    """(published_at, date_source) of :func:`choose_date`, without the flags."""
    c = choose_date(page_dates, feed_published, urls, default_tz=default_tz, now=now)
    return c.published_at, c.source


def _htmldate(tree: lxml_html.HtmlElement) -> str | None:
    """htmldate's markup-only guess (day precision). url="" keeps it from reading the URL: the
    URL is our last resort, not part of the page's own claim."""
    try:
        return htmldate.find_date(
            tree, extensive_search=False, original_date=True, url="", outputformat="%Y-%m-%d"
        )
    except Exception:  # htmldate is best-effort; a failure there must not fail the page
        LOGGER.debug("htmldate failed", exc_info=True)
        return None


# ---------------------------------------------------------------------------------------------
# Canonical URL and language


def canonical_url(candidates: list[str], base: str) -> str | None:
    """First candidate that resolves against ``base`` to an absolute http(s) URL, sans fragment."""
    for raw in candidates:
        href = raw.strip()
        if not href or len(href) > 2048 or re.search(r"[\s\x00-\x1f<>\"]", href):
            continue
        try:
            parts = urlsplit(urljoin(base, href))
            ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:
            continue
        if ok:
            return urlunsplit(parts._replace(fragment=""))
    return None


@lru_cache(maxsize=1)
def _language_identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str, declared: str | None = None) -> str | None:
    """ISO 639-1 code of ``text``; when the text is too short or the identifier unsure, the
    page's declared language (``declared``), else None."""
    if count_words(text) >= LANGUAGE_MIN_WORDS:
        lang, confidence = _language_identifier().classify(text[:LANGUAGE_MAX_CHARS])
        if confidence >= LANGUAGE_MIN_CONFIDENCE and len(lang) == 2:
            return lang
    return declared


# ---------------------------------------------------------------------------------------------
# Body candidates


_BLOCKS = {"p", "head", "list", "quote", "table"}


def _cell_blocks(cell: Any) -> list[Any]:
    """A table cell's contents as top-level blocks: loose text becomes <p>, in document order."""
    blocks: list[Any] = []
    for text, child in [(cell.text, None), *((c.tail, c) for c in list(cell))]:
        if child is not None:
            child.tail = None
            blocks.append(child)
        if text and text.strip():
            para = etree.Element("p")
            para.text = text
            blocks.append(para)
    return blocks


def _unwrap_layout_tables(body: Any) -> None:
    """Replace tables used for layout (one cell per row, or cells holding paragraphs) by their
    contents, so the story inside keeps its paragraphs instead of becoming one "| ... |" row;
    drop data tables (several plain cells per row): on news pages they are market tickers,
    sports tables and fact boxes, and cell text without its grid reads as noise. Innermost
    tables first."""
    for table in reversed(list(body.iter("table"))):
        parent = table.getparent()
        if parent is None:
            continue
        rows = table.findall("row")
        if any(len(r.findall("cell")) > 1 for r in rows) and not any(
            child.tag in _BLOCKS for cell in table.iter("cell") for child in cell
        ):
            at = parent.index(table)
            if table.tail and table.tail.strip():
                para = etree.Element("p")
                para.text = table.tail
                parent[at : at + 1] = [para]
            else:
                parent.remove(table)
            continue
        blocks = [block for cell in table.iter("cell") for block in _cell_blocks(cell)]
        if table.tail and table.tail.strip():
            blocks.append(etree.Element("p"))
            blocks[-1].text = table.tail
        at = parent.index(table)
        parent[at : at + 1] = blocks


_SOURCE_NEWLINES = re.compile(r"\s*\n\s*")


def _body_text(doc: Any) -> str:
    """One line per block. trafilatura's ``.text`` keeps the page source's hard line wraps inside
    a paragraph, which would split sentences across lines and defeat line-level cleaning; so
    fold newlines inside text nodes into spaces and render the tree again (``<br>`` stays a
    break)."""
    if doc is None:
        return ""
    if doc.body is None:
        return doc.text or ""
    _unwrap_layout_tables(doc.body)
    for el in doc.body.iter():
        if el.text:
            el.text = _SOURCE_NEWLINES.sub(" ", el.text)
        if el.tail:
            el.tail = _SOURCE_NEWLINES.sub(" ", el.tail)
    return xmltotxt(doc.body, False)


# HTML elements that start a new line when a tree is rendered as text.
_HTML_BLOCKS = frozenset(
    (
        *("address", "article", "aside", "blockquote", "body", "br", "dd", "div", "dl", "dt"),
        *("figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header"),
        *("hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul"),
    )
)
_NO_TEXT = frozenset(("script", "style", "noscript", "template", "button", "select", "svg"))


def html_text(root: Any) -> str:
    """Render an lxml (X)HTML tree as text, one line per block element, whitespace collapsed.

    Iterative (``iterwalk``), so a hostile page nested 100,000 deep cannot hit the recursion
    limit."""
    parts: list[str] = []
    skip = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _NO_TEXT:
                skip += 1
            elif not skip:
                if tag in _HTML_BLOCKS:
                    parts.append("\n")
                if tag and el.text:
                    parts.append(el.text)
            continue
        if tag in _NO_TEXT:
            skip -= 1
        elif not skip and tag in _HTML_BLOCKS:
            parts.append("\n")
        if not skip and el.tail and el is not root:
            parts.append(el.tail)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


_TOKEN = re.compile(r"\w+")
_CJK_PIECES = re.compile(_CJK_CHAR + "|(?:(?!" + _CJK_CHAR + r")\w)+")


def _shingles(text: str) -> Counter[tuple[str, ...]]:
    """4-word shingles, the unit of agreement (and of the evaluation's body score). Chinese and
    Japanese runs are split into characters, since they carry no spaces between words."""
    tokens = _TOKEN.findall(text)
    if _CJK_RUN.search(text):
        tokens = [piece for tok in tokens for piece in _CJK_PIECES.findall(tok)]
    return Counter(zip(*(tokens[i:] for i in range(SHINGLE_SIZE)), strict=False))


def shingle_f1(a: Counter, b: Counter) -> float:
    """F1 of two shingle multisets (0 when either is empty): how much two texts agree."""
    if not a or not b:
        return 0.0
    overlap = sum((a & b).values())
    if not overlap:
        return 0.0
    p, r = overlap / sum(a.values()), overlap / sum(b.values())
    return 2 * p * r / (p + r)


@dataclass
class Candidate:
    extractor: str  # one of EXTRACTORS
    text: str

    @cached_property
    def words(self) -> int:
        return count_words(self.text)

    @cached_property
    def shingles(self) -> Counter[tuple[str, ...]]:
        return _shingles(self.text)


def trafilatura_candidate(tree: lxml_html.HtmlElement, url: str, *, fast: bool = True) -> Candidate:
    """trafilatura, recall-leaning, no comments, images or links. Tables are read so that a
    story laid out in a table is found; :func:`_body_text` unwraps layout tables and drops data
    tables. ``fast`` skips trafilatura's internal fallbacks (readability, justext, baseline
    rescue): we run our own comparison, visibly, and ask for trafilatura's full cascade only
    when the fast result looks like a dump (see :func:`choose_body`)."""
    doc = trafilatura.bare_extraction(
        tree,
        url=url or None,
        fast=fast,
        favor_recall=True,
        with_metadata=False,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
    )
    return Candidate("trafilatura" if fast else "trafilatura+fallback", _body_text(doc))


def readability_candidate(tree: lxml_html.HtmlElement) -> Candidate:
    """readability (trafilatura's maintained fork of readability-lxml): scores nodes by text and
    link density, an algorithm independent of trafilatura's rules. Nodes whose class or id says
    "comment" are among the ones it discards as unlikely. It mutates its input: a copy."""
    from trafilatura.external import try_readability

    summary = try_readability(deepcopy(tree))
    return Candidate("readability", html_text(summary) if summary is not None else "")


def jsonld_candidate(bodies: Sequence[str]) -> Candidate | None:
    """The publisher's own JSON-LD ``articleBody`` (the longest, when several). Some sites put
    markup in it: rendered as text."""
    if not bodies:
        return None
    text = max(bodies, key=len)
    if "<" in text and re.search(r"</?[a-zA-Z][^>]*>", text):
        with contextlib.suppress(etree.ParserError, ValueError):
            text = html_text(lxml_html.fragment_fromstring(text, create_parent="div"))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return Candidate("jsonld", "\n".join(line for line in lines if line))


def baseline_candidate(tree: lxml_html.HtmlElement) -> Candidate:
    """trafilatura's baseline: the ``<article>`` element(s), else every paragraph.

    Its ``<article>`` tier returns each article as one run of text, headline, byline and
    paragraphs glued into a single line, which defeats line cleaning and the headline drop when
    this candidate wins. So an article's text is rendered again one line per block, and that
    rendering is used only when it holds exactly the same words."""
    body, _, _ = trafilatura.baseline(tree)  # copies its input
    lines = [" ".join(" ".join(el.itertext()).split()) for el in body]
    blocks = _article_blocks(tree) if any(lines) else {}
    out = [blocks.get(line, line) for line in lines if line]
    return Candidate("baseline", "\n".join(out))


def _article_blocks(tree: lxml_html.HtmlElement) -> dict[str, str]:
    """Outermost ``<article>`` elements, cleaned as the baseline cleans them, keyed by their
    text on one line and valued by the same text one line per block."""
    articles = tree.xpath(".//article[not(ancestor::article)]")
    if not articles:
        return {}
    from trafilatura.baseline import basic_cleaning

    out: dict[str, str] = {}
    for article in articles:
        rendered = html_text(basic_cleaning(deepcopy(article)))
        out[" ".join(rendered.split())] = rendered
    return out


def consensus(candidates: Sequence[Candidate]) -> Candidate:
    """Pick among disagreeing candidates (in preference order), ignoring empty ones.

    - one non-empty candidate: that one;
    - two: the first, unless it is implausibly short (under ``MIN_BODY_WORDS``) and the other
      is not: two opinions cannot outvote each other, so the preferred extractor stands;
    - three or more: the medoid, the candidate with the largest summed shingle F1 against the
      others (ties to the earlier one). When two agree the third is outvoted; when a short
      candidate is the common core of two long ones that disagree, the core wins.
    """
    voters = [c for c in candidates if c.words]
    if not voters:
        return candidates[0]
    if len(voters) == 1:
        return voters[0]
    if len(voters) == 2:
        a, b = voters
        return b if a.words < MIN_BODY_WORDS <= b.words else a
    best, best_score = voters[0], -1.0
    for c in voters:
        score = sum(shingle_f1(c.shingles, o.shingles) for o in voters if o is not c)
        if score > best_score + 1e-9:
            best, best_score = c, score
    return best


def _looks_like_dump(c: Candidate) -> bool:
    """trafilatura's fast mode falls back to "wild text" on pages it cannot structure: the whole
    page's text (navigation, teasers, story) in one or two lines. Real stories come in
    paragraphs, so a long text in at most ``DUMP_MAX_LINES`` lines is treated as a dump."""
    return c.words >= DUMP_MIN_WORDS and c.text.count("\n") < DUMP_MAX_LINES


def choose_body(tree: lxml_html.HtmlElement, url: str, page: PageMeta) -> Candidate:
    """The page's main text, before line cleaning; see the module docstring for the rule."""
    first = trafilatura_candidate(tree, url)
    declared = jsonld_candidate(page.article_bodies or [])
    if first.words < MIN_BODY_WORDS or _looks_like_dump(first):
        if declared is not None and declared.words >= MIN_BODY_WORDS:
            first, declared = declared, None
        else:
            first = trafilatura_candidate(tree, url, fast=False)
    second = readability_candidate(tree)
    if first.words >= MIN_BODY_WORDS and (
        not second.words or shingle_f1(first.shingles, second.shingles) >= AGREEMENT_F1
    ):
        return first
    third = declared or baseline_candidate(tree)
    return consensus([first, second, third])


# ---------------------------------------------------------------------------------------------
# Paywalls and consent walls

_PAYWALL_TEXT = re.compile(
    r"subscribe\s+(?:now\s+|today\s+)?to\s+(?:continue|keep)\s+reading"
    r"|to\s+(?:continue|keep)\s+reading,?\s+(?:please\s+)?(?:subscribe|sign\s+in|log\s+in|register|become\s+a)"
    r"|(?:this|the\s+rest\s+of\s+this|the\s+full)\s+(?:article|story|content|piece)\s+is\s+(?:only\s+)?"
    r"(?:available\s+|reserved\s+|exclusive(?:ly)?\s+)?(?:to|for)\s+(?:our\s+)?(?:paying\s+|digital\s+)?"
    r"(?:subscribers|members|premium)"
    r"|\bsubscribers?[- ]only\b|\bexclusive\s+to\s+subscribers\b"
    r"|you(?:'|’)ve\s+(?:reached|used)\s+(?:your|all\s+(?:of\s+)?your)\s+(?:\w+\s+)?(?:free\s+)?"
    r"(?:articles?|stor(?:y|ies))"
    r"|become\s+a\s+(?:subscriber|member)\s+to\s+(?:read|continue|unlock)"
    r"|unlock\s+(?:this|the\s+full)\s+(?:article|story)"
    r"|(?:subscribe|sign\s+up|register)\s+(?:now\s+|today\s+)?(?:for\s+free\s+)?to\s+(?:read|unlock)\s+"
    r"(?:the\s+full|this|the\s+rest)"
    r"|abonnez-vous\s+pour\s+(?:lire|poursuivre)|réservé\s+aux\s+abonnés"
    r"|(?:nur|exklusiv)\s+für\s+abonnenten|jetzt\s+weiterlesen\s+mit"
    r"|suscr[íi]bete\s+para\s+(?:seguir|continuar)|exclusivo\s+para\s+suscriptores"
    r"|riservato\s+agli\s+abbonati",
    re.I,
)
# Consent-management markup: the ids/classes of consent platforms and generic cookie dialogs.
_CONSENT_MARKUP = re.compile(
    r"consent|cookie|gdpr|(?:^|[\s_-])cmp(?:$|[\s_-])|onetrust|didomi|sp_message|qc-cmp|cookiebot"
    r"|truste|usercentrics|sourcepoint|privacy[-_]?(?:wall|notice|manager)",
    re.I,
)
_CONSENT_TEXT = re.compile(
    r"\b(?:we|our\s+partners|this\s+(?:web)?site)\b[^.]{0,80}?\buses?\s+cookies"
    r"|\bcookie\s+(?:settings|preferences|policy|consent)|\bconsent\s+to\s+(?:the\s+use\s+of\s+)?cookies"
    r"|\baccept\s+(?:all\s+)?cookies|\bbefore\s+you\s+continue\b|\bwe\s+value\s+your\s+privacy"
    r"|\byour\s+privacy\s+choices|\blegitimate\s+interest"
    r"|nous\s+utilisons\s+des\s+cookies|wir\s+verwenden\s+cookies|utilizamos\s+cookies"
    r"|utilizziamo\s+(?:i\s+)?cookie",
    re.I,
)
_CONSENT_WORDS = re.compile(
    r"cookie|consent|partners?\b|privacy|personal\s+data|tracking|vendors?\b|legitimate\s+interest"
    r"|advertis|datenschutz|einwilligung|consentement|confidentialit|privacidad|gdpr|rgpd",
    re.I,
)
_MAX_SCAN_CHARS = 300_000


def _visible_text(tree: lxml_html.HtmlElement) -> str:
    """The page's text without scripts and styles, whitespace collapsed (first 300,000 chars)."""
    return " ".join(html_text(tree)[:_MAX_SCAN_CHARS].split())


def consent_share(body: str) -> float:
    """Share of the body's words on lines that talk about cookies, consent, partners, privacy."""
    total = count_words(body)
    if not total:
        return 0.0
    hits = sum(count_words(line) for line in body.splitlines() if _CONSENT_WORDS.search(line))
    return hits / total


def _consent_markup(tree: lxml_html.HtmlElement) -> str | None:
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        for attr in ("id", "class"):
            value = el.get(attr)
            if value and _CONSENT_MARKUP.search(value):
                return f'<{el.tag} {attr}="{value[:60]}">'
    return None


def detect_wall(
    tree: lxml_html.HtmlElement, page: PageMeta, body: str, word_count: int
) -> tuple[str, str] | None:
    """(``"paywalled"`` | ``"consent_wall"``, why) when the page shows a wall instead of the story.

    Only a short body (under ``TEASER_MAX_WORDS``) can be a wall: a page that declares a paywall
    but still carries the whole story (served to crawlers, or metered) is an article.

    - ``paywalled``: the page declares restricted access (JSON-LD ``isAccessibleForFree: false``,
      ``article:content_tier`` locked/metered) or shows a subscription prompt ("Subscribe to
      continue reading", "réservé aux abonnés", ...).
    - ``consent_wall``: a consent platform's markup or consent text is on the page, and the body
      is empty or mostly consent talk (``CONSENT_SHARE`` of its words). A short story next to an
      ordinary cookie banner stays a (short) article.
    """
    if word_count >= TEASER_MAX_WORDS:
        return None
    text = _visible_text(tree)
    if page.restricted:
        return "paywalled", f"page declares restricted access; body has {word_count} words"
    m = _PAYWALL_TEXT.search(text)
    if m:
        return "paywalled", f"subscription prompt {m.group(0)!r}; body has {word_count} words"
    if word_count == 0 or consent_share(body) >= CONSENT_SHARE:
        m = _CONSENT_TEXT.search(text)
        signal = f"consent text {m.group(0)!r}" if m else _consent_markup(tree)
        if signal:
            return "consent_wall", f"{signal}; no story text"
    return None


# ---------------------------------------------------------------------------------------------
# The article


def _drop_headline(text: str, titles: list[str | None]) -> str:
    """Extractors often keep the <h1>; the headline is the title, not body copy."""
    keys = {_site_key(t) for t in titles if t}
    lines = [ln for ln in text.splitlines() if ln.strip()]
    # A section kicker ("World", "Europe news") may sit above the headline: up to two short
    # label-like lines are dropped with it, and only when the headline follows them.
    for i, line in enumerate(lines[:3]):
        if _site_key(line) in keys:
            kickers = lines[:i]
            if all(
                len(k.split()) <= 4 and not k.rstrip().endswith((".", "!", "?", "”", '"'))
                for k in kickers
            ):
                lines = lines[i + 1 :]
            break
    while lines and _site_key(lines[0]) in keys:
        lines.pop(0)
    return "\n".join(lines)


_URLISH = re.compile(r"^(?:https?:)?//|^www\.", re.I)
_BYLINE_XPATH = etree.XPath(
    "//*[@rel='author' or @itemprop='author' or contains(@class, 'byline')"
    " or contains(@class, 'author') or contains(@id, 'byline')][not(self::meta)]"
)
_BY_PREFIX = re.compile(r"^(?:by|par|von|por|di|door|av)\s+", re.I)
_BYLINE_MAX_WORDS = 12


def _byline(tree: lxml_html.HtmlElement, page: PageMeta) -> str | None:
    """Authors the page declares (JSON-LD, meta), else the first short byline-like element
    (``rel=author``, ``itemprop=author``, class "byline"/"author"), without its "By". Profile
    URLs in ``article:author`` are not names."""
    names = [a for a in page.authors if not _URLISH.match(a)][:3]
    if names:
        return "; ".join(names)[:300]
    for el in _BYLINE_XPATH(tree):
        text = _BY_PREFIX.sub("", _norm(el.text_content()))
        if text and len(text.split()) <= _BYLINE_MAX_WORDS:
            return text[:300]
    return None


def extract_article(
    html: str | bytes,
    url: str,
    *,
    feed_title: str | None = None,
    feed_published: datetime | None = None,
    feed_author: str | None = None,
    feed_agency_hint: str | None = None,
    default_tz: str | None = None,
    country: str | None = None,
) -> Extraction:
    """Extract one page. Never raises for bad input; see the module docstring for the rules.

    ``default_tz`` is the feed's zone and ``country`` the outlet's (ISO 3166-1 alpha-2): both
    only matter for timestamps written without an offset.
    """
    try:
        tree, reason = _load_tree(html)
        if tree is None:
            return _failed("parse_error", reason or "unparseable HTML")
        return _extract(
            tree,
            url,
            feed_title=feed_title,
            feed_published=feed_published,
            feed_author=feed_author,
            feed_agency_hint=feed_agency_hint,
            default_tz=default_tz,
            country=country,
        )
    except Exception as exc:  # a worker must report, not die: record the page as unparseable
        LOGGER.warning("extraction failed for %s", url, exc_info=True)
        return _failed("parse_error", f"{type(exc).__name__}: {exc}"[:500])


def _extract(
    tree: lxml_html.HtmlElement,
    url: str,
    *,
    feed_title: str | None,
    feed_published: datetime | None,
    feed_author: str | None,
    feed_agency_hint: str | None,
    default_tz: str | None,
    country: str | None,
) -> Extraction:
    page = page_meta(tree)
    chosen = choose_body(tree, url, page)
    title, title_source = choose_title(page, feed_title, url)
    cleaned = _finish_body(chosen.text, title, page)
    body = cleaned.body
    word_count = count_words(body)

    byline = _byline(tree, page)
    match = detect_agency(
        body,
        credits=cleaned.credits,
        byline=byline,
        meta_authors=page.authors,
        feed_author=feed_author,
        feed_hint=feed_agency_hint,
    )
    # htmldate only when the page states no published date: when it states an implausible one,
    # htmldate would fall back to the *modified* date, which is not a publication time.
    # Nor when the feed or the URL gives a date: htmldate's answer is a day without an offset,
    # which never outranks the feed's date and says no more than the URL's (see choose_date).
    page_dates = page.published
    if not page_dates and feed_published is None and not url_date(url):
        page_dates = [d for d in (_htmldate(tree),) if d]
    canonical = canonical_url(page.canonical_candidates, url)
    when = choose_date(
        page_dates, feed_published, [url, canonical], default_tz=default_tz, country=country
    )
    outcome, error = "ok", None
    wall = detect_wall(tree, page, body, word_count)
    if wall is not None:
        outcome, error = wall
    elif word_count < MIN_BODY_WORDS:
        outcome, error = "empty_extract", f"body has {word_count} words"
    return Extraction(
        outcome=outcome,
        title=title,
        title_source=title_source,
        body=body,
        word_count=word_count,
        published_at=when.published_at,
        date_source=when.source,
        language=detect_language(body, page.declared_language),
        canonical_url=canonical,
        byline=byline,
        agency=match.agency if match else None,
        agency_evidence=match.evidence if match else None,
        extractor=chosen.extractor,
        extractor_version=EXTRACTOR_VERSION,
        error=error,
        section=page.section,
        date_flags=",".join(when.flags) or None,
    )


def _finish_body(text: str, title: str | None, page: PageMeta) -> CleanResult:
    """The chosen candidate's text to the stored body: headline dropped, boilerplate cleaned."""
    return clean_body(_drop_headline(text, [title, page.og_title, page.jsonld_headline, page.h1]))


def candidate_bodies(
    html: str | bytes, url: str, *, feed_title: str | None = None
) -> dict[str, str]:
    """Every body :func:`choose_body` can pick from, each finished exactly as the chosen one is
    (headline dropped, boilerplate cleaned), keyed by ``EXTRACTORS`` name; ``jsonld`` only when
    the page declares an ``articleBody``. For the evaluation (``newsflow eval extract
    --candidates``): scoring each candidate alone, and the best of them per page, shows how much
    of the remaining error a better choice could remove and how much no candidate gets right.
    Not used by ingestion: it runs every extractor on every page."""
    tree, _ = _load_tree(html)
    if tree is None:
        return {}
    page = page_meta(tree)
    title, _ = choose_title(page, feed_title, url)
    candidates = [
        trafilatura_candidate(tree, url),
        trafilatura_candidate(tree, url, fast=False),
        readability_candidate(tree),
        baseline_candidate(tree),
        jsonld_candidate(page.article_bodies or []),
    ]
    return {c.extractor: _finish_body(c.text, title, page).body for c in candidates if c}


def extract_file(path: Path, url: str | None = None) -> dict[str, Any]:
    """``newsflow extract``: one saved page to a JSON-serialisable record.

    Without ``url`` the file's own ``file://`` URL is the base, so relative canonical links do
    not resolve to a web address (and are reported as None).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise NewsflowError(f"{path}: cannot read file ({exc.strerror or exc})") from None
    result = extract_article(data, url or path.resolve().as_uri())
    from pipeline.run.page import extraction_record

    return {"path": str(path), **extraction_record(asdict(result))}
