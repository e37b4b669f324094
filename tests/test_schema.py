"""The one declaration per table, and the one vocabulary per outcome, checked everywhere else.

A column or an outcome is added in one place (``pipeline.storage.schema``,
``pipeline.outcomes``); these tests fail when the migrations, the staged Parquet, the dbt sources
or the dbt ``accepted_values`` disagree with it.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import duckdb
import pytest
import rows
import yaml

from pipeline.outcomes import PollOutcome, UrlOutcome
from pipeline.storage.db import migrate
from pipeline.storage.schema import CORE, STAGED, ArticleRow, PollRow, coerce
from pipeline.storage.staging import write_batch

ROOT = Path(__file__).resolve().parent.parent
SQL = ROOT / "sql" / "models"


def _db_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str, bool]]:
    return [
        (name, dtype, nullable)
        for name, dtype, nullable in con.execute(
            "SELECT column_name, data_type, is_nullable FROM duckdb_columns()"
            " WHERE schema_name = 'main' AND table_name = ? ORDER BY column_index",
            [table],
        ).fetchall()
    ]


def _canonical(con: duckdb.DuckDBPyConnection, sql_type: str) -> str:
    """DuckDB's own name for a type (TIMESTAMPTZ is TIMESTAMP WITH TIME ZONE)."""
    return con.execute(f"SELECT typeof(CAST(NULL AS {sql_type}))").fetchone()[0]


def test_migrations_create_exactly_the_declared_tables(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "n.duckdb"))
    migrate(con)
    for table in CORE:
        declared = [(c.name, _canonical(con, c.sql_type), c.nullable) for c in table.stored]
        assert _db_columns(con, table.name) == declared, table.name
    con.close()


def test_staged_parquet_has_the_record_fields_and_types(tmp_path: Path) -> None:
    batch = write_batch(
        tmp_path, "r-b0", "r", {"articles": [rows.article("a1", "one two three four five")]}
    )
    con = duckdb.connect()
    for table in STAGED:
        got = con.execute(
            f"SELECT column_name, column_type FROM "
            f"(DESCRIBE SELECT * FROM read_parquet('{batch / (table.name + '.parquet')}'))"
        ).fetchall()
        assert got == [(c.name, _canonical(con, c.sql_type)) for c in table.staged], table.name
    con.close()


def test_a_missing_or_unknown_field_is_an_error_not_a_null(tmp_path: Path) -> None:
    good = dataclasses.asdict(rows.poll("p1"))
    with pytest.raises(ValueError, match=r"missing field.*etag"):
        coerce(PollRow, {k: v for k, v in good.items() if k != "etag"})
    with pytest.raises(ValueError, match=r"unknown field.*etg"):
        coerce(PollRow, good | {"etg": "x"})
    with pytest.raises(ValueError, match="ArticleRow"):
        write_batch(tmp_path, "r-b1", "r", {"articles": [{"article_id": "a"}]})
    assert not (tmp_path / "r-b1").exists(), "nothing is staged when a row is wrong"
    with pytest.raises(TypeError):
        ArticleRow(article_id="a")  # type: ignore[call-arg]


def test_dbt_sources_name_only_declared_columns() -> None:
    doc = yaml.safe_load((SQL / "staging" / "_sources.yml").read_text(encoding="utf-8"))
    declared = {t.name: set(t.names()) for t in CORE}
    for source in doc["sources"]:
        for table in source["tables"]:
            assert table["name"] in declared, f"dbt source {table['name']} is not declared"
            for column in table.get("columns", []):
                assert column["name"] in declared[table["name"]], (table["name"], column["name"])


def _accepted(path: Path, model: str, column: str) -> list[str]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    (entry,) = [m for m in doc["models"] if m["name"] == model]
    (col,) = [c for c in entry["columns"] if c["name"] == column]
    for test in col["data_tests"]:
        if isinstance(test, dict) and "accepted_values" in test:
            return list(test["accepted_values"]["arguments"]["values"])
    raise AssertionError(f"{model}.{column} has no accepted_values test")


def test_dbt_outcome_lists_equal_the_enums() -> None:
    staging = SQL / "staging" / "_staging.yml"
    assert _accepted(staging, "stg_feed_polls", "outcome") == [o.value for o in PollOutcome]
    assert _accepted(staging, "stg_fetch_log", "outcome") == [o.value for o in UrlOutcome]
    health = set(_accepted(SQL / "marts" / "_marts.yml", "ingest_health", "outcome"))
    assert health == {o.value for o in PollOutcome} | {o.value for o in UrlOutcome}


# ----------------------------------------------------------------------------- import cycles


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Every ``pipeline`` module a file imports, at top level or inside functions."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        out |= {n for n in names if n in modules}
    return out


def test_no_import_cycles_counting_imports_inside_functions() -> None:
    files = {_module_name(p): p for p in (ROOT / "pipeline").rglob("*.py")}
    graph = {m: _imports(p, set(files)) - {m} for m, p in files.items()}
    # a package's __init__ re-exporting its own modules is not a cycle between modules
    for m in graph:
        graph[m] = {
            d for d in graph[m] if not (m.startswith(d + ".") and files[d].name == "__init__.py")
        }
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for d in sorted(graph[m]):
            if state.get(d) == 1:
                cycle = [*stack[stack.index(d) :], d]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
