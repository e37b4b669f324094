"""dags/news_models.py imports cleanly in Airflow 3's DagBag and renders every dbt node as a task.

The DagBag runs in a subprocess: Airflow reads AIRFLOW_HOME once, at its first import, so a
private home (and no metadata DB: importing a DAG needs none) must be set before Airflow is
imported, whatever other test files imported it already.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.run.dbt import _project_fingerprint, dbt_project_dir, ensure_manifest

REPO = Path(__file__).resolve().parent.parent
DAG_FILE = REPO / "dags" / "news_models.py"

PROBE = r"""
import json, sys
from airflow.dag_processing.dagbag import DagBag

bag = DagBag(dag_folder=sys.argv[1])
dag = bag.dags.get("news_models")
out = {"import_errors": {str(k): str(v) for k, v in bag.import_errors.items()}}
if dag is not None:
    run = dag.get_task("dbt.stg_articles_model_build")
    rel = [t for t in dag.task_ids if t.startswith("dbt.relationships_stg_articles")]
    out.update(
        tasks=sorted(dag.task_ids),
        pools=sorted({t.pool for t in dag.tasks}),
        owners=sorted({t.owner for t in dag.tasks}),
        retries=sorted({t.retries for t in dag.tasks}),
        operators=sorted({type(t).__name__ for t in dag.tasks if t.task_id.startswith("dbt.")}),
        publish_upstream=sorted(dag.get_task("publish").upstream_task_ids),
        leaves=sorted(t.task_id for t in dag.tasks if not t.downstream_task_ids),
        assets=[a.uri for a in dag.timetable.asset_condition.objects],
        tags=sorted(dag.tags),
        max_active_runs=dag.max_active_runs,
        doc_md=dag.doc_md or "",
        env=run.env,
        hooks=[type(run._pre_execute_hook.__self__).__name__, run._post_execute_hook.__name__],
        daily_region_upstream=sorted(
            dag.get_task("dbt.daily_region_model_build").upstream_task_ids
        ),
        relationships_upstream=sorted(dag.get_task(rel[0]).upstream_task_ids) if rel else [],
    )
print("PROBE:" + json.dumps(out))
"""


def dbt_nodes() -> tuple[list[str], list[str]]:
    project = dbt_project_dir()
    models = sorted(p.stem for p in (project / "models").rglob("*.sql"))
    seeds = sorted(p.stem for p in (project / "seeds").glob("*.csv"))
    return models, seeds


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    home = tmp_path_factory.mktemp("airflow_home")
    data = tmp_path_factory.mktemp("data")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "NEWSFLOW_"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__DAGS_FOLDER=str(DAG_FILE.parent),
        AIRFLOW__COSMOS__ENABLE_TELEMETRY="False",
        AIRFLOW__COSMOS__CACHE_DIR=str(home / "cosmos"),
        NEWSFLOW_DB_PATH=str(data / "news.duckdb"),
        DO_NOT_TRACK="1",
    )
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(DAG_FILE)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("PROBE:")]
    assert proc.returncode == 0 and lines, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(lines[-1].removeprefix("PROBE:")), data


def test_dag_imports_without_errors(probe: tuple[dict, Path]) -> None:
    out, _ = probe
    assert out["import_errors"] == {}
    assert "tasks" in out, "news_models not found in the DagBag"


def test_every_model_and_seed_is_one_build_task(probe: tuple[dict, Path]) -> None:
    out, _ = probe
    tasks = set(out["tasks"])
    models, seeds = dbt_nodes()
    assert {"daily_region", "daily_agency", "ingest_health", "stg_articles"} <= set(models)
    # one `dbt build` task per model and seed (the node, then its tests)
    for model in models:
        assert f"dbt.{model}_model_build" in tasks, model
    for seed in seeds:
        assert f"dbt.{seed}_seed_build" in tasks, seed
    dbt_tasks = {t for t in tasks if t.startswith("dbt.")}
    builds = {t for t in dbt_tasks if t.endswith("_build")}
    assert len(builds) == len(models) + len(seeds)
    # Only tests with two parents are tasks of their own, after both parents are built.
    assert all(t.startswith("dbt.relationships_") for t in dbt_tasks - builds)
    assert out["relationships_upstream"] == [
        "dbt.stg_articles_model_build",
        "dbt.stg_stories_model_build",
    ]
    assert "dbt.int_article_regions_model_build" in out["daily_region_upstream"]
    assert out["operators"] == ["DbtBuildLocalOperator", "DbtTestLocalOperator"]
    # The snapshot and report are published last, after every dbt leaf succeeded.
    assert out["leaves"] == ["publish"]
    assert out["publish_upstream"] and all(t.startswith("dbt.") for t in out["publish_upstream"])


def test_dag_settings(probe: tuple[dict, Path]) -> None:
    out, data = probe
    assert out["assets"] == ["newsflow://duckdb/articles"]
    assert out["pools"] == ["duckdb"]
    assert out["owners"] == ["newsflow"]
    assert out["retries"] == [2]
    assert out["max_active_runs"] == 1
    assert {"newsflow", "dbt"} <= set(out["tags"])
    assert "news_models" in out["doc_md"]
    assert out["env"]["NEWSFLOW_DB"] == str((data / "news.duckdb").resolve())
    assert out["hooks"] == ["TaskDbLock", "release"]


def test_manifest_is_cached_by_project_fingerprint(probe: tuple[dict, Path]) -> None:
    _, data = probe
    cache = data / ".dbt" / "manifest"
    (entry,) = [p for p in cache.iterdir() if not p.name.startswith(".")]
    manifest = entry / "manifest.json"
    nodes = json.loads(manifest.read_text())["nodes"]
    assert "model.newsflow.daily_region" in nodes
    # The parse in the DAG processor and a lookup here agree on the key: no second dbt parse.
    mtime = manifest.stat().st_mtime_ns
    assert ensure_manifest(cache) == manifest
    assert manifest.stat().st_mtime_ns == mtime


def test_fingerprint_changes_when_a_model_changes(tmp_path: Path) -> None:
    copy = tmp_path / "sql"
    shutil.copytree(dbt_project_dir(), copy, ignore=shutil.ignore_patterns("target", "logs"))
    before = _project_fingerprint(copy)
    (copy / "target").mkdir()
    (copy / "target" / "run_results.json").write_text("{}")
    assert _project_fingerprint(copy) == before  # build output is not an input
    model = copy / "models" / "marts" / "daily_agency.sql"
    model.write_text(model.read_text() + "\n-- edited\n")
    assert _project_fingerprint(copy) != before
