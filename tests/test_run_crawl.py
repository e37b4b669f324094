"""run_pass on the frontier, for real: a loopback web farm, worker processes, a DuckDB file.

What is pinned: every URL ends in exactly one ``fetch_log`` row and every polled feed in one
``feed_polls`` row with its next due time; staged batches hold at most ``batch_size`` rows;
adaptive polling skips feeds that are not due (``poll_all`` polls them); a host whose circuit
opens leaves ``deferred`` rows with ``attempts = 0`` that the next run fetches again even though
the feed answers 304; a ``full_content`` feed's articles come from the feed, not the pages.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb
import pytest
from helpers import REPO, load_script

from pipeline.acquire.feeds import parse_feed
from pipeline.run.passes import run_pass
from pipeline.settings import FeedConfig, Settings

pytestmark = [pytest.mark.timeout(120), pytest.mark.e2e]

webfarm = load_script(REPO / "benchmarks" / "webfarm.py")
HostSpec, WebFarm = webfarm.HostSpec, webfarm.WebFarm


def _host(name: str, n: int, **kw: object) -> HostSpec:
    spec = HostSpec(
        name, {f"/a/{i}.html": webfarm.article_html(len(name) + i, i) for i in range(n)}
    )
    spec.feeds = {"/feed-0.xml": list(spec.pages)}
    for k, v in kw.items():
        setattr(spec, k, v)
    return spec


def _settings(farm: WebFarm, tmp: Path, **kw: object) -> Settings:
    feeds = [FeedConfig(id=fid, url=url) for fid, url in farm.feed_urls()]
    base: dict[str, object] = {
        "allow_private_hosts": True,
        "resolve": farm.resolve(),
        "per_host_delay": 0.0,
        "connect_timeout": 1.0,
        "read_timeout": 1.0,
        "request_deadline": 1.5,
        "max_retries": 0,
        "backoff_base": 0.01,
        "db_path": tmp / "news.duckdb",
        "batch_size": 4,
        "feeds": feeds,
    }
    base.update(kw)
    return Settings(**base)


def _q(settings: Settings, sql: str) -> list[tuple]:
    con = duckdb.connect(str(settings.db_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_streamed_run_one_row_per_url_bounded_batches_and_adaptive_polling(tmp_path):
    hosts = [_host("one.farm.test", 5), _host("two.farm.test", 3), _host("three.farm.test", 2)]
    with WebFarm(hosts) as farm:
        s = _settings(farm, tmp_path)
        first = run_pass(s, build=False)
        assert first.n_new == 10 and first.loaded["articles"] == 10
        assert set(first.polls.values()) == {"ok"}
        # Nothing is due 5 minutes after a poll: the second run polls nothing at all.
        before = len(farm.hits)
        second = run_pass(s, build=False)
        assert second.polls == {} and len(farm.hits) == before
        third = run_pass(s, build=False, poll_all=True)
        assert set(third.polls.values()) == {"not_modified"}
        page_hits = [h for h in farm.hits if h.path.startswith("/a/")]
        assert len(page_hits) == 10  # each page fetched once across the three runs
    assert _q(s, "SELECT count(*), count(DISTINCT url_hash) FROM fetch_log") == [(10, 10)]
    rows = _q(s, "SELECT max(n_fetches + n_polls) FROM loaded_batches")
    assert rows[0][0] <= s.batch_size
    polls = _q(
        s,
        "SELECT outcome, next_due_at > polled_at, feed_state, schedule_note, publisher_interval_s"
        " FROM feed_polls ORDER BY polled_at",
    )
    assert len(polls) == 6
    assert all(p[1] and p[2] == "ok" and p[3] for p in polls)
    assert polls[0][4] == 15 * 60  # the farm's <ttl>15</ttl>


def _undated(n: int) -> bytes:
    """An article page with no date of its own: its date can only come from the feed."""
    words = " ".join(webfarm._WORDS[(n + i) % len(webfarm._WORDS)] for i in range(60))
    paras = "".join(f"<p>{words.capitalize()} number {n} part {k}.</p>" for k in range(6))
    return (
        f"<!DOCTYPE html><html><head><title>Undated {n}</title></head><body><main><article>"
        f"<h1>Undated story {n}</h1>{paras}</article></main></body></html>"
    ).encode()


def test_deferred_pages_cost_no_attempt_and_are_fetched_next_run_with_their_feed_hints(tmp_path):
    from pipeline.run.plan import HINTS_DIR, deferred_items

    bad = HostSpec("bad.farm.test", {f"/a/{i}.html": _undated(i) for i in range(4)})
    bad.feeds = {"/feed-0.xml": list(bad.pages)}
    bad.behaviours = dict.fromkeys(list(bad.pages), "500")
    with WebFarm([bad, _host("good.farm.test", 2)]) as farm:
        s = _settings(farm, tmp_path, host_max_timeouts=1, host_failure_budget=0.001)
        run_pass(s, build=False)
        deferred = _q(s, "SELECT count(*), max(attempts) FROM fetch_log WHERE outcome = 'deferred'")
        assert deferred[0][0] >= 1 and deferred[0][1] == 0
        # Re-queued with what the feed entry said (title, date), not only feed id and URL.
        items = deferred_items(s)
        assert len(items) == deferred[0][0]
        assert all(i["title"].startswith("bad.farm.test story") and i["published"] for i in items)
        # The host is healthy again; its feed answers 304, yet the deferred pages come back.
        farm.hosts["bad.farm.test"].behaviours.clear()
        again = run_pass(s, build=False, poll_all=True)
        assert again.polls["bad-feed-0"] == "not_modified"
    assert again.loaded["articles"] >= deferred[0][0]
    last = _q(
        s,
        "SELECT outcome, count(*) FROM (SELECT outcome FROM fetch_log QUALIFY row_number() "
        "OVER (PARTITION BY url_hash ORDER BY attempted_at DESC) = 1) GROUP BY ALL",
    )
    assert dict(last).get("deferred", 0) == 0
    # Their date is the feed entry's (the pages have none), and their hints are swept once
    # nothing is deferred (the files are older than the sweep's margin by then).
    sources = _q(s, "SELECT DISTINCT date_source FROM articles WHERE url LIKE '%bad.farm%'")
    assert sources == [("feed",)]
    from pipeline.run.plan import prune_hints

    assert prune_hints(s.state_dir, s.staging_dir, set(), now=time.time() + 3600) >= 1
    assert not list((s.state_dir / HINTS_DIR).glob("*.json"))


def test_full_content_feed_is_not_fetched_page_by_page(tmp_path):
    with WebFarm([_host("full.farm.test", 3, full_text=True)]) as farm:
        base = _settings(farm, tmp_path)
        feeds = [f.model_copy(update={"full_content": True}) for f in base.feeds]
        s = base.model_copy(update={"feeds": feeds})
        summary = run_pass(s, build=False)
        assert summary.loaded["articles"] == 3
        assert not [h for h in farm.hits if h.path.startswith("/a/")]
    bodies = _q(s, "SELECT word_count FROM articles")
    assert len(bodies) == 3 and min(b[0] for b in bodies) > 100


def test_feed_parser_reads_poll_hints_and_full_text():
    xml = (
        b'<?xml version="1.0"?><rss version="2.0" '
        b'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/" '
        b'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title>'
        b"<ttl>30</ttl><sy:updatePeriod>hourly</sy:updatePeriod>"
        b"<sy:updateFrequency>2</sy:updateFrequency>"
        b"<item><title>a</title><link>https://x.example/a</link>"
        b"<content:encoded><![CDATA[<p>Full text here.</p>]]></content:encoded></item>"
        b"</channel></rss>"
    )
    parsed = parse_feed(xml, "https://x.example/feed")
    assert (parsed.ttl_minutes, parsed.update_period, parsed.update_frequency) == (30, "hourly", 2)
    assert parsed.entries[0].content == "<p>Full text here.</p>"


def test_sigterm_stops_a_slow_run_within_seconds_and_keeps_what_was_done(tmp_path):
    """A real ``newsflow run`` in its own process against a slow farm (1 s per host between
    requests): SIGTERM stops it in seconds, finished pages are loaded, the rest is deferred."""
    import os
    import signal
    import subprocess
    import time

    hosts = [_host(f"slow{i}.farm.test", 30) for i in range(3)]
    with WebFarm(hosts) as farm:
        feeds = farm.write_feeds_yaml(
            tmp_path / "feeds.yaml", per_host_delay=1.0, batch_size=5, respect_robots=False
        )
        exe = Path(sys.executable).with_name("newsflow")
        cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "pipeline"]
        db = tmp_path / "news.duckdb"
        proc = subprocess.Popen(
            [*cmd, "run", "--feeds", str(feeds), "--db", str(db), "--no-models"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while len([h for h in farm.hits if h.path.startswith("/a/")]) < 6:
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.2)
        os.kill(proc.pid, signal.SIGTERM)
        t0 = time.monotonic()
        out, err = proc.communicate(timeout=60)
        took = time.monotonic() - t0
        n_pages = len([h for h in farm.hits if h.path.startswith("/a/")])
    assert proc.returncode == 130, err
    assert "deferred" in out, out
    print(f"stopped {took:.1f}s after SIGTERM")  # figures are printed, never asserted on
    con = duckdb.connect(str(db), read_only=True)
    try:
        got = dict(con.execute("SELECT outcome, count(*) FROM fetch_log GROUP BY ALL").fetchall())
        n_articles = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        zero = con.execute(
            "SELECT count(*) FROM fetch_log WHERE outcome = 'deferred' AND attempts <> 0"
        ).fetchone()[0]
    finally:
        con.close()
    assert sum(got.values()) == 90  # every URL recorded once, finished or deferred
    assert got.get("deferred", 0) >= 90 - n_pages and zero == 0
    assert n_articles == got.get("ok", 0) >= 1


def test_a_feed_that_keeps_failing_backs_off_and_is_listed_as_failing(tmp_path):
    from pipeline.report.feed_health import feeds_down

    gone = HostSpec("gone.farm.test")
    gone.behaviours = {"/feed-0.xml": "500"}
    gone.feeds = {"/feed-0.xml": []}
    with WebFarm([gone, _host("fine.farm.test", 1)]) as farm:
        s = _settings(farm, tmp_path)
        for _ in range(3):
            run_pass(s, build=False, poll_all=True)
    con = duckdb.connect(str(s.db_path), read_only=True)
    try:
        down = feeds_down(con)
        gaps = con.execute(
            "SELECT epoch(next_due_at - polled_at) FROM feed_polls WHERE feed_id = 'gone-feed-0'"
            " ORDER BY polled_at"
        ).fetchall()
    finally:
        con.close()
    assert [d["feed_id"] for d in down] == ["gone-feed-0"]
    assert down[0]["feed_state"] == "failing" and down[0]["last_outcome"] == "http_error"
    assert down[0]["last_success"] is None and "HTTP 500" in down[0]["last_error"]
    assert [g[0] for g in gaps] == sorted(g[0] for g in gaps) and gaps[-1][0] > gaps[0][0]


def test_airflow_shards_poll_then_fetch_and_a_retried_shard_replaces_its_batches(tmp_path):
    from pipeline.run.page import warm_up
    from pipeline.run.passes import load, new_run_id
    from pipeline.run.pool import BoundedPool
    from pipeline.run.shards import (
        feed_shards,
        fetch_extract_shard,
        plan_shards,
        poll_shard,
        release_held,
    )

    hosts = [_host("a.farm.test", 4), _host("b.farm.test", 3)]
    with WebFarm(hosts) as farm:
        s = _settings(farm, tmp_path, shards=2)
        run_id = new_run_id()
        with BoundedPool(2, initializer=warm_up) as pool:  # one pool: task starts are not tested
            shards = feed_shards(s, s.feed_ids())
            polls = [poll_shard(s, run_id, ids, pool=pool) for ids in shards]
            results = [r for shard in polls for r in shard]
            assert sorted(r.n_new for r in results) == [3, 4]
            work = plan_shards([r.items for r in results], s)
            for w in work:
                fetch_extract_shard(s, run_id, w, pool=pool)
            for w in work:  # a retried task: stages the same work again, replacing its batches
                fetch_extract_shard(s, run_id, w, pool=pool)
        assert release_held(s, run_id) == 2  # the two feeds' polls, held until now
        loaded = load(s, run_id)
    assert loaded.articles == 7 and loaded.polls == 2
    assert _q(s, "SELECT count(*), count(DISTINCT url_hash) FROM fetch_log") == [(7, 7)]


def test_run_modules_use_only_public_names_of_other_modules():
    """The crawl calls the feed parser's pool tasks through their public names
    (``pipeline.acquire.feeds.parse_feed_task``/``salvage_feed_task``), never private ones."""
    import ast

    root = Path(__file__).resolve().parents[1] / "pipeline" / "run"
    private = []
    for path in sorted(root.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("pipeline")
            ):
                private += [f"{path.name}: {node.module}.{a.name}" for a in node.names
                            if a.name.startswith("_")]  # fmt: skip
    assert private == []
