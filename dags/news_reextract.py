"""Airflow DAG ``news_reextract``: re-extract stored raw HTML with the current extractor.

Thin on purpose, like the other DAG files: the one task calls ``pipeline.run.reextract.reextract``,
the same function as ``newsflow reextract``. Nothing is fetched again: the pages come from
``raw_pages``. The task writes the database, so it runs in the one-slot ``duckdb`` pool, and it
publishes the ``NEWS_DB`` asset, so ``news_models`` rebuilds the marts (and the snapshot and the
report) from the re-extracted articles.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import Param, dag, task

from pipeline.run import dag_support as support
from pipeline.run.assets import NEWS_DB

log = logging.getLogger(__name__)

DOC_MD = """
### news_reextract

Runs the current extractor (body, title, dates, agency, places) again over the raw HTML kept in
`raw_pages`, without fetching anything, and updates the articles whose extraction changed. Use it
after upgrading newsflow (a new extractor version) or changing the boilerplate/agency rules.

* Param `only_stale` (default on): only articles extracted by an older extractor version. Turn it
  off to re-extract every stored page.
* Runs in the pool **`duckdb`** (it writes the DB file) and, when it succeeds, emits an event on
  `newsflow://duckdb/articles` with its counts as the extra, so `news_models` rebuilds the marts.
* Only triggered by hand (or the REST API); the counts are also this task's XCom.
"""


@dag(
    dag_id="news_reextract",
    schedule=None,
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    tags=["newsflow", "maintenance"],
    doc_md=DOC_MD,
    default_args={
        "owner": "newsflow",
        "retries": 1,
        "retry_delay": timedelta(minutes=2),
    },
    params={
        "only_stale": Param(
            True,
            type="boolean",
            title="Only stale articles",
            description="Re-extract only articles extracted by an older extractor version.",
        ),
    },
)
def news_reextract() -> None:
    # Re-extraction is bounded per page by extract_timeout; a whole archive can take a while.
    @task(pool="duckdb", outlets=[NEWS_DB], execution_timeout=timedelta(hours=6))
    def reextract(params: dict[str, Any] | None = None, outlet_events: Any = None) -> dict:
        """Re-extract stored pages with the current extractor and update the articles."""
        from pipeline.run.reextract import reextract as run_reextract

        only_stale = bool((params or {}).get("only_stale", True))
        report = run_reextract(
            support.settings_from_env(), only_stale=only_stale, progress=log.info
        )
        counts = report.to_dict()
        outlet_events[NEWS_DB].extra = counts
        log.info("[reextract] %s", report.summary())
        return counts

    reextract()


news_reextract()
