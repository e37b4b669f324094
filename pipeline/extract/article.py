"""One page to one :class:`Extraction`: the entry point the workers call, and the order of the
steps (parse, metadata, body, title, cleaning, agency, date, language, walls)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

import trafilatura
from lxml import etree
from lxml import html as lxml_html

from pipeline.extract.agency import detect_agency
from pipeline.extract.body import (
    EXTRACTORS,
    MIN_BODY_WORDS,
    baseline_candidate,
    choose_body,
    jsonld_candidate,
    readability_candidate,
    trafilatura_candidate,
)
from pipeline.extract.boilerplate import CleanResult, clean_body
from pipeline.extract.dates import choose_date, htmldate_guess
from pipeline.extract.html import count_words, load_tree, norm_space
from pipeline.extract.metadata import (
    PageMeta,
    canonical_url,
    detect_language,
    page_meta,
    site_key,
)
from pipeline.extract.title import choose_title
from pipeline.extract.walls import detect_wall, link_list
from pipeline.outcomes import ExtractOutcome

LOGGER = logging.getLogger(__name__)

# Bump the newsflow part whenever the output for the same page can change (cleaning rules, date
# rules, title rules, body choice): stored rows carry it, so re-extraction knows what is stale.
EXTRACTOR_VERSION = f"newsflow-5+trafilatura-{trafilatura.__version__}"
EXTRACTOR = EXTRACTORS[0]


@dataclass
class Extraction:
    """What extraction made of one page: the extraction columns of an ``articles`` row, plus
    the outcome and its reason (``error``) for ``fetch_log``."""

    outcome: ExtractOutcome
    title: str | None
    title_source: str | None  # "og:title" | "jsonld" | "h1" | "feed" | "html_title"
    body: str
    word_count: int
    published_at: datetime | None  # tz-aware UTC
    date_source: str | None  # "page" | "feed" | "url" | "htmldate" (see choose_date)
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
    # The publisher's UTC offset in minutes where the date's source wrote one (a page timestamp
    # with an offset); published_at stays UTC, this lets a user count by the publisher's day.
    published_offset_minutes: int | None = None


def _failed(outcome: ExtractOutcome, error: str) -> Extraction:
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


def _drop_headline(text: str, titles: list[str | None]) -> str:
    """Extractors often keep the <h1>; the headline is the title, not body copy."""
    keys = {site_key(t) for t in titles if t}
    lines = [ln for ln in text.splitlines() if ln.strip()]
    # A section kicker ("World", "Europe news") may sit above the headline: up to two short
    # label-like lines are dropped with it, and only when the headline follows them.
    for i, line in enumerate(lines[:3]):
        if site_key(line) in keys:
            kickers = lines[:i]
            if all(
                len(k.split()) <= 4 and not k.rstrip().endswith((".", "!", "?", "”", '"'))
                for k in kickers
            ):
                lines = lines[i + 1 :]
            break
    while lines and site_key(lines[0]) in keys:
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
        text = _BY_PREFIX.sub("", norm_space(el.text_content()))
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
    http_charset: str | None = None,
) -> Extraction:
    """Extract one page. Never raises for bad input; see the module docstring for the rules.

    ``default_tz`` is the feed's zone and ``country`` the outlet's (ISO 3166-1 alpha-2): both
    only matter for timestamps written without an offset. ``http_charset`` is the response's
    ``Content-Type`` charset, which outranks the page's own declaration.
    """
    try:
        tree, reason = load_tree(html, http_charset)
        if tree is None:
            return _failed(ExtractOutcome.PARSE_ERROR, reason or "unparseable HTML")
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
        return _failed(ExtractOutcome.PARSE_ERROR, f"{type(exc).__name__}: {exc}"[:500])


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
    canonical = canonical_url(page.canonical_candidates, url)
    when = choose_date(
        page.published,
        feed_published,
        [url, canonical],
        default_tz=default_tz,
        country=country,
        page_guess=lambda: htmldate_guess(tree, url),
    )
    outcome: ExtractOutcome = ExtractOutcome.OK
    error: str | None = None
    wall = detect_wall(tree, page, body, word_count)
    if wall is not None:
        outcome, error = wall
    elif word_count < MIN_BODY_WORDS:
        outcome, error = ExtractOutcome.EMPTY_EXTRACT, f"body has {word_count} words"
    elif (links := link_list(tree, body)) is not None:
        outcome, error = ExtractOutcome.EMPTY_EXTRACT, links
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
        published_offset_minutes=when.offset_minutes,
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
    tree, _ = load_tree(html)
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
