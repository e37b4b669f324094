"""NewsML-G2 (``newsItem``, ``packageItem``, ``newsMessage``) to :class:`WireItem`, parsed safely.

XML from outside is parsed with a hardened lxml parser: no network, no DTD loading, no entity
expansion, no huge trees; a document whose DOCTYPE declares entities (or has any internal DTD
subset) is refused before parsing, so "billion laughs" and external-entity tricks never reach
the parser.

Mapping (``itemMeta`` / ``contentMeta`` / ``contentSet``): ``@guid`` -> uri, ``@version`` ->
version, ``itemClass@qcode`` (``ninat:text``) -> item_type, ``pubStatus@qcode`` (``stat:canceled``
is a kill), ``embargoed``, ``signal@qcode`` (``sig:correction``), ``edNote``, ``provider`` ->
agency, ``headline``, ``creator`` (byline), ``dateline``, ``located``, ``language@tag``,
``subject@qcode`` (topics; entity subjects such as ``cpnat:geoArea`` are left to place tagging),
``urgency``; the body from ``inlineXML`` (NITF or XHTML) or ``inlineData`` (text). Concept,
knowledge, planning and catalog items are recorded as not being articles.
"""

from __future__ import annotations

import re
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
    plain_to_text,
    rejected,
    split_code,
    urn_domain,
)
from pipeline.wire.nitf import find, findall, read_body, text_of

NAR = "http://iptc.org/std/nar/2006-10-01/"
ITEM_TAGS = frozenset({"newsItem", "packageItem"})
OTHER_ITEM_TAGS = {
    "conceptItem": "concept",
    "knowledgeItem": "knowledge",
    "planningItem": "planning",
    "catalogItem": "catalog",
}
_ENTITY_SUBJECTS = frozenset(
    {"cpnat:geoArea", "cpnat:person", "cpnat:organisation", "cpnat:poi", "cpnat:object"}
)
_DOCTYPE_SUBSET = re.compile(rb"<!DOCTYPE[^>\[]*\[", re.IGNORECASE)
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


class UnsafeXML(ValueError):
    """The document declares entities or an internal DTD subset: refused, never expanded."""


def hardened_parser() -> etree.XMLParser:
    """The only parser used for XML from outside (a new one per call: parsers are not
    thread-safe)."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(data: bytes) -> Any:
    """The root element of ``data``. Raises UnsafeXML or etree.XMLSyntaxError."""
    if _ENTITY.search(data) or _DOCTYPE_SUBSET.search(data):
        raise UnsafeXML("DOCTYPE with entity declarations or an internal subset refused")
    root = etree.fromstring(data, parser=hardened_parser())
    if root is None:
        raise etree.XMLSyntaxError("empty document", None, 0, 0, None)
    return root


def local(el: Any) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _qcode_tail(value: str | None) -> str | None:
    return value.split(":", 1)[1].strip() if value and ":" in value else clean_line(value)


def _name(el: Any) -> str | None:
    """An element's ``<name>`` child, else its own text."""
    if el is None:
        return None
    name = find(el, "name")
    return text_of(name) if name is not None else text_of(el)


def _provider(item_meta: Any, item: Any) -> tuple[str | None, str | None]:
    """(provider as given, agency) from ``provider``, falling back to the guid's domain."""
    provider = find(item_meta, "provider") if item_meta is not None else None
    given = None
    if provider is not None:
        given = _name(provider) or provider.get("qcode") or provider.get("literal")
        given = given or provider.get("uri")
    domain = urn_domain(item.get("guid") or "")
    uri_host = None
    if provider is not None and provider.get("uri"):
        uri_host = re.sub(r"^https?://(www\.)?", "", provider.get("uri")).split("/")[0]
    candidates = (
        given,
        _qcode_tail(provider.get("qcode")) if provider is not None else None,
        uri_host,
        domain,
    )
    return clean_line(given) or domain, normalise_agency(*candidates)


def _headline(content_meta: Any) -> str | None:
    heads = findall(content_meta, "headline") if content_meta is not None else []
    for head in heads:
        if (head.get("role") or "hlrole:main") in ("hlrole:main", "main"):
            return text_of(head)
    return text_of(heads[0]) if heads else None


def _subjects(content_meta: Any) -> tuple[Subject, ...]:
    out: list[Subject] = []
    for sub in findall(content_meta, "subject") if content_meta is not None else []:
        if sub.get("type") in _ENTITY_SUBJECTS:
            continue
        concept = find(sub, "mainConcept")  # NewsML-G2 2.35 facets: the code sits one deeper
        holder = (
            concept if not (sub.get("qcode") or sub.get("uri")) and concept is not None else sub
        )
        parts = split_code(holder.get("qcode"), holder.get("uri"))
        if parts:
            out.append(Subject(parts[0], parts[1], _name(holder)))
    return dedupe_subjects(out)


def _located(content_meta: Any) -> str | None:
    located = find(content_meta, "located") if content_meta is not None else None
    if located is None:
        return None
    return _name(located) or _qcode_tail(located.get("qcode"))


def _byline(content_meta: Any) -> str | None:
    creators = findall(content_meta, "creator") if content_meta is not None else []
    names = [n for n in (_name(c) for c in creators) if n]
    return ", ".join(names) or None


def _content(item: Any) -> tuple[str, str | None, Any]:
    """(body_text, body_html, nitf element or None) from the first text rendition."""
    content_set = find(item, "contentSet")
    if content_set is None:
        return "", None, None
    for inline in findall(content_set, "inlineXML"):
        kind = (inline.get("contenttype") or "").lower()
        children = [c for c in inline if isinstance(c.tag, str)]
        nitf = next((c for c in children if local(c) == "nitf"), None)
        if nitf is not None or "nitf" in kind:
            if nitf is not None:
                body = read_body(nitf)
                return body.text, body.html, nitf
            continue
        if kind and "html" not in kind and "xml" not in kind:
            continue
        if children and local(children[0]) not in ("html", "body", "p", "div", "section", "h1"):
            continue  # SportsML, events and other structured payloads are not article text
        html = "".join(etree.tostring(c, encoding="unicode") for c in children)
        return element_text(inline), html or None, None
    for data in findall(content_set, "inlineData"):
        kind = (data.get("contenttype") or "text/plain").lower()
        if kind.startswith("text/"):
            return plain_to_text(data.text or ""), None, None
    return "", None, None


def _item_type(item: Any, item_meta: Any) -> str:
    item_class = find(item_meta, "itemClass") if item_meta is not None else None
    qcode = item_class.get("qcode") if item_class is not None else None
    if qcode:
        return (_qcode_tail(qcode) or "text").lower()
    return "composite" if local(item) == "packageItem" else "text"


def _status(item_meta: Any) -> str:
    status = find(item_meta, "pubStatus") if item_meta is not None else None
    value = (_qcode_tail(status.get("qcode")) if status is not None else None) or "usable"
    return value.lower() if value.lower() in ("usable", "withheld", "canceled") else "usable"


def _source_url(item_meta: Any) -> str | None:
    for link in findall(item_meta, "link") if item_meta is not None else []:
        href = link.get("href") or ""
        rel = link.get("rel") or ""
        if href.startswith(("http://", "https://")) and rel in (
            "irel:seeAlso",
            "irel:canonical",
            "irel:alternate",
            "",
        ):
            return href
    return None


def news_item(item: Any, raw: bytes) -> WireItem | str:
    """A WireItem from a ``newsItem``/``packageItem`` element, or why it cannot be one."""
    uri = clean_line(item.get("guid"))
    if not uri:
        return f"{local(item)} has no guid (no item identifier)"
    item_meta = find(item, "itemMeta")
    content_meta = find(item, "contentMeta")
    provider, agency = _provider(item_meta, item)
    body_text, body_html, nitf = _content(item)
    nitf_body = read_body(nitf) if nitf is not None else None
    headline = (
        _headline(content_meta)
        or (nitf_body.headline if nitf_body else None)
        or (text_of(find(item_meta, "title")) if item_meta is not None else None)
    )
    signals = (
        {s.get("qcode") for s in findall(item_meta, "signal")} if item_meta is not None else set()
    )
    ednote = text_of(find(item_meta, "edNote")) if item_meta is not None else None
    meta = (
        (lambda name: text_of(find(item_meta, name))) if item_meta is not None else (lambda n: None)
    )
    cmeta = (
        (lambda name: find(content_meta, name)) if content_meta is not None else (lambda n: None)
    )
    language = cmeta("language")
    return WireItem(
        uri=uri,
        version=parse_version(item.get("version")) or 0,
        format="newsml-g2",
        format_version=item.get("standardversion") or "2.x",
        item_type=_item_type(item, item_meta),
        pubstatus=_status(item_meta),
        is_correction="sig:correction" in signals or looks_like_correction(ednote),
        embargoed_until=parse_date(meta("embargoed")),
        firstcreated=parse_date(meta("firstCreated"))
        or parse_date(text_of(cmeta("contentCreated"))),
        versioncreated=parse_date(meta("versionCreated")),
        headline=headline,
        byline=(nitf_body.byline if nitf_body else None) or _byline(content_meta),
        dateline=text_of(cmeta("dateline")) or (nitf_body.dateline if nitf_body else None),
        located=_located(content_meta),
        language=language_code(
            (language.get("tag") if language is not None else None) or item.get(_XML_LANG)
        ),
        provider=provider,
        agency=agency,
        subjects=_subjects(content_meta),
        urgency=parse_urgency(text_of(cmeta("urgency"))),
        body_text=body_text,
        body_html=body_html,
        source_url=_source_url(item_meta),
        ednote=ednote,
        raw=raw,
    )


def parse_item_element(item: Any, *, raw: bytes, source: str, index: int = 0) -> ItemResult:
    """One G2 item element (news, package, concept, ...) -> ItemResult."""
    tag = local(item)
    if tag in OTHER_ITEM_TAGS:
        kind = OTHER_ITEM_TAGS[tag]
        return rejected(
            ItemOutcome.NOT_TEXT,
            f"{tag}: a {kind} item, not an article",
            source=source,
            index=index,
            uri=clean_line(item.get("guid")),
            raw=raw,
        )
    parsed = news_item(item, raw)
    if isinstance(parsed, str):
        return rejected(ItemOutcome.INVALID, parsed, source=source, index=index, raw=raw)
    return classify(parsed, source=source, index=index)


def message_items(root: Any) -> list[Any]:
    """The item elements of a ``newsMessage`` (inside ``itemSet``), in order."""
    item_set = find(root, "itemSet")
    children = item_set if item_set is not None else []
    return [c for c in children if local(c) in ITEM_TAGS or local(c) in OTHER_ITEM_TAGS]


def parse_newsml_root(root: Any, *, data: bytes, source: str) -> list[ItemResult]:
    """Every item of a parsed G2 document (a single item or a ``newsMessage``)."""
    tag = local(root)
    if tag != "newsMessage":
        return [parse_item_element(root, raw=data, source=source)]
    items = message_items(root)
    if not items:
        return [
            rejected(ItemOutcome.UNSUPPORTED, "newsMessage without items", source=source, raw=data)
        ]
    return [
        parse_item_element(el, raw=etree.tostring(el), source=source, index=i)
        for i, el in enumerate(items)
    ]
