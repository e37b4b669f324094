"""Keeping each table's declared key unique, by looking up only a batch's keys.

Why not PRIMARY KEY: DuckDB backs every PRIMARY KEY, UNIQUE and CREATE INDEX with an ART index
that each insert and each checkpoint maintains, at a cost that grows with the table; at 1M
articles the twelve indexes made loading a 1,000-article batch 2.4-3.8x as slow as at 10k
(migration 7, ``benchmarks/RESULTS.md``). The one writer (under ``db_lock``, one transaction per
batch) keeps ``Table.key`` unique here instead, and ``tests/test_keys.py`` checks it.

How a lookup stays cheap without an index: a semi-join from the stored table's key column to
the batch's keys reads that one column (~30 ms at 1M rows, whatever the batch's size), where
literal ``IN (?, ...)`` lists cost a scan per chunk of 1,000. Literal lists are kept for
fetching wide rows of a few known keys (``in_list``), where the filter inside the scan spares
reading the other columns of every row.
"""

from __future__ import annotations

import duckdb

from pipeline.storage.schema import Table


def in_list(con: duckdb.DuckDBPyConnection, sql: str, keys: list) -> list[tuple]:
    """``sql`` with ``{marks}`` run over ``keys`` in chunks of 1,000, rows concatenated."""
    out: list[tuple] = []
    for i in range(0, len(keys), 1000):
        chunk = keys[i : i + 1000]
        marks = ", ".join("?" for _ in chunk)
        out.extend(con.execute(sql.format(marks=marks), chunk).fetchall())
    return out


def present(con: duckdb.DuckDBPyConnection, table: str, column: str, among: str) -> set:
    """The values of ``table.column`` among those the query ``among`` (one column) yields."""
    sql = f'SELECT DISTINCT "{column}" FROM {table} WHERE "{column}" IN ({among})'
    return {r[0] for r in con.execute(sql).fetchall()}


def insert_new(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    source: str,
    *,
    where: str = "TRUE",
    params: list | None = None,
    order: str | None = None,
) -> None:
    """Insert the rows of ``source`` (as ``s``) whose key ``table`` does not hold yet, one row
    per key (the first by ``order``): a re-delivered row adds nothing. The stored keys are
    looked up by the batch's values of the key's first column."""
    keys = ", ".join(f'"{k}"' for k in table.key)
    first = f'"{table.key[0]}"'
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE k_stored AS SELECT {keys} FROM {table.name}"
        f" WHERE {first} IN (SELECT {first} FROM {source})"
    )
    same = " AND ".join(f'k."{k}" = s."{k}"' for k in table.key)
    by = ", ".join(f's."{k}"' for k in table.key)
    con.execute(
        f"""
        INSERT INTO {table.name} ({table.column_list()})
        SELECT {table.column_list("s.")} FROM {source} s
        WHERE ({where}) AND NOT EXISTS (SELECT 1 FROM k_stored k WHERE {same})
        QUALIFY row_number() OVER (PARTITION BY {by} ORDER BY {order or by}) = 1
        """,
        params or [],
    )
