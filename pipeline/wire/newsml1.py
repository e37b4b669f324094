"""NewsML 1.x (G2's predecessor, still sent by press-release wires such as Business Wire).

Only what an article needs: ``NewsIdentifier`` (ProviderId, DateId, NewsItemId -> a
``urn:newsml:`` URI; ``RevisionId`` -> version), ``NewsManagement`` (FirstCreated,
ThisRevisionCreated, Status), the first ``HeadLine``/``ByLine``/``DateLine``, ``Language``,
``SubjectCode`` codes, and the text of the component whose ``Role`` is ``Body`` (else ``Main``).
"""

from __future__ import annotations

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
    normalise_agency,
    parse_date,
    parse_version,
    plain_to_text,
    rejected,
)
from pipeline.wire.nitf import find, text_of

_BODY_ROLES = ("Body", "Main", "Main Text")
_STATUS = {
    "usable": "usable",
    "withheld": "withheld",
    "canceled": "canceled",
    "cancelled": "canceled",
}


def _first(el: Any, name: str) -> Any:
    return next(el.iter(f"{{*}}{name}"), None)


def _formal(el: Any) -> str | None:
    return clean_line(el.get("FormalName")) if el is not None else None


def _body_component(item: Any) -> tuple[str, str | None]:
    """(text, markup) of the Body component's first text ContentItem."""
    components = list(item.iter("{*}NewsComponent"))
    by_role = {_formal(find(c, "Role")): c for c in components if find(c, "Role") is not None}
    for role in _BODY_ROLES:
        component = by_role.get(role)
        if component is None:
            continue
        for content in component.iter("{*}ContentItem"):
            mime = (_formal(find(content, "MimeType")) or "").lower()
            data = find(content, "DataContent")
            if data is None or not mime.startswith("text/") or "css" in mime:
                continue
            children = [c for c in data if isinstance(c.tag, str)]
            if children:
                markup = "".join(etree.tostring(c, encoding="unicode") for c in children)
                return element_text(data), markup
            return plain_to_text(data.text or ""), None
    return "", None


def _subjects(item: Any) -> tuple[Subject, ...]:
    out = []
    for sub in item.iter("{*}Subject", "{*}SubjectMatter", "{*}SubjectDetail"):
        code = _formal(sub)
        if code:
            out.append(Subject("subj", code, None))
    return dedupe_subjects(out)


def newsml1_item(item: Any, raw: bytes) -> WireItem | str:
    """A WireItem from a NewsML 1.x ``NewsItem``, or why it cannot be one."""
    ident = _first(item, "NewsIdentifier")
    if ident is None:
        return "NewsML 1 NewsItem has no NewsIdentifier"
    provider = text_of(find(ident, "ProviderId"))
    parts = [provider, text_of(find(ident, "DateId")), text_of(find(ident, "NewsItemId"))]
    if not all(parts):
        return "NewsML 1 NewsIdentifier lacks ProviderId/DateId/NewsItemId"
    management = _first(item, "NewsManagement")
    get = (lambda n: text_of(find(management, n))) if management is not None else (lambda n: None)
    status = _formal(find(management, "Status")) if management is not None else None
    body_text, body_html = _body_component(item)
    return WireItem(
        uri="urn:newsml:" + ":".join(parts),  # type: ignore[arg-type]
        version=parse_version(text_of(find(ident, "RevisionId"))) or 0,
        format="newsml-1",
        format_version="1.x",
        item_type="text",
        pubstatus=_STATUS.get((status or "usable").lower(), "usable"),
        firstcreated=parse_date(get("FirstCreated")),
        versioncreated=parse_date(get("ThisRevisionCreated")),
        headline=text_of(_first(item, "HeadLine")),
        byline=text_of(_first(item, "ByLine")),
        dateline=text_of(_first(item, "DateLine")),
        language=language_code(_formal(_first(item, "Language"))),
        provider=provider,
        agency=normalise_agency(provider),
        subjects=_subjects(item),
        body_text=body_text,
        body_html=body_html,
        raw=raw,
    )


def parse_newsml1_root(root: Any, *, data: bytes, source: str) -> list[ItemResult]:
    """Every ``NewsItem`` of a NewsML 1.x document."""
    items = list(root.iter("{*}NewsItem"))
    if not items:
        return [
            rejected(
                ItemOutcome.UNSUPPORTED,
                "NewsML 1 document without NewsItem",
                source=source,
                raw=data,
            )
        ]
    results = []
    for index, el in enumerate(items):
        raw = data if len(items) == 1 else etree.tostring(el)
        parsed = newsml1_item(el, raw)
        if isinstance(parsed, str):
            results.append(
                rejected(ItemOutcome.INVALID, parsed, source=source, index=index, raw=raw)
            )
        else:
            results.append(classify(parsed, source=source, index=index))
    return results
