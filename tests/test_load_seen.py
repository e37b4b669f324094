"""The seen-URL state after each load: a delta of the batch's own URLs beside the full export,
so the export does not grow with the corpus, and the same answers as a full export."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import rows

from pipeline.storage import state as state_mod
from pipeline.storage.load import load_staged
from pipeline.storage.staging import write_batch
from pipeline.storage.state import SEEN_DELTAS, read_feed_state, read_seen


def batch(staging: Path, n: int, fetches: list) -> None:
    aid = f"a{n}"
    write_batch(
        staging,
        f"r-b{n:04d}",
        "r",
        {
            "articles": [rows.article(aid, f"body number {n} " * 40, hours=n)],
            "fetch_log": fetches,
            "url_aliases": [{"url_hash": f"h{aid}", "url": f"https://x.example/{aid}",
                             "article_id": aid}],
        },
    )  # fmt: skip


def timeout(url_hash: str, n: int):
    return rows.fetch("x", outcome="timeout", status_code=None, url_hash=url_hash,
                      fetch_id=f"t-{url_hash}-{n}", url=f"https://x.example/{url_hash}")  # fmt: skip


def full_export(db: Path, tmp: Path) -> set[str]:
    tmp.mkdir()
    con = duckdb.connect(str(db), read_only=True)
    try:
        state_mod._export_seen(con, tmp, 3)
    finally:
        con.close()
    return read_seen(tmp)


def test_loads_add_deltas_that_agree_with_a_full_export(tmp_path: Path, monkeypatch) -> None:
    db, staging, state = tmp_path / "n.duckdb", tmp_path / "staging", tmp_path / "state"
    batch(staging, 0, [timeout("hslow", 0)])
    load_staged(db, staging, state)
    assert not (state / SEEN_DELTAS).exists()  # the first export is a full one
    assert read_seen(state) == {"ha0"}
    for n in (1, 2):  # two more timeouts of the same URL: three attempts make it seen
        batch(staging, n, [timeout("hslow", n)])
        load_staged(db, staging, state)
    assert len(list((state / SEEN_DELTAS).glob("*.parquet"))) == 2
    assert read_seen(state) == {"ha0", "ha1", "ha2", "hslow"} == full_export(db, tmp_path / "f")
    assert read_seen(state, among=["hslow", "nope"]) == {"hslow"}
    # every MAX_DELTAS loads the full set is exported again and the deltas dropped
    monkeypatch.setattr(state_mod, "MAX_DELTAS", 2)
    batch(staging, 3, [])
    load_staged(db, staging, state)
    assert not list((state / SEEN_DELTAS).glob("*.parquet"))
    assert read_seen(state) == {"ha0", "ha1", "ha2", "ha3", "hslow"}


def test_feed_state_is_updated_for_the_polled_feeds_and_agrees_with_a_full_export(
    tmp_path: Path,
) -> None:
    """Only the feeds a load polled are looked up again; the file equals a full export."""
    db, staging, state = tmp_path / "n.duckdb", tmp_path / "staging", tmp_path / "state"
    polls = [
        # (batch, feed, outcome, etag, days ago): f1 and f2 first, then f2 changes, then f3
        # appears; f4's last good poll is older than the history window, then it fails
        (0, "f1", "ok", '"a1"', 0), (0, "f2", "ok", '"b1"', 0), (0, "f4", "ok", '"d1"', 60),
        (1, "f2", "not_modified", '"b2"', 0),
        (2, "f3", "http_error", None, 0), (2, "f2", "ok", '"b3"', 0),
        (2, "f4", "http_error", None, 0),
    ]  # fmt: skip
    for n in range(3):
        write_batch(
            staging,
            f"r{n}-b0000",
            f"r{n}",
            {"feed_polls": [
                rows.poll(f"r{n}-{f}", run_id=f"r{n}", feed_id=f, etag=etag, outcome=outcome,
                          feed_url=f"https://{f}.example/rss",
                          polled_at=datetime.now(UTC) - timedelta(days=days, hours=3 - n),
                          status_code=500 if outcome == "http_error" else 200)
                for b, f, outcome, etag, days in polls if b == n
            ]},
        )  # fmt: skip
        load_staged(db, staging, state)
        written = read_feed_state(state)
        con = duckdb.connect(str(db), read_only=True)
        try:
            assert written == json.loads(json.dumps(state_mod._feed_states(con)))
        finally:
            con.close()
    assert written["f1"]["etag"] == '"a1"' and written["f2"]["etag"] == '"b3"'
    assert [h[1] for h in written["f2"]["history"]] == ["ok", "not_modified", "ok"]
    assert written["f3"]["etag"] is None and written["f3"]["history"][0][1] == "http_error"
    assert written["f4"]["etag"] == '"d1"'  # kept from the poll outside the window
