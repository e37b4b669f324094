"""news_models: build the dbt project (``sql/``) whenever new articles land in DuckDB.

Thin on purpose: every decision lives in ``pipeline.run.dbt`` and the dbt project; this file only
wires them into Airflow with Cosmos, one task per seed and model.

One task per node, each a ``dbt build`` of that node and its tests (``TestBehavior.BUILD``),
rather than a run task and a test task per model (``AFTER_EACH``): every dbt invocation costs a
few seconds of start-up and the ``duckdb`` pool serialises them, so halving the task count
roughly halves the DAG's wall time. A failing test still fails its node's task and stops
everything downstream. A test with two parents (``relationships``) is detached into its own task
after both, so it never runs against a parent not yet built.

How the dbt graph is loaded (``LoadMode.DBT_MANIFEST``): the DAG processor re-imports this file
every few seconds. ``LoadMode.DBT_LS`` would run ``dbt ls`` (several seconds of CPU) at each
parse, or keep its cache in Airflow Variables; ``LoadMode.CUSTOM`` re-implements dbt's parser and
misses generic tests. Instead :func:`pipeline.run.dbt.ensure_manifest` runs ``dbt parse`` once,
offline, and caches ``manifest.json`` under ``<db dir>/.dbt/manifest/<fingerprint>/``, keyed on
the project's files and the dbt version: an edited model is re-parsed on the next DAG parse, an
unchanged project never is.

Why the ``duckdb`` pool and the lock hooks: DuckDB allows one writer process per file. The pool
(create it with one slot: ``airflow pools set duckdb 1 "DuckDB file"``) keeps two dbt tasks
apart; :class:`pipeline.run.dbt.TaskDbLock` takes the same file lock as the CLI and the ingest
load, so a task and a load wait for each other instead of failing.

Telemetry: dbt's is off (``send_anonymous_usage_stats: false`` in dbt_project.yml, and
``DO_NOT_TRACK=1`` for the tasks); Cosmos's is off with ``AIRFLOW__COSMOS__ENABLE_TELEMETRY=False``
in the Airflow environment (set below as a default for this process too).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

os.environ.setdefault("AIRFLOW__COSMOS__ENABLE_TELEMETRY", "False")

from airflow.sdk import DAG, task
from cosmos import (
    DbtTaskGroup,
    ExecutionConfig,
    ExecutionMode,
    InvocationMode,
    LoadMode,
    ProfileConfig,
    ProjectConfig,
    RenderConfig,
    TestBehavior,
)

from pipeline.run.assets import NEWS_DB, NEWS_SNAPSHOT
from pipeline.run.dbt import (
    DB_ENV,
    PROFILE_NAME,
    TARGET_NAME,
    TaskDbLock,
    dbt_project_dir,
    dbt_work_dir,
    ensure_manifest,
)
from pipeline.settings import load_settings

POOL = "duckdb"

_settings = load_settings()  # NEWSFLOW_FEEDS / NEWSFLOW_DB_PATH
DB_PATH = _settings.db_path.expanduser().resolve()
_project_dir = dbt_project_dir()
_manifest = ensure_manifest(dbt_work_dir(DB_PATH) / "manifest", db_path=DB_PATH)
_lock = TaskDbLock(DB_PATH)

with DAG(
    dag_id="news_models",
    description="dbt build of staging, intermediate and mart models on the newsflow DuckDB file",
    schedule=[NEWS_DB],
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    tags=["newsflow", "dbt", "models"],
    default_args={
        "owner": "newsflow",
        "retries": 2,
        "retry_delay": timedelta(minutes=1),
        # one model and its tests; a full build of every mart takes well under a minute here
        "execution_timeout": timedelta(minutes=30),
    },
    doc_md=f"""
### news_models

Runs when `news_ingest` updates the `{NEWS_DB.uri}` asset. Seeds (ISO 3166 names), staging
views, intermediate views and the marts (`marts.daily_region`, `marts.daily_agency`,
`marts.ingest_health`, ...), one `dbt build` task per node: the model, then its tests; a failing
test fails the task and stops its downstream.

* DB file: `{DB_PATH}`
* dbt project: `{_project_dir}` (manifest cached at `{_manifest.parent}`)
* Incremental marts recompute only the days touched by newly loaded articles. To rebuild them
  from scratch: `newsflow models --full-refresh`.
* Last, `publish` copies the DB to the read-only snapshot readers use while the pipeline writes
  (`newsflow query`, notebooks, BI tools; `<data>/snapshot/`) and rewrites the HTML report
  (`<data>/report.html`). Its counts are the task's XCom and the extra of the
  `{NEWS_SNAPSHOT.uri}` asset event. If a model or test failed, it does not run and readers keep
  the previous, consistent snapshot.
""",
) as dag:
    dbt_build = DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(
            dbt_project_path=_project_dir,
            manifest_path=_manifest,
            project_name="newsflow",
            install_dbt_deps=False,
        ),
        profile_config=ProfileConfig(
            profile_name=PROFILE_NAME,
            target_name=TARGET_NAME,
            profiles_yml_filepath=dbt_project_dir() / "profiles.yml",
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL,
            invocation_mode=InvocationMode.DBT_RUNNER,
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.BUILD,
            # relationships(stg_articles -> stg_stories) needs both models built first.
            should_detach_multiple_parents_tests=True,
            emit_datasets=False,
        ),
        operator_args={
            "pool": POOL,
            "env": {DB_ENV: str(DB_PATH), "DO_NOT_TRACK": "1"},
            "pre_execute": _lock.acquire,
            "post_execute": _lock.release,
        },
    )

    @task(pool=POOL, outlets=[NEWS_SNAPSHOT], execution_timeout=timedelta(minutes=20))
    def publish(outlet_events=None) -> dict:
        """Publish the read-only snapshot (under the DB lock) and rewrite the HTML report."""
        import logging

        from pipeline.run.publish import describe, publish

        summary = publish(load_settings())
        outlet_events[NEWS_SNAPSHOT].extra = summary
        logging.getLogger(__name__).info("%s", describe(summary))
        return summary

    dbt_build >> publish()
