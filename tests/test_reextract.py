"""Re-extraction from stored raw HTML, for real: a DuckDB file, the worker pool, the story index."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from pipeline.extract import EXTRACTOR_VERSION
from pipeline.run.reextract import format_report, reextract
from pipeline.settings import FeedConfig, Settings
from pipeline.storage.db import open_db
from pipeline.stories.fingerprints import content_hash

PAGES = Path(__file__).resolve().parent / "data" / "extraction"
GOLD = json.loads((PAGES / "gold.json").read_text(encoding="utf-8"))
FETCHED = datetime(2026, 3, 6, 8, 0, tzinfo=UTC)
OLD = "newsflow-1+trafilatura-2.3.1"


def add_article(
    con: duckdb.DuckDBPyConnection,
    aid: str,
    html: bytes | None,
    *,
    url: str,
    body: str = "Old body with the agency sign-off still in it. (AFP)",
    title: str = "Old title",
    title_source: str = "h1",
    published_at: datetime | None = None,
    date_source: str | None = None,
    version: str = OLD,
    feed_id: str = "wire",
) -> None:
    con.execute(
        """
        INSERT INTO articles (article_id, url, feed_id, outlet, title, title_source, body,
            word_count, published_at, date_source, fetched_at, story_id, content_hash, extractor,
            extractor_version, run_id, batch_id, loaded_at)
        VALUES (?, ?, ?, 'example', ?, ?, ?, ?, ?, ?, ?, ?, ?, 'trafilatura', ?, 'r0', 'b0', ?)
        """,
        [
            aid,
            url,
            feed_id,
            title,
            title_source,
            body,
            len(body.split()),
            published_at,
            date_source,
            FETCHED,
            f"st_{aid}",
            content_hash(body),
            version,
            FETCHED,
        ],
    )
    con.execute(
        "INSERT INTO stories VALUES (?, ?, ?, NULL, ?, ?, 1, 1, NULL, 'exact_body', ?)",
        [f"st_{aid}", aid, title, FETCHED, FETCHED, FETCHED],
    )
    if html is not None:
        con.execute(
            "INSERT INTO raw_pages VALUES (?, ?, NULL, ?, 'text/html', 'gzip', ?, ?, NULL)",
            [aid, url, FETCHED, gzip.compress(html), len(html)],
        )


def page(pid: str) -> bytes:
    return (PAGES / "html" / f"{pid}.html").read_bytes()


@pytest.fixture
def settings(tmp_path) -> Settings:
    s = Settings(
        db_path=tmp_path / "news.duckdb",
        extract_workers=2,
        feeds=[FeedConfig(id="wire", url="https://wire.example/feed.xml", country="FR")],
    )
    with open_db(s.db_path) as con:
        for n, pid in enumerate(("wire-afp-labels", "fr-courrier", "ledger-comments")):
            add_article(con, f"{n:016x}", page(pid), url=GOLD[pid]["url"])
        add_article(con, "a" * 16, page("paywall-declared"), url=GOLD["paywall-declared"]["url"])
        add_article(con, "b" * 16, None, url="https://example.org/gone")
    return s


def rows(s: Settings, sql: str) -> list[tuple]:
    con = duckdb.connect(str(s.db_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_stale_rows_rewritten_from_raw_html_and_changes_reported(settings):
    report = reextract(settings)
    assert report.considered == 5 and report.no_raw_page == 1
    assert report.updated == 3 and report.failed == 0
    assert report.not_articles == {"paywalled": 1}  # left as it was, never deleted
    assert report.changed["body"] == 3 and report.changed["title"] == 3
    assert report.changed["agency"] >= 1 and report.changed["language"] == 3
    assert report.stories_rebuilt
    examples = {(e["article_id"], e["field"]) for e in report.examples}
    assert ("0000000000000000", "body") in examples
    text = format_report(report)
    assert text.startswith("re-extracted 3 of 5 article(s)") and "paywalled=1" in text
    json.dumps(report.to_dict())  # XCom / --json safe

    got = {
        r[0]: r[1:]
        for r in rows(
            settings,
            "SELECT article_id, body, title, agency, extractor_version, content_hash, language,"
            " loaded_at > fetched_at FROM articles",
        )
    }
    body, title, agency, version, chash, language, bumped = got["0000000000000000"]
    assert body == GOLD["wire-afp-labels"]["body"]
    assert title == GOLD["wire-afp-labels"]["title"]
    assert agency == "AFP" and version == EXTRACTOR_VERSION and chash == content_hash(body)
    assert language == "en" and bumped
    assert got["0000000000000001"][5] == "fr"
    assert got["a" * 16][3] == OLD and got["b" * 16][3] == OLD  # untouched
    # places replaced for rewritten articles; stories consistent with articles after the rebuild
    assert rows(settings, "SELECT count(DISTINCT article_id) FROM article_places")[0][0] == 3
    orphans = rows(
        settings,
        "SELECT count(*) FROM articles a WHERE NOT EXISTS"
        " (SELECT 1 FROM stories s WHERE s.story_id = a.story_id)",
    )
    assert orphans[0][0] == 0

    again = reextract(settings)  # only the paywalled page is still stale
    assert (again.considered, again.updated, again.not_articles) == (2, 0, {"paywalled": 1})


def test_all_rewrites_current_rows_and_reports_them_unchanged(settings):
    reextract(settings)
    before = rows(settings, "SELECT article_id, body, story_id FROM articles ORDER BY 1")
    report = reextract(settings, only_stale=False)
    assert report.updated == 3 and report.unchanged == 3
    assert all(v == 0 for v in report.changed.values())
    assert rows(settings, "SELECT article_id, body, story_id FROM articles ORDER BY 1") == before


def test_limit_and_feed_facts_reconstructed_from_the_row(tmp_path):
    s = Settings(db_path=tmp_path / "n.duckdb", extract_workers=1)
    story = "".join(
        f"<p>{p}</p>" for p in GOLD["ledger-short-brief"]["body"].splitlines() * 3
    ).encode()
    html = b"<html><body><article><h1>Water main burst</h1>" + story + b"</article></body></html>"
    feed_date = datetime(2026, 3, 2, 7, 10, tzinfo=UTC)
    with open_db(s.db_path) as con:
        add_article(
            con,
            "c" * 16,
            html,
            url="https://example.org/water",
            title="Water main burst floods Bristol street",
            title_source="feed",
            published_at=feed_date,
            date_source="feed",
        )
        add_article(con, "d" * 16, html, url="https://example.org/water-2")
    report = reextract(s, limit=1)
    assert report.considered == 1 and report.updated == 1
    ((published, source, title),) = rows(
        s,
        "SELECT published_at, date_source, title FROM articles WHERE article_id = 'cccccccccccccccc'",
    )
    # the page has no date and the URL none either: the stored feed date is still the answer
    assert (published, source) == (feed_date, "feed")
    assert title == "Water main burst"  # the page's own <h1> outranks the feed's title


def test_cli(settings):
    cmd = [sys.executable, "-m", "pipeline", "reextract", "--db", str(settings.db_path)]
    res = subprocess.run(
        [*cmd, "--no-models", "--json"], capture_output=True, text=True, timeout=300
    )
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["updated"] == 3 and report["only_stale"] is True
    assert "[reextract] 4/4 extracted" in res.stderr
    res = subprocess.run(
        [*cmd, "--all", "--no-models"], capture_output=True, text=True, timeout=300
    )
    assert res.returncode == 0 and res.stdout.startswith("re-extracted 3 of 5 article(s)")
    missing = [sys.executable, "-m", "pipeline", "reextract", "--db", str(settings.db_path) + "x"]
    res = subprocess.run(missing, capture_output=True, text=True, timeout=60)
    assert res.returncode == 1 and "no such database file" in res.stderr
