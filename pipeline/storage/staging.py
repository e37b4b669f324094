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

from pipeline.storage.schema import STAGED, Table, coerce

_MANIFEST = "_batch.json"


def _write_table(con: duckdb.DuckDBPyConnection, table: Table, rows: list[Any], path: Path) -> None:
    """Rows (records, or mappings naming every field exactly) to one Parquet file, typed by the
    table's declaration and in its record's field order; the loader copies columns by name."""
    cols = table.staged
    ddl = ", ".join(c.ddl().replace(" NOT NULL", "") for c in cols)
    con.execute(f'CREATE OR REPLACE TEMP TABLE "{table.name}" ({ddl})')
    if rows:
        placeholders = ", ".join("?" for _ in cols)
        records = [coerce(table.record, row) for row in rows]
        con.executemany(
            f'INSERT INTO "{table.name}" VALUES ({placeholders})',
            [[getattr(r, c.name) for c in cols] for r in records],
        )
    con.execute(f"COPY \"{table.name}\" TO '{path.as_posix()}' (FORMAT parquet, COMPRESSION zstd)")


def write_batch(
    staging_dir: Path, batch_id: str, run_id: str, tables: Mapping[str, Iterable[Any]]
) -> Path:
    """Write one batch atomically; returns its directory. Unknown table names are a bug, and so
    is a row with a missing or unknown field (ValueError, before anything is written)."""
    unknown = set(tables) - {t.name for t in STAGED}
    if unknown:
        raise ValueError(f"unknown staged table(s): {sorted(unknown)}")
    staging_dir.mkdir(parents=True, exist_ok=True)
    final = staging_dir / batch_id
    if final.exists():
        return final  # already staged by an earlier attempt of the same task: idempotent
    rows = {t.name: [coerce(t.record, r) for r in tables.get(t.name, [])] for t in STAGED}
    tmp = staging_dir / f"{batch_id}.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    con = duckdb.connect()  # in-memory: fan-out work never opens the database file
    try:
        for table in STAGED:
            _write_table(con, table, rows[table.name], tmp / f"{table.name}.parquet")
    finally:
        con.close()
    counts = {name: len(r) for name, r in rows.items()}
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
