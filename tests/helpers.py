"""Small helpers several test modules share (fixtures are in ``conftest.py``)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import duckdb

REPO = Path(__file__).resolve().parent.parent


def load_script(path: Path, name: str | None = None) -> ModuleType:
    """A script outside any package (a benchmark, a data set's generator) as the module ``name``
    (default: its file's stem), loaded once per process. Registered in ``sys.modules`` because
    sibling scripts import it by that name and dataclasses look their module up there."""
    name = name or path.stem
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


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
