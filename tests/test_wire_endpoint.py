"""Wire endpoints polled like feeds, against a real HTTP server on loopback: an Atom feed of
items, a NewsML-G2 newsMessage, conditional GET, an HTTP error and a body that is no wire
delivery. Every outcome lands in ``feed_polls`` and ``item_log``."""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipeline.run.clock import new_run_id
from pipeline.run.passes import load
from pipeline.run.wire import poll_wire_feed, wire_article_id
from pipeline.settings import load_settings
from tests.helpers import query

DATA = Path(__file__).parent / "data" / "wire"
NINJS_ITEM = {
    "uri": "urn:newsml:example.org:2026:atom-1",
    "type": "text",
    "version": "1",
    "versioncreated": "2026-12-07T09:00:00Z",
    "headlines": [{"role": "main", "value": "Bridge opens in Bergen"}],
    "bodies": [{"role": "main", "contenttype": "text/plain", "value": "BERGEN - It opened."}],
}
ATOM = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Items</title><id>urn:feed</id><updated>2026-12-07T09:00:00Z</updated>
  <entry>
    <id>urn:e1</id><title>Bridge</title><updated>2026-12-07T09:00:00Z</updated>
    <link rel="alternate" href="https://news.example.org/bridge-opens"/>
    <content type="application/json">{json.dumps(NINJS_ITEM)}</content>
  </entry>
</feed>
""".encode()
ROUTES = {
    "/atom": (200, "application/atom+xml", ATOM),
    "/message": (200, "application/xml", (DATA / "message_mixed.xml").read_bytes()),
    "/broken": (200, "application/json", b"{not json"),
    "/down": (500, "text/plain", b"oops"),
}


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        return

    def do_GET(self) -> None:
        status, ctype, body = ROUTES.get(self.path, (404, "text/plain", b"no"))
        etag = '"' + hashlib.sha1(body).hexdigest()[:12] + '"'
        if status == 200 and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)


@contextlib.contextmanager
def _server() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def polled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("endpoint")
    with _server() as port:
        base = f"http://items.test:{port}"
        feeds = tmp / "feeds.yaml"
        feeds.write_text(
            "feeds:\n"
            + "".join(
                f"  - id: {name}\n    url: {base}/{name}\n    format: {fmt}\n    validate: warn\n"
                for name, fmt in (
                    ("atom", "atom"),
                    ("message", "newsml-g2"),
                    ("broken", "ninjs"),
                    ("down", "ninjs"),
                )
            )
            + "settings:\n  allow_private_hosts: true\n  max_retries: 0\n"
            + "  resolve:\n    items.test: 127.0.0.1\n",
            encoding="utf-8",
        )
        settings = load_settings(feeds, db_path=tmp / "news.duckdb")
        results = {}
        for attempt in (1, 2):
            run_id = new_run_id()
            for fid in ("atom", "message", "broken", "down"):
                results[(fid, attempt)] = poll_wire_feed(settings, fid, run_id)
            load(settings, run_id)
    return settings.db_path, results


def test_poll_outcomes_and_conditional_get(polled) -> None:
    db, results = polled
    first = {fid: results[(fid, 1)].outcome for fid in ("atom", "message", "broken", "down")}
    assert first == {"atom": "ok", "message": "ok", "broken": "parse_error", "down": "http_error"}
    assert results[("atom", 2)].outcome == "not_modified"
    assert results[("message", 2)].outcome == "not_modified"
    rows = query(db, "SELECT feed_id, count(*) FROM feed_polls GROUP BY ALL ORDER BY 1")
    assert rows == [("atom", 2), ("broken", 2), ("down", 2), ("message", 2)]


def test_atom_items_take_their_page_url(polled) -> None:
    db, _ = polled
    rows = query(
        db,
        "SELECT url, title, body, item_version FROM articles WHERE article_id = ?",
        [wire_article_id(NINJS_ITEM["uri"])],
    )
    assert rows == [("https://news.example.org/bridge-opens", "Bridge opens in Bergen",
                     "BERGEN - It opened.", 1)]  # fmt: skip


def test_every_item_of_the_message_and_the_broken_body_is_logged(polled) -> None:
    db, _ = polled
    logged = query(db, "SELECT feed_id, outcome, count(*) FROM item_log GROUP BY ALL ORDER BY ALL")
    by_feed: dict[str, dict[str, int]] = {}
    for fid, outcome, n in logged:
        by_feed.setdefault(fid, {})[outcome] = n
    assert by_feed["atom"] == {"ok": 1}
    assert by_feed["broken"] == {"parse_error": 2}  # no validators kept: fetched again
    assert "down" not in by_feed  # nothing was delivered
    assert sum(by_feed["message"].values()) >= 2
    n_articles = query(db, "SELECT count(*) FROM articles WHERE feed_id = 'message'")[0][0]
    assert n_articles == by_feed["message"].get("ok", 0) + by_feed["message"].get("killed", 0)
