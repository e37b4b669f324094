"""Declared keys (``Table.key``) stay unique without PRIMARY KEY indexes (migration 7).

The database no longer enforces the keys of the tables that grow with the corpus: the loader
does, through ``pipeline.storage.keys``. These tests re-deliver rows every way a real run can
(the same batch again, a retried poll of the same run in a new batch, twins inside one batch)
and check every keyed table afterwards.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import rows

from pipeline.storage import db as db_module
from pipeline.storage.db import migrate
from pipeline.storage.keys import insert_new
from pipeline.storage.load import load_staged
from pipeline.storage.migrations import MIGRATIONS
from pipeline.storage.schema import ARTICLE_VERSIONS, BY_NAME, CORE
from pipeline.storage.staging import write_batch

# Small tables keep their PRIMARY KEY: one row per batch, per migration, per index setting.
INDEXED = {"loaded_batches", "schema_migrations", "story_index_state"}
T0 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def page(aid: str, minutes: int = 0) -> dict:
    return {
        "article_id": aid,
        "url": f"https://a.example/{aid}",
        "final_url": None,
        "fetched_at": T0 + timedelta(minutes=minutes),
        "content_type": "text/html",
        "encoding": "gzip",
        "html_gz": b"x" * (minutes + 1),
        "n_bytes": minutes + 1,
        "charset": None,
    }


def alias(url_hash: str, aid: str) -> dict:
    return {"url_hash": url_hash, "url": f"https://a.example/{url_hash}", "article_id": aid}


def duplicated_keys(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Per keyed core table, how many key values occur more than once."""
    out = {}
    for table in CORE:
        if table.key:
            keys = ", ".join(table.key)
            out[table.name] = con.execute(
                f"SELECT count(*) FROM (SELECT {keys} FROM {table.name}"
                f" GROUP BY {keys} HAVING count(*) > 1)"
            ).fetchone()[0]
    return out


def test_only_small_tables_keep_an_art_index():
    con = duckdb.connect()
    migrate(con)
    assert con.execute("SELECT index_name FROM duckdb_indexes()").fetchall() == []
    constrained = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_constraints()"
            " WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE')"
        ).fetchall()
    }
    assert constrained == INDEXED
    # every declared key names real columns, and the growing tables declare theirs
    for table in CORE:
        assert set(table.key) <= set(table.names()), table.name
    assert all(BY_NAME[n].key for n in ("articles", "stories", "url_aliases", "raw_pages"))


def test_redelivered_rows_add_nothing(tmp_path: Path):
    db, staging, state = tmp_path / "n.duckdb", tmp_path / "staging", tmp_path / "state"
    first = {
        "feed_polls": [rows.poll("r1-f1")],
        "fetch_log": [rows.fetch("a1")],
        "articles": [rows.article("a1", "Flooding closed the bridge at Kherson on Monday.")],
        "url_aliases": [alias("ha1", "a1")],
        "raw_pages": [page("a1")],
    }
    write_batch(staging, "r1-b0000", "r1", first)
    assert load_staged(db, staging, state).articles == 1
    # A retried task of the same run stages the same poll and page again in a new batch, with
    # twins inside the batch and one new article whose page and alias come twice.
    again = {
        "feed_polls": [rows.poll("r1-f1"), rows.poll("r1-f1")],
        "fetch_log": [rows.fetch("a1"), rows.fetch("a2"), rows.fetch("a2")],
        "articles": [
            rows.article("a1", "Flooding closed the bridge at Kherson on Monday."),
            rows.article("a2", "A second report on the harvest in Mykolaiv region."),
        ],
        "url_aliases": [alias("ha1", "a1"), alias("ha2", "a2"), alias("ha2", "a2")],
        "raw_pages": [page("a2", minutes=5), page("a2", minutes=1), page("a1")],
    }
    write_batch(staging, "r1-b0001", "r1", again)
    summary = load_staged(db, staging, state)
    assert summary.articles == 1 and summary.batches == 1
    write_batch(staging, "r1-b0001", "r1", again)  # the very same batch: skipped
    assert load_staged(db, staging, state).skipped_batches == 1

    con = duckdb.connect(str(db), read_only=True)
    try:
        assert set(duplicated_keys(con).values()) == {0}
        counts = {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("articles", "feed_polls", "fetch_log", "url_aliases", "raw_pages")
        }
        assert counts == {
            "articles": 2,
            "feed_polls": 1,
            "fetch_log": 2,
            "url_aliases": 2,
            "raw_pages": 2,
        }
        # the earliest fetch of a twin page is the one kept
        assert con.execute("SELECT n_bytes FROM raw_pages WHERE article_id = 'a2'").fetchone() == (
            2,
        )
        orphans = con.execute(
            "SELECT count(*) FROM (SELECT article_id FROM url_aliases UNION ALL"
            " SELECT article_id FROM raw_pages) WHERE article_id NOT IN"
            " (SELECT article_id FROM articles)"
        ).fetchone()[0]
        assert orphans == 0
    finally:
        con.close()


def test_insert_new_with_a_composite_key():
    con = duckdb.connect()
    migrate(con)
    cols = "article_id, item_version, digest, pubstatus, is_correction, received_at"
    con.execute(
        f"INSERT INTO article_versions ({cols}) VALUES ('a', 1, 'd1', 'usable', false, ?)", [T0]
    )
    con.execute("CREATE TEMP TABLE src AS SELECT * FROM article_versions LIMIT 0")
    con.executemany(
        f"INSERT INTO src ({cols}) VALUES (?, ?, ?, 'usable', ?, ?)",
        [
            ("a", 1, "d1", True, T0),  # stored already
            ("a", 2, "d2", True, T0 + timedelta(hours=1)),  # new version, twice
            ("a", 2, "d2", False, T0),
            ("a", 1, "d9", False, T0),  # same version, other text: a key of its own
        ],
    )
    insert_new(con, ARTICLE_VERSIONS, "src", order="s.received_at")
    got = con.execute(
        "SELECT item_version, digest, is_correction FROM article_versions ORDER BY ALL"
    ).fetchall()
    assert got == [(1, "d1", False), (1, "d9", False), (2, "d2", False)]


@pytest.fixture
def v6_file(tmp_path: Path, monkeypatch) -> Path:
    """A file as newsflow wrote it before migration 7, with a loaded batch in it."""
    path = tmp_path / "v6.duckdb"
    monkeypatch.setattr(db_module, "MIGRATIONS", [m for m in MIGRATIONS if m[0] < 7])
    write_batch(
        tmp_path / "staging",
        "r1-b0000",
        "r1",
        {
            "feed_polls": [rows.poll("r1-f1")],
            "fetch_log": [rows.fetch("a1")],
            "articles": [rows.article("a1", "Storms hit Odesa on Friday night.")],
            "url_aliases": [alias("ha1", "a1")],
            "raw_pages": [page("a1")],
        },
    )
    load_staged(path, tmp_path / "staging", tmp_path / "state")
    monkeypatch.undo()
    return path


def test_migration_7_keeps_rows_columns_and_nullability(v6_file: Path):
    con = duckdb.connect(str(v6_file))
    rebuilt = ("articles", "stories", "url_aliases", "raw_pages", "feed_polls", "fetch_log")
    before = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in rebuilt}
    assert migrate(con) == [7]
    fresh = duckdb.connect()
    migrate(fresh)
    shape = (
        "SELECT table_name, column_name, data_type, is_nullable, ordinal_position"
        " FROM information_schema.columns WHERE table_schema = 'main' ORDER BY ALL"
    )
    assert con.execute(shape).fetchall() == fresh.execute(shape).fetchall()
    for t in rebuilt:
        assert con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() == before[t], t
    assert con.execute("SELECT index_name FROM duckdb_indexes()").fetchall() == []
    con.close()
