"""Retention: a month of runs leaves a bounded amount behind, and nothing still needed goes.

Real files in a real staging/state layout, a real DuckDB file loaded through the loader, and
the sweep as ``pipeline.run.passes.load`` calls it.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
import rows

from pipeline.settings import load_settings
from pipeline.storage.load import load_staged
from pipeline.storage.retention import DAY, apply_retention, clean_files, prune_polls
from pipeline.storage.staging import write_batch
from pipeline.storage.state import read_feed_state


def _age(path: Path, days: float) -> None:
    """Backdate a file or directory (and what it holds) by ``days``."""
    t = time.time() - days * DAY
    for p in [path, *path.rglob("*")] if path.is_dir() else [path]:
        os.utime(p, (t, t))


def _dir(path: Path, size: int = 100) -> Path:
    path.mkdir(parents=True)
    (path / "data.parquet").write_bytes(b"x" * size)
    return path


def test_clean_files_removes_only_what_is_old_or_done(tmp_path):
    staging, state, dbt = tmp_path / "staging", tmp_path / "state", tmp_path / ".dbt"
    old_kept = _dir(staging / "loaded" / "r1-b0000", 1000)
    young_kept = _dir(staging / "loaded" / "r9-b0000")
    done = _dir(staging / "r2-b0000")  # merged, then killed before removing it
    pending = _dir(staging / "r3-b0000")  # not loaded yet: must stay
    old_tmp = _dir(staging / "r4-b0000.tmp")
    young_tmp = _dir(staging / "r5-b0000.tmp")  # a writer may still be busy with it
    state.mkdir()
    (state / "seen_urls.parquet").write_bytes(b"s")
    (state / "seen_urls.parquet.tmp").write_bytes(b"t")
    (state / "feed_state.json.tmp").write_bytes(b"t")
    (dbt / "logs").mkdir(parents=True)
    for name in ("dbt.log", "dbt.log.1", "dbt.log.2"):
        (dbt / "logs" / name).write_bytes(b"l" * 10)
    for p in (old_kept, old_tmp, dbt / "logs" / "dbt.log.2", dbt / "logs" / "dbt.log"):
        _age(p, 20)
    _age(state / "seen_urls.parquet.tmp", 1)
    _age(state / "seen_urls.parquet", 30)

    out = clean_files(staging, state, dbt, retention_days=14, loaded_ids={"r2-b0000"})

    assert (out.loaded_batches, out.stale_batches, out.tmp_dirs) == (1, 1, 1)
    assert (out.state_tmp, out.dbt_logs) == (1, 1)
    assert out.bytes_freed == 1000 + 100 + 1 + 10
    assert not old_kept.exists() and not done.exists() and not old_tmp.exists()
    assert young_kept.exists() and pending.exists() and young_tmp.exists()
    assert (state / "seen_urls.parquet").exists()  # the state itself is never swept
    assert (state / "feed_state.json.tmp").exists()  # young
    assert (dbt / "logs" / "dbt.log").exists()  # the live log: dbt rotates it itself
    assert (dbt / "logs" / "dbt.log.1").exists()
    assert "loaded batches=1" in out.describe()
    assert clean_files(staging, state, dbt, retention_days=14).describe() == ""  # idempotent


def test_clean_files_on_a_fresh_install_is_a_no_op(tmp_path):
    out = clean_files(tmp_path / "staging", tmp_path / "state", None, retention_days=14)
    assert out.to_dict() == dict.fromkeys(out.to_dict(), 0)


def _poll(pid: str, feed: str, days_ago: float, outcome: str = "not_modified", **kw):
    return rows.poll(
        pid,
        feed_id=feed,
        feed_url=f"https://{feed}.example/feed",
        polled_at=rows.T0 - timedelta(days=days_ago),
        outcome=outcome,
        status_code={"not_modified": 304, "ok": 200}.get(outcome, 500),
        n_new=0,
        **kw,
    )


def test_prune_polls_keeps_validators_failures_and_the_window(tmp_path):
    db, staging, state = tmp_path / "n.duckdb", tmp_path / "staging", tmp_path / "state"
    polls = [
        _poll("a-ok-old", "a", 40, "ok", etag='"a1"'),
        *[_poll(f"a-nm-{d}", "a", d, etag='"a1"') for d in (35, 30, 25, 20, 3, 1)],
        _poll("a-err-old", "a", 28, "http_error", etag=None),
        # feed b: only old not-modified polls; its latest carries the validators
        *[_poll(f"b-nm-{d}", "b", d, etag='"b7"') for d in (50, 40, 30)],
        # feed c: the latest poll failed; its latest validators are an old 304
        _poll("c-nm-60", "c", 60, etag='"c3"'),
        _poll("c-nm-45", "c", 45, etag='"c3"'),
        _poll("c-err-44", "c", 44, "timeout", etag=None),
    ]
    write_batch(staging, "r1-polls", "r1", {"feed_polls": polls})
    load_staged(db, staging, state)
    before = read_feed_state(state)
    con = duckdb.connect(str(db))
    try:
        now = rows.T0
        assert prune_polls(con, 14, now) == 7
        left = {r[0] for r in con.execute("SELECT poll_id FROM feed_polls").fetchall()}
        assert prune_polls(con, 14, now) == 0
    finally:
        con.close()
    assert left == {
        "a-ok-old", "a-nm-3", "a-nm-1", "a-err-old",
        "b-nm-30",
        "c-nm-45", "c-err-44",
    }  # fmt: skip
    load_staged(db, staging, state)  # re-exports the state from what is left
    assert read_feed_state(state) == before


def test_load_sweeps_after_merging(tmp_path):
    """``passes.load`` (what the CLI and the DAG's load task call) runs the sweep."""
    from pipeline.run.passes import load

    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("settings:\n  retention_days: 7\nfeeds: []\n", encoding="utf-8")
    settings = load_settings(feeds, db_path=tmp_path / "n.duckdb", environ={})
    assert settings.retention_days == 7
    write_batch(settings.staging_dir, "r1-polls", "r1", {"feed_polls": [_poll("p", "a", 0)]})
    old = _dir(settings.staging_dir / "loaded" / "r0-b0000")
    _age(old, 8)
    summary = load(settings)
    assert summary.polls == 1
    assert summary.retention["loaded_batches"] == 1 and not old.exists()
    assert not [p for p in settings.staging_dir.iterdir() if p.name != "loaded"]


@pytest.mark.parametrize("bad", ["0", "-1", "soon"])
def test_retention_days_must_be_positive(tmp_path, bad):
    from pipeline.errors import ConfigError

    with pytest.raises(ConfigError, match="retention_days"):
        load_settings(None, environ={"NEWSFLOW_RETENTION_DAYS": bad})


def test_apply_retention_without_a_database_yet(tmp_path):
    out = apply_retention(
        tmp_path / "n.duckdb", tmp_path / "staging", tmp_path / "state", retention_days=14
    )
    assert out.poll_rows == 0
