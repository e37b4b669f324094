"""The record every wire parser produces (:class:`WireItem`) and the per-item result around it.

Why one record for three formats: the loader, the version logic and the marts must not care
whether AFP sent NewsML-G2, dpa sent ninjs or a regional agency sent NITF. Each parser maps its
format's fields onto these names once; everything downstream reads only this.

Also here: the small helpers every parser shares (dates to aware UTC, markup to one paragraph per
line, provider names to the agency names the rest of the pipeline uses, subject codes split into
scheme and code).
"""

from __future__ import annotations

import hashlib
import html as html_lib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from pipeline.markup import block_text
from pipeline.outcomes import ItemOutcome

TEXT_TYPES = frozenset({"text", "composite"})  # types that carry an article when they have a body
KILL_STATUSES = frozenset({"canceled", "withheld"})
PUBSTATUSES = frozenset({"usable", "withheld", "canceled"})


@dataclass(frozen=True, slots=True)
class Subject:
    """One subject code: ``scheme`` is the IPTC scheme alias (``medtop``, ``subj``) or ``""``."""

    scheme: str
    code: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class WireItem:
    """One version of one wire item, as delivered. Dates are aware UTC."""

    uri: str
    version: int
    format: str  # "ninjs" | "newsml-g2" | "nitf"
    format_version: str
    item_type: str  # text | picture | video | audio | graphic | composite | event | planning | ...
    pubstatus: str = "usable"  # usable | withheld | canceled
    is_correction: bool = False
    embargoed_until: datetime | None = None
    firstcreated: datetime | None = None
    versioncreated: datetime | None = None
    headline: str | None = None
    byline: str | None = None
    dateline: str | None = None
    located: str | None = None
    language: str | None = None
    provider: str | None = None  # as given in the item
    agency: str | None = None  # normalised (AFP, Reuters, AP, dpa, NTB, TT, ...)
    subjects: tuple[Subject, ...] = ()
    urgency: int | None = None
    body_text: str = ""
    body_html: str | None = None
    source_url: str | None = None
    ednote: str | None = None
    raw: bytes = field(default=b"", repr=False)

    @property
    def title(self) -> str | None:
        return self.headline

    @property
    def is_kill(self) -> bool:
        """A withdrawal: the text must leave everything published (pubstatus canceled/withheld)."""
        return self.pubstatus in KILL_STATUSES

    @property
    def is_text(self) -> bool:
        return self.item_type in TEXT_TYPES

    def content_digest(self) -> str:
        """What makes two deliveries of the same version the same: the content, not the bytes
        (the same item re-sent inside a different envelope has other bytes)."""
        parts = (
            self.headline or "",
            self.body_text,
            self.pubstatus,
            self.embargoed_until.isoformat() if self.embargoed_until else "",
            "c" if self.is_correction else "",
        )
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class ItemResult:
    """One item of a delivery: a parsed WireItem (``item``) and/or a recorded outcome.

    ``outcome`` is ``ok`` for a text item to load, ``killed`` for a withdrawal notice (its item
    is set), and a rejection otherwise (``reason`` says why in one line; ``item`` is set when the
    item parsed but is not an article, e.g. a picture)."""

    outcome: ItemOutcome
    item: WireItem | None = None
    reason: str | None = None
    uri: str | None = None
    index: int = 0  # position in the delivery
    source: str = ""
    warnings: tuple[str, ...] = ()
    raw: bytes = field(default=b"", repr=False)


def classify(
    item: WireItem, *, source: str, index: int, warnings: tuple[str, ...] = ()
) -> ItemResult:
    """The outcome a parsed item gets: kill notice, non-text, empty text, or ok."""
    common = {"item": item, "uri": item.uri, "index": index, "source": source, "raw": item.raw}
    if item.is_kill:
        return ItemResult(ItemOutcome.KILLED, warnings=warnings, **common)
    if not item.is_text or (item.item_type == "composite" and not item.body_text.strip()):
        reason = f"{item.item_type} item, not an article"
        return ItemResult(ItemOutcome.NOT_TEXT, reason=reason, warnings=warnings, **common)
    if not item.body_text.strip():
        reason = f"{item.item_type} item has no body text"
        return ItemResult(ItemOutcome.EMPTY_BODY, reason=reason, warnings=warnings, **common)
    return ItemResult(ItemOutcome.OK, warnings=warnings, **common)


def rejected(
    outcome: ItemOutcome,
    reason: str,
    *,
    source: str,
    index: int = 0,
    uri: str | None = None,
    raw: bytes = b"",
) -> ItemResult:
    """A recorded rejection with a one-line reason."""
    one_line = " ".join(reason.split())[:500]
    return ItemResult(outcome, reason=one_line, uri=uri, index=index, source=source, raw=raw)


# --------------------------------------------------------------------------------------------
# Dates


def parse_date(value: Any) -> datetime | None:
    """An ISO 8601 timestamp (extended or NITF's basic ``20130709T103700Z``) as aware UTC.

    A timestamp without an offset is taken as UTC: wire formats require offsets, and a guess in
    the receiving newsroom's zone would be no better. Unparseable values give None."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def parse_version(value: Any) -> int | None:
    """A version number given as int or digit string; None when absent or not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def parse_urgency(value: Any) -> int | None:
    """Urgency 1 (flash) .. 9; out-of-range or non-numeric values give None."""
    number = parse_version(value)
    return number if number is not None and 0 <= number <= 9 else None


def clean_line(value: Any) -> str | None:
    """Whitespace collapsed; None for empty/non-string values."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None


# --------------------------------------------------------------------------------------------
# Markup to text: one paragraph per line, like page bodies

_BLOCKS = frozenset(
    (
        *("address", "article", "aside", "blockquote", "body", "br", "dd", "div", "dl", "dt"),
        *("figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr"),
        *("li", "main", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul"),
        # NITF block elements
        *("hl1", "hl2", "block", "bq", "nitf-table", "media", "note", "fn", "pre"),
    )
)
_NO_TEXT = frozenset(("script", "style", "noscript", "template", "head", "media-reference"))


def _local(tag: Any) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def element_text(root: Any) -> str:
    """Render an (X)HTML or NITF element as text, one line per block, whitespace collapsed;
    source line wraps inside a paragraph are not paragraph breaks (only blocks and ``<br>``)."""
    return block_text(root, blocks=_BLOCKS, no_text=_NO_TEXT, tag_of=_local, fold=True)


def html_to_text(markup: str) -> str:
    """HTML/XHTML given as a string (ninjs bodies) rendered as paragraphs, one per line."""
    if not markup or not markup.strip():
        return ""
    if "<" not in markup:
        return plain_to_text(markup)
    try:
        text = element_text(lxml_html.fragment_fromstring(markup, create_parent="div"))
    except (etree.ParserError, ValueError):
        text = ""
    # libxml2 gives up on pathological markup (nesting deeper than 256) and returns nothing;
    # the text is still the item's, so fall back to dropping the tags rather than lose it.
    return text or plain_to_text(html_lib.unescape(re.sub(r"<[^>]*>", "\n", markup)))


def plain_to_text(text: str) -> str:
    """Plain text: blank-line or newline separated paragraphs, whitespace inside a line collapsed."""
    lines = (" ".join(line.split()) for line in text.replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


# --------------------------------------------------------------------------------------------
# Providers and subjects

# Provider tokens seen in items (qcode tails, copyright holders, URN domains) -> agency name.
_PROVIDERS = {
    "afp": "AFP",
    "afp.com": "AFP",
    "agence france-presse": "AFP",
    "reuters": "Reuters",
    "reuters.com": "Reuters",
    "thomsonreuters.com": "Reuters",
    "thomson reuters": "Reuters",
    "ap": "AP",
    "ap.org": "AP",
    "associated press": "AP",
    "the associated press": "AP",
    "dpa": "dpa",
    "dpa.com": "dpa",
    "dpa.de": "dpa",
    "deutsche presse-agentur": "dpa",
    "ntb": "NTB",
    "ntb.no": "NTB",
    "norsk telegrambyrå": "NTB",
    "tt": "TT",
    "tt.se": "TT",
    "tt nyhetsbyrån": "TT",
    "businesswire.com": "Business Wire",
    "business wire": "Business Wire",
    "anp": "ANP",
    "efe": "EFE",
    "ansa": "ANSA",
    "aap": "AAP",
    "apa": "APA",
    "sda": "Keystone-SDA",
}


def normalise_agency(*candidates: str | None) -> str | None:
    """The agency a provider string names: a known wire token, else the pipeline's alias list,
    else None (an unknown provider stays in ``provider`` as given, never guessed)."""
    for raw in candidates:
        if not raw:
            continue
        token = raw.strip()
        token = token.rsplit(":", 1)[-1] if re.match(r"^[\w-]+:[^/]", token) else token
        key = " ".join(token.split()).casefold()
        if key in _PROVIDERS:
            return _PROVIDERS[key]
        agency = _alias_agency(token)
        if agency:
            return agency
    return None


def _alias_agency(name: str) -> str | None:
    try:
        from pipeline.extract.agency import resolve_agency
    except ImportError:  # the agency table moved; wire tokens above still work
        return None
    return resolve_agency(name)


def urn_domain(uri: str) -> str | None:
    """The issuer domain of a ``urn:newsml:<domain>:...``, ``tag:<domain>,...`` or http(s) URI."""
    m = (
        re.match(r"^urn:newsml:([^:]+):", uri)
        or re.match(r"^tag:([^,:]+)[,:]", uri)
        or re.match(r"^https?://(?:www\.)?([^/:]+)", uri)
    )
    return m.group(1).lower() if m else None


# IPTC vocabulary URIs -> scheme alias used in qcodes.
_SCHEME_URIS = {
    "http://cv.iptc.org/newscodes/mediatopic/": "medtop",
    "https://cv.iptc.org/newscodes/mediatopic/": "medtop",
    "http://cv.iptc.org/newscodes/subjectcode/": "subj",
    "https://cv.iptc.org/newscodes/subjectcode/": "subj",
    "http://cv.iptc.org/newscodes/genre/": "genre",
}


def split_code(qcode: str | None = None, uri: str | None = None) -> tuple[str, str] | None:
    """(scheme, code) from a qcode ``medtop:20000350`` or an IPTC vocabulary URI."""
    if qcode and ":" in qcode and "//" not in qcode:
        scheme, _, code = qcode.partition(":")
        if scheme.strip() and code.strip():
            return scheme.strip(), code.strip()
    if uri:
        for prefix, scheme in _SCHEME_URIS.items():
            if uri.startswith(prefix):
                return scheme, uri[len(prefix) :].strip("/")
        return "", uri
    if qcode and qcode.strip():
        return "", qcode.strip()
    return None


def dedupe_subjects(subjects: list[Subject]) -> tuple[Subject, ...]:
    """Subjects in delivery order, one per (scheme, code)."""
    seen: set[tuple[str, str]] = set()
    out: list[Subject] = []
    for s in subjects:
        if (s.scheme, s.code) not in seen:
            seen.add((s.scheme, s.code))
            out.append(s)
    return tuple(out)


_CORRECTION_NOTE = re.compile(r"^\s*(?:\W\s*)?correct(?:s|ed|ion|ive)?\b", re.IGNORECASE)
_CORRECTION_HEADLINE = re.compile(r"^\s*(?:CORRECTED|CORRECTION|CORRECTS)\b")


def looks_like_correction(ednote: str | None, headline: str | None = None) -> bool:
    """An editor's note starting "Corrects ..."/"Correction", or an agency-style capitalised
    headline prefix ("CORRECTED-", "CORRECTION:"); a headline merely starting with the word
    ("Correct answers ...") is not a signal."""
    return bool(
        (isinstance(ednote, str) and _CORRECTION_NOTE.match(ednote))
        or (isinstance(headline, str) and _CORRECTION_HEADLINE.match(headline))
    )


def language_code(value: object) -> str | None:
    """The primary ISO 639 subtag, lower case (``nb-NO`` -> ``nb``), as pages store it."""
    if not isinstance(value, str):
        return None
    primary = value.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None
