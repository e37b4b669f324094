"""Adaptive polling: concrete histories and the next poll they lead to."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.acquire.schedule import (
    FeedHints,
    FeedState,
    PollBounds,
    PollRecord,
    Schedule,
    due_feeds,
    is_due,
    next_poll,
    parse_cache_control,
    parse_expires,
    publisher_interval,
)

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
MIN = 60.0


def polls(every_min: float, new: list[int], outcome: str = "ok") -> list[PollRecord]:
    """Polls every ``every_min`` minutes from T0, the i-th finding ``new[i]`` new items."""
    return [
        PollRecord(T0 + timedelta(minutes=every_min * i), outcome, n) for i, n in enumerate(new)
    ]


def test_a_never_polled_feed_is_due_now() -> None:
    s = next_poll([], T0)
    assert s.next_due == T0 and s.state is FeedState.OK and "never polled" in s.reason


def test_a_busy_feed_stays_at_the_lower_bound() -> None:
    # 10 new items every 5 minutes: 2 per minute, far faster than the 5-minute floor
    s = next_poll(polls(5, [50, *[10] * 11]), T0 + timedelta(hours=1))
    assert s.interval == 5 * MIN
    assert s.next_due == T0 + timedelta(minutes=55 + 5)
    assert s.state is FeedState.OK


def test_interval_follows_the_pace_of_new_items() -> None:
    # one new item per hour, polled every 15 min: rate 1/h -> half an item per poll = 30 min
    hist = polls(15, [40, 0, 0, 0, 1, 0, 0, 0, 1])
    s = next_poll(hist, hist[-1].polled_at)
    assert s.interval == pytest.approx(30 * MIN)
    assert s.next_due == hist[-1].polled_at + timedelta(minutes=30)
    assert "2 new item(s) in 2.0 h" in s.reason
    # only the last 12 successful polls count: an old burst is forgotten
    old_burst = polls(15, [40, 30, *[0] * 12])
    s = next_poll(old_burst, old_burst[-1].polled_at)
    assert s.interval == 60 * MIN  # quiet for 2.75 h -> 1.4 h, capped at 4x the 15-min gap
    assert s.reason.startswith("no new item in 2.8 h") and s.state is FeedState.SLOW


def test_the_first_poll_backlog_is_not_counted_as_pace() -> None:
    # 200 items on the first poll are the feed's backlog, not 200 per 15 min
    s = next_poll(polls(15, [200, 0, 0, 1]), T0 + timedelta(minutes=45))
    # 1 new item over 45 min -> 22.5 min, capped at 4x the last 15-min gap = 60 min
    assert s.interval == pytest.approx(22.5 * MIN)


def test_a_quiet_feed_backs_off_geometrically_up_to_the_upper_bound() -> None:
    hist = polls(5, [30, 0])
    intervals = []
    for _ in range(30):
        s = next_poll(hist, hist[-1].polled_at)
        intervals.append(s.interval)
        hist.append(PollRecord(s.next_due, "not_modified", 0))
    assert intervals[0] == 5 * MIN  # 5 min quiet -> 2.5 min, floored at 5 min
    assert all(b >= a for a, b in itertools.pairwise(intervals))
    assert intervals[-1] == 86400.0
    days_to_daily = sum(intervals[: intervals.index(86400.0)]) / 86400
    assert 1 < days_to_daily < 7  # a feed quiet for days ends up polled daily
    assert max(b / a for a, b in itertools.pairwise(intervals)) <= 4.0 + 1e-9
    assert s.state is FeedState.SLOW


def test_failures_back_off_exponentially_and_the_state_says_so() -> None:
    hist = polls(15, [5, 1])
    states, intervals = [], []
    for _ in range(12):
        last = hist[-1]
        s = next_poll(hist, last.polled_at)
        hist.append(PollRecord(s.next_due, "timeout"))
        s = next_poll(hist, hist[-1].polled_at)
        states.append(s.state)
        intervals.append(s.interval)
    assert intervals[:4] == [600.0, 1200.0, 2400.0, 4800.0]  # 5 min x 2^k
    assert intervals[-1] == 86400.0
    assert states[0] is FeedState.OK  # one failure is a hiccup
    assert states[1] is FeedState.FAILING
    assert states[-1] is FeedState.DEAD  # 12 failures over more than 3 days
    assert "12 failed poll(s) in a row" in s.reason and "timeout" in s.reason


def test_ten_quick_failures_are_failing_not_dead() -> None:
    hist = [PollRecord(T0 + timedelta(minutes=i), "http_error") for i in range(10)]
    assert next_poll(hist, T0).state is FeedState.FAILING


def test_a_success_ends_the_failure_streak() -> None:
    hist = [
        *[PollRecord(T0 + timedelta(hours=i), "network_error") for i in range(5)],
        PollRecord(T0 + timedelta(hours=5), "ok", 3),
    ]
    s = next_poll(hist, T0 + timedelta(hours=5))
    assert s.state is FeedState.OK and "failed" not in s.reason


def test_deferred_polls_are_not_polls() -> None:
    base = polls(15, [10, 1, 1])
    with_deferred = [*base, PollRecord(T0 + timedelta(minutes=40), "deferred")]
    assert next_poll(with_deferred, T0 + timedelta(hours=1)) == next_poll(
        base, T0 + timedelta(hours=1)
    )


def test_publisher_hints_are_a_floor_within_the_bounds() -> None:
    busy = polls(5, [10] * 6)
    now = busy[-1].polled_at
    assert next_poll(busy, now, hints=FeedHints(ttl_minutes=60)).interval == 3600.0
    assert "RSS ttl 60 min" in next_poll(busy, now, hints=FeedHints(ttl_minutes=60)).reason
    hourly_twice = FeedHints(update_period="hourly", update_frequency=2)
    assert next_poll(busy, now, hints=hourly_twice).interval == 1800.0
    assert next_poll(busy, now, hints=FeedHints(max_age=120)).interval == 300.0  # floor wins
    week = FeedHints(update_period="weekly")
    assert next_poll(busy, now, hints=week).interval == 86400.0  # upper bound wins


def test_per_feed_bounds_override_the_settings() -> None:
    quiet = polls(60, [10, 0, 0, 0, 0, 0, 0, 0])
    now = quiet[-1].polled_at
    b = PollBounds().for_feed(min_interval=None, max_interval=2 * 3600)
    assert next_poll(quiet, now, b).interval == 2 * 3600
    busy = polls(5, [10] * 6)
    b = PollBounds().for_feed(min_interval=3600, max_interval=None)
    assert next_poll(busy, busy[-1].polled_at, b).interval == 3600
    inverted = PollBounds().for_feed(min_interval=7200, max_interval=600)
    assert (inverted.min_interval, inverted.max_interval) == (600, 7200)


def test_naive_timestamps_are_utc() -> None:
    naive = [
        PollRecord(p.polled_at.replace(tzinfo=None), p.outcome, p.n_new) for p in polls(5, [1, 1])
    ]
    s = next_poll(naive, T0)
    assert s.next_due.tzinfo is not None
    assert s.next_due == T0 + timedelta(minutes=10)


def test_due_with_slack_and_poll_all() -> None:
    now = T0 + timedelta(minutes=15)
    scheds = {
        "a": Schedule(now + timedelta(seconds=5), 900, FeedState.OK, ""),  # just ahead: due
        "b": Schedule(now + timedelta(hours=2), 3 * 3600, FeedState.SLOW, ""),
        "c": Schedule(now - timedelta(hours=1), 900, FeedState.FAILING, ""),
    }
    assert is_due(scheds["a"], now) and not is_due(scheds["a"], now, slack=0)
    assert due_feeds(scheds, now) == ["c", "a"]
    assert due_feeds(scheds, now, poll_all=True) == ["c", "a", "b"]


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("max-age=600", 600.0),
        ("public, max-age=300, s-maxage=900", 900.0),
        ('max-age="120"', 120.0),
        ("no-cache", None),
        ("max-age=abc", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_cache_control(header: str | None, seconds: float | None) -> None:
    assert parse_cache_control(header) == seconds


def test_parse_expires() -> None:
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert parse_expires("Mon, 01 Jun 2026 12:30:00 GMT", now) == 1800.0
    assert parse_expires("Mon, 01 Jun 2026 11:00:00 GMT", now) is None  # already past
    assert parse_expires("0", now) is None
    assert parse_expires("not a date", now) is None


def test_publisher_interval_picks_the_longest_hint() -> None:
    now = T0
    hints = FeedHints(max_age=600, ttl_minutes=30, expires=now + timedelta(minutes=20))
    assert publisher_interval(hints, now) == (1800.0, "RSS ttl 30 min")
    assert publisher_interval(FeedHints(), now) is None
    assert publisher_interval(FeedHints(update_period="daily", update_frequency=0), now) == (
        86400.0,
        "sy:updatePeriod daily / 1",
    )
