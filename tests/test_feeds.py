"""Feed parsing on bytes: RSS, Atom, broken input, hostile input under a time limit."""

from pipeline.acquire.feeds import parse_feed
from pipeline.run.pool import BoundedPool

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Ledger World</title>
<item><title>Kherson falls</title><link>https://ledger.example.com/a?utm_source=rss</link>
<pubDate>Thu, 03 Mar 2026 09:30:00 +0100</pubDate><author>desk@ledger.example.com (AFP)</author></item>
<item><title>No link here</title></item>
<item><title>Relative</title><link>/b.html</link></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Courier</title><id>urn:x</id>
<updated>2026-03-04T10:00:00Z</updated>
<entry><title>Rail strike</title><id>urn:1</id>
<link rel="alternate" href="https://courier.example.org/2026/03/04/rail.html"/>
<published>2026-03-04T08:00:00-05:00</published><updated>2026-03-04T09:00:00Z</updated>
<author><name>Jane Roe</name></author></entry>
</feed>"""


def test_rss_entries_dates_normalised_to_utc():
    parsed = parse_feed(RSS, "https://ledger.example.com/feeds/world.rss")
    assert parsed.format == "rss20"
    assert parsed.error is None
    links = [e.link for e in parsed.entries]
    assert links == [
        "https://ledger.example.com/a?utm_source=rss",
        "https://ledger.example.com/b.html",
    ]
    assert parsed.entries[0].published == "2026-03-03T08:30:00+00:00"
    assert parsed.n_skipped == 1


def test_atom_prefers_published_over_updated():
    parsed = parse_feed(ATOM, "https://courier.example.org/atom.xml")
    assert parsed.format == "atom10"
    (entry,) = parsed.entries
    assert entry.published == "2026-03-04T13:00:00+00:00"
    assert entry.author == "Jane Roe"


def test_not_a_feed_is_an_error_not_an_exception():
    assert "not a feed" in parse_feed(b"<html><body>hello</body></html>", "https://x.org/").error
    assert parse_feed(b"", "https://x.org/").error == "empty response body"
    assert parse_feed(b"\x00\xff\xfe garbage", "https://x.org/").error


def test_malformed_but_recoverable_feed_keeps_entries_and_warns():
    broken = RSS.replace(b"</channel></rss>", b"<item><title>unclosed & bad</title>")
    parsed = parse_feed(broken, "https://ledger.example.com/feeds/world.rss")
    assert parsed.error is None
    assert parsed.warning
    assert len(parsed.entries) >= 1


def test_max_items_cap():
    items = b"".join(
        b"<item><title>t%d</title><link>https://x.org/%d</link></item>" % (i, i) for i in range(30)
    )
    doc = b'<rss version="2.0"><channel><title>x</title>' + items + b"</channel></rss>"
    parsed = parse_feed(doc, "https://x.org/f", max_items=10)
    assert len(parsed.entries) == 10
    assert parsed.n_dropped == 20 and parsed.n_skipped == 0 and parsed.n_entries == 30


def _spin(seconds: float) -> str:
    import time

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    return "done"


def test_bounded_pool_kills_overrunning_task_and_keeps_going():
    with BoundedPool(1) as pool:
        res = pool.map(_spin, [(5.0,), (0.0,)], timeout=0.5)
    assert res[0].ok is False and res[0].timed_out
    assert res[1].ok and res[1].value == "done"


def test_bounded_pool_records_task_exceptions():
    with BoundedPool(1) as pool:
        (res,) = pool.map(parse_feed, [(None, "https://x.org")], timeout=5)
    # parse_feed(None) is a caller bug, but the pool must report it instead of crashing the run
    assert res.ok or res.error
