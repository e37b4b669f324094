"""Versioned migrations: applied once, recorded, safe to re-run on an existing file."""

import duckdb

from pipeline.storage.db import migrate
from pipeline.storage.migrations import LATEST_VERSION, MIGRATIONS


def test_versions_unique_and_positive():
    versions = [v for v, _, _ in MIGRATIONS]
    assert len(versions) == len(set(versions))
    assert all(v > 0 for v in versions)
    assert max(versions) == LATEST_VERSION


def test_migrate_is_idempotent_and_recorded(tmp_path):
    db = tmp_path / "m.duckdb"
    con = duckdb.connect(str(db))
    applied = migrate(con)
    assert applied == sorted(v for v, _, _ in MIGRATIONS)
    assert migrate(con) == []
    rows = con.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
    assert [r[0] for r in rows] == applied
    tables = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    assert {
        "articles",
        "stories",
        "article_places",
        "feed_polls",
        "fetch_log",
        "raw_pages",
    } <= tables
    con.close()


def test_upgrade_from_first_version_keeps_rows(tmp_path):
    """A file created by release 1 upgrades in place: later migrations only add."""
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    first = min(MIGRATIONS, key=lambda m: m[0])
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL)"
    )
    con.execute(first[2])
    con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [first[0], first[1]])
    con.execute(
        "INSERT INTO feed_polls (poll_id, run_id, feed_id, feed_url, polled_at, outcome, duration_ms,"
        " n_entries, n_new) VALUES ('p', 'r', 'f', 'https://x.org/f', now(), 'ok', 1, 0, 0)"
    )
    migrate(con)
    assert con.execute("SELECT count(*) FROM feed_polls").fetchone()[0] == 1
    assert con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == LATEST_VERSION
    con.close()
