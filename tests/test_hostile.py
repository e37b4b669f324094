"""Fault injection: the real pipeline (``run_pass``) against a misbehaving web beside healthy feeds.

The web (``benchmarks/hostile_web.py``) serves every case of issue 13 on 127.0.0.1 (hanging,
dripping, endless and gzip-bomb bodies, redirect loops, a redirect to another private address,
robots.txt rules, ReDoS-shaped and entity feeds, HTML as a feed, truncated XML, empty / 429 /
500 / flapping / 404 answers, TLS errors, wrong and missing charsets, a page that makes extraction
spin, pages that extract to nothing), and a forbidden server on 127.0.0.2 that must never see a
connection: the run allows only ``127.0.0.1``. Deadlines are lowered so the module stays short;
``benchmarks/bench_hostile.py`` runs the same web with the default settings and times it.

For each case: the recorded outcome; beside them, the healthy feeds fully ingested with bodies;
no hostile page stored as an article; a second run changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from benchmarks.hostile_web import CASES, FORBIDDEN_IP, HostileWeb
from pipeline.run.passes import run_pass
from pipeline.settings import load_settings

pytestmark = pytest.mark.e2e

# Short deadlines: the cases are the same, the waits shorter (a hang costs 2 x 1.5 s, not 90 s).
FAST = {
    "request_deadline": 1.5,
    "connect_timeout": 1.0,
    "read_timeout": 1.0,
    "max_retries": 1,
    "backoff_base": 0.1,
    "per_host_delay": 0.05,
    "extract_timeout": 4.0,
    "feed_parse_timeout": 3.0,
    "fetch_concurrency": 8,
    "extract_workers": 2,
}


def _tables(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            "articles": con.execute(
                "SELECT url, title, body, word_count, published_at FROM articles ORDER BY url"
            ).fetchall(),
            "places": con.execute(
                "SELECT article_id, country_code, place_name FROM article_places ORDER BY ALL"
            ).fetchall(),
            "fetches": con.execute(
                "SELECT url, outcome, status_code, attempts, error FROM fetch_log"
                " ORDER BY attempted_at, url"
            ).fetchall(),
            "polls": con.execute(
                "SELECT run_id, feed_id, outcome, n_entries, error FROM feed_polls"
                " ORDER BY polled_at"
            ).fetchall(),
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    with HostileWeb() as web:
        feeds = web.write_feeds_yaml(tmp / "feeds.yaml", **FAST)
        settings = load_settings(feeds, db_path=tmp / "n.duckdb", environ={})
        first = run_pass(settings, build=False)
        after_first = _tables(settings.db_path)
        hits_first = list(web.hits)
        second = run_pass(settings, build=False, poll_all=True)
        after_second = _tables(settings.db_path)
        yield {
            "web": web,
            "first": first,
            "second": second,
            "t1": after_first,
            "t2": after_second,
            "hits1": hits_first,
        }


def _outcome(t: dict, web: HostileWeb, case) -> str | None:
    """The case's outcome in the first run: its poll, or its URL's fetch_log row."""
    if case.kind == "feed":
        rows = [r for r in t["polls"] if r[1] == case.name]
    else:
        rows = [r for r in t["fetches"] if r[0] == web.case_url(case)]
    assert len(rows) == 1, rows
    return rows[0][2] if case.kind == "feed" else rows[0][1]


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=c.known_bug))
        if c.known_bug
        else c
        for c in CASES
    ],
    ids=[c.name for c in CASES],
)
def test_each_case_ends_in_its_recorded_outcome(hostile, case):
    assert _outcome(hostile["t1"], hostile["web"], case) in case.expected


def test_healthy_feeds_fully_ingested_and_no_hostile_page_stored(hostile):
    web = hostile["web"]
    stored = {r[0]: r for r in hostile["t1"]["articles"]}
    known_bugs = {web.case_url(c) for c in CASES if c.known_bug}
    assert set(stored) - known_bugs == set(web.healthy_urls())
    for url in web.healthy_urls():
        title, body, words = stored[url][1:4]
        assert title and title.startswith("Report "), url
        assert words >= 300 and "officials" in body.lower(), url
    polls = {r[1]: r[2] for r in hostile["t1"]["polls"]}
    assert polls["good-a"] == polls["good-b"] == polls["hostile-pages"] == "ok"


def test_nothing_reached_a_private_address_outside_the_allowlist(hostile):
    web = hostile["web"]
    assert web.connections[FORBIDDEN_IP] == 0
    assert web.connections["127.0.0.1"] > 0


def test_robots_rules_and_crawl_delay_are_honoured(hostile):
    hits = [(h, p, t) for h, p, t in hostile["hits1"] if h == "robots.hostile.test"]
    paths = [p for _, p, _ in hits]
    assert "/private/a" not in paths
    assert paths.count("/robots.txt") == 1
    pages = sorted(t for _, p, t in hits if p.startswith("/ok/"))
    assert len(pages) == 2
    assert pages[1] - pages[0] >= 0.95  # Crawl-delay: 1 (the run's own delay is 0.05 s)


def test_retry_after_is_honoured_and_capped(hostile):
    hits = hostile["hits1"]
    short = sorted(t for h, p, t in hits if h == "t429.hostile.test" and p == "/a")
    assert len(short) == 2  # max_retries=1: one retry, after the asked-for second
    assert short[1] - short[0] >= 0.95
    long = [t for h, p, t in hits if h == "t429long.hostile.test" and p == "/a"]
    assert len(long) == 1  # Retry-After: 3600 is past the cap: no wait, no retry this run


def test_flapping_host_is_retried_into_an_article(hostile):
    hits = [t for h, p, t in hostile["hits1"] if h == "flap.hostile.test" and p == "/a"]
    assert len(hits) == 2


def test_a_rerun_changes_nothing(hostile):
    t1, t2 = hostile["t1"], hostile["t2"]
    assert t2["articles"] == t1["articles"]
    assert t2["places"] == t1["places"]
    assert hostile["second"].loaded["articles"] == 0
    web = hostile["web"]
    refetched = {
        (h, p)
        for h, p, _ in hostile["web"].hits[len(hostile["hits1"]) :]
        if web.base(h) + p in web.healthy_urls()
    }
    assert not refetched  # stored articles are never fetched again
    # failures that may heal were tried again; permanent ones (404, robots, blocked) were not
    second_run = {r[0] for r in t2["fetches"][len(t1["fetches"]) :]}
    web_cases = {c.name: web.case_url(c) for c in CASES if c.kind == "page"}
    assert web_cases["hang"] in second_run
    for name in ("404", "robots-disallowed", "redirect-private"):
        assert web_cases[name] not in second_run, name


@pytest.mark.parametrize("path", ["/wrong", "/none"])
def test_wrong_or_missing_charset_decodes_the_text(hostile, path):
    web = hostile["web"]
    url = web.base("charset.hostile.test") + path
    body = next(r[2] for r in hostile["t1"]["articles"] if r[0] == url)
    assert "Café déjà vu" in body
