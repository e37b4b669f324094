"""End to end with the demo wire: the demo web on loopback with its ninjs endpoint and NewsML-G2
drop folder (``write_demo_feeds(wire=True)``), ``newsflow run`` in a subprocess, twice.

Checks the exact tables: the page feeds' figures are unchanged, every wire item and file has its
outcome, updates and corrections land in place, the kills and the embargo are in no mart and
have no text in the snapshot, the report counts the kills, and the second run adds nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.run.wire import wire_article_id
from tests.helpers import query
from tools.demo import serve, write_demo_feeds

pytestmark = pytest.mark.e2e

NEWSFLOW = [str(Path(sys.executable).with_name("newsflow"))]
if not Path(NEWSFLOW[0]).exists():
    NEWSFLOW = [sys.executable, "-m", "pipeline"]
NINJS = "urn:newsml:wire.demo.test:2026:"
DROP = "urn:newsml:drop.demo.test:2026:"


def newsflow(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*NEWSFLOW, *args], capture_output=True, text=True, timeout=600, env=dict(os.environ)
    )


def _tables(db: Path) -> dict[str, list]:
    return {
        "articles": query(db, "SELECT * EXCLUDE (loaded_at) FROM articles ORDER BY article_id"),
        "versions": query(db, "SELECT * FROM article_versions ORDER BY ALL"),
        "stories": query(db, "SELECT * EXCLUDE (updated_at) FROM stories ORDER BY ALL"),
        "topic": query(db, "SELECT * EXCLUDE (built_at) FROM marts.daily_topic ORDER BY ALL"),
    }


@pytest.fixture(scope="module")
def wire_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wire-e2e")
    db = tmp / "news.duckdb"
    with serve() as server:
        feeds = write_demo_feeds(tmp / "feeds.yaml", server.server_address[1], wire=True)
        first = newsflow("run", "--feeds", str(feeds), "--db", str(db))
        before = _tables(db)
        second = newsflow("run", "--all", "--feeds", str(feeds), "--db", str(db))
        after = _tables(db)
    return {"tmp": tmp, "db": db, "first": first, "second": second, "t1": before, "t2": after}


def test_runs_succeed_and_page_figures_are_unchanged(wire_run) -> None:
    assert wire_run["first"].returncode == 0, wire_run["first"].stderr
    assert wire_run["second"].returncode == 0, wire_run["second"].stderr
    db = wire_run["db"]
    fetches = dict(query(db, "SELECT outcome, count(*) FROM fetch_log GROUP BY ALL"))
    assert fetches == {"ok": 11, "http_error": 1, "duplicate": 1}
    assert query(db, "SELECT count(*) FROM articles WHERE item_uri IS NULL") == [(11,)]


def test_every_wire_item_and_file_has_its_outcome(wire_run) -> None:
    rows = query(
        wire_run["db"],
        "SELECT feed_id, regexp_replace(source, ':[0-9]+/', ':PORT/'), item_uri, item_version,"
        " outcome FROM item_log ORDER BY ALL",
    )
    api = "http://wire.demo.test:PORT/api/items.json"
    assert rows == [
        ("wire-drop", "broken.xml", None, None, "parse_error"),
        ("wire-drop", "dam-v1.xml", DROP + "dam", 1, "ok"),
        ("wire-drop", "dam-v2-kill.xml", DROP + "dam", 2, "killed"),
        ("wire-drop", "quake-v1.xml", DROP + "quake", 1, "ok"),
        ("wire-drop", "quake-v2.xml", DROP + "quake", 2, "updated"),
        ("wire-drop", "summit-embargoed.xml", DROP + "summit", 1, "ok"),
        ("wire-ninjs", api, NINJS + "kherson", 1, "ok"),
        ("wire-ninjs", api, NINJS + "minister", 1, "ok"),
        ("wire-ninjs", api, NINJS + "minister", 2, "killed"),
        ("wire-ninjs", api, NINJS + "port-strike", 1, "ok"),
        ("wire-ninjs", api, NINJS + "port-strike", 2, "updated"),
        ("wire-ninjs", api, NINJS + "rotterdam-photo", 1, "not_text"),
    ]
    inbox = wire_run["tmp"] / "wire-inbox"
    assert sorted(p.name for p in (inbox / "archive").iterdir()) == [
        "dam-v1.xml",
        "dam-v2-kill.xml",
        "quake-v1.xml",
        "quake-v2.xml",
        "summit-embargoed.xml",
    ]
    assert sorted(p.name for p in (inbox / "rejected").iterdir()) == [
        "broken.xml",
        "broken.xml.reason.txt",
    ]
    assert "XML refused" in (inbox / "rejected" / "broken.xml.reason.txt").read_text()
    assert not [p for p in inbox.iterdir() if p.is_file() and not p.name.startswith(".")]


def test_wire_articles_updated_in_place(wire_run) -> None:
    rows = query(
        wire_run["db"],
        "SELECT item_uri, item_version, title, agency, agency_evidence, is_correction,"
        " withdrawn_at IS NOT NULL, embargoed_until IS NOT NULL, date_source"
        " FROM articles WHERE item_uri IS NOT NULL ORDER BY item_uri",
    )
    assert rows == [
        (DROP + "dam", 1, "Dam breach floods villages near Kisumu", "Reuters", "item",
         False, True, False, "item"),
        (DROP + "quake", 2, "Earthquake shakes Nairobi, buildings evacuated", "Reuters", "item",
         False, False, False, "item"),
        (DROP + "summit", 1, "African Union summit to open in Addis Ababa", "Reuters", "item",
         False, False, True, "item"),
        (NINJS + "kherson", 1, "Russian forces capture Kherson, the largest Ukrainian city"
         " taken since the invasion began", "AFP", "item", False, False, False, "item"),
        (NINJS + "minister", 1, "Dutch minister quits over housing report", "AFP", "item",
         False, True, False, "item"),
        (NINJS + "port-strike", 2, "Dockers strike closes four ports in Rotterdam", "AFP",
         "item", True, False, False, "item"),
    ]  # fmt: skip
    versions = query(
        wire_run["db"],
        "SELECT article_id, item_version, pubstatus, is_correction FROM article_versions"
        " ORDER BY ALL",
    )
    assert len(versions) == 10 and (wire_article_id(NINJS + "port-strike"), 2, "usable", True) in (
        versions
    )
    subjects = query(
        wire_run["db"],
        "SELECT scheme, code FROM article_subjects WHERE article_id = ? ORDER BY ALL",
        [wire_article_id(NINJS + "port-strike")],
    )
    assert subjects == [("medtop", "04000000"), ("medtop", "09000000")]


def test_wire_copy_joins_the_page_story(wire_run) -> None:
    db = wire_run["db"]
    (story,) = query(db, "SELECT story_id FROM articles WHERE item_uri = ?", [NINJS + "kherson"])[0]
    assert query(db, "SELECT article_count FROM stories WHERE story_id = ?", [story]) == [(4,)]


def test_kills_and_embargo_are_in_no_mart(wire_run) -> None:
    db = wire_run["db"]
    hidden = [wire_article_id(DROP + "dam"), wire_article_id(NINJS + "minister")]
    hidden.append(wire_article_id(DROP + "summit"))
    marks = ", ".join("?" for _ in hidden)
    for rel in ("staging.stg_articles", "intermediate.int_articles_enriched"):
        assert query(db, f"SELECT count(*) FROM {rel} WHERE article_id IN ({marks})", hidden) == [
            (0,)
        ]
    stories = query(db, f"SELECT story_id FROM articles WHERE article_id IN ({marks})", hidden)
    spread = query(db, "SELECT story_id FROM marts.story_spread")
    assert not {s for (s,) in stories} & {s for (s,) in spread}
    agency = dict(
        ((str(d), a), n)
        for d, a, n in query(db, "SELECT day, agency, n_articles FROM marts.daily_agency")
    )
    assert agency[("2026-03-04", "AFP")] == 1  # the port strike; the minister was killed
    assert agency[("2026-03-04", "Reuters")] == 1  # the quake; dam killed, summit embargoed
    assert agency[("2026-03-05", "AFP")] == 4  # the Kherson pages and the wire copy
    topic = [
        (str(r[0]), r[1], r[2], r[4], r[5], r[6]) for r in wire_run["t1"]["topic"]
    ]  # day, scheme, code, country, n_articles, n_stories
    assert topic == [
        ("2026-03-04", "medtop", "04000000", "NL", 1, 1),
        ("2026-03-04", "medtop", "06000000", "KE", 1, 1),
        ("2026-03-04", "medtop", "09000000", "NL", 1, 1),
        ("2026-03-05", "medtop", "16000000", "UA", 1, 1),
    ]


def test_snapshot_and_report(wire_run) -> None:
    snap = wire_run["tmp"] / "snapshot" / "news.duckdb"
    rows = dict(
        (uri, (title, body))
        for uri, title, body in query(
            snap, "SELECT item_uri, title, body FROM articles WHERE item_uri IS NOT NULL"
        )
    )
    assert rows[DROP + "dam"][1] is None and rows[NINJS + "minister"][1] is None
    assert rows[NINJS + "minister"][0] == "Dutch minister quits over housing report"
    assert rows[DROP + "summit"] == (None, None)
    assert rows[DROP + "quake"][1].startswith("NAIROBI (Reuters)")
    report = (wire_run["tmp"] / "report.html").read_text(encoding="utf-8")
    assert "wire items withdrawn (kills)" in report
    assert "Dutch minister quits" not in report


def test_second_run_adds_nothing(wire_run) -> None:
    assert wire_run["t1"] == wire_run["t2"]
    polls = query(
        wire_run["db"],
        "SELECT feed_id, outcome, n_entries FROM feed_polls WHERE feed_id IN ('wire-ninjs', 'wire-drop')"
        " ORDER BY polled_at, feed_id",
    )
    assert sorted(polls[2:]) == [("wire-drop", "ok", 0), ("wire-ninjs", "not_modified", 0)]
