"""One entry point for every wire delivery: :func:`parse_items` (format detected or forced).

Why detection by content, not by file name or Content-Type: drop folders fill with whatever the
agency's FTP job writes (``.xml``, ``.txt``, ``.json`` or no extension at all) and HTTP endpoints
often say ``application/octet-stream``. The first significant byte and the XML root decide:

- ``{`` or ``[``: ninjs (one item, a list, or an API envelope ``{"items": [...]}``);
- ``<newsItem>``/``<packageItem>``/``<newsMessage>`` (and the non-article G2 items): NewsML-G2;
- ``<nitf>``: NITF;
- ``<NewsML>``: NewsML 1.x (press-release wires still send it);
- ``<feed>`` (Atom): each entry's ``content`` carries one item (inline XML, or ninjs JSON as
  text); the entry's ``alternate`` link becomes the item's ``source_url`` when it has none.

A feed may force the format (``format: ninjs | newsml-g2 | nitf | atom | newsml-1``); a delivery that is not
in the forced format is one rejection, not a guess.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from lxml import etree

from pipeline.outcomes import ItemOutcome
from pipeline.wire.items import ItemResult, rejected
from pipeline.wire.newsml import (
    ITEM_TAGS,
    OTHER_ITEM_TAGS,
    UnsafeXML,
    local,
    parse_item_element,
    parse_newsml_root,
    parse_xml,
)
from pipeline.wire.newsml1 import parse_newsml1_root
from pipeline.wire.ninjs import parse_ninjs, parse_ninjs_object
from pipeline.wire.nitf import find, findall, parse_nitf_element

FORMATS = ("ninjs", "newsml-g2", "nitf", "atom", "newsml-1")
VALIDATE_MODES = ("strict", "warn")
_ALIASES = {"newsml": "newsml-g2", "g2": "newsml-g2", "newsmlg2": "newsml-g2", "json": "ninjs"}
ATOM = "http://www.w3.org/2005/Atom"


def normalise_format(value: str | None) -> str | None:
    """A feed's ``format:`` setting, checked. Raises ValueError naming the accepted values."""
    if value is None:
        return None
    key = value.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in FORMATS:
        raise ValueError(f"unknown wire format {value!r}; use one of {', '.join(FORMATS)}")
    return key


def sniff(data: bytes) -> str | None:
    """'json' or 'xml' from the first significant byte, or None."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head in (b"{", b"["):
        return "json"
    if head == b"<":
        return "xml"
    return None


def xml_format(root: Any) -> str | None:
    """The wire format of a parsed XML root, or None."""
    tag = local(root)
    if tag in ITEM_TAGS or tag in OTHER_ITEM_TAGS or tag == "newsMessage":
        return "newsml-g2"
    if tag == "nitf":
        return "nitf"
    if tag == "NewsML":
        return "newsml-1"
    if tag == "feed" and etree.QName(root).namespace == ATOM:
        return "atom"
    return None


def parse_items(
    data: bytes,
    *,
    format: str | None = None,
    validate: str = "strict",
    source: str = "",
    schema_dir: Path | None = None,
) -> list[ItemResult]:
    """Every item of one delivery (a file, an HTTP response body) as ItemResults.

    Never raises for bad input: a malformed delivery is one ``parse_error``/``unsupported``
    result. Raises ValueError for a bad ``format``/``validate`` argument and ConfigError when
    strict ninjs validation is asked for but the schemas are not installed."""
    forced = normalise_format(format)
    if validate not in VALIDATE_MODES:
        raise ValueError(f"validate must be one of {VALIDATE_MODES}, got {validate!r}")
    from pipeline.wire.ninjs import schema_dir as find_schemas

    schemas = find_schemas(schema_dir)
    kind = sniff(data)
    if kind == "json" and forced in (None, "ninjs"):
        return parse_ninjs(data, validate=validate, schemas=schemas, source=source)
    if kind == "xml" and forced != "ninjs":
        return _parse_xml_delivery(data, forced, validate, schemas, source)
    found = {"json": "JSON", "xml": "XML"}.get(kind or "", "neither JSON nor XML")
    wanted = f"forced format {forced}" if forced else "a wire item"
    return [
        rejected(
            ItemOutcome.UNSUPPORTED, f"{found} delivery is not {wanted}", source=source, raw=data
        )
    ]


def _parse_xml_delivery(
    data: bytes, forced: str | None, validate: str, schemas: Path | None, source: str
) -> list[ItemResult]:
    try:
        root = parse_xml(data)
    except (UnsafeXML, etree.XMLSyntaxError) as exc:
        return [rejected(ItemOutcome.PARSE_ERROR, f"XML refused: {exc}", source=source, raw=data)]
    found = xml_format(root)
    if found is None or (forced and forced != found):
        what = f"<{local(root)}>"
        why = f"{what} is not {forced}" if forced and found else f"{what} is not a wire item"
        return [rejected(ItemOutcome.UNSUPPORTED, why, source=source, raw=data)]
    if found == "nitf":
        return [parse_nitf_element(root, raw=data, source=source)]
    if found == "atom":
        return _atom_items(root, validate, schemas, source)
    if found == "newsml-1":
        return parse_newsml1_root(root, data=data, source=source)
    return parse_newsml_root(root, data=data, source=source)


def _alternate(entry: Any) -> str | None:
    for link in findall(entry, "link"):
        if (link.get("rel") or "alternate") == "alternate" and link.get("href"):
            return link.get("href")
    return None


def _atom_entry(
    entry: Any, index: int, validate: str, schemas: Path | None, source: str
) -> ItemResult:
    """One Atom entry carrying one wire item."""
    raw = etree.tostring(entry)
    content = find(entry, "content")
    children = [c for c in content if isinstance(c.tag, str)] if content is not None else []
    if children:
        el = children[0]
        el_raw = etree.tostring(el)
        tag = local(el)
        if tag == "nitf":
            return parse_nitf_element(el, raw=el_raw, source=source, index=index)
        if tag in ITEM_TAGS or tag in OTHER_ITEM_TAGS:
            return parse_item_element(el, raw=el_raw, source=source, index=index)
    elif content is not None and (content.text or "").strip()[:1] == "{":
        try:
            obj = json.loads(content.text)
        except ValueError as exc:
            return rejected(
                ItemOutcome.PARSE_ERROR,
                f"entry content is not JSON: {exc}",
                source=source,
                index=index,
                raw=raw,
            )
        text = content.text.encode("utf-8")
        return parse_ninjs_object(
            obj, raw=text, validate=validate, schemas=schemas, source=source, index=index
        )
    return rejected(
        ItemOutcome.UNSUPPORTED,
        "Atom entry carries no wire item in <content>",
        source=source,
        index=index,
        raw=raw,
    )


def _atom_items(root: Any, validate: str, schemas: Path | None, source: str) -> list[ItemResult]:
    results = []
    for index, entry in enumerate(findall(root, "entry")):
        result = _atom_entry(entry, index, validate, schemas, source)
        link = _alternate(entry)
        if result.item is not None and link and not result.item.source_url:
            item = dataclasses.replace(result.item, source_url=link)
            result = dataclasses.replace(result, item=item)
        results.append(result)
    if not results:
        return [rejected(ItemOutcome.UNSUPPORTED, "Atom feed without entries", source=source)]
    return results


def file_rejection(results: list[ItemResult]) -> str | None:
    """Why a whole delivered file is malformed (move it to ``rejected/``), or None.

    A file is malformed when nothing in it could be read as items: it is not JSON/XML, unsafe,
    or not a wire format. Items rejected one by one (invalid, not text, empty) are recorded
    outcomes of a readable file, which is archived like any loaded file."""
    whole = (ItemOutcome.PARSE_ERROR, ItemOutcome.UNSUPPORTED)
    if results and all(r.outcome in whole and r.item is None for r in results):
        return "; ".join(dict.fromkeys(r.reason or str(r.outcome) for r in results))
    return None
