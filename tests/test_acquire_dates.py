"""Feed dates re-read from their raw strings: day/month order per feed, zones, year checks."""

from __future__ import annotations

from datetime import UTC, datetime

import feedparser
import pytest

from pipeline.acquire.feed_dates import (
    AMBIGUOUS,
    NO_ZONE,
    UNPARSED,
    YEAR_MISMATCH,
    day_first_for_feed,
    resolve_feed_dates,
)
from pipeline.acquire.feeds import parse_feed

URL = "https://news.example/feed.rss"

# A real Indian feed writes DD-MM-YYYY with two spaces and no zone.
INDIAN = [
    "02-03-2014  00:56:28",
    "01-03-2014  22:10:05",
    "28-02-2014  18:00:00",
    "05-02-2014  09:15:00",
]
# A US feed writes MM/DD/YYYY with a 12-hour clock.
US = ["03/15/2014 05:30 PM", "03/04/2014 11:00 AM", "02/28/2014 12:15 AM"]


def rss(dates: list[str]) -> bytes:
    items = "".join(
        f"<item><title>t{i}</title><link>https://news.example/{i}</link><pubDate>{d}</pubDate></item>"
        for i, d in enumerate(dates)
    )
    return f'<rss version="2.0"><channel><title>x</title>{items}</channel></rss>'.encode()


def test_feedparser_alone_gets_the_indian_date_wrong() -> None:
    """The bug this module exists for: keep it visible, so the fix below means something."""
    st = feedparser.parse(rss(INDIAN[:1])).entries[0].published_parsed
    assert st.tm_year == 2002


def test_day_first_feed_in_its_zone() -> None:
    parsed = parse_feed(rss(INDIAN), URL, timezone="Asia/Kolkata")
    got = [(e.published, e.date_flags, e.published_offset_minutes) for e in parsed.entries]
    assert got[0] == ("2014-03-01T19:26:28+00:00", None, None)  # 2 March 00:56 IST
    assert got[1][0] == "2014-03-01T16:40:05+00:00"
    assert got[3][0] == "2014-02-05T03:45:00+00:00"  # 5 February, not 2 May
    by_country = parse_feed(rss(INDIAN), URL, country="IN")
    assert [e.published for e in by_country.entries] == [e.published for e in parsed.entries]


def test_day_first_feed_without_a_zone_is_utc_and_flagged() -> None:
    parsed = parse_feed(rss(INDIAN), URL)
    assert parsed.entries[0].published == "2014-03-02T00:56:28+00:00"
    assert all(e.date_flags == NO_ZONE for e in parsed.entries)


def test_month_first_us_feed() -> None:
    parsed = parse_feed(rss(US), URL, timezone="America/New_York", country="US")
    assert [e.published for e in parsed.entries] == [
        "2014-03-15T21:30:00+00:00",  # EDT began 9 March 2014
        "2014-03-04T16:00:00+00:00",  # 4 March (not 3 April), EST
        "2014-02-28T05:15:00+00:00",  # 12:15 AM is 00:15
    ]
    assert all(e.date_flags is None for e in parsed.entries)


def test_order_is_decided_by_the_whole_feed() -> None:
    assert day_first_for_feed(INDIAN) is True
    assert day_first_for_feed(US) is False
    assert day_first_for_feed(["01-02-2014", "03-04-2014"]) is None
    assert day_first_for_feed(["13-02-2014", "02-13-2014"]) is None  # contradicts itself


@pytest.mark.parametrize(("country", "expected"), [("GB", "2014-02-01"), ("US", "2014-01-02")])
def test_no_evidence_falls_back_to_the_country_and_flags_it(country: str, expected: str) -> None:
    (one, two) = resolve_feed_dates(["01/02/2014 10:00", "05/05/2014 10:00"], country=country)
    assert one.published and one.published.startswith(expected)
    assert AMBIGUOUS in one.flags and not one.trusted
    assert AMBIGUOUS not in two.flags  # 5 May either way


def test_offsets_are_kept_and_minus_zero_means_unknown() -> None:
    got = resolve_feed_dates(
        [
            "Sun, 02 Mar 2014 00:56:28 +0530",
            "2026-03-04T08:00:00-05:00",
            "Thu, 03 Mar 2026 09:30:00 -0000",
            "Thu, 03 Mar 2026 09:30:00 GMT",
            "Thursday, March 5, 2026 9:30 PM EST",
        ],
        timezone_name="Asia/Kolkata",
    )
    assert [(d.published, d.offset_minutes) for d in got] == [
        ("2014-03-01T19:26:28+00:00", 330),
        ("2026-03-04T13:00:00+00:00", -300),
        ("2026-03-03T09:30:00+00:00", None),  # RFC 2822: UTC, publisher's zone undisclosed
        ("2026-03-03T09:30:00+00:00", 0),
        ("2026-03-06T02:30:00+00:00", -300),
    ]


def test_a_reading_whose_year_is_not_in_the_string_is_dropped() -> None:
    wrong = datetime(2002, 3, 20, tzinfo=UTC)
    (bad, kept, unreadable) = resolve_feed_dates(
        ["Pazar, 2 Mart 2014 00:56", "2 Mart 2014 00:56", "someday"],
        [wrong, datetime(2014, 3, 2, tzinfo=UTC), None],
    )
    assert bad.published is None and bad.flags == (YEAR_MISMATCH,)
    assert kept.published == "2014-03-02T00:00:00+00:00" and kept.trusted
    assert unreadable.flags == (UNPARSED,)
