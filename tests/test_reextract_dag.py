"""``news_reextract`` for real: ``airflow dags test`` on a DB the demo pipeline filled.

The DAG's one task calls ``pipeline.run.reextract.reextract`` (tested on its own in
test_reextract.py); here what matters is the Airflow wiring: the param reaches the function, the
task may write the DB (pool ``duckdb``, the DB lock), and its counts become the XCom and the extra
of the ``newsflow://duckdb/articles`` event that makes ``news_models`` rebuild.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipeline.run.passes import run_pass
from pipeline.settings import load_settings
from tools.demo import serve, write_demo_feeds

pytestmark = [pytest.mark.airflow, pytest.mark.e2e]

REPO = Path(__file__).resolve().parent.parent
AIRFLOW = str(Path(sys.executable).with_name("airflow"))


def test_news_reextract_rewrites_every_article_and_publishes_its_counts(tmp_path) -> None:
    db = tmp_path / "data" / "news.duckdb"
    with serve() as server:
        feeds = write_demo_feeds(tmp_path / "feeds.yaml", server.server_address[1])
        run_pass(load_settings(feeds, db_path=db), build=False)
    con = duckdb.connect(str(db), read_only=True)
    n_articles = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    con.close()
    assert n_articles > 0

    home = tmp_path / "airflow"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "NEWSFLOW_"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(REPO / "dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__COSMOS__ENABLE_TELEMETRY="False",
        DO_NOT_TRACK="1",
        NEWSFLOW_FEEDS=str(feeds),
        NEWSFLOW_DB_PATH=str(db),
    )

    def airflow(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [AIRFLOW, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600
        )

    migrate = airflow("db", "migrate")
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    # All articles, not only stale ones: the demo was just extracted by the current version.
    run = airflow("dags", "test", "news_reextract", "--conf", json.dumps({"only_stale": False}))
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]

    meta = sqlite3.connect(home / "airflow.db")
    try:
        (extra,) = meta.execute(
            "SELECT e.extra FROM asset_event e JOIN asset a ON a.id = e.asset_id"
            " WHERE a.uri = 'newsflow://duckdb/articles' AND e.source_dag_id = 'news_reextract'"
        ).fetchone()
    finally:
        meta.close()
    counts = json.loads(extra)
    assert counts["only_stale"] is False
    assert counts["considered"] == counts["updated"] == n_articles
    assert counts["failed"] == 0
