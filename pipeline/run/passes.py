"""One complete pass, and the two single-writer stages: load and models.

    crawl (due feeds + their new pages, streamed through one frontier) ──▶ load ──▶ build_models

Fan-out stages never open DuckDB: they read the exported poll state (``state/``) and write staged
Parquet batches (``staging/``). Only ``load`` and ``build_models`` open the database, under the
DB lock, one at a time. The CLI (``newsflow run``) calls ``run_pass`` (pipeline.run.crawl);
the Airflow DAG runs the same crawl per shard (pipeline.run.shards).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipeline.run.batch import fetch_extract_batch
from pipeline.run.clock import Progress, new_run_id, quiet
from pipeline.run.crawl import Crawl, CrawlReport
from pipeline.run.page import warm_up
from pipeline.run.plan import deferred_items, prune_hints
from pipeline.run.poll import due_feed_ids, poll_feed
from pipeline.run.pool import BoundedPool
from pipeline.run.progress import RunProgress
from pipeline.run.shutdown import stop_on_signals
from pipeline.settings import Settings
from pipeline.storage.load import LoadSummary, load_staged
from pipeline.storage.retention import apply_retention
from pipeline.storage.state import read_deferred, read_seen

__all__ = ["RunSummary", "build_models", "fetch_extract_batch", "load", "new_run_id", "poll_feed",
           "run_pass"]  # fmt: skip


def load(settings: Settings, run_id: str | None = None) -> LoadSummary:
    """Merge staged batches (of one run, or every pending one) into the DB, then sweep what
    nobody reads again (``pipeline.storage.retention``, and the hints of pages no longer
    deferred). Single writer."""
    from pipeline.run.dbt import dbt_work_dir

    summary = load_staged(
        settings.db_path,
        settings.staging_dir,
        settings.state_dir,
        run_id=run_id,
        max_attempts_per_url=settings.max_attempts_per_url,
        story_window_days=settings.story_window_days,
    )
    deferred = {i["url_hash"] for i in read_deferred(settings.state_dir)}
    prune_hints(settings.state_dir, settings.staging_dir, deferred)
    summary.retention = apply_retention(
        settings.db_path,
        settings.staging_dir,
        settings.state_dir,
        retention_days=settings.retention_days,
        dbt_dir=dbt_work_dir(settings.db_path),
    ).to_dict()
    return summary


def build_models(settings: Settings, *, full_refresh: bool = False) -> Any:
    """Rebuild the dbt models under the DB lock (dbt opens the file itself), then publish what
    readers use (``pipeline.run.publish``: the snapshot while the lock still keeps writers out,
    so its marts match its tables; then the report)."""
    from pipeline.run.dbt import run_dbt_build
    from pipeline.run.publish import publish
    from pipeline.storage.db import connect, db_lock, migrate

    with db_lock(settings.db_path):
        # One lock for the whole step: make sure the file exists and is migrated before dbt
        # reads its sources, then build and publish without letting a writer in between.
        con = connect(settings.db_path)
        try:
            migrate(con)
        finally:
            con.close()
        result = run_dbt_build(settings.db_path, full_refresh=full_refresh)
        publish(settings, lock_held=True)
    return result


@dataclass
class RunSummary:
    run_id: str
    polls: dict[str, str] = field(default_factory=dict)
    n_entries: int = 0
    n_new: int = 0
    n_batches: int = 0
    fetch_outcomes: dict[str, int] = field(default_factory=dict)
    loaded: dict[str, Any] = field(default_factory=dict)
    models: Any = None
    seconds: float = 0.0
    n_feeds: int = 0  # feeds considered (the due ones were polled)
    stopped: bool = False  # a signal stopped the run: what was done is loaded, the rest deferred


def run_pass(
    settings: Settings,
    *,
    feed_ids: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    build: bool = True,
    progress: Progress = quiet,
    poll_all: bool = False,
    live: RunProgress | None = None,
    stop: threading.Event | None = None,
) -> RunSummary:
    """One complete pass: poll the due feeds (every selected one with ``poll_all``), fetch and
    extract new articles as they arrive, load, rebuild models. Per-item failures are recorded,
    never raised. SIGTERM/Ctrl-C stop taking work: what is done is staged and loaded, the rest
    is recorded ``deferred`` and retried next run (no model build then)."""
    t0 = time.monotonic()
    run_id = new_run_id()
    summary = RunSummary(run_id)
    ids = list(feed_ids) if feed_ids else settings.feed_ids()
    for fid in ids:
        settings.feed(fid)  # unknown ids fail before any work
    summary.n_feeds = len(ids)
    # Load anything a killed earlier run left staged, so its state is current before polling.
    leftover = load(settings)
    if leftover.batches:
        progress(f"[load] merged {leftover.batches} batch(es) left by an interrupted run")
    due = due_feed_ids(settings, ids, poll_all=poll_all or bool(feed_ids))
    if len(due) < len(ids):
        progress(
            f"[poll] {len(due)} of {len(ids)} feed(s) due (newsflow run --all polls every one)"
        )
    seen = read_seen(settings.state_dir)
    with stop_on_signals(stop) as stop_flag:
        crawl_report = _crawl(settings, run_id, due, seen, stop_flag, live, progress, since, until)
    summary.stopped = crawl_report.stopped
    for res in crawl_report.polls:
        summary.polls[res.feed_id] = res.outcome
        summary.n_entries += res.n_entries
        summary.n_new += res.n_new
    summary.n_batches = crawl_report.n_batches
    summary.fetch_outcomes = dict(crawl_report.outcomes)
    loaded = load(settings, run_id)
    summary.loaded = loaded.to_dict()
    progress(
        f"[load] {loaded.articles} new article(s), {loaded.duplicates} duplicate(s), "
        f"{loaded.polls} poll(s), {loaded.fetches} fetch attempt(s)"
    )
    if build and not summary.stopped:
        progress("[models] dbt build ...")
        summary.models = build_models(settings)
        progress("[models] done")
    summary.seconds = round(time.monotonic() - t0, 2)
    return summary


def _crawl(
    settings: Settings,
    run_id: str,
    due: Sequence[str],
    seen: set[str],
    stop: threading.Event,
    live: RunProgress | None,
    progress: Progress,
    since: datetime | None,
    until: datetime | None,
) -> CrawlReport:
    """The streamed crawl of the due feeds plus the pages earlier runs deferred."""
    requeued = deferred_items(settings)
    if requeued:
        progress(f"[fetch] {len(requeued)} page(s) deferred by an earlier run queued again")
    with BoundedPool(settings.extract_workers, initializer=warm_up) as pool:
        crawl = Crawl(settings, run_id, pool=pool, stop=stop, progress=live, log=progress,
                      since=since, until=until, seen=seen)  # fmt: skip
        crawl.poll(due)
        crawl.add_pages(requeued)
        report = crawl.run()
    if report.stopped:
        progress(
            f"[run] stopped: {report.outcomes.get('deferred', 0)} URL(s) deferred to the next run"
        )
    return report
