"""The DuckDB file: opening it safely and migrating it.

Only the storage package (and dbt, via ``pipeline.run.dbt``) opens the database, and always under an
exclusive file lock next to the DB (``<db>.lock``). DuckDB permits one writer process per file and
refuses even read-only opens from other processes while it writes; the lock turns "two tasks
collided" from a crash into a short, bounded wait.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipeline.errors import DatabaseError
from pipeline.filelock import exclusive
from pipeline.storage.migrations import MIGRATIONS


@contextlib.contextmanager
def db_lock(db_path: Path, timeout: float = 600.0) -> Iterator[None]:
    """Exclusive advisory lock for the DB file, shared by CLI runs, DAG tasks and dbt."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with exclusive(
        db_path.with_name(db_path.name + ".lock"),
        wait=timeout,
        busy=lambda: DatabaseError(
            f"{db_path}: busy, another newsflow process held it for {timeout:g}s"
        ),
    ):
        yield


def connect(db_path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the DB file with errors a user can act on (no DuckDB traceback)."""
    db_path = Path(db_path)
    if read_only and not db_path.exists():
        raise DatabaseError(f"{db_path}: no such database file (run `newsflow run` first)")
    if not read_only:
        try:
            db_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"{db_path}: cannot create directory ({exc.strerror})") from None
    try:
        return duckdb.connect(str(db_path), read_only=read_only)
    except duckdb.IOException as exc:
        msg = str(exc)
        if "lock" in msg.lower():
            raise DatabaseError(
                f"{db_path}: in use by another process ({msg.splitlines()[0]})"
            ) from None
        raise DatabaseError(f"{db_path}: cannot open ({msg.splitlines()[0]})") from None
    except duckdb.Error as exc:
        raise DatabaseError(
            f"{db_path}: not a usable DuckDB file ({str(exc).splitlines()[0]})"
        ) from None


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply pending migrations, each in its own transaction; returns the versions applied."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    done = {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, sql in sorted(MIGRATIONS, key=lambda m: m[0]):
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                [version, name, datetime.now(UTC)],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied


@contextlib.contextmanager
def open_db(db_path: Path, *, lock_timeout: float = 600.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """Lock, open, migrate; close and unlock on exit. The one way writers get a connection."""
    with db_lock(db_path, lock_timeout):
        con = connect(db_path)
        try:
            migrate(con)
            yield con
        finally:
            con.close()
