"""Staging and the single-writer loader: atomic batches, idempotent merges, honest duplicates."""

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
import rows

from pipeline.errors import DatabaseError
from pipeline.storage.db import connect, db_lock
from pipeline.storage.load import load_staged
from pipeline.storage.staging import pending_batches, write_batch
from pipeline.storage.state import read_feed_state, read_seen

T0 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def article(
    aid: str, body: str, *, outlet: str = "a.example", url: str | None = None, hours: int = 0
) -> rows.ArticleRow:
    return rows.article(
        aid,
        body,
        outlet=outlet,
        hours=hours,
        url=url,
        publisher_country="FR",
        title=f"Title {aid}",
        agency="AFP" if "AFP" in body else None,
        agency_evidence="credit_line" if "AFP" in body else None,
        extractor="trafilatura",
        run_id="r1",
        staged_fp=False,
    )


def fetch(aid: str, *, outcome: str = "ok", url: str | None = None, status: int | None = 200):
    return rows.fetch(
        aid,
        outcome=outcome,
        url=url,
        status_code=status,
        fetch_id=f"fx-{aid}-{outcome}-{url}",
        url_hash=f"h{aid}{url}",
    )


def poll(pid: str, etag: str | None = '"v1"'):
    return rows.poll(pid, etag=etag)


@pytest.fixture
def paths(tmp_path: Path):
    return tmp_path / "db" / "n.duckdb", tmp_path / "staging", tmp_path / "state"


def counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in (
                "articles",
                "stories",
                "fetch_log",
                "feed_polls",
                "raw_pages",
                "article_places",
            )
        }
    finally:
        con.close()


def test_load_merges_and_is_idempotent(paths):
    db, staging, state = paths
    same = "Kherson was captured on Thursday. (AFP)"
    write_batch(
        staging,
        "r1-b0000",
        "r1",
        {
            "feed_polls": [poll("p1")],
            "fetch_log": [
                fetch("a1"),
                fetch("a2", url="https://b.example/a2"),
                fetch("x", outcome="http_error", status=404),
            ],
            "articles": [article("a1", same), article("a2", same, outlet="b.example", hours=1)],
            "article_places": [
                rows.place(
                    "a1",
                    "UA",
                    place_name="Kherson",
                    canonical_name="Kherson",
                    geonameid=706448,
                    place_kind="city",
                )
            ],
            "url_aliases": [{"url_hash": "ha1", "url": "https://a.example/a1", "article_id": "a1"}],
        },
    )
    s = load_staged(db, staging, state)
    assert s.articles == 2 and s.batches == 1 and s.polls == 1
    c = counts(db)
    assert c == {
        "articles": 2,
        "stories": 1,
        "fetch_log": 3,
        "feed_polls": 1,
        "raw_pages": 0,
        "article_places": 1,
    }
    con = duckdb.connect(str(db), read_only=True)
    story = con.execute(
        "SELECT first_article_id, article_count, n_outlets, agency FROM stories"
    ).fetchone()
    con.close()
    assert story == ("a1", 2, 2, "AFP")
    assert pending_batches(staging) == []
    # Loading again, and re-staging the very same batch, changes nothing.
    assert load_staged(db, staging, state).articles == 0
    write_batch(staging, "r1-b0000", "r1", {"articles": [article("a1", same)]})
    again = load_staged(db, staging, state)
    assert again.skipped_batches == 1 and again.articles == 0
    assert counts(db) == c
    assert {"ha1", "hxNone"} <= read_seen(state)
    # fan-out tasks ask about their own URLs only, without loading the whole set
    assert read_seen(state, among=["ha1", "never-seen", "ha1"]) == {"ha1"}
    assert read_seen(state, among=[]) == set()
    assert read_seen(state / "missing", among=["ha1"]) == set()
    assert read_feed_state(state)["f1"]["etag"] == '"v1"'


def test_existing_article_in_later_batch_is_recorded_as_duplicate(paths):
    db, staging, state = paths
    write_batch(
        staging,
        "r1-b0000",
        "r1",
        {"fetch_log": [fetch("a1")], "articles": [article("a1", "one two three")]},
    )
    load_staged(db, staging, state)
    write_batch(
        staging,
        "r2-b0000",
        "r2",
        {
            "fetch_log": [fetch("a1", url="https://a.example/a1?x=1")],
            "articles": [
                dataclasses.replace(
                    article("a1", "one two three changed", url="https://a.example/a1"),
                    feed_entry_url="https://a.example/a1?x=1",
                )
            ],
        },
    )
    s = load_staged(db, staging, state)
    assert s.articles == 0 and s.duplicates == 1
    con = duckdb.connect(str(db), read_only=True)
    outcomes = con.execute(
        "SELECT outcome FROM fetch_log ORDER BY attempted_at, fetch_id"
    ).fetchall()
    body = con.execute("SELECT body FROM articles").fetchone()[0]
    con.close()
    assert sorted(o for (o,) in outcomes) == ["duplicate", "ok"]
    assert body == "one two three"  # first write wins; nothing is overwritten


def test_half_written_batch_is_invisible(paths):
    db, staging, state = paths
    staging.mkdir(parents=True)
    (staging / "r1-b0000.tmp").mkdir()  # a writer killed mid-way leaves only this
    assert pending_batches(staging) == []
    s = load_staged(db, staging, state)
    assert s.batches == 0
    assert (staging / "r1-b0000.tmp").exists()  # young: may still be in use by a live writer


def test_failed_merge_rolls_back_whole_batch(paths, monkeypatch):
    db, staging, state = paths
    write_batch(
        staging,
        "r1-b0000",
        "r1",
        {"fetch_log": [fetch("a1")], "articles": [article("a1", "body text")]},
    )
    import pipeline.storage.load as store

    def boom(con, now):
        raise RuntimeError("killed mid-merge")

    # fails after the story index was written: that must roll back too
    monkeypatch.setattr(store, "_insert_articles", boom)
    with pytest.raises(RuntimeError):
        load_staged(db, staging, state)
    assert counts(db)["articles"] == 0 and counts(db)["fetch_log"] == 0
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM story_index").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM story_lsh").fetchone()[0] == 0
    con.close()
    monkeypatch.undo()
    assert load_staged(db, staging, state).articles == 1  # the batch is still there, loads cleanly
    assert counts(db)["fetch_log"] == 1


def test_connect_errors_are_one_line(tmp_path):
    bad = tmp_path / "not.duckdb"
    bad.write_text("this is not a database")
    with pytest.raises(DatabaseError, match=r"not\.duckdb"):
        connect(bad)
    with pytest.raises(DatabaseError, match="no such database file"):
        connect(tmp_path / "missing.duckdb", read_only=True)


def test_db_lock_times_out_with_clear_error(tmp_path):
    db = tmp_path / "x.duckdb"
    # a second holder (flock is per open file description, so this contends like a process)
    with db_lock(db), pytest.raises(DatabaseError, match="busy"), db_lock(db, timeout=0.3):
        pass
