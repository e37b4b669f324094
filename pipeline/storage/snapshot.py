"""Read-only snapshots of the DuckDB file, so people can query while the pipeline writes.

Why: DuckDB allows one writer process per file, and while a process writes, no other process can
open the file at all, not even read-only. The scheduler writes every few minutes (``load``, the
dbt build), so a notebook, a BI tool or ``newsflow query`` pointed at the live file fails at
random. After every models build the writer therefore publishes a copy of the database next to it
(``<data>/snapshot/<db file name>``) and readers open that copy instead.

Why a copy made under the DB lock, right after the models build: that is the one moment at which
the tables and the marts built from them agree, so every snapshot is internally consistent (the
marts count exactly the articles the same snapshot holds). A snapshot is written to a temp file
and renamed over the previous one (``os.replace``, atomic on POSIX): a new reader gets either the
old or the new file, never a half-written one, and a reader that already has the old file open
keeps reading the old file (its inode stays alive until closed).

What it holds: every table and view of the live file, with two changes. ``raw_pages`` keeps its
columns but no rows (raw HTML is large and only re-extraction reads it), and a one-row table
``snapshot_info`` says when the snapshot was published and what it holds. Views (dbt's staging
and intermediate models) are recreated from their SQL, which names schemas but no catalog, so they
resolve inside the snapshot. Constraints and indexes are not copied: nobody writes a snapshot.

Withdrawn and embargoed wire items (issue 15): a killed article (``withdrawn_at`` set) keeps its
row and metadata in the snapshot but not its text (``body`` and every version's ``body`` are
NULL), and an article under embargo at publication time (``embargoed_until`` later than
``published_at``) has neither text nor headline until a snapshot published after the embargo.
A story named after such an article loses that name (``stories.title`` NULL).
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from pipeline import __version__
from pipeline.errors import DatabaseError

SNAPSHOT_DIRNAME = "snapshot"
INFO_TABLE = "snapshot_info"
# (schema, table) whose rows stay out of the snapshot; the table itself is there, empty.
EMPTY_TABLES = frozenset({("main", "raw_pages")})
_SKIP_SCHEMAS = ("information_schema", "pg_catalog")


@dataclass(frozen=True)
class SnapshotInfo:
    """What one publication wrote: where, when, and the row count of every copied table."""

    path: Path
    published_at: datetime
    source: Path
    rows: dict[str, int] = field(default_factory=dict)
    views: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, for XCom and asset-event extras."""
        return {
            "path": str(self.path),
            "published_at": self.published_at.isoformat(),
            "source": str(self.source),
            "tables": len(self.rows),
            "views": self.views,
            "articles": self.rows.get("main.articles", 0),
            "stories": self.rows.get("main.stories", 0),
            "seconds": self.seconds,
        }


def snapshot_path(db_path: Path, data_dir: Path | None = None) -> Path:
    """Where the snapshot of ``db_path`` lives: ``<data dir>/snapshot/<db file name>``.

    The file keeps the live file's name so that DuckDB gives it the same catalog name: SQL that
    names the catalog (``newsflow.marts.daily_region``) works against either.
    """
    db_path = Path(db_path)
    return Path(data_dir or db_path.parent) / SNAPSHOT_DIRNAME / db_path.name


def read_path(db_path: Path, data_dir: Path | None = None, *, live: bool = False) -> Path:
    """The file a reader should open: the snapshot when one was published, else the live file.

    ``live=True`` forces the live file (fresher, but it cannot be opened while a writer has it).
    """
    if live:
        return Path(db_path)
    snap = snapshot_path(db_path, data_dir)
    return snap if snap.is_file() else Path(db_path)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def _fsync(path: Path, *, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, int], int]:
    """Copy schemas, tables and views from catalog ``live`` into catalog ``snap``."""
    skip = ", ".join(_lit(s) for s in _SKIP_SCHEMAS)
    schemas = [
        r[0]
        for r in con.execute(
            "SELECT schema_name FROM duckdb_schemas() "
            f"WHERE database_name = 'live' AND NOT internal AND schema_name NOT IN ({skip})"
        ).fetchall()
    ]
    for schema in schemas:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS snap.{_q(schema)}")
    tables = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() "
        f"WHERE database_name = 'live' AND NOT temporary AND schema_name NOT IN ({skip}) "
        "ORDER BY schema_name, table_name"
    ).fetchall()
    rows: dict[str, int] = {}
    for schema, table in tables:
        src = f"live.{_q(schema)}.{_q(table)}"
        dst = f"snap.{_q(schema)}.{_q(table)}"
        limit = " LIMIT 0" if (schema, table) in EMPTY_TABLES else ""
        con.execute(f"CREATE TABLE {dst} AS SELECT * FROM {src}{limit}")
        rows[f"{schema}.{table}"] = con.execute(f"SELECT count(*) FROM {dst}").fetchone()[0]
    views = con.execute(
        "SELECT schema_name, view_name, sql FROM duckdb_views() "
        f"WHERE database_name = 'live' AND NOT internal AND NOT temporary "
        f"AND schema_name NOT IN ({skip}) AND sql IS NOT NULL ORDER BY schema_name, view_name"
    ).fetchall()
    # A view can only be created once the views it reads exist; dbt's views form a small DAG, so
    # retrying the failures until a round makes no progress creates them in dependency order.
    con.execute("USE snap")
    pending = list(views)
    while pending:
        failed: list[tuple[str, str, str]] = []
        errors: list[str] = []
        for schema, name, sql in pending:
            try:
                con.execute(sql)
            except duckdb.CatalogException as exc:
                failed.append((schema, name, sql))
                errors.append(f"{schema}.{name}: {str(exc).splitlines()[0]}")
        if len(failed) == len(pending):
            raise DatabaseError(f"snapshot: cannot recreate view(s): {'; '.join(errors)}")
        pending = failed
    return rows, len(views)


def _scrub(con: duckdb.DuckDBPyConnection, at: datetime, tables: set[str]) -> None:
    """Take the text of withdrawn articles, and text and headline of embargoed ones, out of the
    snapshot's ``articles``, ``article_versions`` and story names (the live file keeps them for
    the record). ``tables``: the copied tables (a file from before the wire migration has none
    of the wire columns to read)."""
    cols = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = 'snap' "
            "AND schema_name = 'main' AND table_name = 'articles'"
        ).fetchall()
    }
    if not {"withdrawn_at", "embargoed_until"} <= cols:
        return
    hidden = "(a.withdrawn_at IS NOT NULL OR a.embargoed_until > ?::TIMESTAMPTZ)"
    con.execute(
        "UPDATE snap.main.articles a SET body = NULL, "
        f"title = CASE WHEN a.withdrawn_at IS NULL THEN NULL ELSE a.title END WHERE {hidden}",
        [at],
    )
    if "main.article_versions" in tables:
        con.execute(
            "UPDATE snap.main.article_versions SET body = NULL, title = CASE WHEN"
            " a.withdrawn_at IS NULL THEN NULL ELSE article_versions.title END"
            " FROM snap.main.articles a WHERE a.article_id = article_versions.article_id"
            f" AND {hidden}",
            [at],
        )
    if "main.stories" in tables:
        con.execute(
            "UPDATE snap.main.stories SET title = NULL FROM snap.main.articles a"
            f" WHERE a.article_id = stories.first_article_id AND {hidden}",
            [at],
        )


def _write_info(
    con: duckdb.DuckDBPyConnection, db_path: Path, published_at: datetime, rows: dict[str, int]
) -> None:
    """The snapshot's one-row ``snapshot_info``: when, from where, by which version, counts."""
    latest = None
    if "main.articles" in rows:
        latest = con.execute("SELECT max(loaded_at) FROM snap.main.articles").fetchone()[0]
    schema_version = None
    if "main.schema_migrations" in rows:
        schema_version = con.execute(
            "SELECT max(version) FROM snap.main.schema_migrations"
        ).fetchone()[0]
    con.execute(
        f"CREATE TABLE snap.main.{INFO_TABLE} AS SELECT "
        "?::TIMESTAMPTZ AS published_at, ?::VARCHAR AS source_db, "
        "?::VARCHAR AS newsflow_version, ?::INTEGER AS schema_version, "
        "?::BIGINT AS n_articles, ?::BIGINT AS n_stories, ?::TIMESTAMPTZ AS last_loaded_at",
        [
            published_at,
            str(db_path),
            __version__,
            schema_version,
            rows.get("main.articles"),
            rows.get("main.stories"),
            latest,
        ],
    )


def publish_snapshot(db_path: Path, dest: Path | None = None) -> SnapshotInfo:
    """Copy the live DB to ``dest`` (default :func:`snapshot_path`) and swap it in atomically.

    The caller must hold the DB lock (:func:`pipeline.storage.db.db_lock`) or otherwise know that no
    process writes the file: the copy opens it read-only and needs a quiet moment. Leftover temp
    files of a publisher that was killed are removed first (the lock makes this the only one).
    """
    started = time.monotonic()
    db_path = Path(db_path).expanduser().resolve()
    if not db_path.is_file():
        raise DatabaseError(f"{db_path}: no such database file")
    dest = Path(dest).expanduser().resolve() if dest else snapshot_path(db_path)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(
            f"{dest.parent}: cannot create snapshot folder ({exc.strerror})"
        ) from None
    for stale in dest.parent.glob(f".{dest.name}.tmp-*"):
        _remove(stale)
    tmp = dest.with_name(f".{dest.name}.tmp-{os.getpid()}")
    published_at = datetime.now(UTC)
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH {_lit(str(db_path))} AS live (READ_ONLY)")
        con.execute(f"ATTACH {_lit(str(tmp))} AS snap")
        # No explicit transaction: the caller's lock keeps writers out, so statement-by-statement
        # reads see one state, and a view that must wait for another must not abort the copy.
        rows, n_views = _copy(con)
        if "main.articles" in rows:
            _scrub(con, published_at, set(rows))
        _write_info(con, db_path, published_at, rows)
        con.execute("USE memory")
        con.execute("DETACH snap")
        con.execute("DETACH live")
    except duckdb.Error as exc:
        con.close()
        _remove(tmp)
        if isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower():
            raise DatabaseError(
                f"{db_path}: in use by another process; publish the snapshot under the DB lock"
            ) from None
        raise DatabaseError(f"snapshot of {db_path} failed: {str(exc).splitlines()[0]}") from None
    except BaseException:
        con.close()
        _remove(tmp)
        raise
    con.close()
    try:
        _fsync(tmp)
        os.replace(tmp, dest)
        _fsync(dest.parent, directory=True)
    except OSError as exc:
        _remove(tmp)
        raise DatabaseError(f"{dest}: cannot publish snapshot ({exc.strerror})") from None
    return SnapshotInfo(
        path=dest,
        published_at=published_at,
        source=db_path,
        rows=rows,
        views=n_views,
        seconds=round(time.monotonic() - started, 3),
    )


def read_snapshot_info(path: Path) -> dict[str, Any] | None:
    """The ``snapshot_info`` row of a snapshot file, or None when ``path`` is not a snapshot."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None
    try:
        cur = con.execute(
            "SELECT * FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ?",
            [INFO_TABLE],
        )
        if cur.fetchone() is None:
            return None
        cur = con.execute(f"SELECT * FROM main.{INFO_TABLE}")
        columns = [d[0] for d in cur.description]
        row = cur.fetchone()
        return dict(zip(columns, row, strict=True)) if row else None
    finally:
        con.close()
