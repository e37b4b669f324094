"""Shards: the bounded units Airflow maps over instead of one task per feed or per batch.

Why by host: politeness is per host, so every feed and every page of one host falls in the same
shard, and two shards running at once (two Celery workers) never hit one host together. The
shard of a host is a stable hash, the same in every process and every run, so a retried task
covers the same work. ``settings.shards`` bounds the task count whatever the number of feeds.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb

from pipeline.run.batch import BatchReport
from pipeline.run.clock import Progress, quiet
from pipeline.run.crawl import Crawl
from pipeline.run.plan import plan_batches
from pipeline.run.poll import PollResult
from pipeline.run.pool import BoundedPool
from pipeline.run.shutdown import stop_on_signals
from pipeline.settings import Settings
from pipeline.storage.schema import PollRow
from pipeline.storage.staging import write_batch


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def shard_of(url: str, n_shards: int) -> int:
    """The shard of a URL's host: a stable hash (not Python's per-process ``hash``)."""
    digest = hashlib.blake2b(host_of(url).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % max(1, n_shards)


def feed_shards(settings: Settings, feed_ids: Sequence[str]) -> list[list[str]]:
    """Feed ids grouped by the shard of their host; empty shards left out, order kept."""
    groups: dict[int, list[str]] = defaultdict(list)
    for fid in feed_ids:
        groups[shard_of(settings.feed(fid).url, settings.shards)].append(fid)
    return [groups[k] for k in sorted(groups)]


def poll_groups(settings: Settings, feed_ids: Sequence[str]) -> list[list[str]]:
    """Feed ids grouped for the ``poll`` tasks: whole host shards, merged into as few groups as
    :func:`~pipeline.run.dag_support.poll_task_count` allows, so a host is still in exactly one
    group (two poll tasks running at once never hit one host) and the task count follows the
    number of feeds due, not only the ``shards`` setting."""
    from pipeline.run.dag_support import poll_task_count

    n_groups = poll_task_count(len(feed_ids), settings.shards)
    groups: dict[int, list[str]] = defaultdict(list)
    for fid in feed_ids:
        groups[shard_of(settings.feed(fid).url, settings.shards) % n_groups].append(fid)
    return [groups[k] for k in sorted(groups)]


@dataclass
class ShardWork:
    """One fetch shard: its id and its planned batches (each at most ``batch_size`` items)."""

    shard: int
    batches: list[list[dict[str, Any]]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"shard": self.shard, "batches": self.batches}


def plan_shards(
    item_lists: Iterable[Sequence[dict[str, Any]]],
    settings: Settings,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[ShardWork]:
    """Every poll's new items as fetch shards: one fetch per URL (``plan_batches``), each
    item in its host's shard, each shard's items in batches."""
    planned = plan_batches(item_lists, 10**9, since=since, until=until)
    everything = [item for batch in planned for item in batch]
    by_shard: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for item in everything:
        by_shard[shard_of(item["canonical_url"], settings.shards)].append(item)
    size = settings.batch_size
    return [
        ShardWork(k, [items[i : i + size] for i in range(0, len(items), size)])
        for k, items in sorted(by_shard.items())
    ]


def poll_shard(
    settings: Settings,
    run_id: str,
    feed_ids: Sequence[str],
    *,
    pool: BoundedPool | None = None,
    progress: Progress = quiet,
    stop: threading.Event | None = None,
) -> list[PollResult]:
    """Poll one shard's feeds concurrently through one frontier (feeds of one host in turn);
    each result carries its new page items for ``plan``. Poll rows of feeds with nothing new
    (and the articles of ``full_content`` feeds) are staged; those of feeds that listed new
    pages are held (:func:`hold_polls`) until ``load`` releases them, after the pages are
    staged. A retried task replaces what it staged and held before."""
    if not feed_ids:
        return []
    prefix = f"p{shard_of(settings.feed(feed_ids[0]).url, settings.shards):02d}-"
    clear_staged(settings, run_id, prefix)
    with _pool(settings, pool) as own, stop_on_signals(stop) as flag:
        crawl = Crawl(settings, run_id, pool=own, stop=flag, log=progress, batch_prefix=prefix,
                      fetch_new=False)  # fmt: skip
        crawl.poll(feed_ids)
        report = crawl.run()
    hold_polls(settings, run_id, prefix, report.held)
    return report.polls


# ------------------------------------------------------------------------------ held polls
#
# Why: a feed's poll row carries its new validators. Loaded before the pages it listed are
# staged, the next poll is a 304 that lists nothing, and a run killed between ``poll`` and
# ``fetch_extract`` would lose those pages for good. So those rows wait in ``staging/held/``
# (where the loader never looks) and ``load`` moves them into ``staging/`` once every
# ``fetch_extract`` shard has staged its pages. A run that dies first leaves them behind; the
# next run drops them and polls those feeds again with the validators they had before.


def held_dir(settings: Settings) -> Path:
    return settings.staging_dir / "held"


def hold_polls(settings: Settings, run_id: str, prefix: str, rows: Sequence[PollRow]) -> None:
    """Stage ``rows`` as one batch the loader does not see yet (``{run_id}-{prefix}held``)."""
    if rows:
        write_batch(held_dir(settings), f"{run_id}-{prefix}held", run_id, {"feed_polls": rows})


def release_held(settings: Settings, run_id: str) -> int:
    """Hand this run's held poll rows to the loader (call once every page is staged)."""
    folder = held_dir(settings)
    n = 0
    for path in sorted(folder.glob(f"{run_id}-*")) if folder.is_dir() else []:
        if path.name.endswith(".tmp"):
            continue
        target = settings.staging_dir / path.name
        if target.exists():
            shutil.rmtree(path, ignore_errors=True)  # released already by an earlier attempt
        else:
            os.rename(path, target)
            n += 1
    _remove_if_empty(folder)
    return n


def drop_stale_held(settings: Settings, run_id: str) -> list[str]:
    """Remove the held poll rows of other (dead) runs; returns their feed ids, which the run
    should poll again (the pages those polls listed may never have been staged)."""
    folder = held_dir(settings)
    stale = [p for p in folder.iterdir() if not p.name.startswith(f"{run_id}-")] if (
        folder.is_dir()) else []  # fmt: skip
    feed_ids: list[str] = []
    for path in sorted(stale):
        feed_ids.extend(_held_feed_ids(path))
        shutil.rmtree(path, ignore_errors=True)
    _remove_if_empty(folder)
    return list(dict.fromkeys(feed_ids))


def _held_feed_ids(batch: Path) -> list[str]:
    parquet = batch / "feed_polls.parquet"
    if not parquet.is_file():
        return []
    con = duckdb.connect()
    try:
        rows = con.execute("SELECT feed_id FROM read_parquet(?)", [str(parquet)]).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        folder.rmdir()


def fetch_extract_shard(
    settings: Settings,
    run_id: str,
    work: ShardWork,
    *,
    pool: BoundedPool | None = None,
    progress: Progress = quiet,
    stop: threading.Event | None = None,
) -> list[BatchReport]:
    """Fetch and extract one shard's pages through one frontier, extraction streamed, staged in
    batches of at most ``batch_size`` (a crash loses at most the batch in hand). A retried
    task replaces the batches it staged before, so no URL gets two rows."""
    prefix = f"s{work.shard:02d}-b"
    clear_staged(settings, run_id, prefix)
    items = [item for batch in work.batches for item in batch]
    with _pool(settings, pool) as own, stop_on_signals(stop) as flag:
        crawl = Crawl(settings, run_id, pool=own, stop=flag, log=progress, batch_prefix=prefix)
        crawl.add_pages(items)
        report = crawl.run()
    outcomes = dict(report.outcomes)
    progress(
        f"[extract] shard {work.shard}: {report.n_articles} article(s) in {report.n_batches} "
        "batch(es); " + ", ".join(f"{k}={v}" for k, v in sorted(outcomes.items()))
    )
    return [BatchReport(f"{run_id}-{prefix}", len(items), report.n_articles, outcomes)]


def clear_staged(settings: Settings, run_id: str, prefix: str) -> int:
    """Remove this run's staged (or held), not yet loaded batches named
    ``{run_id}-{prefix}...``: a retried shard stages its work again (the loader removes what
    it loaded)."""
    n = 0
    for root in (settings.staging_dir, held_dir(settings)):
        for path in root.glob(f"{run_id}-{prefix}*") if root.is_dir() else []:
            shutil.rmtree(path, ignore_errors=True)
            n += 1
    return n


def describe_poll(res: PollResult) -> str:
    """One log line per poll (CLI and task logs)."""
    detail = f": {res.error}" if res.error and res.outcome != "ok" else ""
    status = f" (HTTP {res.status_code})" if res.status_code else ""
    return (
        f"[poll] {res.feed_id}: {res.outcome}{status}, {res.n_entries} entries, "
        f"{res.n_new} new{detail}"
    )


def _pool(settings: Settings, pool: BoundedPool | None) -> Any:
    """The caller's pool (left open), or a new one for this shard (pebble starts its workers
    on the first task: a shard of unchanged feeds starts none)."""
    from pipeline.run.page import warm_up

    if pool is not None:
        return contextlib.nullcontext(pool)
    return BoundedPool(settings.extract_workers, initializer=warm_up)
