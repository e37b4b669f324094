"""Wire item parsing on the repository's own fixtures (tests/data/wire, written for these tests).

ninjs validation needs IPTC's JSON Schemas, which live in the shared data folder (no PyPI
package ships them): tests that validate skip when it is absent; the rest run everywhere with
``validate="warn"``.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.outcomes import ItemOutcome
from pipeline.wire import Subject, parse_items
from pipeline.wire.detect import file_rejection, normalise_format
from pipeline.wire.ninjs import detect_version, schema_dir

DATA = Path(__file__).parent / "data" / "wire"
SCHEMAS = schema_dir()
needs_schemas = pytest.mark.skipif(
    SCHEMAS is None or not SCHEMAS.is_dir(),
    reason="IPTC ninjs JSON Schemas not available (../shared/eval/wire/ninjs/schemas or "
    "NEWSFLOW_NINJS_SCHEMAS)",
)


def _parse(name: str, **kw):
    kw.setdefault("validate", "warn")
    return parse_items((DATA / name).read_bytes(), source=name, **kw)


def test_ninjs_1x_text_item_fields() -> None:
    [r] = _parse("ninjs1_text.json")
    assert r.outcome is ItemOutcome.OK
    it = r.item
    assert (it.format, it.format_version, it.item_type) == ("ninjs", "1.6", "text")
    assert (it.uri, it.version) == ("urn:newsml:dpa.com:20261207:261207-99-000101", 1)
    assert it.headline == it.title == "Hafen meldet Rekordumschlag im November"
    assert (it.byline, it.located, it.language, it.urgency) == ("Anna Beispiel", "Hamburg", "de", 3)
    assert (it.provider, it.agency) == ("dpa", "dpa")
    assert it.versioncreated == datetime(2026, 12, 7, 7, 15, tzinfo=UTC)
    assert it.firstcreated == datetime(2026, 12, 7, 7, 10, tzinfo=UTC)
    assert it.embargoed_until == datetime(2026, 12, 7, 11, 0, tzinfo=UTC)
    assert it.subjects == (
        Subject("medtop", "04000000", "Wirtschaft, Finanzen"),
        Subject("medtop", "20000256", "Seeverkehr"),
    )
    # one paragraph per line; a source line wrap inside a paragraph is not a break
    assert it.body_text.splitlines() == [
        "HAMBURG (dpa) - Der Hafen hat im November so viele Container umgeschlagen wie nie zuvor.",
        "Die Reedereien sprachen von einer starken Nachfrage aus Asien.",
    ]
    assert it.body_html.startswith("<div><p>HAMBURG")
    assert it.raw == (DATA / "ninjs1_text.json").read_bytes()
    assert not it.is_kill and not it.is_correction


def test_ninjs_2x_list_text_and_picture() -> None:
    text, picture = _parse("ninjs2_list.json")
    assert text.outcome is ItemOutcome.OK and text.index == 0
    assert text.item.format_version == "2.2"
    assert text.item.headline == "Ny bro åpner i Bergen"  # role "main", not the first headline
    assert text.item.subjects == (Subject("medtop", "11000000", "politics"),)
    assert (text.item.agency, text.item.byline, text.item.located) == (
        "NTB",
        "Kari Eksempel",
        "Bergen",
    )
    assert json.loads(text.item.raw)["uri"] == text.item.uri  # raw is this one item
    assert picture.outcome is ItemOutcome.NOT_TEXT and picture.index == 1
    assert picture.item.item_type == "picture" and "not an article" in picture.reason


def test_ninjs_3x_camelcase_and_correction() -> None:
    [r] = _parse("ninjs3_correction.json")
    it = r.item
    assert r.outcome is ItemOutcome.OK and it.format_version == "3.0"
    assert (it.version, it.agency, it.language) == (3, "TT", "sv")
    assert it.versioncreated == datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    assert it.is_correction  # edNote "Corrects ..."
    assert it.body_text.splitlines()[1] == "Alla 212 passagerare är oskadda."
    assert Subject("subj", "06000000", "disaster and accident") in it.subjects


def test_version_detection_by_fields() -> None:
    assert detect_version({"uri": "x", "versionCreated": "2020-01-01T00:00:00Z"}) == "3.1"
    assert detect_version({"uri": "x", "headline": "h", "body_text": "b"}) == "1.6"
    assert detect_version({"uri": "x", "headlines": [], "bodies": []}) == "2.2"
    assert detect_version({"uri": "x", "$standard": {"version": "1.4"}}) == "1.4"


@needs_schemas
def test_invalid_ninjs_rejected_in_strict_kept_in_warn() -> None:
    [strict] = _parse("ninjs2_invalid.json", validate="strict")
    assert strict.outcome is ItemOutcome.INVALID and strict.item is None
    assert "pubstatus" in strict.reason and "'published' is not one of" in strict.reason
    [warn] = _parse("ninjs2_invalid.json", validate="warn")
    assert warn.outcome is ItemOutcome.OK and warn.item.pubstatus == "usable"
    assert any("'published' is not one of" in w for w in warn.warnings)


@needs_schemas
def test_valid_fixtures_pass_strict_validation() -> None:
    for name in ("ninjs1_text.json", "ninjs2_list.json", "ninjs3_correction.json"):
        results = _parse(name, validate="strict")
        assert all(r.outcome is not ItemOutcome.INVALID for r in results), results


def test_missing_schemas_strict_is_a_config_error(tmp_path: Path) -> None:
    data = (DATA / "ninjs1_text.json").read_bytes()
    with pytest.raises(ConfigError, match="NEWSFLOW_NINJS_SCHEMAS"):
        parse_items(data, schema_dir=tmp_path / "none", validate="strict")
    [r] = parse_items(data, schema_dir=tmp_path / "none", validate="warn")
    assert r.outcome is ItemOutcome.OK and "not validated" in r.warnings[0]


def test_nitf_item() -> None:
    [r] = _parse("nitf_item.xml")
    it = r.item
    assert r.outcome is ItemOutcome.OK and (it.format, it.format_version) == ("nitf", "3.6")
    assert (it.uri, it.version) == ("urn:newsml:ansa.it:20261207:ansa-551", 2)
    assert (it.headline, it.byline, it.dateline) == (
        "Neve sulle Alpi, strade chiuse",
        "Di Marco Esempio",
        "BOLZANO",
    )
    assert (it.agency, it.language, it.urgency, it.located) == ("ANSA", "it", 4, "Bolzano, IT")
    assert it.is_correction and it.embargoed_until == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    assert it.versioncreated == datetime(2026, 12, 7, 8, 15, tzinfo=UTC)
    assert it.source_url == "https://www.ansa.example/neve-alpi.html"
    assert it.subjects == (Subject("subj", "17000000", "weather"),)
    assert it.body_text.splitlines() == [
        "BOLZANO - Forti nevicate hanno chiuso il passo del Brennero nella notte.",
        "La protezione civile invita alla prudenza.",
    ]


def test_newsml_message_of_several_items() -> None:
    text, picture, package, concept = _parse("message_mixed.xml")
    assert text.outcome is ItemOutcome.OK
    it = text.item
    assert (it.format, it.uri, it.version, it.agency) == (
        "newsml-g2",
        "urn:newsml:afp.com:20261207:TX-NITF-1",
        2,
        "AFP",
    )
    assert it.headline == "Le PSG remporte le derby"  # from the NITF hedline
    assert (it.byline, it.dateline, it.language) == (
        "Par Paul Exemple",
        "MARSEILLE, 7 déc (AFP)",
        "fr",
    )
    assert it.subjects == (Subject("medtop", "15000000", "sport"),)  # listed twice, kept once
    assert it.body_text.count("\n") == 1
    assert it.raw.startswith(b"<newsItem") and b"PH-1" not in it.raw  # raw: this item only
    assert [r.outcome for r in (picture, package, concept)] == [ItemOutcome.NOT_TEXT] * 3
    assert picture.item.item_type == "picture" and package.item.item_type == "composite"
    assert concept.uri == "urn:newsml:afp.com:concept:psg"


def test_newsml_kill_embargo_and_entity_subjects() -> None:
    [kill] = _parse("sequence/a_v4_kill.xml")
    assert kill.outcome is ItemOutcome.KILLED and kill.item.is_kill
    assert kill.item.pubstatus == "canceled"
    v3, b = _parse("sequence/message_a_v3_b_v1.xml")
    assert v3.item.is_correction and v3.item.ednote == "Corrects vote margin in 2nd para"
    assert b.item.embargoed_until == datetime(2026, 12, 8, 6, 0, tzinfo=UTC)
    assert v3.item.subjects == (Subject("medtop", "11000000", "politics"),)  # geoArea left out
    assert (v3.item.located, v3.item.source_url) == (
        "Paris",
        "https://wire.example.org/TX-PAR-ABC12",
    )


def test_unsafe_xml_is_refused_never_expanded() -> None:
    [r] = _parse("unsafe_entities.xml")
    assert r.outcome is ItemOutcome.PARSE_ERROR and "entity" in r.reason.lower()
    big = b'<?xml version="1.0"?><!DOCTYPE x [<!ELEMENT x ANY>]><x/>'
    assert parse_items(big)[0].outcome is ItemOutcome.PARSE_ERROR


def test_external_dtd_is_not_fetched() -> None:
    """The DOCTYPE points at a closed port on loopback: a parser that fetched it would fail or
    hang; ours never loads it and reads the item."""
    [r] = _parse("unsafe_external.xml")
    assert r.outcome is ItemOutcome.OK and r.item.body_text == "Plain body."


def test_atom_feed_of_items_takes_the_entry_link() -> None:
    item_xml = (DATA / "sequence" / "c_v1.xml").read_text().split("?>", 1)[1]
    ninjs = (DATA / "ninjs2_list.json").read_text()
    first = json.dumps(json.loads(ninjs)[0]).replace("&", "&amp;").replace("<", "&lt;")
    feed = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>wire</title>
  <entry><id>1</id><title>x</title><link href="https://news.example.org/storm"/>
    <content type="application/xml">{item_xml}</content></entry>
  <entry><id>2</id><title>y</title><link rel="alternate" href="https://news.example.org/bro"/>
    <content type="application/json">{first}</content></entry>
  <entry><id>3</id><title>plain</title><content type="text">just a blog post</content></entry>
</feed>""".encode()
    storm, bro, plain = parse_items(feed, validate="warn", source="atom")
    assert storm.outcome is ItemOutcome.OK and storm.item.agency == "Reuters"
    assert storm.item.source_url == "https://wire.example.org/newsml_L8N3C0001"  # item's own
    assert bro.outcome is ItemOutcome.OK and bro.item.source_url == "https://news.example.org/bro"
    assert plain.outcome is ItemOutcome.UNSUPPORTED and "no wire item" in plain.reason


def test_malformed_and_forced_formats() -> None:
    assert parse_items(b'{"uri": ')[0].outcome is ItemOutcome.PARSE_ERROR
    assert parse_items(b"<newsItem><unclosed>")[0].outcome is ItemOutcome.PARSE_ERROR
    assert parse_items(b"hello")[0].outcome is ItemOutcome.UNSUPPORTED
    assert parse_items(b"<html><body/></html>")[0].outcome is ItemOutcome.UNSUPPORTED
    nitf = (DATA / "nitf_item.xml").read_bytes()
    [forced] = parse_items(nitf, format="newsml-g2")
    assert forced.outcome is ItemOutcome.UNSUPPORTED and "not newsml-g2" in forced.reason
    assert parse_items(nitf, format="nitf")[0].outcome is ItemOutcome.OK
    assert normalise_format("NewsML") == "newsml-g2"
    with pytest.raises(ValueError, match="unknown wire format"):
        parse_items(nitf, format="rss")
    with pytest.raises(ValueError, match="validate"):
        parse_items(nitf, validate="lenient")
    [no_uri] = parse_items(b'{"type": "text", "headline": "h"}', validate="warn")
    assert no_uri.outcome is ItemOutcome.INVALID and "no uri" in no_uri.reason


def test_api_envelope_and_http_delivery() -> None:
    """An endpoint polled like a feed: a real HTTP server on loopback serving an API envelope."""
    item = json.loads((DATA / "ninjs1_text.json").read_text())
    body = json.dumps({"data": {"items": [{"item": item}]}}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        import httpx

        data = httpx.get(f"http://127.0.0.1:{server.server_port}/items").content
    finally:
        server.shutdown()
    [r] = parse_items(data, validate="warn")
    assert r.outcome is ItemOutcome.OK and r.item.uri == item["uri"]


def test_deeply_nested_body_does_not_recurse() -> None:
    deep = "<div>" * 5000 + "deep text" + "</div>" * 5000
    doc = {"uri": "urn:x:deep", "type": "text", "body_xhtml": deep, "headline": "h"}
    [r] = parse_items(json.dumps(doc).encode(), validate="warn")
    assert r.outcome is ItemOutcome.OK and r.item.body_text == "deep text"


def test_file_rejection_only_for_unreadable_files() -> None:
    assert "refused" in file_rejection(_parse("unsafe_entities.xml"))
    assert "not a wire item" in file_rejection(parse_items(b"<html/>"))
    assert file_rejection(_parse("message_mixed.xml")) is None  # some items are not text: fine
    assert file_rejection(_parse("ninjs2_list.json")) is None


def test_correction_signals_and_language_codes() -> None:
    from pipeline.wire.items import language_code, looks_like_correction

    assert looks_like_correction("Corrects vote margin in 2nd para")
    assert looks_like_correction("CORRECTION: fixes name", None)
    assert looks_like_correction(None, "CORRECTED-Minister resigns")
    assert not looks_like_correction(None, "Correct answers win prizes")
    assert not looks_like_correction("Correctional officers strike", None)
    assert [language_code(v) for v in ("nb-NO", "en_US", "DE", "", None, "x-klingon")] == [
        "nb",
        "en",
        "de",
        None,
        None,
        None,
    ]


@pytest.mark.parametrize("name", ["ninjs1_text.json", "ninjs2_list.json", "ninjs3_correction.json"])
def test_any_field_of_any_type_never_crashes_in_warn_mode(name: str) -> None:
    """validate: warn lets malformed items through to the mapper: it must cope with every type."""
    doc = json.loads((DATA / name).read_text())
    base = doc[0] if isinstance(doc, list) else doc
    odd = [None, 0, 7, 1.5, True, "", "x", [], [1, "a", None], {}, {"a": {"b": 1}}, [{"x": 1}]]
    for key in base:
        for value in odd:
            item = {**base, key: value}
            results = parse_items(json.dumps(item).encode(), validate="warn")
            assert len(results) == 1 and isinstance(results[0].outcome, ItemOutcome)
