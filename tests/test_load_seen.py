"""The seen-URL state after each load: a delta of the batch's own URLs beside the full export,
so the export does not grow with the corpus, and the same answers as a full export."""

from __future__ import annotations

from pathlib import Path

import duckdb
import rows

from pipeline.storage import state as state_mod
from pipeline.storage.load import load_staged
from pipeline.storage.staging import write_batch
from pipeline.storage.state import SEEN_DELTAS, read_seen


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
