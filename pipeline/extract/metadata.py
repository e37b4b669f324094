"""What a page says about itself: titles, published dates, authors, section, access, language,
canonical links (``<meta>``, JSON-LD, microdata), and the language of the extracted text.

Read once per page into :class:`PageMeta`, so the title, date, body and wall steps all see the
same facts and none of them re-walks the tree for them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import html as lxml_html

from pipeline.extract.html import count_words, norm_space

LANGUAGE_MIN_CONFIDENCE = 0.5
LANGUAGE_MIN_WORDS = 5
LANGUAGE_MAX_CHARS = 1000


def site_key(s: str) -> str:
    """A name folded for comparison ("The Daily Ledger" == "dailyledger"): site names, titles
    and headline lines are compared by this key."""
    s = re.sub(r"^(?:the|www)\b", "", s.strip().lower())
    return re.sub(r"[\W_]+", "", s)


def _meta(tree: lxml_html.HtmlElement) -> dict[str, list[str]]:
    """All ``<meta>`` contents keyed by lowercased property/name/itemprop/http-equiv, in document
    order."""
    out: dict[str, list[str]] = {}
    for el in tree.iter("meta"):
        content = norm_space(el.get("content"))
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
        return [norm_space(value)] if norm_space(value) else []
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    if isinstance(value, dict):
        return _names(value.get("name"))
    return []


def _strings(value: Any) -> list[str]:
    """A JSON-LD text-or-list-of-texts value as clean strings."""
    items = value if isinstance(value, list) else [value]
    return [norm_space(v) for v in items if isinstance(v, str) and norm_space(v)]


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
        (norm_space(o["headline"]) for o in arts if isinstance(o.get("headline"), str)), None
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
    h1s = [norm_space(el.text_content()) for el in h1_els]
    site_keys = {site_key(n) for n in site_names}
    h1 = next((h for h in h1s if h and site_key(h) not in site_keys), None)
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
        html_title=norm_space(title_el.text_content()) if title_el is not None else None,
        site_names=site_names,
        published=published,
        authors=list(dict.fromkeys(a for a in authors if a)),
        canonical_candidates=canonical,
        section=sections[0][:100] if sections else None,
        article_bodies=bodies,
        declared_language=next((c for c in map(_lang_code, declared) if c), None),
        restricted=restricted,
    )


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
