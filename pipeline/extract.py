"""Turn one fetched HTML page into an article record: body, title, date, language, agency.

A pure function of (HTML, URL, feed entry facts): no network, no database, no processes. The
caller runs it in a wall-clock-limited worker pool, so it must never raise for bad input: bytes
that are not HTML come back as ``outcome="parse_error"``, pages without a story as
``"empty_extract"``.

Choices and why:

- Body: trafilatura with precision settings (news pages are full of teasers and related links;
  a missed paragraph costs less than a foreign one), no comments, no tables (on news pages they
  are market tickers, sports tables and layout; cell text without its grid reads as noise). If
  that gives under ``RECALL_RETRY_WORDS`` words, one retry with ``favor_recall`` and tables (a
  story precision cannot find often sits in a layout table, which is unwrapped into its
  paragraphs); the retry is kept only if it substantially extends the first result, because on
  short pages recall mostly adds nav and cookie notices. Then
  :func:`pipeline.boilerplate.clean_body`, and the headline is dropped when it opens the body.
- Title: ``og:title``, then JSON-LD ``headline``, then the page ``<h1>``, then the feed's title,
  then ``<title>``; site-name suffixes (" | The Daily Ledger") are stripped from each.
- Date (see :func:`choose_published`): the page's own published date when it carries a time zone
  and agrees with the feed's date within ``DATE_AGREEMENT``; otherwise the feed's date; then any
  page date; then a date in the URL. Timestamps without an offset are read in ``default_tz`` (the
  feed's configured zone), else UTC. Dates before ``MIN_DATE`` or more than ``FUTURE_SLACK``
  ahead of now are discarded as junk.
- Language: py3langid on the body, ISO 639-1 or None when unsure.
- Agency: :func:`pipeline.agency.detect_agency` over body, credit lines and author fields.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from email.utils import parsedate_to_datetime
from functools import lru_cache
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
from pipeline.boilerplate import clean_body
from pipeline.errors import NewsflowError

LOGGER = logging.getLogger(__name__)

# Bump the newsflow part whenever the output for the same page can change (cleaning rules, date
# rules, title rules): stored rows carry it, so re-extraction knows what is stale.
EXTRACTOR_VERSION = f"newsflow-1+trafilatura-{trafilatura.__version__}"
EXTRACTOR = "trafilatura"

RECALL_RETRY_WORDS = 40
MIN_BODY_WORDS = 20
DATE_AGREEMENT = timedelta(days=2)
FUTURE_SLACK = timedelta(days=1)
MIN_DATE = datetime(1995, 1, 1, tzinfo=UTC)
LANGUAGE_MIN_CONFIDENCE = 0.5
LANGUAGE_MIN_WORDS = 5
LANGUAGE_MAX_CHARS = 5000


@dataclass
class Extraction:
    outcome: str  # "ok" | "empty_extract" | "parse_error"
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
    extractor: str
    extractor_version: str
    error: str | None = None


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
    """All ``<meta>`` contents keyed by lowercased property/name/itemprop, in document order."""
    out: dict[str, list[str]] = {}
    for el in tree.iter("meta"):
        content = _norm(el.get("content"))
        if not content:
            continue
        for attr in ("property", "name", "itemprop"):
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
        except ValueError:
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


@dataclass
class _PageMeta:
    og_title: str | None
    jsonld_headline: str | None
    h1: str | None
    html_title: str | None
    site_names: list[str]
    published: list[str]  # raw explicit published-date strings, best first
    authors: list[str]
    canonical_candidates: list[str]


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


def _page_meta(tree: lxml_html.HtmlElement) -> _PageMeta:
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
    return _PageMeta(
        og_title=first(("og:title",)),
        jsonld_headline=headline or None,
        h1=h1,
        html_title=_norm(title_el.text_content()) if title_el is not None else None,
        site_names=site_names,
        published=published,
        authors=list(dict.fromkeys(a for a in authors if a)),
        canonical_candidates=canonical,
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


def choose_title(
    page: _PageMeta, feed_title: str | None, url: str
) -> tuple[str | None, str | None]:
    candidates = (
        ("og:title", page.og_title),
        ("jsonld", page.jsonld_headline),
        ("h1", page.h1),
        ("feed", feed_title),
        ("html_title", page.html_title),
    )
    for source, raw in candidates:
        if raw and _norm(raw):
            title = strip_site_suffix(raw, page.site_names, url)
            if title:
                return title, source
    return None, None


# ---------------------------------------------------------------------------------------------
# Dates


def _zone(name: str | None) -> tzinfo:
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            LOGGER.warning("unknown time zone %r, reading naive dates as UTC", name)
    return UTC


_HAS_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def parse_datetime(value: str) -> tuple[datetime, bool] | None:
    """(datetime, had an explicit offset) from ISO 8601 or RFC 2822 text, or None."""
    value = value.strip()
    if not value:
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
                from dateutil import parser as du

                dt = du.parse(value)
            except (ValueError, OverflowError, TypeError):
                return None
    return dt, dt.tzinfo is not None and dt.utcoffset() is not None


def _localise(dt: datetime, tz: tzinfo) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        dt = dt.replace(tzinfo=tz)
    return dt.astimezone(UTC)


def _plausible(dt: datetime | None, now: datetime) -> datetime | None:
    return dt if dt is not None and MIN_DATE <= dt <= now + FUTURE_SLACK else None


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


def choose_published(
    page_dates: list[str],
    feed_published: datetime | None,
    urls: list[str | None],
    *,
    default_tz: str | None = None,
    now: datetime | None = None,
) -> tuple[datetime | None, str | None]:
    """The article's publication time (UTC) and where it came from.

    1. the first plausible page date with an explicit offset, if the feed has no date or the
       two agree within ``DATE_AGREEMENT`` (the page knows the minute; the feed confirms the day);
    2. else the feed's date (a page date that disagrees is usually a modified date or template);
    3. else the first plausible page date without an offset (read in ``default_tz``);
    4. else a date in the URL (midnight in ``default_tz``).
    Naive values are read in ``default_tz``, else UTC; implausible ones are skipped.
    """
    tz = _zone(default_tz)
    now = now or datetime.now(UTC)
    feed = _plausible(_localise(feed_published, tz), now) if feed_published else None
    aware: datetime | None = None
    naive: datetime | None = None
    for raw in page_dates:
        parsed = parse_datetime(raw)
        if parsed is None:
            continue
        dt = _plausible(_localise(parsed[0], tz), now)
        if dt is None:
            continue
        if parsed[1]:
            aware = aware or dt
        else:
            naive = naive or dt
    if aware and (feed is None or abs(aware - feed) <= DATE_AGREEMENT):
        return aware, "page"
    if feed:
        return feed, "feed"
    if naive:
        return naive, "page"
    for u in urls:
        d = url_date(u)
        if d:
            dt = _plausible(_localise(datetime(d.year, d.month, d.day), tz), now)
            if dt:
                return dt, "url"
    return None, None


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


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of ``text``, or None when too short, unsure, or not a 639-1 language."""
    if len(text.split()) < LANGUAGE_MIN_WORDS:
        return None
    lang, confidence = _language_identifier().classify(text[:LANGUAGE_MAX_CHARS])
    if confidence < LANGUAGE_MIN_CONFIDENCE or len(lang) != 2:
        return None
    return lang


# ---------------------------------------------------------------------------------------------
# Body


def _trafilatura(tree: lxml_html.HtmlElement, url: str, *, recall: bool) -> Any:
    """Precision pass: no tables. Recall pass: tables too, since a story that precision could not
    find often sits in a layout table (see :func:`_unwrap_layout_tables`)."""
    return trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=recall,
        include_images=False,
        include_links=False,
        favor_precision=not recall,
        favor_recall=recall,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )


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
    contents, so the story inside keeps its paragraphs instead of becoming one "| ... |" row.
    Innermost tables first; data tables (several plain cells per row) are left alone."""
    for table in reversed(list(body.iter("table"))):
        rows = table.findall("row")
        if any(len(r.findall("cell")) > 1 for r in rows) and not any(
            child.tag in _BLOCKS for cell in table.iter("cell") for child in cell
        ):
            continue
        parent = table.getparent()
        if parent is None:
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


def _words(doc: Any) -> int:
    return len((doc.text or "").split()) if doc is not None else 0


def _recall_is_better(first: Any, retry: Any) -> bool:
    """Take the recall pass only when it *extends* a thin precision result substantially.

    On short or empty pages recall mostly adds chrome (nav, byline, cookie notice), so it must
    reach ``RECALL_RETRY_WORDS``, at least double the word count, and contain what precision
    found. When precision found nothing at all, recall is the only candidate.
    """
    n_first, n_retry = _words(first), _words(retry)
    if n_retry < RECALL_RETRY_WORDS or n_retry < 2 * n_first:
        return False
    if n_first == 0:
        return True
    return " ".join(first.text.split()) in " ".join(retry.text.split())


def _drop_headline(text: str, titles: list[str | None]) -> str:
    """Trafilatura often keeps the <h1>; the headline is the title, not body copy."""
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


def extract_article(
    html: str | bytes,
    url: str,
    *,
    feed_title: str | None = None,
    feed_published: datetime | None = None,
    feed_author: str | None = None,
    feed_agency_hint: str | None = None,
    default_tz: str | None = None,
) -> Extraction:
    """Extract one page. Never raises for bad input; see the module docstring for the rules."""
    try:
        text = decode_html(html) if isinstance(html, bytes) else html
        reason = _not_html(text)
        if reason:
            return _failed("parse_error", reason)
        tree = _parse(text)
        if tree is None:
            return _failed("parse_error", "unparseable HTML")
        return _extract(
            tree,
            url,
            feed_title=feed_title,
            feed_published=feed_published,
            feed_author=feed_author,
            feed_agency_hint=feed_agency_hint,
            default_tz=default_tz,
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
) -> Extraction:
    page = _page_meta(tree)
    doc = _trafilatura(tree, url, recall=False)
    if _words(doc) < RECALL_RETRY_WORDS:
        retry = _trafilatura(tree, url, recall=True)
        if _recall_is_better(doc, retry):
            doc = retry
    raw_text = _body_text(doc)

    title, title_source = choose_title(page, feed_title, url)
    raw_text = _drop_headline(raw_text, [title, page.og_title, page.jsonld_headline, page.h1])
    cleaned = clean_body(raw_text)
    body = cleaned.body
    word_count = len(body.split())

    byline = _norm(doc.author) if doc is not None and doc.author else None
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
    page_dates = page.published or [d for d in (_htmldate(tree),) if d]
    canonical = canonical_url(page.canonical_candidates, url)
    published_at, date_source = choose_published(
        page_dates, feed_published, [url, canonical], default_tz=default_tz
    )
    return Extraction(
        outcome="ok" if word_count >= MIN_BODY_WORDS else "empty_extract",
        title=title,
        title_source=title_source,
        body=body,
        word_count=word_count,
        published_at=published_at,
        date_source=date_source,
        language=detect_language(body),
        canonical_url=canonical,
        byline=byline,
        agency=match.agency if match else None,
        agency_evidence=match.evidence if match else None,
        extractor=EXTRACTOR,
        extractor_version=EXTRACTOR_VERSION,
        error=None if word_count >= MIN_BODY_WORDS else f"body has {word_count} words",
    )


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
    record = asdict(result)
    record["published_at"] = result.published_at.isoformat() if result.published_at else None
    return {"path": str(path), **record}
