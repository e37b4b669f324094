"""Small helpers several test modules share (fixtures are in ``conftest.py``)."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of one read-only query on a DuckDB file (opened and closed again)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def airflow_env(home: Path, **extra: str) -> dict[str, str]:
    """A child environment with a private AIRFLOW_HOME and no inherited newsflow/Airflow config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_", "NEWSFLOW_"))}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            "DO_NOT_TRACK": "1",
            "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p),
        }
    )
    env.update(extra)
    return env
