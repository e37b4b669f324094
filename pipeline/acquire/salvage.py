"""Read what can be read from a feed that does not parse whole: one entry at a time.

Why: when feedparser fails or overruns its time limit, the valid entries of the feed used to be
lost with the bad one. Here each ``<item>``/``<entry>`` is cut out of the raw XML and parsed on its
own by lxml with a hardened parser (no entity expansion, no DTD loading, no network, no huge
trees, recovery on), inside a wrapper that re-declares the document's namespaces. A broken entry
costs only itself; a truncated document loses only its last entry.

The entries come back as plain dicts shaped like feedparser's (``link``, ``title``,
``published`` as the raw string, ``author``, ``id``, ``summary``), so one code path turns both
into :class:`~pipeline.acquire.feeds.FeedEntry`.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

__all__ = ["count_entries", "salvage_entries"]

_ENTRY_TAG = re.compile(
    rb"<(/?)((?:[A-Za-z_][\w.-]{0,40}:)?(?:item|entry))(?=[\s>/])[^<>]{0,4000}?(/?)>"
)
_XMLNS = re.compile(rb"""\sxmlns(?::[\w.-]+)?\s*=\s*(?:"[^"<>]{0,500}"|'[^'<>]{0,500}')""")
_DECL_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}encoding\s*=\s*["']([\w.:-]{1,40})["']""")
_FEED_ROOT = re.compile(rb"<(?:[\w.-]+:)?(?:rss|feed|RDF|channel)[\s>]")
_DATE_NAMES = ("pubDate", "published", "date", "updated", "modified", "issued", "created")
_MAX_TEXT = 20_000


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=True,
        remove_comments=True,
        remove_pis=True,
    )


def _chunks(content: bytes) -> list[bytes]:
    """The raw bytes of each entry, in document order; an unclosed last one runs to the end."""
    out: list[bytes] = []
    start: int | None = None
    name = b""
    for tag in _ENTRY_TAG.finditer(content):
        closing, tag_name, empty = tag.group(1), tag.group(2), tag.group(3)
        if not closing and not empty:
            if start is not None:  # a new entry before the last one closed: keep the piece
                out.append(content[start : tag.start()])
            start, name = tag.start(), tag_name
        elif closing and start is not None and tag_name == name:
            out.append(content[start : tag.end()])
            start = None
    if start is not None:
        out.append(content[start:])
    return out


def count_entries(content: bytes) -> int:
    """How many entries the raw document contains (closed or not): the denominator of a
    salvage, and how a truncated feed is told from a complete one."""
    return len(_chunks(content))


def looks_like_feed(content: bytes) -> bool:
    return _FEED_ROOT.search(content[:65536]) is not None


def salvage_entries(content: bytes) -> list[dict[str, Any]]:
    """Every entry that lxml can read on its own; unreadable ones are left out."""
    m = _DECL_ENCODING.match(content)
    encoding = m.group(1) if m else b"utf-8"
    namespaces = b" ".join(dict.fromkeys(x.strip() for x in _XMLNS.findall(content[:65536])))
    head = b'<?xml version="1.0" encoding="' + encoding + b'"?><salvage ' + namespaces + b">"
    parser = _parser()
    out: list[dict[str, Any]] = []
    for chunk in _chunks(content):
        try:
            root = etree.fromstring(head + chunk + b"</salvage>", parser)
        except (etree.XMLSyntaxError, ValueError):
            continue
        element = root[0] if root is not None and len(root) else None
        if element is None:
            continue
        try:
            entry = _read_entry(element)
        except ValueError:  # whatever recovery built, one entry must not stop the rest
            continue
        if entry.get("link") or entry.get("title"):
            out.append(entry)
    return out


def _local(el: Any) -> str:
    tag = el.tag  # '{ns}name', or 'prefix:name' when recovery kept an unbound prefix
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1] if isinstance(tag, str) else ""


def _text(el: Any) -> str | None:
    text = "".join(el.itertext())[:_MAX_TEXT].strip()
    return text or None


def _children(entry: Any) -> dict[str, list[Any]]:
    kids: dict[str, list[Any]] = {}
    for child in entry:
        kids.setdefault(_local(child), []).append(child)
    return kids


def _link(kids: dict[str, list[Any]]) -> str | None:
    for el in kids.get("link", []):
        href = el.get("href")
        if href and el.get("rel", "alternate") == "alternate":
            return href.strip()
        if not href and _text(el):
            return _text(el)
    for el in kids.get("guid", []) + kids.get("id", []):
        text = _text(el)
        if text and text.startswith(("http://", "https://")):
            return text
    return None


def _first(kids: dict[str, list[Any]], *names: str) -> str | None:
    for name in names:
        for el in kids.get(name, []):
            text = _text(el)
            if text:
                return text
    return None


def _read_entry(entry: Any) -> dict[str, Any]:
    kids = _children(entry)
    author = None
    for el in kids.get("author", []) + kids.get("creator", []):
        names = [c for c in el if _local(c) == "name"]
        author = _text(names[0]) if names else _text(el)
        if author:
            break
    return {
        "link": _link(kids),
        "title": _first(kids, "title"),
        "published": _first(kids, *_DATE_NAMES),
        "author": author,
        "id": _first(kids, "guid", "id"),
        "summary": _first(kids, "description", "summary"),
    }
