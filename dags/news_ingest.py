"""Airflow DAG ``news_ingest``: poll feeds, fetch and extract articles, load them into DuckDB.

Thin on purpose: every task calls one function of ``pipeline.run.passes`` (the same ones the
``newsflow`` CLI runs) and the small decisions live in ``pipeline.run.dag_support``. The load task
is the only one that opens the database and it runs in the one-slot ``duckdb`` pool; it
publishes the ``NEWS_DB`` asset, which schedules ``news_models``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import Param, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException

from pipeline.errors import ConfigError
from pipeline.run import dag_support as support
from pipeline.run import ingest_tasks as tasks
from pipeline.run.assets import NEWS_DB

log = logging.getLogger(__name__)

_SETTINGS = support.settings_from_env()
_TIMEOUTS = support.execution_timeouts(_SETTINGS)

DOC_MD = """
### news_ingest

Polls the configured RSS/Atom feeds, fetches and extracts each new article, and merges the
results into the DuckDB file (`NEWSFLOW_DB_PATH`, or `db_path` in the feeds file).

`prepare` (which feeds are due) → `poll` (one task per group of host shards, about one per
1,000 due feeds) → `plan` → `fetch_extract` (one task per shard of pages) → `load`. A shard is
every feed or page of a set of hosts (a stable hash of the host, `shards` setting, default 8),
so two tasks never hit one host at once and the task count stays bounded however many feeds
there are. Within a task one crawl frontier polls the feeds (or fetches the pages) of many hosts
at once, each host politely, and pages are extracted as they arrive.

Crash safety: the poll rows of feeds that listed new pages are held back (`staging/held/`) and
handed to the loader by `load`, after every page is staged; a run that dies in between leaves
them behind, and the next run drops them and polls those feeds again. Pages a run deferred are
planned by every later run (with their feed's title and date), even one with no feed due.

* Feeds and limits come from the file named by `NEWSFLOW_FEEDS`; any setting can be overridden
  with `NEWSFLOW_<SETTING>` in the Airflow environment. The schedule is the `schedule` setting
  (default every 15 minutes; `none` = only when triggered). A broken feeds file shows up as an
  import error of this DAG, with the reason in its last line.
* Poll, fetch and extract tasks never open the database: they stage Parquet batches, and
  `load` merges them (every pending batch, oldest first, including any a failed earlier run
  left behind). Failed fetches are rows in `fetch_log`, not failed tasks.
* `load` runs in the pool **`duckdb`**; create it once with
  `airflow pools set duckdb 1 "newsflow: one DuckDB writer"`.
* A successful `load` emits an event on the `newsflow://duckdb/articles` asset, with the
  load counts as its extra; `news_models` runs on it.

**Trigger with params** to run by hand:
`feed_ids` (empty = every enabled feed) limits the run to some feeds; `since` / `until`
(dates, UTC; `until` exclusive) keep only entries the feeds date inside the window (entries
without a date are kept); `all_feeds` polls every feed, not only the due ones (adaptive
polling: each feed's next due time follows its history and the publisher's hints).
"""


@dag(
    dag_id="news_ingest",
    schedule=support.schedule_of(_SETTINGS),
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    tags=["newsflow", "ingest"],
    doc_md=DOC_MD,
    default_args={
        "owner": "newsflow",
        "retries": 2,
        "retry_delay": timedelta(minutes=1),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=10),
    },
    params={
        "feed_ids": Param(
            [],
            type="array",
            items={"type": "string"},
            title="Feed ids",
            description="Poll only these feeds (one id per line); empty polls every enabled feed.",
        ),
        "since": Param(
            None,
            type=["null", "string"],
            format="date",
            title="Published since",
            description="Only entries published on or after this date (UTC). Empty: no limit.",
        ),
        "until": Param(
            None,
            type=["null", "string"],
            format="date",
            title="Published before",
            description="Only entries published before this date (UTC, exclusive). Empty: no limit.",
        ),
        "all_feeds": Param(
            False,
            type="boolean",
            title="Poll every feed",
            description="Poll every feed now, not only those adaptive polling says are due.",
        ),
    },
)
def news_ingest() -> None:
    @task(execution_timeout=_TIMEOUTS["prepare"])
    def prepare(
        params: dict[str, Any] | None = None, dag_run: Any = None, ti: Any = None
    ) -> list[list[str]]:
        """Fix the poll groups (returned, mapped over) and the run id (XCom ``ingest_run``) once.

        Every later task, and every retry, reuses both, so a retried task rewrites or finds
        the batches it staged before instead of adding new ones.
        """
        clear_number = getattr(dag_run, "clear_number", 0) or 0
        try:
            ingest_run, groups = tasks.prepare_ingest(
                support.settings_from_env(), params or {}, dag_run.run_id, dag_run.run_after,
                clear_number, log.info,
            )  # fmt: skip
        except ConfigError as exc:
            # A mistake in the feeds file or the params: fail now, once, with the reason;
            # retrying cannot fix it.
            raise AirflowFailException(str(exc)) from None
        ti.xcom_push(key="ingest_run", value=ingest_run)
        return groups

    @task(execution_timeout=_TIMEOUTS["poll"], map_index_template="{{ shard_label }}")
    def poll(ingest_run: str, feed_ids: list[str]) -> dict[str, Any]:
        """Poll one group's feeds; new items go to XCom, ``feed_polls`` rows are staged (held
        until ``load`` for the feeds that listed new pages)."""
        from pipeline.run.shards import poll_shard

        get_current_context()["shard_label"] = support.shard_label(feed_ids)
        results = poll_shard(support.settings_from_env(), ingest_run, feed_ids, progress=log.info)
        return support.shard_polls_record(results)

    # Runs when no feed is due too (poll then maps over nothing): deferred pages still wait.
    @task(execution_timeout=_TIMEOUTS["plan"], trigger_rule="none_failed")
    def plan(polls: list[dict[str, Any]], params: dict[str, Any] | None = None) -> list[dict]:
        """Merge every shard's items and the pages earlier runs deferred: one fetch per URL,
        each in its host's fetch shard."""
        # One slice fetches every poll's XCom at once (iterating asks for them one by one).
        item_lists = [p["items"] for p in polls[:]]
        return tasks.plan_ingest(support.settings_from_env(), item_lists, params or {}, log.info)

    @task(execution_timeout=_TIMEOUTS["fetch_extract"], map_index_template="{{ shard_label }}")
    def fetch_extract(ingest_run: str, work: dict[str, Any]) -> list[dict[str, Any]]:
        """Fetch, extract and tag one shard's pages; stage them in batches (never the DB)."""
        from pipeline.run.shards import ShardWork, fetch_extract_shard

        get_current_context()["shard_label"] = f"shard {work['shard']}"
        reports = fetch_extract_shard(
            support.settings_from_env(),
            ingest_run,
            ShardWork(work["shard"], work["batches"]),
            progress=log.info,
        )
        return [r.to_dict() for r in reports]

    @task(
        execution_timeout=_TIMEOUTS["load"],
        pool="duckdb",
        outlets=[NEWS_DB],
        # An empty plan maps fetch_extract over nothing (skipped); the polls still need loading.
        trigger_rule="none_failed",
    )
    def load(ingest_run: str, outlet_events: Any = None) -> dict[str, Any]:
        """Merge every staged batch into DuckDB (the single writer); publish the counts."""
        counts = tasks.load_ingest(support.settings_from_env(), ingest_run, log.info)
        outlet_events[NEWS_DB].extra = counts
        return counts

    shards = prepare()
    ingest_run = shards["ingest_run"]  # the other XCom of prepare
    polls = poll.partial(ingest_run=ingest_run).expand(feed_ids=shards)
    work = plan(polls)
    reports = fetch_extract.partial(ingest_run=ingest_run).expand(work=work)
    reports >> load(ingest_run)


news_ingest()
