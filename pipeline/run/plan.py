"""Plan: merge every feed's new items into fetch batches, one fetch per URL; and the pages
earlier runs deferred, queued again with what their feed said about them.

Why a hints store: a deferred page is re-queued from its ``fetch_log`` row (feed, URL), which
does not hold the feed entry's title, date and author that extraction uses (a page without its
own date takes the feed's). The crawl writes the items of the pages it defers to
``state/page_hints/<batch id>.json`` before it stages their batch, so whenever the loader
exports a page as deferred its hints are on disk; the sweep after each load drops the hints of
pages no longer deferred.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.acquire.urls import outlet
from pipeline.storage.state import read_deferred, write_json

if TYPE_CHECKING:
    from pipeline.settings import Settings

HINTS_DIR = "page_hints"
# What a page item carries from its feed entry (pipeline.run.poll.new_items), and nothing else.
HINT_KEYS = ("feed_id", "url", "canonical_url", "url_hash", "title", "published", "author",
             "published_offset_minutes", "date_flags")  # fmt: skip
# A hints file younger than this may belong to a batch being staged right now: never swept.
HINTS_MIN_AGE_S = 900.0


def in_window(published: str | None, since: datetime | None, until: datetime | None) -> bool:
    """Items without a feed date are kept: we cannot tell, and dropping them would lose news."""
    if published is None or (since is None and until is None):
        return True
    ts = datetime.fromisoformat(published)
    if since is not None and ts < since:
        return False
    return not (until is not None and ts >= until)


def plan_batches(
    item_lists: Iterable[Sequence[dict[str, Any]]],
    batch_size: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[list[dict[str, Any]]]:
    """Merge per-feed items into fetch batches: one fetch per URL, however many feeds list it.

    The second and later listings of a URL stay in the plan as ``duplicate_of`` items, so they
    end in a recorded outcome (``duplicate``) rather than vanishing. Items are interleaved across
    outlets so each batch spreads its requests over hosts (politeness is per host).
    """
    first: dict[str, dict[str, Any]] = {}
    dups: list[dict[str, Any]] = []
    for items in item_lists:
        for item in items:
            if not in_window(item.get("published"), since, until):
                continue
            h = item["url_hash"]
            if h in first:
                dups.append({**item, "duplicate_of": first[h]["canonical_url"]})
            else:
                first[h] = item
    by_host: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in first.values():
        by_host[outlet(item["canonical_url"])].append(item)
    ordered: list[dict[str, Any]] = []
    queues = [by_host[h] for h in sorted(by_host)]
    while any(queues):
        for q in queues:
            if q:
                ordered.append(q.pop(0))
    ordered.extend(dups)
    return [ordered[i : i + batch_size] for i in range(0, len(ordered), batch_size)]


# -------------------------------------------------------------------------- deferred pages


def save_hints(state_dir: Path, batch_id: str, items: Iterable[dict[str, Any]]) -> Path:
    """Keep the feed hints of the pages a batch defers (written atomically, before the batch
    is staged)."""
    folder = state_dir / HINTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{batch_id}.json"
    write_json(path, {i["url_hash"]: {k: i.get(k) for k in HINT_KEYS} for i in items})
    return path


def read_hints(state_dir: Path) -> dict[str, dict[str, Any]]:
    """Every kept page's hints by URL hash (the newest file wins; unreadable files skipped)."""
    out: dict[str, dict[str, Any]] = {}
    folder = state_dir / HINTS_DIR
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.json")):
        try:
            out.update(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue  # a lost hint costs the page its feed date, never the page
    return out


def deferred_items(settings: Settings) -> list[dict[str, Any]]:
    """The pages earlier runs deferred, oldest first, as work items with their feed hints;
    pages of feeds no longer configured are left out."""
    known = set(settings.feed_ids())
    hints = read_hints(settings.state_dir)
    out = []
    for item in read_deferred(settings.state_dir):
        if item["feed_id"] not in known:
            continue
        kept = hints.get(item["url_hash"]) or {}
        if kept.get("feed_id") == item["feed_id"]:
            item = {**kept, **{k: v for k, v in item.items() if k not in kept}}
        out.append(item)
    return out


def prune_hints(
    state_dir: Path, staging_dir: Path, deferred: set[str], *, now: float | None = None
) -> int:
    """After a load: drop the hints of pages no longer deferred. Files of batches still
    staged, or younger than ``HINTS_MIN_AGE_S``, are left alone. Returns files removed."""
    folder = state_dir / HINTS_DIR
    if not folder.is_dir():
        return 0
    now = time.time() if now is None else now
    removed = 0
    for path in sorted(folder.glob("*.json")):
        try:
            young = now - path.stat().st_mtime < HINTS_MIN_AGE_S
            if young or (staging_dir / path.stem).is_dir():
                continue
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            doc = {}
        kept = {h: v for h, v in doc.items() if h in deferred}
        if not kept:
            path.unlink(missing_ok=True)
            removed += 1
        elif len(kept) < len(doc):
            write_json(path, kept)
    return removed
