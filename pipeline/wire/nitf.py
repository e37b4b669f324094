"""NITF 3.x (News Industry Text Format) to :class:`WireItem`, standalone or inside NewsML-G2.

NITF keeps its metadata in ``head/docdata``: ``doc-id`` (the identifier), ``du-key@version``,
``urgency@ed-urg``, ``date.issue``/``date.release`` (the release date is the embargo),
``management-status`` (usable | embargoed | withheld | canceled), ``correction`` (a corrected
version), ``doc.copyright@holder``; the text in ``body/body.head`` (``hedline/hl1``, ``byline``,
``dateline``, ``distributor``) and ``body/body.content``. Element names are matched in any
namespace: NITF travels both with and without ``http://iptc.org/std/NITF/2006-10-18/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from pipeline.outcomes import ItemOutcome
from pipeline.wire.items import (
    ItemResult,
    Subject,
    WireItem,
    classify,
    clean_line,
    dedupe_subjects,
    element_text,
    language_code,
    looks_like_correction,
    normalise_agency,
    parse_date,
    parse_urgency,
    parse_version,
    rejected,
)


def find(el: Any, path: str) -> Any:
    """``el.find`` with every step of ``path`` in any namespace (``a/b`` -> ``{*}a/{*}b``)."""
    return el.find("/".join(f"{{*}}{step}" for step in path.split("/")))


def findall(el: Any, path: str) -> list[Any]:
    return el.findall("/".join(f"{{*}}{step}" for step in path.split("/")))


def text_of(el: Any) -> str | None:
    """All text inside ``el``, whitespace collapsed; None for a missing or empty element."""
    return None if el is None else clean_line("".join(el.itertext()))


@dataclass(frozen=True, slots=True)
class NitfBody:
    """What the ``body`` of a NITF document says (also used for NITF inside NewsML-G2)."""

    text: str
    html: str | None
    headline: str | None
    byline: str | None
    dateline: str | None
    distributor: str | None


def read_body(nitf: Any) -> NitfBody:
    """Text and head fields of a ``nitf`` element's body."""
    body = find(nitf, "body")
    content = find(body, "body.content") if body is not None else None
    head = find(body, "body.head") if body is not None else None
    hl1 = find(head, "hedline/hl1") if head is not None else None
    byline = find(head, "byline") if head is not None else None
    dateline = find(head, "dateline") if head is not None else None
    distributor = find(head, "distributor") if head is not None else None
    return NitfBody(
        text=element_text(content) if content is not None else "",
        html=etree.tostring(content, encoding="unicode") if content is not None else None,
        headline=text_of(hl1),
        byline=_byline_text(byline),
        dateline=text_of(dateline),
        distributor=text_of(distributor),
    )


def _byline_text(byline: Any) -> str | None:
    """The byline without its title (``<byttl>Staff Reporter</byttl>``), trailing comma dropped."""
    if byline is None:
        return None
    parts = [byline.text or ""]
    for child in byline:
        if not (isinstance(child.tag, str) and child.tag.endswith("byttl")):
            parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    text = clean_line("".join(parts))
    return text.rstrip(" ,;") if text else None


def _subjects(head: Any) -> tuple[Subject, ...]:
    out: list[Subject] = []
    for sub in findall(head, "tobject/tobject.subject"):
        code = sub.get("tobject.subject.refnum")
        if code:
            name = (
                sub.get("tobject.subject.detail")
                or sub.get("tobject.subject.matter")
                or sub.get("tobject.subject.type")
            )
            out.append(Subject("subj", code.strip(), clean_line(name)))
    return dedupe_subjects(out)


def _status(docdata: Any) -> str:
    status = (docdata.get("management-status") or "usable").strip().lower()
    return status if status in ("usable", "withheld", "canceled") else "usable"


def _source_url(head: Any) -> str | None:
    for pub in findall(head, "pubdata"):
        ref = pub.get("ex-ref") or ""
        if ref.startswith(("http://", "https://")):
            return ref
    return None


def nitf_item(nitf: Any, raw: bytes) -> WireItem | str:
    """A WireItem from a ``nitf`` element, or the reason it cannot be one."""
    head = find(nitf, "head")
    docdata = find(head, "docdata") if head is not None else None
    doc_id = find(docdata, "doc-id") if docdata is not None else None
    uri = clean_line(doc_id.get("id-string")) if doc_id is not None else None
    if head is None or docdata is None or not uri:
        return "NITF document has no head/docdata/doc-id@id-string (no item identifier)"
    body = read_body(nitf)
    du_key = find(docdata, "du-key")
    copyright_ = find(docdata, "doc.copyright")
    provider = (
        (doc_id.get("regsrc") or None)
        or (copyright_.get("holder") if copyright_ is not None else None)
        or body.distributor
    )
    ed_msg = find(docdata, "ed-msg")
    release = find(docdata, "date.release")
    issue = find(docdata, "date.issue")
    urgency = find(docdata, "urgency")
    headline = body.headline or text_of(find(head, "title"))
    ednote = clean_line(ed_msg.get("info")) if ed_msg is not None else None
    return WireItem(
        uri=uri,
        version=parse_version(du_key.get("version") if du_key is not None else None) or 0,
        format="nitf",
        format_version=_nitf_version(nitf),
        item_type="text",
        pubstatus=_status(docdata),
        is_correction=find(docdata, "correction") is not None
        or looks_like_correction(ednote, headline),
        embargoed_until=parse_date(release.get("norm")) if release is not None else None,
        versioncreated=parse_date(issue.get("norm")) if issue is not None else None,
        headline=headline,
        byline=body.byline,
        dateline=body.dateline,
        located=_located(docdata, body),
        language=language_code(nitf.get("{http://www.w3.org/XML/1998/namespace}lang")),
        provider=clean_line(provider),
        agency=normalise_agency(provider, body.distributor),
        subjects=_subjects(head),
        urgency=parse_urgency(urgency.get("ed-urg") if urgency is not None else None),
        body_text=body.text,
        body_html=body.html,
        source_url=_source_url(head),
        ednote=ednote,
        raw=raw,
    )


def _located(docdata: Any, body: NitfBody) -> str | None:
    evloc = find(docdata, "evloc")
    if evloc is not None:
        parts = [evloc.get(k) for k in ("city", "state-prov", "country")]
        text = ", ".join(p.strip() for p in parts if p and p.strip())
        if text:
            return text
    return None


def _nitf_version(nitf: Any) -> str:
    """``-//IPTC//DTD NITF 3.6//EN`` -> ``3.6``; ``3.x`` when undeclared."""
    declared = nitf.get("version") or ""
    for token in declared.replace("/", " ").split():
        if token[:1].isdigit():
            return token
    return "3.x"


def parse_nitf_element(nitf: Any, *, raw: bytes, source: str, index: int = 0) -> ItemResult:
    """One ``nitf`` element -> ItemResult."""
    item = nitf_item(nitf, raw)
    if isinstance(item, str):
        return rejected(ItemOutcome.INVALID, item, source=source, index=index, raw=raw)
    return classify(item, source=source, index=index)
