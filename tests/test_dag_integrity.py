"""Every file in ``dags/`` parses in Airflow 3's DagBag and follows the project's DAG rules.

Why a subprocess: Airflow reads its configuration (AIRFLOW_HOME, dags folder, examples) once, at
import, so the DagBag must be built in a fresh interpreter whose environment points at a
throw-away AIRFLOW_HOME, never at the developer's. The child prints plain facts as JSON; the
assertions run here, one test per rule, so a failure names the rule and the offending tasks.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import airflow_env

REPO = Path(__file__).resolve().parent.parent
DAGS = REPO / "dags"
MARK = "@@DAGBAG@@ "

# Runs in the child: build the DagBag the way the DAG processor does and describe what it holds.
PROBE = r"""
import json, os, sys
from pathlib import Path

from airflow.dag_processing.dagbag import DagBag
from airflow.sdk.definitions.mappedoperator import MappedOperator
from pipeline.run.assets import NEWS_DB

dags_dir = sys.argv[1]


def assets_of(cond):
    # An asset schedule is an Asset or a (nested) AssetAll/AssetAny over them.
    if hasattr(cond, "objects"):
        return [u for o in cond.objects for u in assets_of(o)]
    uri = getattr(cond, "uri", None)
    return [uri] if uri else []


def describe(bag):
    out = {"import_errors": {str(k): str(v) for k, v in bag.import_errors.items()}, "dags": {}}
    for dag_id, dag in bag.dags.items():
        cycle = None
        try:
            dag.check_cycle()
        except Exception as exc:
            cycle = f"{type(exc).__name__}: {exc}"
        timetable = dag.timetable
        cond = getattr(timetable, "asset_condition", None)
        out["dags"][dag_id] = {
            "fileloc": str(Path(dag.fileloc).resolve()),
            "cycle": cycle,
            "schedule": getattr(timetable, "expression", None),
            "schedule_assets": assets_of(cond) if cond is not None else [],
            "catchup": dag.catchup,
            "max_active_runs": dag.max_active_runs,
            "owner": dag.owner,
            "params": {k: v.schema for k, v in dag.params.items()} if dag.params else {},
            "tasks": {
                t.task_id: {
                    "retries": t.retries,
                    "execution_timeout": (
                        t.execution_timeout.total_seconds() if t.execution_timeout else None
                    ),
                    "pool": t.pool,
                    "outlets": [getattr(o, "uri", repr(o)) for o in (t.outlets or [])],
                    "mapped": isinstance(t, MappedOperator),
                    "trigger_rule": getattr(t.trigger_rule, "value", str(t.trigger_rule)),
                    "upstream": sorted(t.upstream_task_ids),
                }
                for t in dag.tasks
            },
        }
    return out


facts = {"news_db": NEWS_DB.uri, "bag": describe(DagBag(dag_folder=dags_dir))}
# The schedule follows the settings: parse news_ingest again with NEWSFLOW_SCHEDULE set.
os.environ["NEWSFLOW_SCHEDULE"] = "5 6 * * *"
facts["rescheduled"] = describe(DagBag(dag_folder=os.path.join(dags_dir, "news_ingest.py")))
print("@@DAGBAG@@ " + json.dumps(facts))
"""


@pytest.fixture(scope="module")
def facts(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("dagbag")
    env = airflow_env(tmp / "airflow", NEWSFLOW_DB_PATH=str(tmp / "db" / "news.duckdb"))
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(DAGS)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp,
        env=env,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(MARK)]
    assert proc.returncode == 0 and lines, f"DagBag probe failed:\n{proc.stdout}\n{proc.stderr}"
    return json.loads(lines[-1][len(MARK) :])


def dag_files() -> list[Path]:
    return sorted(p for p in DAGS.glob("*.py") if not p.name.startswith("_"))


def all_tasks(facts: dict):
    for dag_id, dag in facts["bag"]["dags"].items():
        for task_id, task in dag["tasks"].items():
            yield dag_id, task_id, task


def test_no_import_errors(facts):
    assert facts["bag"]["import_errors"] == {}


def test_every_dag_file_yields_a_dag(facts):
    """A file without the words "airflow" and "dag" is skipped silently by the parser."""
    parsed = {Path(d["fileloc"]).name for d in facts["bag"]["dags"].values()}
    assert {p.name for p in dag_files()} <= parsed


def test_expected_dags_exist(facts):
    assert {"news_ingest", "news_models", "news_reextract"} <= set(facts["bag"]["dags"])


def test_no_cycles(facts):
    cycles = {k: d["cycle"] for k, d in facts["bag"]["dags"].items() if d["cycle"]}
    assert cycles == {}


def test_every_task_retries(facts):
    bad = [f"{d}.{t}" for d, t, task in all_tasks(facts) if (task["retries"] or 0) < 1]
    assert bad == [], "tasks without retries"


def test_every_task_has_an_execution_timeout(facts):
    bad = [f"{d}.{t}" for d, t, task in all_tasks(facts) if not task["execution_timeout"]]
    assert bad == [], "tasks without execution_timeout"


def test_news_models_runs_on_news_db(facts):
    models = facts["bag"]["dags"]["news_models"]
    assert models["schedule_assets"] == [facts["news_db"]]


def test_news_ingest_shape(facts):
    dag = facts["bag"]["dags"]["news_ingest"]
    assert dag["schedule"] == "*/15 * * * *"
    assert dag["catchup"] is False
    assert dag["max_active_runs"] == 1
    assert dag["owner"] == "newsflow"
    tasks = dag["tasks"]
    assert set(tasks) == {"prepare", "poll", "plan", "fetch_extract", "load"}
    assert tasks["poll"]["mapped"] and tasks["fetch_extract"]["mapped"]
    assert not tasks["load"]["mapped"]
    assert tasks["poll"]["upstream"] == ["prepare"]
    assert tasks["plan"]["upstream"] == ["poll"]
    assert tasks["fetch_extract"]["upstream"] == ["plan", "prepare"]
    assert tasks["load"]["upstream"] == ["fetch_extract", "prepare"]
    assert all(t["retries"] == 2 for t in tasks.values())


def test_news_ingest_params(facts):
    params = facts["bag"]["dags"]["news_ingest"]["params"]
    assert set(params) == {"feed_ids", "since", "until", "all_feeds"}
    assert params["all_feeds"]["type"] == "boolean"
    assert params["feed_ids"]["type"] == "array"
    assert params["feed_ids"]["items"] == {"type": "string"}
    for name in ("since", "until"):
        assert params[name]["type"] == ["null", "string"]
        assert params[name]["format"] == "date"


def test_load_is_the_single_writer_and_publishes_news_db(facts):
    tasks = facts["bag"]["dags"]["news_ingest"]["tasks"]
    assert tasks["load"]["pool"] == "duckdb"
    assert facts["news_db"] in tasks["load"]["outlets"]
    # Nothing else writes the DB or claims the asset.
    for task_id, task in tasks.items():
        if task_id != "load":
            assert task["pool"] != "duckdb" and task["outlets"] == [], task_id
    # An empty plan skips fetch_extract; load must still run to merge the polls.
    assert tasks["load"]["trigger_rule"] == "none_failed"


def test_plan_runs_when_no_feed_is_due(facts):
    """No feed due maps ``poll`` over nothing (skipped); pages deferred by an earlier run must
    still be planned and fetched (tests/test_dag_runs.py runs it)."""
    tasks = facts["bag"]["dags"]["news_ingest"]["tasks"]
    assert tasks["plan"]["trigger_rule"] == "none_failed"


def test_news_reextract_is_a_manual_single_writer_that_feeds_the_models(facts):
    dag = facts["bag"]["dags"]["news_reextract"]
    assert dag["schedule"] is None and dag["schedule_assets"] == []
    assert dag["owner"] == "newsflow" and dag["max_active_runs"] == 1 and not dag["catchup"]
    assert set(dag["params"]) == {"only_stale"}
    assert dag["params"]["only_stale"]["type"] == "boolean"
    (task,) = dag["tasks"].values()
    assert task["pool"] == "duckdb" and task["outlets"] == [facts["news_db"]]


def test_news_models_publishes_the_snapshot_last(facts):
    tasks = facts["bag"]["dags"]["news_models"]["tasks"]
    publish = tasks["publish"]
    assert publish["pool"] == "duckdb"
    assert publish["outlets"] == ["newsflow://duckdb/snapshot"]
    assert publish["upstream"] and all(t.startswith("dbt.") for t in publish["upstream"])


def test_ingest_schedule_follows_settings(facts):
    again = facts["rescheduled"]
    assert again["import_errors"] == {}
    assert again["dags"]["news_ingest"]["schedule"] == "5 6 * * *"


def _imported_modules(path: Path) -> set[str]:
    mods: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            mods.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                mods.add("." * node.level + (node.module or ""))
            elif node.module:
                mods.add(node.module)
                mods.update(f"{node.module}.{a.name}" for a in node.names)
    return mods


def test_dag_files_do_not_import_each_other():
    """Shared objects (Assets) live in pipeline/; a DAG importing a DAG re-runs its top level."""
    stems = {p.stem for p in dag_files()}
    for path in dag_files():
        for mod in _imported_modules(path):
            parts = mod.split(".")
            assert not mod.startswith("."), f"{path.name}: relative import {mod!r}"
            assert parts[0] != "dags", f"{path.name} imports {mod!r}"
            assert parts[0] not in stems - {path.stem}, f"{path.name} imports DAG file {mod!r}"
