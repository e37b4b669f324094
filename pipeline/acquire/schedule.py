"""Adaptive polling: when each feed is next due, from its own history. Pure functions.

Why (issue 12): polling every feed on every run wastes requests on feeds that change monthly
and, at thousands of feeds, no longer fits in the schedule. Each feed's next poll follows:

1. **Failures first.** ``k`` consecutive failed polls back off exponentially from the lower
   bound (``min × 2^k``, capped at the upper bound). The state says how bad it is:
   ``ok`` → a hiccup keeps ``ok`` (one failure) → ``failing`` (``failing_after`` in a row) →
   ``dead`` (``dead_after`` in a row spanning at least ``dead_days``; polled once per upper
   bound so it can come back, and listed in the report).
2. **Otherwise the feed's pace.** New items per second over its recent successful polls (each
   poll's ``n_new`` covers the gap since the previous one) gives the interval at which a poll
   expects ``items_per_poll`` new items. With no new item seen over a span ``T`` the rate is
   taken as at most one per ``T``, so a quiet feed's interval grows geometrically. Growth is
   capped at ``max_growth`` × the last gap, so one quiet spell does not jump to a day.
3. **The publisher's hints are a floor**: ``Cache-Control: max-age`` / ``Expires`` (the content
   will not change sooner), RSS ``<ttl>``, ``sy:updatePeriod``/``sy:updateFrequency``.
4. **Bounds**: settings (default 5 min – 24 h), overridden per feed (``min_interval``,
   ``max_interval`` in FEEDS.yaml). A feed whose pace interval reaches ``slow_factor`` × its
   lower bound is labelled ``slow`` (healthy, polled rarely because it changes rarely).

``deferred`` polls (the host's budget ran out, or the run stopped) are not polls: ignored.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum

__all__ = [
    "FeedHints",
    "FeedState",
    "PollBounds",
    "PollRecord",
    "Schedule",
    "due_feeds",
    "is_due",
    "next_poll",
    "parse_cache_control",
    "parse_expires",
    "publisher_interval",
]

SUCCESS_OUTCOMES = frozenset({"ok", "not_modified", "partial"})
IGNORED_OUTCOMES = frozenset({"deferred"})
_SY_PERIODS = {
    "hourly": 3600.0,
    "daily": 86400.0,
    "weekly": 7 * 86400.0,
    "monthly": 30 * 86400.0,
    "yearly": 365 * 86400.0,
}


class FeedState(StrEnum):
    """A feed's health as the scheduler sees it (recorded in ``feed_polls``, shown in reports)."""

    OK = "ok"
    SLOW = "slow"  # healthy but quiet: polled near its upper bound
    FAILING = "failing"  # several failed polls in a row: backing off
    DEAD = "dead"  # failing for long: polled once per upper bound, listed for the operator


@dataclass(frozen=True)
class PollRecord:
    """One past poll of a feed: when, its outcome, and how many new items it found."""

    polled_at: datetime
    outcome: str
    n_new: int = 0


@dataclass(frozen=True)
class FeedHints:
    """What the publisher said about freshness on the last successful poll (all optional)."""

    max_age: float | None = None  # seconds, Cache-Control max-age / s-maxage
    expires: datetime | None = None  # Expires header
    ttl_minutes: int | None = None  # RSS <ttl>
    update_period: str | None = None  # sy:updatePeriod (hourly, daily, ...)
    update_frequency: int | None = None  # sy:updateFrequency (times per period)


@dataclass(frozen=True)
class PollBounds:
    """Limits from settings; per-feed ``min_interval``/``max_interval`` override the first two."""

    min_interval: float = 300.0
    max_interval: float = 86400.0
    items_per_poll: float = 0.5
    max_growth: float = 4.0
    failing_after: int = 2
    dead_after: int = 10
    dead_days: float = 3.0
    slow_factor: float = 12.0
    window: int = 12  # recent successful polls the pace is read from

    def for_feed(self, min_interval: float | None, max_interval: float | None) -> PollBounds:
        """These bounds with a feed's own overrides applied (``min <= max`` kept)."""
        lo = self.min_interval if min_interval is None else float(min_interval)
        hi = self.max_interval if max_interval is None else float(max_interval)
        return replace(self, min_interval=min(lo, hi), max_interval=max(lo, hi))


@dataclass(frozen=True)
class Schedule:
    """When to poll next, the feed's state, and one line saying why."""

    next_due: datetime
    interval: float  # seconds
    state: FeedState
    reason: str


# ------------------------------------------------------------------------------------ hints


def parse_cache_control(value: str | None) -> float | None:
    """Seconds of freshness from a Cache-Control header; None if it gives none.

    ``no-cache``/``no-store``/``must-revalidate`` with no age give None (no floor), and
    ``s-maxage`` wins over ``max-age`` (it is what a CDN in front of the feed obeys).
    """
    if not value:
        return None
    ages: dict[str, float] = {}
    for part in value.split(","):
        name, _, arg = part.strip().partition("=")
        name = name.strip().lower()
        if name in ("max-age", "s-maxage"):
            try:
                ages[name] = max(0.0, float(arg.strip().strip('"')))
            except ValueError:
                continue
    return ages.get("s-maxage", ages.get("max-age"))


def parse_expires(value: str | None, now: datetime) -> float | None:
    """Seconds from ``now`` until an Expires header's date; None if absent, invalid or past."""
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    left = (when - now).total_seconds()
    return left if left > 0 else None


def publisher_interval(hints: FeedHints, now: datetime) -> tuple[float, str] | None:
    """The longest freshness interval the publisher asked for, and where it came from."""
    found: list[tuple[float, str]] = []
    if hints.max_age:
        found.append((hints.max_age, f"Cache-Control max-age {hints.max_age:g}s"))
    if hints.expires is not None:
        left = (hints.expires - now).total_seconds()
        if left > 0:
            found.append((left, "Expires header"))
    if hints.ttl_minutes and hints.ttl_minutes > 0:
        found.append((hints.ttl_minutes * 60.0, f"RSS ttl {hints.ttl_minutes} min"))
    period = _SY_PERIODS.get((hints.update_period or "").strip().lower())
    if period:
        freq = (
            hints.update_frequency if hints.update_frequency and hints.update_frequency > 0 else 1
        )
        found.append((period / freq, f"sy:updatePeriod {hints.update_period} / {freq}"))
    return max(found) if found else None


# ------------------------------------------------------------------------------------ schedule


def _failure_streak(polls: Sequence[PollRecord]) -> list[PollRecord]:
    """The failed polls since the last success, oldest first."""
    streak: list[PollRecord] = []
    for rec in reversed(polls):
        if rec.outcome in SUCCESS_OUTCOMES:
            break
        streak.append(rec)
    return streak[::-1]


def _pace_interval(successes: Sequence[PollRecord], b: PollBounds) -> tuple[float, str]:
    """Interval from the feed's pace of new items over its recent successful polls."""
    recent = successes[-b.window :]
    if len(recent) < 2:
        return b.min_interval, "first polls: at the lower bound"
    span = (recent[-1].polled_at - recent[0].polled_at).total_seconds()
    if span <= 0:
        return b.min_interval, "no time between polls yet: at the lower bound"
    n_new = sum(max(0, r.n_new) for r in recent[1:])
    rate = max(n_new, 1) / span
    interval = b.items_per_poll / rate
    last_gap = (recent[-1].polled_at - recent[-2].polled_at).total_seconds()
    if last_gap > 0:
        interval = min(interval, b.max_growth * last_gap)
    hours = span / 3600
    what = f"{n_new} new item(s)" if n_new else "no new item"
    return interval, f"{what} in {hours:.1f} h"


def next_poll(
    polls: Sequence[PollRecord],
    now: datetime,
    bounds: PollBounds | None = None,
    hints: FeedHints | None = None,
) -> Schedule:
    """When to poll a feed next, given its past polls (any order) and the publisher's hints."""
    b = bounds or PollBounds()
    now = _utc(now)
    counted = sorted(
        (
            replace(p, polled_at=_utc(p.polled_at))
            for p in polls
            if p.outcome not in IGNORED_OUTCOMES
        ),
        key=lambda p: p.polled_at,
    )
    if not counted:
        return Schedule(now, b.min_interval, FeedState.OK, "never polled: due now")
    last = counted[-1].polled_at
    streak = _failure_streak(counted)
    if streak:
        return _failing(streak, last, b)
    successes = [p for p in counted if p.outcome in SUCCESS_OUTCOMES]
    interval, why = _pace_interval(successes, b)
    hint = publisher_interval(hints, now) if hints else None
    if hint and hint[0] > interval:
        interval, why = hint[0], f"{why}; publisher asks {hint[1]}"
    interval = min(max(interval, b.min_interval), b.max_interval)
    slow = interval >= min(b.max_interval, b.slow_factor * b.min_interval)
    state = FeedState.SLOW if slow else FeedState.OK
    return Schedule(
        last + timedelta(seconds=interval),
        interval,
        state,
        f"{why}: every {_human(interval)}",
    )


def _failing(streak: list[PollRecord], last: datetime, b: PollBounds) -> Schedule:
    k = len(streak)
    interval = min(b.max_interval, b.min_interval * 2.0 ** min(k, 60))
    days = (last - streak[0].polled_at).total_seconds() / 86400
    if k >= b.dead_after and days >= b.dead_days:
        state = FeedState.DEAD
        interval = b.max_interval
    elif k >= b.failing_after:
        state = FeedState.FAILING
    else:
        state = FeedState.OK
    reason = (
        f"{k} failed poll(s) in a row over {days:.1f} day(s), last {streak[-1].outcome}: "
        f"retry in {_human(interval)}"
    )
    return Schedule(last + timedelta(seconds=interval), interval, state, reason)


def is_due(schedule: Schedule, now: datetime, slack: float = 60.0) -> bool:
    """Due when ``next_due`` is at most ``slack`` seconds ahead: a feed polled at 10:00:05
    every 15 min is due for the 10:15:00 run, not pushed to 10:30."""
    return _utc(schedule.next_due) <= _utc(now) + timedelta(seconds=slack)


def due_feeds(
    schedules: dict[str, Schedule], now: datetime, *, poll_all: bool = False, slack: float = 60.0
) -> list[str]:
    """Feed ids to poll in this run (all of them with ``poll_all``), most overdue first."""
    ids = [f for f, s in schedules.items() if poll_all or is_due(s, now, slack)]
    return sorted(ids, key=lambda f: (schedules[f].next_due, f))


def _utc(t: datetime) -> datetime:
    """Naive datetimes are taken as UTC (DuckDB TIMESTAMP columns come back naive)."""
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t


def _human(seconds: float) -> str:
    if seconds < 3600:
        return f"{math.ceil(seconds / 60)} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"
