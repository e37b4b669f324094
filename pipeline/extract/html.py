"""Bytes to a parsed page, and a parsed page back to text: the ground every other step stands on.

Decoding follows the browsers (BOM, then the declared charset, else UTF-8, never an error), and
input that is not HTML at all is refused here with a reason, so later steps can assume a tree.
"""

from __future__ import annotations

import codecs
import math
import re
from typing import Any

import trafilatura
from lxml import html as lxml_html

from pipeline.markup import block_text

CJK_CHAR = "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
CJK_RUN = re.compile(CJK_CHAR + "+")


def count_words(text: str) -> int:
    """Whitespace words, except that Chinese/Japanese script (written without spaces) counts one
    word per two characters, the usual average; otherwise every Chinese story would have a
    handful of "words" and be discarded as empty."""
    n_cjk = sum(len(m) for m in CJK_RUN.findall(text))
    if not n_cjk:
        return len(text.split())
    return len(CJK_RUN.sub(" ", text).split()) + math.ceil(n_cjk / 2)


def norm_space(s: str | None) -> str:
    """Whitespace runs to one space, ends trimmed; None to ""."""
    return " ".join(s.split()) if s else ""


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


def decode_html(data: bytes, http_charset: str | None = None) -> str:
    """Bytes to text, in this order:

    1. a BOM;
    2. UTF-8, when the non-ASCII bytes are mostly valid UTF-8, whatever is declared: valid
       multi-byte sequences practically never occur by chance in legacy-encoded text, while UTF-8
       pages labelled ISO-8859-1 by a server default or an old template are common (a few stray
       invalid bytes in a UTF-8 page become U+FFFD, not a whole page of mojibake);
    3. the charset of the HTTP ``Content-Type`` header (``http_charset``: a page that declares
       windows-1251 or Shift_JIS only there would otherwise be stored as mojibake);
    4. ``<meta charset>`` / http-equiv / XML declaration in the first 4 KB;
    5. windows-1252, for legacy pages that declare nothing usable ("Café" must not be stored as
       "Caf\ufffd").

    A declared UTF-8 that the bytes are not is skipped (cp1252 bytes served as "utf-8").
    Undecodable bytes of a declared encoding become U+FFFD rather than an error. As browsers do
    (WHATWG encoding spec), a declared latin-1/ascii means windows-1252 and a declared UTF-16 in
    an ASCII-compatible document means UTF-8.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    text = _as_utf8(data)
    if text is not None and not text.isascii():
        return text
    for name in _declared(data, http_charset):
        if name == "utf-8" and text is None:
            continue  # declared UTF-8, but it is not
        return text if text is not None and name == "utf-8" else data.decode(name, "replace")
    return text if text is not None else data.decode("cp1252", errors="replace")


def _as_utf8(data: bytes) -> str | None:
    """The bytes as UTF-8 when they are UTF-8: valid, or with fewer invalid bytes than valid
    non-ASCII characters (a damaged UTF-8 page); None when they are some other encoding."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", "ignore")) - bad
    return text if good > bad else None


def _declared(data: bytes, http_charset: str | None) -> list[str]:
    """The codecs the page is declared in, header first; an unknown page label means UTF-8."""
    names = [_codec(http_charset)] if http_charset else []
    m = _DECLARED_CHARSET.search(data[:4096])
    if m:
        names.append(_codec((m.group(1) or m.group(2)).decode("ascii")) or "utf-8")
    return [n for n in names if n]


def _codec(label: str) -> str | None:
    """Python's codec for a charset label, with the browsers' substitutions; None if unknown
    (an unknown header label falls through to the page's own declaration)."""
    try:
        name = codecs.lookup(label.strip().strip("\"'").lower()).name
    except LookupError:
        return None
    if name in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"
    if name.startswith("utf-16") or name.startswith("utf-32"):
        return "utf-8"
    return name


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


def load_tree(
    html: str | bytes, http_charset: str | None = None
) -> tuple[lxml_html.HtmlElement | None, str | None]:
    """(parsed page, None), or (None, why it is not an HTML document / None if unparseable)."""
    text = decode_html(html, http_charset) if isinstance(html, bytes) else html
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
    """Render an lxml (X)HTML tree as text, one line per block element, whitespace collapsed."""
    return block_text(root, blocks=_HTML_BLOCKS, no_text=_NO_TEXT)
