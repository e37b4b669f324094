"""Page dates: parsing, the reconciliation of page metadata, feed, URL and htmldate, and the
publisher's offset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from pipeline.extract import choose_date, extract_article, parse_datetime
from pipeline.extract.dates import offset_minutes

NOW = datetime(2026, 3, 10, tzinfo=UTC)


def _never() -> str | None:
    raise AssertionError("htmldate must not be asked when an earlier source dates the page")


@pytest.mark.parametrize(
    "text",
    ["2006", "1988", "March 2019", "2019-03", "Jahr 2020", "© 2016 Example GmbH"],
)
def test_text_without_a_full_day_is_not_a_date(text):
    # dateutil would fill the missing month/day from today: a made-up date
    assert parse_datetime(text) is None


@pytest.mark.parametrize(
    ("text", "expected", "aware"),
    [
        (
            "2026-03-04T08:12:00+01:00",
            datetime(2026, 3, 4, 8, 12, tzinfo=timezone(timedelta(hours=1))),
            True,
        ),
        ("Wed, 04 Mar 2026 08:12:00 GMT", datetime(2026, 3, 4, 8, 12, tzinfo=UTC), True),
        ("4 March 2026", datetime(2026, 3, 4), False),
        (
            "2022-1-26T14:32:06+02:00",
            datetime(2022, 1, 26, 14, 32, 6, tzinfo=timezone(timedelta(hours=2))),
            True,
        ),
    ],
)
def test_full_dates_parse(text, expected, aware):
    assert parse_datetime(text) == (expected, aware)


def test_offset_minutes_as_written():
    assert (
        offset_minutes(datetime(2026, 3, 4, tzinfo=timezone(timedelta(hours=5, minutes=30)))) == 330
    )
    assert offset_minutes(datetime(2026, 3, 4, tzinfo=timezone(timedelta(hours=-4)))) == -240
    assert offset_minutes(datetime(2026, 3, 4)) is None


def test_page_date_keeps_utc_and_reports_the_publishers_offset():
    c = choose_date(["2026-03-04T23:30:00-05:00"], None, [], now=NOW, page_guess=_never)
    assert c.published_at == datetime(2026, 3, 5, 4, 30, tzinfo=UTC)
    assert (c.source, c.offset_minutes) == ("page", -300)
    c = choose_date(["2026-03-04T08:00:00Z"], None, [], now=NOW)
    assert c.offset_minutes == 0
    c = choose_date(["2026-03-04T08:00:00"], None, [], default_tz="Europe/Paris", now=NOW)
    assert c.published_at == datetime(2026, 3, 4, 7, 0, tzinfo=UTC) and c.offset_minutes is None


def test_feed_offset_only_when_the_feed_date_carries_one():
    utc = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    assert choose_date([], utc, [], now=NOW).offset_minutes is None  # feedparser's UTC
    ist = datetime(2026, 3, 4, 14, 30, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    c = choose_date([], ist, [], now=NOW, page_guess=_never)
    assert (c.published_at, c.source, c.offset_minutes) == (utc, "feed", 330)


def test_htmldate_is_the_last_resort_after_page_metadata_and_url():
    assert choose_date(["2026-03-04"], None, [], now=NOW, page_guess=_never).source == "page"
    c = choose_date([], None, ["https://x.example/2026/03/02/a"], now=NOW, page_guess=_never)
    assert (c.source, c.published_at) == ("url", datetime(2026, 3, 2, tzinfo=UTC))
    c = choose_date([], None, ["https://x.example/a"], now=NOW, page_guess=lambda: "2026-03-03")
    assert (c.source, c.published_at) == ("htmldate", datetime(2026, 3, 3, tzinfo=UTC))
    # its day is read in the outlet's zone, like any date without an offset
    c = choose_date([], None, [], country="FR", now=NOW, page_guess=lambda: "2026-03-03")
    assert c.published_at == datetime(2026, 3, 2, 23, 0, tzinfo=UTC)


def test_unusable_page_claims_fall_through_to_htmldate():
    # unparseable or year-only metadata is no claim at all
    c = choose_date(["Di., 25.13.2022", "2006"], None, [], now=NOW, page_guess=lambda: "2022-01-25")
    assert c.source == "htmldate" and c.published_at == datetime(2022, 1, 25, tzinfo=UTC)


def test_htmldate_not_asked_when_the_page_states_an_impossible_date():
    # the stated published date is wrong; htmldate would answer with the modified date
    c = choose_date(["2031-01-05T10:00:00+00:00"], None, [], now=NOW, page_guess=_never)
    assert (c.published_at, c.source, c.flags) == (None, None, ["page_future"])


def test_htmldate_year_only_and_impossible_guesses_are_flagged_not_used():
    c = choose_date([], None, [], now=NOW, page_guess=lambda: "2016-01-01")
    assert (c.published_at, c.flags) == (None, ["htmldate_year_only"])
    c = choose_date([], None, [], now=NOW, page_guess=lambda: "2027-05-01")
    assert (c.published_at, c.flags) == (None, ["htmldate_future"])
    assert choose_date([], None, [], now=NOW, page_guess=lambda: None).source is None


def _page(head: str = "", text: str = "") -> str:
    story = " ".join(
        "The regional council approved the new budget for schools and roads after a long debate."
        for _ in range(4)
    )
    return (
        f"<html lang='en'><head><title>Budget approved</title>{head}</head><body><article>"
        f"<h1>Budget approved</h1><p class='meta'>{text}</p><p>{story}</p><p>{story}</p>"
        "</article><footer>© 2026 Example News</footer></body></html>"
    )


def test_extract_article_dates_a_page_from_its_text_when_metadata_says_nothing():
    r = extract_article(_page(text="Published on 4 March 2026, 10:20"), "")
    assert r.date_source == "htmldate" and r.published_at == datetime(2026, 3, 4, tzinfo=UTC)
    assert r.published_offset_minutes is None
    r = extract_article(_page(text="Published on 4 March 2026"), "", country="FR")
    assert r.published_at == datetime(2026, 3, 3, 23, 0, tzinfo=UTC)  # Paris midnight


def test_extract_article_metadata_offset_and_copyright_year():
    head = '<meta property="article:published_time" content="2026-03-04T10:20:00+09:00">'
    r = extract_article(_page(head=head, text="4 March 2026"), "")
    assert (r.date_source, r.published_offset_minutes) == ("page", 540)
    assert r.published_at == datetime(2026, 3, 4, 1, 20, tzinfo=UTC)
    r = extract_article(_page(), "")  # nothing but the footer's year
    assert (r.published_at, r.date_source, r.date_flags) == (None, None, "htmldate_year_only")


def test_htmldate_guess_steps_from_markup_to_dated_lines():
    from lxml import html as lxml_html

    from pipeline.extract.dates import htmldate_guess

    def tree(body: str):
        return lxml_html.fromstring(
            f"<html><head><title>T</title></head><body>{body}</body></html>"
        )

    assert htmldate_guess(tree('<time datetime="2021-11-12">Friday</time><p>x</p>')) == "2021-11-12"
    prose = "<p>Karlsruhe, (12.11.2021). Traditionell gedenken die Gemeinden im November.</p>"
    assert htmldate_guess(tree(f"<nav>Home</nav>{prose}<p>Mehr dazu später.</p>")) == "2021-11-12"
    assert htmldate_guess(tree("<p>No date here at all.</p>")) is None


@pytest.mark.parametrize("year", [", 2012", ""])
def test_a_page_full_of_comment_stamps_stays_cheap(year):
    """Hundreds of "on Tuesday July 24, @07:29AM" stamps: sent one by one through htmldate's
    extensive search (dateparser), they cost minutes; with a year, only the first dated lines
    are searched, without one only the markup is."""
    import time

    comments = "".join(
        f"<div class='c'><p>reader{i} on Tuesday July 24{year} @{i % 12 + 1:02d}:{i % 60:02d}AM</p>"
        "<p>I agree with this, entirely.</p></div>"
        for i in range(2000)
    )
    html = _page(text="").replace("</article>", f"</article>{comments}").replace("© 2026", "")
    t0 = time.perf_counter()
    r = extract_article(html, "")
    assert r.outcome == "ok"
    assert time.perf_counter() - t0 < 20
    assert r.date_source == ("htmldate" if year else None)
