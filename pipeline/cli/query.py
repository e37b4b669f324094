"""``newsflow query``: one SQL statement against the published snapshot (or the live file)."""

from __future__ import annotations

import argparse
import json

from pipeline.cli.common import (
    add_db_arguments,
    add_live_argument,
    print_table,
    readable_db,
    run_query,
)

COMMAND = "query"
HELP = "run one SQL query against the DB and print a table"
DESCRIPTION = (
    "Run SQL read-only against the DB's published snapshot "
    "(<data>/snapshot/<db file>, refreshed after every models build, readable while the "
    "pipeline writes), or against the live file when there is no snapshot or with --live."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_db_arguments(p)
    p.add_argument("sql", help='the SQL to run, e.g. "FROM marts.daily_region LIMIT 10"')
    p.add_argument("--json", action="store_true", help="print JSON Lines instead of a table")
    add_live_argument(p, "query")


def run(args: argparse.Namespace) -> int:
    columns, rows = run_query(readable_db(args), args.sql)
    if args.json:
        for row in rows:
            print(json.dumps(dict(zip(columns, row, strict=True)), default=str, ensure_ascii=False))
    else:
        print_table(columns, rows)
    return 0
