"""The read-only snapshot: what it holds, that it swaps atomically, and that people can query it
while the pipeline writes (the live file cannot even be opened then).

The last test is the real thing: a reader process loops over consistency queries through a whole
ingest + models run on the demo web, and every query must succeed and see matching counts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from pipeline.errors import DatabaseError
from pipeline.storage.db import open_db
from pipeline.storage.snapshot import (
    INFO_TABLE,
    publish_snapshot,
    read_path,
    read_snapshot_info,
    snapshot_path,
)

REPO = Path(__file__).resolve().parent.parent
NEWSFLOW = [sys.executable, "-m", "pipeline"]


def make_live(path: Path, n_articles: int = 2) -> Path:
    """A migrated DB with articles, a raw page, and two views where one reads the other."""
    with open_db(path) as con:
        now = datetime.now(UTC)
        for i in range(n_articles):
            con.execute(
                "INSERT INTO articles BY NAME SELECT ? AS article_id, ? AS url, 'f' AS feed_id,"
                " 'o.test' AS outlet, 'body' AS body, 1 AS word_count, ? AS fetched_at,"
                " 's' AS story_id, 'h' AS content_hash, 'x' AS extractor,"
                " '1' AS extractor_version, 'r' AS run_id, 'b' AS batch_id, ? AS loaded_at"
                " WHERE NOT EXISTS (FROM articles WHERE article_id = ?)",
                [f"a{i}", f"https://o.test/{i}", now, now, f"a{i}"],
            )
        con.execute(
            "INSERT INTO raw_pages BY NAME SELECT 'a0' AS article_id, 'u' AS url, now() AS"
            " fetched_at, 'gzip' AS encoding, 'xx'::BLOB AS html_gz, 2 AS n_bytes"
            " WHERE NOT EXISTS (FROM raw_pages WHERE article_id = 'a0')"
        )
        con.execute("CREATE SCHEMA IF NOT EXISTS staging")
        con.execute("CREATE SCHEMA IF NOT EXISTS intermediate")
        con.execute("CREATE OR REPLACE VIEW staging.v AS SELECT count(*) AS n FROM main.articles")
        # Sorted by name this view comes first, although it needs staging.v to exist.
        con.execute("CREATE OR REPLACE VIEW intermediate.w AS SELECT n * 2 AS n2 FROM staging.v")
    return path


def count(path: Path, sql: str) -> object:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_snapshot_holds_tables_views_and_its_info(tmp_path) -> None:
    live = make_live(tmp_path / "news.duckdb")
    info = publish_snapshot(live)
    snap = tmp_path / "snapshot" / "news.duckdb"
    assert info.path == snap == snapshot_path(live)
    assert count(snap, "SELECT count(*) FROM articles") == 2
    assert count(snap, "SELECT n2 FROM intermediate.w") == 4  # the view reads the snapshot
    assert count(snap, "SELECT count(*) FROM raw_pages") == 0  # columns kept, HTML left out
    assert count(snap, "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'raw_pages'") > 5
    meta = read_snapshot_info(snap)
    assert meta is not None and meta["n_articles"] == 2 and meta["source_db"] == str(live)
    assert meta["schema_version"] == count(live, "SELECT max(version) FROM schema_migrations")
    assert info.to_dict()["articles"] == 2 and info.views == 2
    assert read_snapshot_info(live) is None  # the live file is not a snapshot
    assert sorted(p.name for p in snap.parent.iterdir()) == ["news.duckdb"]  # no temp, no WAL


def test_new_snapshot_replaces_the_old_atomically(tmp_path) -> None:
    live = make_live(tmp_path / "news.duckdb", n_articles=1)
    snap = publish_snapshot(live).path
    reader = duckdb.connect(str(snap), read_only=True)  # an analyst's open session
    try:
        make_live(live, n_articles=3)  # adds a1, a2
        publish_snapshot(live)
        # The open session keeps the file it opened; a new one sees the new snapshot.
        assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
        assert reader.execute(f"SELECT n_articles FROM {INFO_TABLE}").fetchone()[0] == 1
    finally:
        reader.close()
    assert count(snap, "SELECT count(*) FROM articles") == 3


def test_leftovers_of_a_killed_publisher_are_removed(tmp_path) -> None:
    live = make_live(tmp_path / "news.duckdb")
    folder = tmp_path / "snapshot"
    folder.mkdir()
    (folder / ".news.duckdb.tmp-99999").write_bytes(b"half a file")
    (folder / ".news.duckdb.tmp-99999.wal").write_bytes(b"")
    publish_snapshot(live, tmp_path / "snapshot" / "news.duckdb")
    assert sorted(p.name for p in folder.iterdir()) == ["news.duckdb"]


def test_read_path_prefers_the_snapshot(tmp_path) -> None:
    live = make_live(tmp_path / "news.duckdb")
    assert read_path(live) == live  # nothing published yet
    publish_snapshot(live)
    assert read_path(live) == snapshot_path(live)
    assert read_path(live, live=True) == live
    other = tmp_path / "data"
    assert snapshot_path(live, other) == other / "snapshot" / "news.duckdb"
    assert read_path(live, other) == live  # no snapshot in that data dir


WRITER = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1])  # read-write: DuckDB locks the file for other processes
    con.execute("CREATE TABLE IF NOT EXISTS busy (x INTEGER)")
    print("holding", flush=True)
    sys.stdin.read()
    con.close()
    """
)


def hold_for_writing(path: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "holding"
    return proc


def release(proc: subprocess.Popen) -> None:
    proc.stdin.close()
    proc.wait(timeout=30)


def test_query_reads_the_snapshot_while_another_process_writes(tmp_path) -> None:
    live = make_live(tmp_path / "news.duckdb")
    publish_snapshot(live)
    writer = hold_for_writing(live)
    try:
        ok = subprocess.run(
            [*NEWSFLOW, "query", "--db", str(live), "--json", "SELECT count(*) AS n FROM articles"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert ok.returncode == 0, ok.stderr
        assert json.loads(ok.stdout) == {"n": 2}
        live_run = subprocess.run(
            [*NEWSFLOW, "query", "--db", str(live), "--live", "SELECT 1"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert live_run.returncode == 1
        assert "in use by another process" in live_run.stderr
        assert live_run.stderr.count("\n") == 1
        # Publishing needs the live file quiet (callers hold the DB lock): refuse, do not wait.
        with pytest.raises(DatabaseError, match="in use by another process"):
            publish_snapshot(live)
        assert sorted(p.name for p in (tmp_path / "snapshot").iterdir()) == ["news.duckdb"]
    finally:
        release(writer)


# ------------------------------------------------------------------ readers during a real run

READER = textwrap.dedent(
    """
    import json, os, sys, time
    import duckdb
    sys.path.insert(0, sys.argv[1])
    from pipeline.storage.snapshot import read_path

    db, status, stop = sys.argv[2], sys.argv[3], sys.argv[4]
    CHECKS = '''
        SELECT
            (SELECT n_articles FROM snapshot_info) AS info_articles,
            (SELECT count(*) FROM articles) AS articles,
            (SELECT coalesce(sum(article_count), 0) FROM stories) AS story_articles,
            (SELECT coalesce(sum(n_articles), 0) FROM marts.daily_region
                WHERE region_level = 'country') AS mart_region_articles,
            (SELECT count(*) FROM intermediate.int_article_regions
                WHERE region_level = 'country') AS view_region_articles,
            (SELECT coalesce(sum(n_articles), 0) FROM marts.daily_agency) AS mart_agency_articles,
            (SELECT count(*) FROM articles WHERE agency IS NOT NULL) AS agency_articles,
            (SELECT published_at::VARCHAR FROM snapshot_info) AS published_at
    '''
    # Never touches the live file: even a read-only open takes a lock that makes the writer
    # (the loader, dbt) fail to open it. That is the reason the snapshot exists.
    out = {"queries": 0, "failures": [], "inconsistent": [], "seen": {}}
    while not os.path.exists(stop):
        try:
            con = duckdb.connect(read_path(db), read_only=True)
            try:
                cur = con.execute(CHECKS)
                row = dict(zip([d[0] for d in cur.description], cur.fetchone()))
            finally:
                con.close()
            out["queries"] += 1
            out["seen"][row["published_at"]] = row["articles"]
            pairs = [
                ("info_articles", "articles"),
                ("story_articles", "articles"),
                ("mart_region_articles", "view_region_articles"),
                ("mart_agency_articles", "agency_articles"),
            ]
            bad = [f"{a}={row[a]} {b}={row[b]}" for a, b in pairs if row[a] != row[b]]
            if bad:
                out["inconsistent"].append(bad)
        except Exception as exc:
            out["failures"].append(f"{type(exc).__name__}: {exc}"[:300])
        tmp = status + ".tmp"
        with open(tmp, "w") as fh:
            json.dump(out, fh)
        os.replace(tmp, status)
        time.sleep(0.05)
    """
)


def read_status(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def wait_for(predicate, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.e2e
def test_queries_succeed_and_stay_consistent_throughout_a_run(tmp_path) -> None:
    from pipeline.report import write_report
    from pipeline.run.passes import run_pass
    from pipeline.settings import load_settings
    from tools.demo import serve, write_demo_feeds

    db = tmp_path / "news.duckdb"
    status, stop = tmp_path / "reader.json", tmp_path / "stop"
    with serve() as server:
        feeds = write_demo_feeds(tmp_path / "feeds.yaml", server.server_address[1])
        settings = load_settings(feeds, db_path=db)
        # A first, partial pass publishes the first snapshot.
        run_pass(settings, feed_ids=[settings.feed_ids()[0]])
        first = read_snapshot_info(snapshot_path(db))
        assert first is not None
        reader = subprocess.Popen(
            [sys.executable, "-c", READER, str(REPO), str(db), str(status), str(stop)],
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_for(lambda: read_status(status).get("queries", 0) >= 3, "the reader's queries")
            full = run_pass(settings)  # loads the other feeds, rebuilds, publishes again
            final = read_snapshot_info(snapshot_path(db))
            assert final is not None and final["n_articles"] > first["n_articles"]
            final_key = str(
                count(snapshot_path(db), f"SELECT published_at::VARCHAR FROM {INFO_TABLE}")
            )
            wait_for(lambda: final_key in read_status(status).get("seen", {}), "the new snapshot")
        finally:
            stop.touch()
            _, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err[-2000:]
    seen = read_status(status)
    assert seen["failures"] == [], seen["failures"][:5]
    assert seen["inconsistent"] == [], seen["inconsistent"][:5]
    assert seen["queries"] >= 3
    assert sorted(seen["seen"].values()) == [first["n_articles"], final["n_articles"]]
    assert full.loaded["articles"] == final["n_articles"] - first["n_articles"]
    # The report reads the snapshot the same way (real marts built by dbt here).
    report = write_report(snapshot_path(db), tmp_path / "report.html")
    assert report.articles == final["n_articles"] and len(report.charts) == 5
    print(f"\nreader: {seen['queries']} consistent queries over {len(seen['seen'])} snapshots")


def test_snapshot_dir_follows_the_data_dir_setting(tmp_path, monkeypatch) -> None:
    """``newsflow query`` finds the snapshot where NEWSFLOW_DATA_DIR puts it (as in compose)."""
    live = make_live(tmp_path / "db" / "news.duckdb")
    data = tmp_path / "data"
    publish_snapshot(live, snapshot_path(live, data))
    env = {**os.environ, "NEWSFLOW_DATA_DIR": str(data)}
    writer = hold_for_writing(live)
    try:
        proc = subprocess.run(
            [
                *NEWSFLOW,
                "query",
                "--db",
                str(live),
                "--json",
                "SELECT n_articles FROM snapshot_info",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
    finally:
        release(writer)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"n_articles": 2}
