"""The DAGs for real: `airflow dags test news_ingest`, then `news_models`, against the demo web.

A throw-away AIRFLOW_HOME with a migrated SQLite metadata DB, the demo sites served on loopback
by this process, and the Airflow CLI in subprocesses (Airflow reads its configuration at import,
so it must not share this interpreter). Asserts what landed in DuckDB against the demo's ground
truth (tools/demo/site/MANIFEST.yaml), and the asset event ``load`` published.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from helpers import airflow_env, query

from pipeline.acquire.urls import canonicalize_url
from tools.demo import DEMO_ROOT, serve, write_demo_feeds

pytestmark = pytest.mark.airflow

REPO = Path(__file__).resolve().parent.parent
AIRFLOW = [str(Path(sys.executable).with_name("airflow"))]
if not Path(AIRFLOW[0]).exists():
    AIRFLOW = [sys.executable, "-m", "airflow"]


def airflow(
    env: dict[str, str], cwd: Path, *args: str
) -> tuple[subprocess.CompletedProcess, float]:
    t0 = time.monotonic()
    proc = subprocess.run(
        [*AIRFLOW, *args], capture_output=True, text=True, timeout=600, cwd=cwd, env=env
    )
    return proc, round(time.monotonic() - t0, 1)


def tail(proc: subprocess.CompletedProcess, n: int = 60) -> str:
    return "\n".join((proc.stdout + "\n" + proc.stderr).splitlines()[-n:])


def snapshot(db: Path) -> dict:
    """What a run left in DuckDB, read between runs (nobody else has the file open then)."""
    if not db.exists():
        return {}
    return {
        "articles": [r[0] for r in query(db, "SELECT url FROM articles ORDER BY 1")],
        "fetch_404": query(
            db,
            "SELECT feed_id, url, outcome, status_code FROM fetch_log WHERE status_code = 404",
        ),
        "n_fetches": query(db, "SELECT count(*) FROM fetch_log")[0][0],
        "polls": query(
            db, "SELECT run_id, feed_id, outcome FROM feed_polls ORDER BY polled_at, feed_id"
        ),
        "run_ids": sorted(
            r[0]
            for r in query(
                db,
                "SELECT run_id FROM feed_polls UNION SELECT run_id FROM fetch_log"
                " UNION SELECT run_id FROM articles",
            )
        ),
    }


def asset_events(airflow_db: Path) -> list[tuple[dict, str]]:
    """Events on NEWS_DB recorded in Airflow's metadata DB: (extra, source task), oldest first."""
    con = sqlite3.connect(airflow_db)
    try:
        rows = con.execute(
            "SELECT e.extra, e.source_task_id FROM asset_event e JOIN asset a ON a.id = e.asset_id"
            " WHERE a.uri = 'newsflow://duckdb/articles' AND e.source_dag_id = 'news_ingest'"
            " ORDER BY e.timestamp"
        ).fetchall()
    finally:
        con.close()
    return [(json.loads(extra), task) for extra, task in rows]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("airflow_e2e")
    db = tmp / "data" / "x.duckdb"
    feeds = tmp / "feeds.yaml"
    env = airflow_env(tmp / "airflow", NEWSFLOW_FEEDS=str(feeds), NEWSFLOW_DB_PATH=str(db))
    out: dict = {"db": db, "secs": {}}
    migrate, out["secs"]["migrate"] = airflow(env, tmp, "db", "migrate")
    assert migrate.returncode == 0, tail(migrate)
    with serve() as server:
        port = server.server_address[1]
        write_demo_feeds(feeds, port, per_host_delay=0.0, backoff_base=0.05)
        out["ingest"], out["secs"]["news_ingest"] = airflow(env, tmp, "dags", "test", "news_ingest")
        out["first"] = snapshot(db)
        # The steady state: feeds unchanged (304), nothing new to fetch, an empty plan.
        out["again"], out["secs"]["news_ingest_again"] = airflow(
            env, tmp, "dags", "test", "news_ingest", "-c", '{"all_feeds": true}'
        )
        out["second"] = snapshot(db)
    out["events"] = asset_events(tmp / "airflow" / "airflow.db")
    # The models DAG reads only the DuckDB file: the demo web is no longer needed.
    out["models"], out["secs"]["news_models"] = airflow(env, tmp, "dags", "test", "news_models")
    out["manifest"] = yaml.safe_load(
        (DEMO_ROOT / "MANIFEST.yaml").read_text(encoding="utf-8").replace("{{PORT}}", str(port))
    )
    print(f"\nairflow e2e timings (s): {out['secs']}")
    return out


@pytest.fixture
def first(runs) -> dict:
    assert runs["ingest"].returncode == 0, tail(runs["ingest"])
    return runs["first"]


def test_news_ingest_run_succeeds(runs):
    proc = runs["ingest"]
    assert proc.returncode == 0, tail(proc)
    assert "state=success" in proc.stdout + proc.stderr


def test_articles_match_the_demo_ground_truth(runs, first):
    totals = runs["manifest"]["totals"]
    expected = {e["canonical_url"] for e in runs["manifest"]["entries"] if e["outcome"] == "ok"}
    assert len(expected) == totals["distinct_articles"]
    assert len(first["articles"]) == totals["distinct_articles"]
    assert {canonicalize_url(u) for u in first["articles"]} == {
        canonicalize_url(u) for u in expected
    }


def test_fetch_log_records_the_404(runs, first):
    missing = [e for e in runs["manifest"]["entries"] if e.get("status") == 404]
    assert len(missing) == runs["manifest"]["totals"]["expected_404s"] == 1
    assert first["fetch_404"] == [
        (missing[0]["feed_id"], canonicalize_url(missing[0]["link"]), "http_error", 404)
    ]


def test_one_ok_poll_per_feed(runs, first):
    feed_ids = {e["feed_id"] for e in runs["manifest"]["entries"]}
    assert len(feed_ids) == runs["manifest"]["totals"]["feeds"]
    assert sorted(p[1:] for p in first["polls"]) == sorted((f, "ok") for f in feed_ids)
    # Every row of the run carries the one pipeline run id that `prepare` fixed.
    assert len(first["run_ids"]) == 1 and "-manual-" in first["run_ids"][0]


def test_nothing_left_staged(runs, first):
    staging = runs["db"].parent / "staging"
    assert [p.name for p in staging.iterdir() if p.is_dir() and p.name != "loaded"] == []


def test_load_published_its_counts_on_the_news_db_asset(runs, first):
    totals = runs["manifest"]["totals"]
    extra, task_id = runs["events"][0]
    assert task_id == "load"
    assert extra["run_id"] == first["run_ids"][0]
    assert extra["articles"] == totals["distinct_articles"]
    assert extra["polls"] == totals["feeds"]
    assert extra["fetches"] == totals["feed_entries"]
    assert extra["outcomes"]["http_error"] == totals["expected_404s"]


def test_rerun_with_nothing_new_loads_the_polls_and_adds_nothing(runs, first):
    proc = runs["again"]
    assert proc.returncode == 0, tail(proc)
    second = runs["second"]
    assert second["articles"] == first["articles"]
    assert second["n_fetches"] == first["n_fetches"]
    new_polls = second["polls"][len(first["polls"]) :]
    assert second["polls"][: len(first["polls"])] == first["polls"]
    assert sorted(p[1:] for p in new_polls) == sorted(
        (p[1], "not_modified") for p in first["polls"]
    )
    # A run of its own, distinct from the first, and `load` ran although the plan was empty.
    (run_id,) = {p[0] for p in new_polls}
    assert run_id not in first["run_ids"] and run_id > first["run_ids"][0]
    assert len(runs["events"]) == 2
    extra = runs["events"][1][0]
    assert extra["run_id"] == run_id
    assert (extra["articles"], extra["fetches"], extra["polls"]) == (0, 0, len(new_polls))


def test_news_models_builds_the_marts(runs):
    assert runs["ingest"].returncode == 0, tail(runs["ingest"])
    proc = runs["models"]
    assert proc.returncode == 0, tail(proc)
    n = query(runs["db"], "SELECT count(*) FROM marts.daily_region")[0][0]
    assert n > 0
