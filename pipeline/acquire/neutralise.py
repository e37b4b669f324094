"""Make feed bytes safe for feedparser before it sees them, without losing any entry.

Why: feedparser runs regexes over whole field values. Its author/email regex is quadratic in the
length of a run of ``[A-Za-z0-9_.+-]`` characters (a 20,000-character author takes ~5 s, 50,000
~30 s), so one hostile ``<author>`` used to push the whole feed past the parse limit and lose every
entry. Names, e-mail addresses and dates are short in real feeds, so here, in one linear pass
over the raw XML:

* leaf text of author-like elements (author, creator, name, email, managingEditor, webMaster,
  publisher, contributor, owner) is cut to :data:`MAX_PERSON` bytes, and runs of e-mail
  characters in it to :data:`MAX_RUN`;
* leaf text of date elements is cut to :data:`MAX_DATE` bytes;
* an internal DTD subset (``<!DOCTYPE rss [ <!ENTITY ...> ]>``) is removed: feeds never need
  their own entities, and entity expansion is how "billion laughs" documents attack parsers.

Each change is counted and reported, so the poll row says what was altered.
"""

from __future__ import annotations

import re

__all__ = ["MAX_DATE", "MAX_PERSON", "MAX_RUN", "neutralise"]

MAX_PERSON = 512
MAX_RUN = 80
MAX_DATE = 200

_PERSON = frozenset(
    b"author creator name email managingeditor webmaster publisher contributor owner".split()
)
_DATE = frozenset(b"pubdate published updated date lastbuilddate modified issued created".split())
_TAG = re.compile(
    rb"<(/?)((?:[A-Za-z_][\w.-]{0,40}:)?("
    rb"author|creator|name|email|managingEditor|webMaster|publisher|contributor|owner|"
    rb"pubDate|published|updated|date|lastBuildDate|modified|issued|created"
    rb"))(?:\s[^<>]{0,2000})?>",
    re.IGNORECASE,
)
_DOCTYPE = re.compile(rb"<!DOCTYPE\s+([\w:.-]{1,100})[^\[>]{0,2000}\[", re.IGNORECASE)
_EMAIL_RUN = re.compile(rb"[A-Za-z0-9_.+\-]{%d,}" % (MAX_RUN + 1))
_CDATA_OPEN = b"<![CDATA["


def neutralise(content: bytes) -> tuple[bytes, list[str]]:
    """(safe bytes, notes on what was changed). Never raises; unchanged input gives no notes."""
    notes: list[str] = []
    content, n_entities = _drop_internal_subset(content)
    if n_entities:
        notes.append(f"DOCTYPE declared {n_entities} entities; they were not expanded")
    content, n_person, n_date = _bound_fields(content)
    if n_person:
        notes.append(f"{n_person} oversized author/e-mail fields cut to {MAX_PERSON} bytes")
    if n_date:
        notes.append(f"{n_date} oversized date fields cut to {MAX_DATE} bytes")
    return content, notes


def _drop_internal_subset(content: bytes) -> tuple[bytes, int]:
    """Replace ``<!DOCTYPE x [ ... ]>`` by ``<!DOCTYPE x>``; count the ENTITY declarations."""
    head = content[:4096]
    m = _DOCTYPE.search(head)
    if m is None or b"<" in head[: m.start()].replace(b"<?", b"").replace(b"<!--", b""):
        return content, 0
    end = content.find(b"]>", m.end())
    if end < 0:
        return content, 0
    tail = end + 2
    subset = content[m.end() : end]
    n = subset.upper().count(b"<!ENTITY")
    return content[: m.start()] + b"<!DOCTYPE " + m.group(1) + b">" + content[tail:], n


def _bound_fields(content: bytes) -> tuple[bytes, int, int]:
    """Cut over-long leaf text of person and date elements; linear in the document size."""
    out: list[bytes] = []
    cursor = 0
    n_person = n_date = 0
    opened: re.Match[bytes] | None = None
    for tag in _TAG.finditer(content):
        if not tag.group(1):  # an opening tag: remember the latest one
            opened = tag
            continue
        if opened is None or opened.group(2).lower() != tag.group(2).lower():
            opened = None
            continue
        start, stop = opened.end(), tag.start()
        kind = opened.group(3).lower()
        opened = None
        limit = MAX_PERSON if kind in _PERSON else MAX_DATE
        fixed = _bound_leaf(content[start:stop], limit, person=kind in _PERSON)
        if fixed is None:
            continue
        out += [content[cursor:start], fixed]
        cursor = stop
        if kind in _PERSON:
            n_person += 1
        else:
            n_date += 1
    if not out:
        return content, 0, 0
    out.append(content[cursor:])
    return b"".join(out), n_person, n_date


def _bound_leaf(text: bytes, limit: int, *, person: bool) -> bytes | None:
    """The bounded replacement for a leaf's text, or None when it needs no change (or is not a
    leaf: elements inside are left alone, their own leaves are bounded)."""
    cdata = text.strip().startswith(_CDATA_OPEN) and text.rstrip().endswith(b"]]>")
    inner = text.strip()[len(_CDATA_OPEN) : -3] if cdata else text
    if not cdata and b"<" in inner:
        return None
    long_run = person and _EMAIL_RUN.search(inner) is not None
    if len(inner) <= limit and not long_run:
        return None
    if person:
        inner = _EMAIL_RUN.sub(lambda m: m.group(0)[:MAX_RUN], inner)
    inner = _clip(inner, limit)
    return _CDATA_OPEN + inner.replace(b"]]>", b"") + b"]]>" if cdata else inner


def _clip(text: bytes, limit: int) -> bytes:
    """At most ``limit`` bytes, not ending inside a UTF-8 sequence or an entity reference."""
    if len(text) <= limit:
        return text
    text = text[:limit]
    amp = text.rfind(b"&")
    if amp >= 0 and b";" not in text[amp:]:
        text = text[:amp]
    for cut in range(4):  # do not end inside a UTF-8 sequence (other encodings: any cut is fine)
        try:
            (text[: len(text) - cut] if cut else text).decode("utf-8")
        except UnicodeDecodeError:
            continue
        return text[: len(text) - cut] if cut else text
    return text
