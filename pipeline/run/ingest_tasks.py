"""What each task of the ``news_ingest`` DAG does, one function per task, so the DAG file only
wires them and every step can be run and tested without Airflow.

Apart from ``dag_support`` on purpose: that module holds the small pure decisions the DAG files
read while Airflow parses them, and must not pull in the crawl (``pipeline.run.shards``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from pipeline.run import dag_support as support
from pipeline.settings import Settings


def prepare_ingest(
    settings: Settings,
    params: Mapping[str, Any],
    airflow_run_id: str,
    run_after: datetime,
    clear_number: int,
    say: Callable[[str], None],
) -> tuple[str, list[list[str]]]:
    """The run id and the poll groups of one DAG run, fixed once so every retry reuses them.
    Polls a dead run held back (its pages may never have been staged) are polled again.
    Raises ConfigError for a mistake in the feeds file or the params."""
    from pipeline.run.shards import drop_stale_held, poll_groups

    ingest_run = support.safe_run_id(airflow_run_id, run_after, clear_number)
    again = drop_stale_held(settings, ingest_run)
    feed_ids = support.feeds_to_poll(settings, params, again)
    support.parse_window(params.get("since"), params.get("until"))
    if again:
        say(f"run {ingest_run}: {len(again)} poll(s) of an interrupted run dropped")
    groups = poll_groups(settings, feed_ids)
    say(f"run {ingest_run}: {len(feed_ids)} feed(s) due, in {len(groups)} poll task(s)")
    return ingest_run, groups


def plan_ingest(
    settings: Settings,
    item_lists: list[list[dict[str, Any]]],
    params: Mapping[str, Any],
    say: Callable[[str], None],
) -> list[dict[str, Any]]:
    """Every poll group's items and the pages earlier runs deferred, as fetch shards (dicts
    for XCom): one fetch per URL, each in its host's shard."""
    from pipeline.run.shards import plan_shards

    since, until = support.parse_window(params.get("since"), params.get("until"))
    requeued = support.requeued_items(settings, item_lists)
    if requeued:
        say(f"[plan] {len(requeued)} page(s) deferred by an earlier run queued again")
    work = plan_shards([*item_lists, requeued], settings, since=since, until=until)
    n_items = sum(len(b) for w in work for b in w.batches)
    say(f"[plan] {n_items} item(s) in {len(work)} shard(s)")
    return [w.to_dict() for w in work]


def load_ingest(settings: Settings, ingest_run: str, say: Callable[[str], None]) -> dict[str, Any]:
    """Release the run's held polls (every page is staged by now), merge every staged batch
    into DuckDB and return the counts the asset event carries."""
    from pipeline.run.passes import load as load_staged
    from pipeline.run.shards import release_held

    release_held(settings, ingest_run)
    counts = support.summarise_load(load_staged(settings).to_dict(), ingest_run)
    say(support.describe_load(counts))
    return counts
