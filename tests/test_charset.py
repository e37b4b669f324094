"""A page that declares its encoding only in the HTTP ``Content-Type`` header (common for
Cyrillic and Japanese legacy sites) is decoded with that charset, at ingestion and again at
re-extraction from ``raw_pages``; it must never be stored as windows-1252 mojibake.

Served for real on loopback; run through ``run_pass`` and ``reextract`` into a DuckDB file.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import duckdb
import pytest

from pipeline.extract import decode_html, extract_article
from pipeline.run.passes import run_pass
from pipeline.run.reextract import reextract
from pipeline.settings import FeedConfig, Settings

pytestmark = pytest.mark.timeout(120)

PARAS = [
    "Городской совет во вторник проголосовал за закрытие старого моста для грузовиков.",
    "Инженеры обнаружили коррозию опор во время планового осмотра в прошлом месяце.",
    "Ремонт займёт не меньше полугода, а объезд пройдёт через северный район города.",
]
PAGE = (
    "<html><head><title>Мост закрыт для грузовиков</title></head><body><article>"
    "<h1>Мост закрыт для грузовиков</h1>"
    + "".join(f"<p>{p}</p>" for p in PARAS * 2)
    + "</article></body></html>"
).encode("windows-1251")


def test_header_charset_outranks_the_guess_and_an_unknown_label_falls_through():
    assert decode_html(PAGE, "windows-1251") == PAGE.decode("windows-1251")
    assert "грузовиков" not in decode_html(PAGE)  # no declaration anywhere: cp1252 mojibake
    assert "грузовиков" not in decode_html(PAGE, "no-such-charset")
    meta = PAGE.replace(b"<head>", b'<head><meta charset="windows-1251">')
    assert "грузовиков" in decode_html(meta, "no-such-charset")
    assert "грузовиков" in decode_html(meta)
    bom = "\ufeffé".encode()
    assert decode_html(bom, "windows-1251") == "é"  # a BOM still wins
    # Declarations that the bytes contradict: valid UTF-8 stays UTF-8 under a server's default
    # ISO-8859-1, and cp1252 bytes served as "utf-8" are not decoded as broken UTF-8.
    utf8 = "<p>Café déjà vu</p>".encode()
    assert decode_html(utf8, "iso-8859-1") == "<p>Café déjà vu</p>"
    assert decode_html(b'<meta charset="windows-1252">' + utf8).endswith("Café déjà vu</p>")
    cp = "<p>Café déjà vu</p>".encode("cp1252")
    assert decode_html(cp, "utf-8") == "<p>Café déjà vu</p>"
    assert decode_html(cp, "utf-8").encode("cp1252") == cp
    damaged = utf8 + b"<p>stray \xe9 byte</p>"  # a UTF-8 page with one invalid byte
    assert decode_html(damaged, "utf-8") == "<p>Café déjà vu</p><p>stray \ufffd byte</p>"
    ext = extract_article(PAGE, "http://x.test/a", http_charset="windows-1251")
    assert ext.outcome == "ok" and ext.body.splitlines()[0] == PARAS[0]


class _Site(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        host = f"http://{self.headers['Host']}"
        if self.path == "/feed.xml":
            now = format_datetime(datetime.now(UTC))
            body = (
                '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>Городские новости</title><link>{host}/</link>"
                f"<item><title>Мост закрыт</title><link>{host}/a/1.html</link>"
                f"<pubDate>{now}</pubDate></item></channel></rss>"
            ).encode()
            ctype = "application/rss+xml"
        elif self.path == "/a/1.html":
            body, ctype = PAGE, "text/html; charset=windows-1251"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_ingested_and_reextracted_with_the_header_charset(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        s = Settings(
            allow_private_hosts=True,
            per_host_delay=0.0,
            max_retries=0,
            db_path=tmp_path / "news.duckdb",
            feeds=[FeedConfig(id="city", url=f"http://127.0.0.1:{port}/feed.xml")],
        )
        summary = run_pass(s, build=False)
        assert summary.loaded["articles"] == 1
    finally:
        server.shutdown()
    sql = "SELECT a.body, a.title, r.charset FROM articles a JOIN raw_pages r USING (article_id)"
    con = duckdb.connect(str(s.db_path), read_only=True)
    try:
        body, title, charset = con.execute(sql).fetchone()
    finally:
        con.close()
    assert charset == "windows-1251"
    assert body.splitlines()[0] == PARAS[0] and title == "Мост закрыт для грузовиков"
    report = reextract(s, only_stale=False)
    assert report.unchanged == 1 and not any(report.changed.values()), report
