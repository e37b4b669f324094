"""ninjs (IPTC's News in JSON), versions 1.x, 2.x and 3.x, to :class:`WireItem`.

The field names differ by major version, so the version is decided first:

- 1.x: ``headline``, ``body_text``/``body_xhtml``/``body_html``, ``byline``, ``subject``,
  ``pubstatus``, ``versioncreated``, ``embargoed``;
- 2.x: lowercase plurals: ``headlines[]``, ``bodies[]``, ``by``, ``subjects[]``, ``infosources[]``;
- 3.x: the 2.x shape in camelCase: ``versionCreated``, ``pubStatus``, ``firstCreated``,
  ``embargoedUntil``, ``copyrightHolder``, ``infoSources``.

The version comes from the item's own declaration (``$standard``/``standard``/``$schema``) when
it names one we have a schema for, else from the fields present (camelCase means 3.x; a
singular ``headline``/``body_*``/``byline``/``subject`` means 1.x; otherwise 2.x). Validation uses
the latest published minor of that major (minors only add properties).

Schemas: IPTC's official JSON Schemas are read from a directory (no PyPI package ships them):
``schema_dir`` argument, else ``NEWSFLOW_NINJS_SCHEMAS``, else ``<shared>/eval/wire/ninjs/schemas``.
External references (GeoJSON) resolve to an empty schema: validation never touches the network.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema.exceptions import best_match

from pipeline.errors import ConfigError
from pipeline.outcomes import ItemOutcome
from pipeline.paths import shared_path
from pipeline.wire.items import (
    PUBSTATUSES,
    ItemResult,
    Subject,
    WireItem,
    classify,
    clean_line,
    dedupe_subjects,
    html_to_text,
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

SCHEMA_ENV = "NEWSFLOW_NINJS_SCHEMAS"
LATEST_MINOR = {"1": "1.6", "2": "2.2", "3": "3.1"}
_CAMEL = frozenset(
    {
        "versionCreated",
        "firstCreated",
        "pubStatus",
        "contentCreated",
        "embargoedUntil",
        "copyrightHolder",
        "copyrightNotice",
        "altIds",
        "edNote",
        "infoSources",
        "usageTerms",
        "representationType",
        "eventDetails",
        "rightsInfo",
        "trustIndicators",
        "digitalSourceType",
    }
)
_V1 = frozenset({"headline", "byline", "subject", "place", "person", "organisation", "genre"})
_VERSION_IN_URL = re.compile(r"ninjs-schema_(\d+\.\d+)")
_OUTSIDE_REF = re.compile(r'"\$ref"\s*:\s*"(https?://(?!www\.iptc\.org/std/ninjs/)[^"#]*)')


# --------------------------------------------------------------------------------------------
# Version and schema


def declared_version(item: dict[str, Any]) -> str | None:
    """The ninjs version the item declares (``$standard``/``standard``/``$schema``), if any."""
    for key in ("$standard", "standard"):
        std = item.get(key)
        if isinstance(std, dict):
            version = std.get("version")
            if isinstance(version, str) and re.fullmatch(r"\d+\.\d+(\.\d+)?", version.strip()):
                return ".".join(version.strip().split(".")[:2])
            m = _VERSION_IN_URL.search(str(std.get("schema") or ""))
            if m:
                return m.group(1)
    m = _VERSION_IN_URL.search(str(item.get("$schema") or ""))
    return m.group(1) if m else None


def detect_version(item: dict[str, Any]) -> str:
    """The ninjs version to read and validate ``item`` with (see the module docstring)."""
    declared = declared_version(item)
    if declared and declared.split(".")[0] in LATEST_MINOR:
        return declared
    keys = set(item)
    if keys & _CAMEL:
        return LATEST_MINOR["3"]
    if keys & _V1 or any(k.startswith(("body_", "description_", "headline_")) for k in keys):
        return LATEST_MINOR["1"]
    return LATEST_MINOR["2"]


def schema_dir(explicit: Path | str | None = None) -> Path | None:
    """Where the ninjs JSON Schemas are, or None when no candidate exists."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(SCHEMA_ENV)
    if env:
        return Path(env)
    return shared_path("eval", "wire", "ninjs", "schemas")


@lru_cache(maxsize=32)
def _existing_dir(directory: str) -> str:
    """The resolved schema folder (found once per process: a per-item stat showed up in the
    profile). A missing one raises, and raising is not cached, so it is looked for again."""
    path = Path(directory)
    if not directory or not path.is_dir():
        where = directory or "(no shared data folder)"
        raise ConfigError(
            f"ninjs JSON Schemas not found at {where}; set {SCHEMA_ENV} to a folder holding "
            "IPTC's ninjs-schema_<version>.json files or give the feed validate: warn"
        )
    return str(path.resolve())


def flatten_top_ref(schema: dict[str, Any]) -> dict[str, Any]:
    """An equivalent schema without the top-level ``$ref`` + ``unevaluatedProperties: false``.

    ninjs 2.1+ say ``{"$ref": "#/$defs/ninjsType", "unevaluatedProperties": false}`` where
    ``ninjsType`` is only ``properties``. Copying those ``properties`` up and saying
    ``additionalProperties: false`` accepts and rejects exactly the same items when the target
    has no other applicators, and jsonschema validates it 2x faster (no second walk to find
    the evaluated properties). Any other shape is returned unchanged. tests/test_wire_iptc.py
    checks both forms agree on IPTC's examples, our fixtures and mutated items."""
    ref = schema.get("$ref")
    if not (isinstance(ref, str) and ref.startswith("#/$defs/")):
        return schema
    target = schema.get("$defs", {}).get(ref.removeprefix("#/$defs/"))
    if (
        schema.get("unevaluatedProperties") is not False
        or not isinstance(target, dict)
        or not set(target) <= {"description", "title", "type", "properties"}
        or target.get("type", "object") != "object"
        or {"properties", "additionalProperties", "patternProperties"} & set(schema)
    ):
        return schema
    flat = {k: v for k, v in schema.items() if k not in ("$ref", "unevaluatedProperties")}
    flat["properties"] = target.get("properties", {})
    flat["additionalProperties"] = False
    return flat


@lru_cache(maxsize=64)
def _validator(directory: str, version: str, *, flatten: bool = True) -> Any:
    """A compiled validator for one schema version (cached per process).

    ``format`` stays an annotation, as JSON Schema 2020-12 specifies by default (and the
    checkers for ``date-time``/``uri`` need packages we do not ship); dates are parsed, and a
    bad one read as absent, by the mapper."""
    from jsonschema import validators
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    path = Path(directory) / f"ninjs-schema_{version}.json"
    if not path.is_file():
        have = sorted(p.name for p in Path(directory).glob("ninjs-schema_*.json"))
        raise ConfigError(f"ninjs schema {path.name} not found in {directory} (have: {have})")
    text = path.read_text(encoding="utf-8")
    schema = json.loads(text)
    empty = Resource.from_contents({}, default_specification=DRAFT202012)

    def offline(uri: str) -> Resource:  # any outside reference we did not see: accept
        return empty

    # Outside references (GeoJSON) registered up front as "anything": never fetched, and not
    # re-retrieved on every lookup (that tripled validation time).
    outside = set(_OUTSIDE_REF.findall(text))
    registry = Registry(retrieve=offline).with_resources((uri, empty) for uri in outside)
    schema_id = schema.get("$id") or schema.get("id")
    if schema_id:
        registry = registry.with_resource(
            schema_id, Resource.from_contents(schema, default_specification=DRAFT202012)
        )
    cls = validators.validator_for(schema)
    return cls(flatten_top_ref(schema) if flatten else schema, registry=registry)


def validation_error(item: dict[str, Any], version: str, directory: Path | None) -> str | None:
    """The first schema violation as one line, or None when the item is valid.

    Raises ConfigError when the schema directory is missing: that is the operator's problem,
    and rejecting every item for it would lose data."""
    validator = _validator(_existing_dir(str(directory) if directory else ""), version)
    error = best_match(validator.iter_errors(item))
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path) or "(item)"
    return f"ninjs {version} schema: at {where}: {error.message}"


# --------------------------------------------------------------------------------------------
# Fields


def _list(value: Any) -> list[Any]:
    """``value`` if it is a list, else empty (validate: warn lets any type through)."""
    return value if isinstance(value, list) else []


def _get(item: dict[str, Any], *names: str) -> Any:
    for name in names:
        if name in item and item[name] not in (None, "", [], {}):
            return item[name]
    return None


def _main_text(entries: Any, *, prefer_roles: tuple[str, ...] = ("main", "")) -> Any:
    """The ``value`` of the preferred role in a ninjs 2.x/3.x ``headlines``/``bodies`` list."""
    if not isinstance(entries, list):
        return None
    good = [e for e in entries if isinstance(e, dict) and isinstance(e.get("value"), str)]
    for role in prefer_roles:
        for entry in good:
            if (entry.get("role") or "") == role:
                return entry
    return good[0] if good else None


def _bodies(item: dict[str, Any], major: str) -> tuple[str, str | None]:
    """(body_text, body_html) from whichever body the version carries."""
    if major == "1":
        markup = _get(item, "body_xhtml", "body_html")
        if isinstance(markup, str):
            return html_to_text(markup), markup
        text = item.get("body_text")
        return (plain_to_text(text), None) if isinstance(text, str) else ("", None)
    bodies = [b for b in _list(item.get("bodies")) if isinstance(b, dict)]
    for body in bodies:
        kind = str(body.get("contenttype") or body.get("contentType") or "").lower()
        value = body.get("value")
        if isinstance(value, str) and ("html" in kind or (body.get("role") or "") in ("html",)):
            return html_to_text(value), value
    for body in bodies:
        if isinstance(body.get("value"), str):
            return plain_to_text(body["value"]), None
    return "", None


def _description_text(item: dict[str, Any], major: str) -> str:
    """The description (a lede): the text of a first, short text version without a body."""
    if major == "1":
        value = _get(item, "description_text", "description_usage")
        return plain_to_text(value) if isinstance(value, str) else ""
    entry = _main_text(item.get("descriptions"), prefer_roles=("text", "summary", "main", ""))
    return html_to_text(entry["value"]) if entry else ""


def _subjects(item: dict[str, Any], major: str) -> tuple[Subject, ...]:
    out: list[Subject] = []
    for entry in _list(item.get("subject" if major == "1" else "subjects")):
        if not isinstance(entry, dict):
            continue
        name = clean_line(entry.get("name"))
        code = entry.get("code") or entry.get("literal")
        scheme = clean_line(entry.get("scheme"))
        parts = split_code(code if isinstance(code, str) else None, entry.get("uri"))
        if parts is None:
            if name:
                out.append(Subject("", name, name))
            continue
        part_scheme, part_code = parts
        out.append(Subject(scheme or part_scheme, part_code, name))
    return dedupe_subjects(out)


def _provider(item: dict[str, Any], major: str) -> str | None:
    sources = item.get("infoSources" if major == "3" else "infosources") or item.get("infosource")
    for src in _list(sources):
        if isinstance(src, dict) and clean_line(src.get("name")):
            return clean_line(src["name"])
    holder = _get(item, "copyrightHolder", "copyrightholder")
    if isinstance(holder, dict):
        holder = holder.get("name")
    return clean_line(holder) or urn_domain(str(item.get("uri") or ""))


def _byline(item: dict[str, Any], major: str) -> str | None:
    value = item.get("byline") if major == "1" else item.get("by")
    return clean_line(value)


def _located(item: dict[str, Any]) -> str | None:
    value = item.get("located")
    if isinstance(value, dict):
        value = value.get("name")
    return clean_line(value)


def _item_type(item: dict[str, Any]) -> str:
    kind = item.get("type")
    if isinstance(kind, str) and kind.strip():
        return kind.strip().lower()
    if item.get("eventDetails") or item.get("events"):
        return "event"
    return "text"  # ninjs's default


def _is_correction(item: dict[str, Any], headline: str | None) -> bool:
    for genre in _list(item.get("genres") or item.get("genre")):
        if (
            isinstance(genre, dict)
            and "correction"
            in " ".join(str(genre.get(k) or "") for k in ("name", "code", "literal", "uri")).lower()
        ):
            return True
    return looks_like_correction(_get(item, "ednote", "edNote"), headline)


def _pubstatus(value: Any) -> str:
    """usable | withheld | canceled; anything else (only reachable with validate: warn) is
    read as usable, the schema's default, since only an explicit kill may withdraw text."""
    status = str(value or "usable").strip().lower()
    return status if status in PUBSTATUSES else "usable"


def to_wire_item(item: dict[str, Any], version: str, raw: bytes) -> WireItem:
    """Map one ninjs object onto a WireItem (no validation here)."""
    major = version.split(".")[0]
    camel = major == "3"
    if major == "1":
        headline = clean_line(item.get("headline"))
    else:
        entry = _main_text(item.get("headlines"))
        headline = clean_line(entry["value"]) if entry else None
    headline = headline or clean_line(item.get("title"))
    body_text, body_html = _bodies(item, major)
    item_type = _item_type(item)
    if not body_text and item_type == "text":
        body_text = _description_text(item, major)
    provider = _provider(item, major)
    return WireItem(
        uri=str(item["uri"]).strip(),
        version=parse_version(item.get("version")) or 0,
        format="ninjs",
        format_version=version,
        item_type=item_type,
        pubstatus=_pubstatus(item.get("pubStatus" if camel else "pubstatus")),
        is_correction=_is_correction(item, headline),
        embargoed_until=parse_date(item.get("embargoedUntil" if camel else "embargoed")),
        firstcreated=parse_date(item.get("firstCreated" if camel else "firstcreated")),
        versioncreated=parse_date(item.get("versionCreated" if camel else "versioncreated")),
        headline=headline,
        byline=_byline(item, major),
        located=_located(item),
        language=language_code(item.get("language")),
        provider=provider,
        agency=normalise_agency(provider, urn_domain(str(item.get("uri") or ""))),
        subjects=_subjects(item, major),
        urgency=parse_urgency(item.get("urgency")),
        body_text=body_text,
        body_html=body_html,
        ednote=clean_line(_get(item, "edNote", "ednote")),
        raw=raw,
    )


def parse_ninjs_object(
    obj: Any, *, raw: bytes, validate: str, schemas: Path | None, source: str, index: int
) -> ItemResult:
    """One ninjs object -> ItemResult (validated unless ``validate == "warn"`` lets it pass)."""
    if not isinstance(obj, dict):
        return rejected(
            ItemOutcome.INVALID,
            f"expected a ninjs object, got {type(obj).__name__}",
            source=source,
            index=index,
            raw=raw,
        )
    uri = obj.get("uri")
    uri_text = uri.strip() if isinstance(uri, str) else None
    version = detect_version(obj)
    warnings: list[str] = []
    error = _validate(obj, version, validate, schemas, warnings)
    if error and validate == "strict":
        return rejected(
            ItemOutcome.INVALID, error, source=source, index=index, uri=uri_text, raw=raw
        )
    if error:
        warnings.append(error)
    if not uri_text:
        return rejected(
            ItemOutcome.INVALID, "ninjs item has no uri", source=source, index=index, raw=raw
        )
    return classify(
        to_wire_item(obj, version, raw), source=source, index=index, warnings=tuple(warnings)
    )


def _validate(
    obj: dict[str, Any], version: str, validate: str, schemas: Path | None, warnings: list[str]
) -> str | None:
    try:
        return validation_error(obj, version, schemas)
    except ConfigError as exc:
        if validate == "strict":
            raise
        warnings.append(f"not validated: {exc}")
        return None


def unwrap_items(doc: Any) -> list[Any]:
    """The ninjs objects of a JSON delivery: one item, a list, or an API envelope
    (``{"items": [...]}``, ``{"data": {"items": [{"item": {...}}]}}``)."""
    if isinstance(doc, dict) and "uri" not in doc:
        inner = doc.get("data") if isinstance(doc.get("data"), dict) else doc
        if isinstance(inner.get("items"), list):
            doc = inner["items"]
        elif isinstance(doc.get("item"), dict):
            doc = doc["item"]
    items = doc if isinstance(doc, list) else [doc]
    return [
        i["item"]
        if isinstance(i, dict) and "uri" not in i and isinstance(i.get("item"), dict)
        else i
        for i in items
    ]


def parse_ninjs(
    data: bytes, *, validate: str = "strict", schemas: Path | None = None, source: str = ""
) -> list[ItemResult]:
    """Every item of a ninjs JSON delivery (bytes) as ItemResults."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        return [
            rejected(ItemOutcome.PARSE_ERROR, f"not valid JSON: {exc}", source=source, raw=data)
        ]
    objects = unwrap_items(doc)
    single = len(objects) == 1 and not isinstance(doc, list)
    results = []
    for index, obj in enumerate(objects):
        raw = data if single else json.dumps(obj, ensure_ascii=False).encode("utf-8")
        results.append(
            parse_ninjs_object(
                obj, raw=raw, validate=validate, schemas=schemas, source=source, index=index
            )
        )
    return results
