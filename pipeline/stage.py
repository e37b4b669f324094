"""Staged batches: the hand-off between fan-out work (poll, fetch, extract) and the single loader.

Why Parquet files and not direct inserts: DuckDB allows one writer process per file, and while it
writes nobody else may even open it. Fan-out tasks therefore never touch the database; each writes
one self-contained batch directory, and only the loader merges batches, one at a time.

A batch becomes visible atomically: it is written under ``<id>.tmp`` and renamed into place, so a
task killed mid-write leaves only a ``.tmp`` directory that the loader ignores (and later sweeps).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import duckdb

# Column order and types of every staged table. These mirror the core tables in
# pipeline/migrations.py minus what only the loader can know (story_id, loaded_at).
STAGED_TABLES: dict[str, list[tuple[str, str]]] = {
    "feed_polls": [
        ("poll_id", "VARCHAR"),
        ("run_id", "VARCHAR"),
        ("feed_id", "VARCHAR"),
        ("feed_url", "VARCHAR"),
        ("polled_at", "TIMESTAMPTZ"),
        ("outcome", "VARCHAR"),
        ("status_code", "INTEGER"),
        ("duration_ms", "INTEGER"),
        ("n_entries", "INTEGER"),
        ("n_new", "INTEGER"),
        ("etag", "VARCHAR"),
        ("last_modified", "VARCHAR"),
        ("feed_format", "VARCHAR"),
        ("error", "VARCHAR"),
    ],
    "fetch_log": [
        ("fetch_id", "VARCHAR"),
        ("run_id", "VARCHAR"),
        ("batch_id", "VARCHAR"),
        ("feed_id", "VARCHAR"),
        ("url", "VARCHAR"),
        ("url_hash", "VARCHAR"),
        ("final_url", "VARCHAR"),
        ("article_id", "VARCHAR"),
        ("attempted_at", "TIMESTAMPTZ"),
        ("outcome", "VARCHAR"),
        ("status_code", "INTEGER"),
        ("duration_ms", "INTEGER"),
        ("n_bytes", "INTEGER"),
        ("attempts", "INTEGER"),
        ("error", "VARCHAR"),
    ],
    "articles": [
        ("article_id", "VARCHAR"),
        ("url", "VARCHAR"),
        ("feed_id", "VARCHAR"),
        ("outlet", "VARCHAR"),
        ("publisher_country", "VARCHAR"),
        ("title", "VARCHAR"),
        ("title_source", "VARCHAR"),
        ("body", "VARCHAR"),
        ("word_count", "INTEGER"),
        ("published_at", "TIMESTAMPTZ"),
        ("date_source", "VARCHAR"),
        ("fetched_at", "TIMESTAMPTZ"),
        ("agency", "VARCHAR"),
        ("agency_evidence", "VARCHAR"),
        ("byline", "VARCHAR"),
        ("content_hash", "VARCHAR"),
        ("language", "VARCHAR"),
        ("feed_entry_url", "VARCHAR"),
        ("extractor", "VARCHAR"),
        ("extractor_version", "VARCHAR"),
        ("run_id", "VARCHAR"),
        ("batch_id", "VARCHAR"),
        # Story fingerprint computed by the fan-out task (pipeline.dedup.fingerprint), so the
        # loader only looks up; staging-only, not columns of ``articles``.
        ("fingerprint_version", "VARCHAR"),
        ("fp_shingles", "UINTEGER[]"),
        ("fp_lede", "UINTEGER[]"),
        ("fp_band_keys", "BIGINT[]"),
        # Extraction metadata (migration 2), taken by name by the loader.
        ("section", "VARCHAR"),
        ("date_flags", "VARCHAR"),
    ],
    "article_places": [
        ("article_id", "VARCHAR"),
        ("country_code", "VARCHAR"),
        ("admin1_code", "VARCHAR"),
        ("place_name", "VARCHAR"),
        ("canonical_name", "VARCHAR"),
        ("geonameid", "BIGINT"),
        ("mention_count", "INTEGER"),
        ("confidence", "DOUBLE"),
        ("is_primary", "BOOLEAN"),
        ("place_kind", "VARCHAR"),
        ("match_type", "VARCHAR"),
    ],
    "url_aliases": [
        ("url_hash", "VARCHAR"),
        ("url", "VARCHAR"),
        ("article_id", "VARCHAR"),
    ],
    "raw_pages": [
        ("article_id", "VARCHAR"),
        ("url", "VARCHAR"),
        ("final_url", "VARCHAR"),
        ("fetched_at", "TIMESTAMPTZ"),
        ("content_type", "VARCHAR"),
        ("encoding", "VARCHAR"),
        ("html_gz", "BLOB"),
        ("n_bytes", "INTEGER"),
    ],
}

_MANIFEST = "_batch.json"


def _write_table(
    con: duckdb.DuckDBPyConnection, name: str, rows: list[Mapping[str, Any]], path: Path
) -> None:
    cols = STAGED_TABLES[name]
    ddl = ", ".join(f'"{c}" {t}' for c, t in cols)
    con.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" ({ddl})')
    if rows:
        placeholders = ", ".join("?" for _ in cols)
        con.executemany(
            f'INSERT INTO "{name}" VALUES ({placeholders})',
            [[row.get(c) for c, _ in cols] for row in rows],
        )
    con.execute(f"COPY \"{name}\" TO '{path.as_posix()}' (FORMAT parquet, COMPRESSION zstd)")


def write_batch(
    staging_dir: Path, batch_id: str, run_id: str, tables: Mapping[str, Iterable[Mapping[str, Any]]]
) -> Path:
    """Write one batch atomically; returns its directory. Unknown table names are a bug."""
    unknown = set(tables) - set(STAGED_TABLES)
    if unknown:
        raise ValueError(f"unknown staged table(s): {sorted(unknown)}")
    staging_dir.mkdir(parents=True, exist_ok=True)
    final = staging_dir / batch_id
    if final.exists():
        return final  # already staged by an earlier attempt of the same task: idempotent
    tmp = staging_dir / f"{batch_id}.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    counts: dict[str, int] = {}
    con = duckdb.connect()  # in-memory: fan-out work never opens the database file
    try:
        for name in STAGED_TABLES:
            rows = list(tables.get(name, []))
            counts[name] = len(rows)
            _write_table(con, name, rows, tmp / f"{name}.parquet")
    finally:
        con.close()
    (tmp / _MANIFEST).write_text(
        json.dumps({"batch_id": batch_id, "run_id": run_id, "counts": counts}), encoding="utf-8"
    )
    _fsync_dir(tmp)
    os.rename(tmp, final)
    _fsync_dir(staging_dir)
    return final


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_manifest(batch_dir: Path) -> dict[str, Any]:
    return json.loads((batch_dir / _MANIFEST).read_text(encoding="utf-8"))


def pending_batches(staging_dir: Path, run_id: str | None = None) -> list[Path]:
    """Complete batches waiting to be loaded, oldest first (names sort by creation time)."""
    if not staging_dir.is_dir():
        return []
    out = []
    for p in sorted(staging_dir.iterdir()):
        if not p.is_dir() or p.name.endswith(".tmp") or p.name == "loaded":
            continue
        if not (p / _MANIFEST).is_file():
            continue
        if run_id is not None and read_manifest(p).get("run_id") != run_id:
            continue
        out.append(p)
    return out


def mark_loaded(batch_dir: Path, keep: bool = False) -> None:
    """Move a loaded batch out of the way (kept under ``loaded/`` for audit when ``keep``)."""
    if keep:
        dest = batch_dir.parent / "loaded" / batch_dir.name
        dest.parent.mkdir(exist_ok=True)
        if dest.exists():
            shutil.rmtree(dest)
        os.rename(batch_dir, dest)
    else:
        shutil.rmtree(batch_dir, ignore_errors=True)


def sweep_partial(staging_dir: Path, min_age_s: float = 3600.0) -> int:
    """Remove ``.tmp`` leftovers of killed writers; returns how many were removed.

    Only directories older than ``min_age_s`` go: a younger one may belong to a writer that is
    still running in another task.
    """
    import time

    if not staging_dir.is_dir():
        return 0
    n = 0
    now = time.time()
    for p in staging_dir.glob("*.tmp"):
        try:
            if now - p.stat().st_mtime < min_age_s:
                continue
        except FileNotFoundError:
            continue
        shutil.rmtree(p, ignore_errors=True)
        n += 1
    return n
