"""Shards: the bounded units Airflow maps over instead of one task per feed or per batch.

Why by host: politeness is per host, so every feed and every page of one host falls in the same
shard, and two shards running at once (two Celery workers) never hit one host together. The
shard of a host is a stable hash, the same in every process and every run, so a retried task
covers the same work. ``settings.shards`` bounds the task count whatever the number of feeds.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from pipeline.run.batch import BatchReport, fetch_extract_batch
from pipeline.run.clock import Progress, quiet
from pipeline.run.plan import plan_batches
from pipeline.run.poll import PollResult, poll_feed
from pipeline.run.pool import BoundedPool
from pipeline.run.wire import poll_wire_feed
from pipeline.settings import Settings


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
) -> list[PollResult]:
    """Poll one shard's feeds (one worker pool for the shard's feed parsing)."""
    results = []
    with _pool(settings, pool) as own:
        for fid in feed_ids:
            if settings.feed(fid).is_wire:  # wire feeds stage their items themselves
                res = poll_wire_feed(settings, fid, run_id, pool=own)
            else:
                res = poll_feed(settings, fid, run_id, pool=own)
            progress(describe_poll(res))
            results.append(res)
    return results


def fetch_extract_shard(
    settings: Settings,
    run_id: str,
    work: ShardWork,
    *,
    pool: BoundedPool | None = None,
    progress: Progress = quiet,
) -> list[BatchReport]:
    """Fetch and extract one shard's batches, each staged on its own (a crash loses at most
    the batch in hand); batch ids carry the shard, so a retried task finds its batches."""
    with _pool(settings, pool) as own:
        return [
            fetch_extract_batch(
                settings, run_id, f"s{work.shard:02d}-b{i:04d}", batch, pool=own, progress=progress
            )
            for i, batch in enumerate(work.batches)
        ]


def describe_poll(res: PollResult) -> str:
    """One log line per poll (CLI and task logs)."""
    detail = f": {res.error}" if res.error and res.outcome != "ok" else ""
    status = f" (HTTP {res.status_code})" if res.status_code else ""
    return (
        f"[poll] {res.feed_id}: {res.outcome}{status}, {res.n_entries} entries, "
        f"{res.n_new} new{detail}"
    )


def _pool(settings: Settings, pool: BoundedPool | None) -> Any:
    """The caller's pool (left open), or a new one for this shard."""
    from pipeline.run.page import warm_up

    if pool is not None:
        return contextlib.nullcontext(pool)
    return BoundedPool(settings.extract_workers, initializer=warm_up)
