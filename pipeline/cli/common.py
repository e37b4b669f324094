"""What several subcommands share: settings from flags, the --feeds/--db pair, dates, tables."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pipeline.errors import NewsflowError


def progress(msg: str) -> None:
    """Progress lines go to stderr, so stdout stays the command's result."""
    print(msg, file=sys.stderr, flush=True)


def parse_day(value: str) -> datetime:
    """Accept YYYY-MM-DD or a full ISO timestamp; naive means UTC."""
    try:
        if len(value) == 10:
            d = date.fromisoformat(value)
            return datetime(d.year, d.month, d.day, tzinfo=UTC)
        ts = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date (YYYY-MM-DD or ISO-8601): {value!r}"
        ) from None
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def add_db_arguments(
    p: argparse.ArgumentParser, feeds_required: bool = False, feeds_for: str = ""
) -> None:
    """``--feeds`` (``feeds_for`` says what the command reads from it) and ``--db``,
    defaulting to the environment like the settings do."""
    p.add_argument(
        "--feeds",
        metavar="FEEDS.yaml",
        default=os.environ.get("NEWSFLOW_FEEDS"),
        required=feeds_required and not os.environ.get("NEWSFLOW_FEEDS"),
        help=f"feeds registry{', for ' + feeds_for if feeds_for else ''} (env NEWSFLOW_FEEDS)",
    )
    p.add_argument("--db", metavar="PATH.duckdb", help="DuckDB file (env NEWSFLOW_DB_PATH)")


def settings_from_args(args: argparse.Namespace, **extra: Any) -> Any:
    """The settings, with ``--db`` and ``--allow-private-hosts`` applied over the file's."""
    from pipeline.settings import load_settings

    overrides: dict[str, Any] = dict(extra)
    if getattr(args, "db", None):
        overrides["db_path"] = Path(args.db)
    if getattr(args, "allow_private_hosts", None):
        overrides["allow_private_hosts"] = args.allow_private_hosts
    return load_settings(getattr(args, "feeds", None), **overrides)


def add_live_argument(p: argparse.ArgumentParser, verb: str) -> None:
    """``--live``: read the live DB file instead of the published snapshot."""
    p.add_argument(
        "--live",
        action="store_true",
        help=f"{verb} the live DB file instead of the snapshot (fails while a writer holds it)",
    )


def readable_db(args: argparse.Namespace) -> Path:
    """The file a reading command opens: the published snapshot (it opens while the pipeline
    writes, and its marts match its tables), or the live file with ``--live``."""
    from pipeline.storage.snapshot import read_path

    settings = settings_from_args(args)
    return read_path(settings.db_path, settings.data_dir, live=args.live)


def require_db(settings: Any) -> None:
    """Commands that read an existing DB say so in one line when there is none yet."""
    if not settings.db_path.exists():
        raise NewsflowError(f"{settings.db_path}: no such database file (run `newsflow run` first)")


def run_query(db_path: Path, sql: str) -> tuple[list[str], list[tuple]]:
    """Column names and rows of ``sql`` on ``db_path`` opened read-only; SQL errors in one line."""
    import duckdb

    from pipeline.storage.db import connect

    con = connect(db_path, read_only=True)
    try:
        try:
            cur = con.execute(sql)
        except duckdb.Error as exc:
            raise NewsflowError(f"query failed: {str(exc).splitlines()[0]}") from None
        if cur.description is None:
            return [], []
        return [d[0] for d in cur.description], cur.fetchall()
    finally:
        con.close()


def print_table(columns: list[str], rows: list[tuple], max_width: int = 60) -> None:
    """Rows as an aligned text table with a row count, long cells cut with an ellipsis."""

    def fmt(v: Any) -> str:
        s = "NULL" if v is None else str(v)
        s = s.replace("\n", " ")
        return s if len(s) <= max_width else s[: max_width - 1] + "…"

    cells = [[fmt(v) for v in row] for row in rows]
    widths = [len(c) for c in columns]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    print(" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in cells:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
