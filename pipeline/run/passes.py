"""One complete pass, and the two single-writer stages: load and models.

    poll_feed ──▶ plan_batches ──▶ fetch_extract_batch (fan-out) ──▶ load ──▶ build_models

Fan-out stages never open DuckDB: they read the exported poll state (``state/``) and write staged
Parquet batches (``staging/``). Only ``load`` and ``build_models`` open the database, under the
DB lock, one at a time. The CLI (``newsflow run``) calls ``run_pass``; the Airflow DAGs call the
stages one task each.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipeline.run.batch import fetch_extract_batch
from pipeline.run.clock import Progress, new_run_id, quiet
from pipeline.run.page import warm_up
from pipeline.run.plan import plan_batches
from pipeline.run.poll import poll_feed
from pipeline.run.pool import BoundedPool
from pipeline.run.wire import poll_wire_feed
from pipeline.settings import Settings
from pipeline.storage.load import LoadSummary, load_staged
from pipeline.storage.retention import apply_retention
from pipeline.storage.staging import write_batch
from pipeline.storage.state import read_seen


def load(settings: Settings, run_id: str | None = None) -> LoadSummary:
    """Merge staged batches (of one run, or every pending one) into the DB, then sweep what
    nobody reads again (``pipeline.storage.retention``). Single writer."""
    from pipeline.run.dbt import dbt_work_dir

    summary = load_staged(
        settings.db_path,
        settings.staging_dir,
        settings.state_dir,
        run_id=run_id,
        max_attempts_per_url=settings.max_attempts_per_url,
        story_window_days=settings.story_window_days,
    )
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


def run_pass(
    settings: Settings,
    *,
    feed_ids: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    build: bool = True,
    progress: Progress = quiet,
) -> RunSummary:
    """One complete pass: poll every (selected) feed, fetch and extract new articles, load,
    rebuild models. Per-item failures are recorded, never raised."""
    t0 = time.monotonic()
    run_id = new_run_id()
    summary = RunSummary(run_id)
    ids = list(feed_ids) if feed_ids else settings.feed_ids()
    for fid in ids:
        settings.feed(fid)  # unknown ids fail before any work
    # Load anything a killed earlier run left staged, so its state is current before polling.
    leftover = load(settings)
    if leftover.batches:
        progress(f"[load] merged {leftover.batches} batch(es) left by an interrupted run")
    seen = read_seen(settings.state_dir)
    with BoundedPool(settings.extract_workers, initializer=warm_up) as pool:
        item_lists, poll_rows = [], []
        for fid in ids:
            if settings.feed(fid).is_wire:  # wire feeds stage their poll row with their items
                res = poll_wire_feed(settings, fid, run_id, pool=pool, progress=progress)
            else:
                # The poll rows are staged after the pages they listed: a poll row carries the
                # feed's validators, and once loaded the next poll is a 304 that lists nothing, so
                # a run killed between poll and fetch would otherwise lose those pages for good.
                res = poll_feed(settings, fid, run_id, pool=pool, seen=seen, stage=False)
                poll_rows.append(res.row)
            summary.polls[fid] = res.outcome
            summary.n_entries += res.n_entries
            summary.n_new += res.n_new
            item_lists.append(res.items)
            detail = f": {res.error}" if res.error and res.outcome != "ok" else ""
            progress(
                f"[poll] {fid}: {res.outcome}"
                + (f" (HTTP {res.status_code})" if res.status_code else "")
                + f", {res.n_entries} entries, {res.n_new} new{detail}"
            )
        batches = plan_batches(item_lists, settings.batch_size, since=since, until=until)
        summary.n_batches = len(batches)
        for i, batch in enumerate(batches):
            rep = fetch_extract_batch(
                settings, run_id, f"b{i:04d}", batch, pool=pool, seen=seen, progress=progress
            )
            for k, v in rep.outcomes.items():
                summary.fetch_outcomes[k] = summary.fetch_outcomes.get(k, 0) + v
    write_batch(settings.staging_dir, f"{run_id}-polls", run_id, {"feed_polls": poll_rows})
    loaded = load(settings, run_id)
    summary.loaded = loaded.to_dict()
    progress(
        f"[load] {loaded.articles} new article(s), {loaded.duplicates} duplicate(s), "
        f"{loaded.polls} poll(s), {loaded.fetches} fetch attempt(s)"
    )
    if build:
        progress("[models] dbt build ...")
        summary.models = build_models(settings)
        progress("[models] done")
    summary.seconds = round(time.monotonic() - t0, 2)
    return summary
