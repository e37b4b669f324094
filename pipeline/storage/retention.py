"""Retention: what a pipeline left running for months must clean up after itself.

Why: a scheduled pass every 15 minutes for a month is ~3,000 runs. Everything a run leaves that
nobody reads again must go, or the disk fills long before anyone looks. What is cleaned, after
every load (``pipeline.run.passes.load``), each thing only once it is older than
``retention_days`` (``.tmp`` leftovers after an hour, like the loader's own sweep):

* ``staging/loaded/<batch>``: batches kept for audit after they were merged;
* ``staging/<batch>`` directories the database already holds (a run killed between the commit
  and the removal), and ``.tmp`` leftovers of killed writers;
* ``state/*.tmp``: a state export killed before its rename;
* dbt's rotated logs (``.dbt/logs/dbt.log.N``) beside the DB;
* ``feed_polls`` rows that say only "not modified": one per feed per poll is the fastest-growing
  log, and beyond the retention window it explains nothing. Each feed's latest poll and latest
  ``ok``/``not_modified`` poll (its HTTP validators) always stay, and so does every other
  outcome (failures, polls that listed new entries).

What is kept on purpose: articles, their raw pages (``raw_pages``, for re-extraction),
``fetch_log`` (it is the pipeline's memory of which URLs are done) and the exported seen set.
``docs/operations.md`` says how fast those grow.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from pipeline.outcomes import PollOutcome
from pipeline.storage.staging import sweep_partial

DAY = 86400.0
TMP_MIN_AGE = 3600.0  # a younger .tmp may belong to a writer that is still running


@dataclass
class RetentionSummary:
    """What one sweep removed; every count is of things, ``bytes_freed`` of files on disk."""

    loaded_batches: int = 0
    stale_batches: int = 0
    tmp_dirs: int = 0
    state_tmp: int = 0
    dbt_logs: int = 0
    poll_rows: int = 0
    bytes_freed: int = 0

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)

    def describe(self) -> str:
        """One log line, or an empty string when there was nothing to clean."""
        parts = [f"{k.replace('_', ' ')}={v}" for k, v in self.to_dict().items() if v]
        return f"[retention] removed {', '.join(parts)}" if parts else ""


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _older(path: Path, min_age_s: float, now: float) -> bool:
    try:
        return now - path.stat().st_mtime >= min_age_s
    except FileNotFoundError:
        return False


def _remove(path: Path) -> int:
    """Remove a file or directory; the bytes it held (0 when it was already gone)."""
    try:
        n = _size(path)
    except FileNotFoundError:
        return 0
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
    return n


def clean_files(
    staging_dir: Path,
    state_dir: Path,
    dbt_dir: Path | None,
    *,
    retention_days: float,
    loaded_ids: set[str] | frozenset[str] = frozenset(),
    now: float | None = None,
) -> RetentionSummary:
    """Remove the files a run leaves behind that nobody reads again (see the module doc).

    ``loaded_ids`` are batch ids the database holds: their directories still in ``staging/``
    go whatever their age (the loader would only skip them again).
    """
    now = time.time() if now is None else now
    max_age = retention_days * DAY
    out = RetentionSummary()
    loaded_dir = staging_dir / "loaded"
    if loaded_dir.is_dir():
        for batch in sorted(loaded_dir.iterdir()):
            if _older(batch, max_age, now):
                out.bytes_freed += _remove(batch)
                out.loaded_batches += 1
    if staging_dir.is_dir():
        for batch in sorted(staging_dir.iterdir()):
            if batch.name in loaded_ids and batch.is_dir():
                out.bytes_freed += _remove(batch)
                out.stale_batches += 1
    out.tmp_dirs = sweep_partial(staging_dir, min_age_s=TMP_MIN_AGE)
    if state_dir.is_dir():
        for tmp in state_dir.glob("*.tmp"):
            if _older(tmp, TMP_MIN_AGE, now):
                out.bytes_freed += _remove(tmp)
                out.state_tmp += 1
    logs = dbt_dir / "logs" if dbt_dir is not None else None
    if logs is not None and logs.is_dir():
        for log in logs.glob("dbt.log.*"):
            if _older(log, max_age, now):
                out.bytes_freed += _remove(log)
                out.dbt_logs += 1
    return out


def prune_polls(
    con: duckdb.DuckDBPyConnection, retention_days: float, now: datetime | None = None
) -> int:
    """Delete ``not_modified`` polls older than the window, keeping each feed's latest poll
    and its latest poll with validators. Returns how many rows went."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)
    keep_outcomes = f"'{PollOutcome.OK}', '{PollOutcome.NOT_MODIFIED}'"
    before = con.execute("SELECT count(*) FROM feed_polls").fetchone()[0]
    con.execute(
        f"""
        DELETE FROM feed_polls
        WHERE outcome = '{PollOutcome.NOT_MODIFIED}' AND polled_at < ?
          AND poll_id NOT IN (
              SELECT poll_id FROM feed_polls
              QUALIFY row_number() OVER (PARTITION BY feed_id ORDER BY polled_at DESC) = 1
              UNION ALL
              SELECT poll_id FROM feed_polls WHERE outcome IN ({keep_outcomes})
              QUALIFY row_number() OVER (PARTITION BY feed_id ORDER BY polled_at DESC) = 1
          )
        """,
        [cutoff],
    )
    return before - con.execute("SELECT count(*) FROM feed_polls").fetchone()[0]


def loaded_batch_ids(con: duckdb.DuckDBPyConnection, candidates: list[str]) -> set[str]:
    """Which of ``candidates`` (directory names in ``staging/``) the database already holds."""
    if not candidates:
        return set()
    rows = con.execute(
        "SELECT batch_id FROM loaded_batches WHERE batch_id IN (SELECT unnest(?::VARCHAR[]))",
        [candidates],
    ).fetchall()
    return {r[0] for r in rows}


def apply_retention(
    db_path: Path,
    staging_dir: Path,
    state_dir: Path,
    *,
    retention_days: float,
    dbt_dir: Path | None = None,
    lock_timeout: float = 600.0,
) -> RetentionSummary:
    """The sweep after a load: prune the database's poll log under the DB lock, then the files
    (``dbt_dir``: dbt's work folder of this DB, whose rotated logs go too)."""
    from pipeline.storage.db import open_db

    names = (
        [p.name for p in staging_dir.iterdir() if p.is_dir() and not p.name.endswith(".tmp")]
        if staging_dir.is_dir()
        else []
    )
    with open_db(db_path, lock_timeout=lock_timeout) as con:
        n_polls = prune_polls(con, retention_days)
        done = loaded_batch_ids(con, names)
        # A batch directory may be merged by a concurrent load right now; only those the DB
        # held before this sweep started are removed, and under the lock nobody loads.
        out = clean_files(
            staging_dir,
            state_dir,
            dbt_dir,
            retention_days=retention_days,
            loaded_ids=done,
        )
    out.poll_rows = n_polls
    return out
