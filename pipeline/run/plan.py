"""Plan: merge every feed's new items into fetch batches, one fetch per URL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from pipeline.acquire.urls import outlet


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
