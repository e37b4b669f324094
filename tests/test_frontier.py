"""The crawl frontier against a real multi-host web on loopback (benchmarks/webfarm.py).

Every claim is checked from the servers' side: which host was asked what, and when. Timing
checks compare events with each other (this host's requests all ended before that one's first
answer came back) or use bounds far from the expected value, so a busy machine does not fail
them.
"""

from __future__ import annotations

import importlib.util
import itertools
import re
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers import REPO, load_script

from pipeline.acquire.frontier import (
    DEFERRED,
    Frontier,
    FrontierConfig,
    FrontierResult,
    WorkItem,
    fetch_all,
    host_key,
    shard_for,
)
from pipeline.outcomes import PollOutcome, UrlOutcome
from pipeline.settings import Settings

pytestmark = pytest.mark.timeout(60)

webfarm = load_script(REPO / "benchmarks" / "webfarm.py")
HostSpec, WebFarm = webfarm.HostSpec, webfarm.WebFarm


def _settings(farm: WebFarm, **kw: object) -> Settings:
    base: dict[str, object] = {
        "allow_private_hosts": True,
        "resolve": farm.resolve(),
        "per_host_delay": 0.0,
        "connect_timeout": 1.0,
        "read_timeout": 1.0,
        "request_deadline": 1.5,
        "max_retries": 0,
        "backoff_base": 0.01,
        "fetch_concurrency": 4,
    }
    base.update(kw)
    return Settings(**base)


def _pages(name: str, n: int, **kw: object) -> HostSpec:
    spec = HostSpec(name, {f"/a/{i}.html": webfarm.article_html(len(name), i) for i in range(n)})
    spec.feeds = {"/feed-0.xml": list(spec.pages)}
    for k, v in kw.items():
        setattr(spec, k, v)
    return spec


def _items(farm: WebFarm, host: str, prefix: str = "/a/") -> list[WorkItem]:
    spec = farm.hosts[host]
    paths = [p for p in (*spec.pages, *spec.behaviours) if p.startswith(prefix)]
    return [WorkItem(farm.url(host, p), "page", payload=(host, p)) for p in paths]


def test_host_key_is_host_and_port() -> None:
    assert host_key("http://Example.COM/a") == "example.com:80"
    assert host_key("https://example.com./a") == "example.com:443"
    assert host_key("http://h1.farm.test:8081/x") == "h1.farm.test:8081"
    assert WorkItem("http://a.test/x", "page", host="outlet-a").key == "outlet-a"


def test_shard_for_is_stable_and_spreads_hosts() -> None:
    keys = [f"h{i}.example:80" for i in range(400)]
    shards = [shard_for(k, 8) for k in keys]
    assert shards == [shard_for(k, 8) for k in keys]  # no per-process hash seed
    assert shard_for("bbc.co.uk:443", 16) == 0  # pinned: shard assignment must not drift
    counts = [shards.count(i) for i in range(8)]
    assert min(counts) > 25 and max(counts) < 75
    with pytest.raises(ValueError):
        shard_for("a:80", 0)


def test_every_item_gets_one_result_and_each_page_one_request() -> None:
    hosts = [_pages(f"h{i}.farm.test", 5) for i in range(3)]
    with WebFarm(hosts) as farm:
        items = [it for h in farm.hosts for it in _items(farm, h)]
        results = list(fetch_all(_settings(farm), items))
        assert sorted(r.item.payload for r in results) == sorted(it.payload for it in items)
        assert {r.outcome for r in results} == {"ok"}
        assert all(r.attempted and r.started_at is not None for r in results)
        page_hits = farm.hits_for(prefix="/a/")
        assert len(page_hits) == len(items)
        assert len({(h.host, h.path) for h in page_hits}) == len(items)


def test_hosts_are_fetched_at_once_but_each_host_one_at_a_time() -> None:
    hosts = [_pages(f"h{i}.farm.test", 3, latency=0.3) for i in range(4)]
    with WebFarm(hosts) as farm:
        items = [it for h in farm.hosts for it in _items(farm, h)]
        results = list(fetch_all(_settings(farm, fetch_concurrency=4), items))
        assert len(results) == 12 and all(r.ok for r in results)
        assert farm.max_overlap() >= 2  # several hosts in flight together
        for h in farm.hosts:
            assert farm.max_overlap(h) == 1  # never two requests to one host at once


def test_global_concurrency_limit_is_respected() -> None:
    hosts = [_pages(f"h{i}.farm.test", 2, latency=0.2) for i in range(6)]
    with WebFarm(hosts) as farm:
        items = [it for h in farm.hosts for it in _items(farm, h)]
        results = list(fetch_all(_settings(farm, fetch_concurrency=2), items))
        assert all(r.ok for r in results)
        assert farm.max_overlap() == 2


def test_per_host_delay_is_kept_per_host_while_hosts_interleave() -> None:
    delay = 0.4
    hosts = [_pages(f"h{i}.farm.test", 4) for i in range(3)]
    with WebFarm(hosts) as farm:
        items = [it for h in farm.hosts for it in _items(farm, h)]
        results = list(fetch_all(_settings(farm, per_host_delay=delay), items))
        assert all(r.ok for r in results)
        spans = {}
        for h in farm.hosts:
            hits = sorted(farm.hits_for(h), key=lambda x: x.start)  # robots.txt + 4 pages
            assert len(hits) == 5
            gaps = [b.start - a.end for a, b in itertools.pairwise(hits)]
            assert min(gaps) >= delay - 0.02, (h, gaps)
            spans[h] = (hits[0].start, hits[-1].end)
        # the hosts' request windows overlap: they waited on their delays side by side
        latest_start = max(s for s, _ in spans.values())
        earliest_end = min(e for _, e in spans.values())
        assert latest_start < earliest_end


def test_a_sleeping_host_gives_its_request_slot_to_others() -> None:
    """robots.txt Crawl-delay makes host A's Fetcher sleep; with one request slot, host B's
    requests run during that sleep instead of waiting behind it."""
    slow = _pages("a.farm.test", 1, robots="User-agent: *\nCrawl-delay: 1.5\n")
    other = _pages("b.farm.test", 4)
    with WebFarm([slow, other]) as farm:
        with Frontier(_settings(farm, fetch_concurrency=1)) as frontier:
            frontier.submit(_items(farm, "a.farm.test"))
            deadline = time.monotonic() + 10
            while not farm.hits_for("a.farm.test") and time.monotonic() < deadline:
                time.sleep(0.01)
            frontier.submit(_items(farm, "b.farm.test"))  # while A sleeps out its Crawl-delay
            results = list(frontier.results())
        assert len(results) == 5 and all(r.ok for r in results)
        a_robots, a_page = sorted(farm.hits_for("a.farm.test"), key=lambda h: h.start)
        assert a_page.start - a_robots.end >= 1.4  # Crawl-delay kept by A's Fetcher
        b_pages = farm.hits_for("b.farm.test", "/a/")
        during = [h for h in b_pages if a_robots.end <= h.start and h.end <= a_page.start]
        assert len(during) >= 3


def test_a_hanging_host_does_not_hold_up_others_and_its_circuit_opens() -> None:
    healthy = _pages("ok.farm.test", 6)
    hang = HostSpec("hang.farm.test", behaviours={f"/a/{i}.html": "hang" for i in range(5)})
    with WebFarm([healthy, hang]) as farm:
        items = _items(farm, "hang.farm.test") + _items(farm, "ok.farm.test")
        settings = _settings(farm, per_host_delay=0.05, fetch_concurrency=2)
        config = FrontierConfig.from_settings(settings, host_max_timeouts=2)
        with Frontier(settings, config=config) as frontier:
            frontier.submit(items)
            order: list[FrontierResult] = list(frontier.results())
            report = frontier.host_report()
        by_host = {
            h: [r for r in order if r.item.payload[0] == h]
            for h in ("ok.farm.test", "hang.farm.test")
        }
        assert [r.outcome for r in by_host["ok.farm.test"]] == ["ok"] * 6
        first_hang = order.index(by_host["hang.farm.test"][0])
        assert all(order.index(r) < first_hang for r in by_host["ok.farm.test"])
        outcomes = [r.outcome for r in by_host["hang.farm.test"]]
        assert outcomes.count("timeout") == 2 and outcomes.count(DEFERRED) == 3
        for r in by_host["hang.farm.test"]:
            assert r.attempted == (r.outcome == "timeout")
            if r.outcome == DEFERRED:
                assert "timed out 2 times" in (r.error or "")
        assert farm.n_started("hang.farm.test", "/a/") == 2  # deferred URLs never asked
        assert report[f"hang.farm.test:{farm.port('hang.farm.test')}"]["timeouts"] == 2
    assert DEFERRED == UrlOutcome.DEFERRED == PollOutcome.DEFERRED


def test_failure_budget_in_seconds_defers_the_rest_of_a_host() -> None:
    bad = HostSpec("bad.farm.test", behaviours={f"/a/{i}.html": "500" for i in range(4)})
    bad.latency = 0.2
    with WebFarm([bad, _pages("ok.farm.test", 2)]) as farm:
        settings = _settings(farm)
        config = FrontierConfig.from_settings(settings, host_failure_budget=0.1)
        items = _items(farm, "bad.farm.test") + _items(farm, "ok.farm.test")
        with Frontier(settings, config=config) as frontier:
            frontier.submit(items)
            results = list(frontier.results())
            # a host whose circuit is open defers new work at once, without a request
            frontier.submit([WorkItem(farm.url("bad.farm.test", "/a/9.html"), "page")])
            late = list(frontier.results())
        bad_res = [r for r in results if r.item.payload[0] == "bad.farm.test"]
        assert [r.outcome for r in bad_res].count("http_error") == 1
        assert [r.outcome for r in bad_res].count(DEFERRED) == 3
        assert "in errors this run" in next(r.error for r in bad_res if r.outcome == DEFERRED)
        assert [r.outcome for r in late] == [DEFERRED]
        assert [r.outcome for r in results if r.item.payload[0] == "ok.farm.test"] == ["ok"] * 2
        assert len(farm.hits_for("bad.farm.test", "/a/")) == 1


def test_a_host_that_keeps_throttling_is_paused_then_deferred() -> None:
    slow_down = HostSpec("busy.farm.test", behaviours={f"/a/{i}.html": "429" for i in range(4)})
    slow_down.retry_after = 0  # the Fetcher honours it and retries at once
    with WebFarm([slow_down]) as farm:
        settings = _settings(farm, max_retries=1)
        config = FrontierConfig.from_settings(settings, throttle_pause=0.5)
        with Frontier(settings, config=config) as frontier:
            frontier.submit(_items(farm, "busy.farm.test"))
            results = list(frontier.results())
        outcomes = [r.outcome for r in results]
        assert outcomes.count("http_error") == 2 and outcomes.count(DEFERRED) == 2
        assert all(r.fetch.status_code == 429 for r in results if r.attempted)
        assert "429/503" in next(r.error for r in results if r.outcome == DEFERRED)
        hits = sorted(farm.hits_for("busy.farm.test", "/a/"), key=lambda h: h.start)
        assert len(hits) == 4  # two URLs, each tried twice
        assert hits[2].start - hits[1].end >= 0.45  # paused after the first URL's last 429


def test_stop_flag_ends_the_run_within_seconds_and_loses_nothing() -> None:
    busy = _pages("busy.farm.test", 30)
    hang = HostSpec("hang.farm.test", behaviours={"/a/0.html": "hang"})
    with WebFarm([busy, hang]) as farm:
        settings = _settings(farm, per_host_delay=0.3, read_timeout=20, request_deadline=30)
        stop = threading.Event()
        items = _items(farm, "hang.farm.test") + _items(farm, "busy.farm.test")
        results: list[FrontierResult] = []
        config = FrontierConfig.from_settings(settings, stop_grace=1.0)
        with Frontier(settings, config=config, stop=stop) as frontier:
            frontier.submit(items)
            for res in frontier.results():
                results.append(res)
                if len(results) == 3 and not stop.is_set():
                    stop.set()
                    stopped_at = time.monotonic()
            elapsed = time.monotonic() - stopped_at
            late = frontier.submit([WorkItem(farm.url("busy.farm.test", "/a/0.html"), "page")])
            assert late == 1
            assert [r.outcome for r in frontier.results()] == [DEFERRED]
        assert elapsed < 5.0  # grace 1 s; the hanging request is abandoned, not waited for
        assert sorted(r.item.url for r in results) == sorted(i.url for i in items)
        deferred = [r for r in results if r.outcome == DEFERRED]
        assert len(deferred) >= 20 and all(not r.attempted for r in deferred)
        assert any("being fetched" in (r.error or "") for r in deferred)  # the hanging one
        served = {h.path for h in farm.hits_for("busy.farm.test", "/a/") if h.status == 200}
        ok = {r.item.payload[1] for r in results if r.ok}
        assert ok <= served and len(served - ok) <= 1  # at most the one in flight at stop


def test_pages_submitted_from_the_results_loop_are_fetched() -> None:
    """Poll feeds, then feed each poll's links back in while other hosts still fetch."""
    hosts = [_pages(f"h{i}.farm.test", 4) for i in range(3)]
    with WebFarm(hosts) as farm:
        feeds = [WorkItem(url, "feed", payload=fid) for fid, url in farm.feed_urls()]
        pages: list[FrontierResult] = []
        with Frontier(_settings(farm, per_host_delay=0.05)) as frontier:
            frontier.submit(feeds)
            for res in frontier.results():
                if res.item.kind == "feed":
                    assert res.ok, res.error
                    links = re.findall(rb"<link>(http://[^<]+\.html)</link>", res.fetch.content)
                    frontier.submit(WorkItem(u.decode(), "page") for u in links)
                else:
                    pages.append(res)
        assert len(pages) == 12 and all(r.ok for r in pages)


def test_a_slow_consumer_holds_fetching_back() -> None:
    """Pages not yet taken by the consumer count against ``max_buffered``: when extraction
    falls behind, the frontier stops fetching instead of piling pages up in memory."""
    hosts = [_pages(f"h{i}.farm.test", 6) for i in range(3)]
    with WebFarm(hosts) as farm:
        items = [it for h in farm.hosts for it in _items(farm, h)]
        settings = _settings(farm)
        config = FrontierConfig.from_settings(settings, max_buffered=3)
        with Frontier(settings, config=config) as frontier:
            frontier.submit(items)
            time.sleep(0.5)  # nobody reads results yet
            assert (
                farm.n_started("h0.farm.test", "/a/")
                + farm.n_started("h1.farm.test", "/a/")
                + farm.n_started("h2.farm.test", "/a/")
                == 3
            )
            results = list(frontier.results())
        assert len(results) == 18 and all(r.ok for r in results)


def test_a_fetcher_bug_is_recorded_per_item_and_never_hangs_the_run() -> None:
    def broken(sleep: object) -> object:
        raise RuntimeError("boom")

    settings = Settings(allow_private_hosts=True)
    items = [WorkItem(f"http://h{i}.test/a", "page") for i in range(3)]
    with Frontier(settings, fetcher_factory=broken) as frontier:  # type: ignore[arg-type]
        frontier.submit(items)
        results = list(frontier.results())
    assert [r.outcome for r in results] == ["network_error"] * 3
    assert all("internal error: RuntimeError: boom" in (r.error or "") for r in results)


def test_ticks_let_the_consumer_work_while_hosts_wait() -> None:
    with WebFarm([_pages("h0.farm.test", 2, latency=0.5)]) as farm:
        with Frontier(_settings(farm)) as frontier:
            frontier.submit(_items(farm, "h0.farm.test"))
            seen = list(frontier.results_with_ticks(0.1))
        got = [r for r in seen if r is not None]
        assert len(got) == 2 and all(r.ok for r in got)
        assert seen.count(None) >= 4  # ~1 s of latency in 0.1 s ticks (robots + 2 pages)
        assert seen[-1] is not None  # ends with the last result, not a tick


def test_conditional_requests_pass_validators_and_come_back_not_modified() -> None:
    with WebFarm([_pages("h0.farm.test", 2)]) as farm:
        settings = _settings(farm)
        (_fid, url), *_ = farm.feed_urls()
        first = next(iter(fetch_all(settings, [WorkItem(url, "feed")])))
        assert first.ok and first.fetch.etag
        again = next(iter(fetch_all(settings, [WorkItem(url, "feed", etag=first.fetch.etag)])))
        assert again.outcome == "not_modified"
        feed_hits = farm.hits_for("h0.farm.test", "/feed")
        assert [h.conditional for h in feed_hits] == [False, True]


# ------------------------------------------------------------------------- clean shutdown

_CHILD = """
import json, sys, threading
from pipeline.acquire.frontier import Frontier, FrontierConfig, WorkItem
from pipeline.run.shutdown import stop_on_signals
from pipeline.settings import Settings

cfg = json.loads(sys.argv[1])
settings = Settings(**cfg["settings"])
counts = {}
with stop_on_signals() as stop, Frontier(
    settings, stop=stop, config=FrontierConfig.from_settings(settings, stop_grace=1.0)
) as frontier:
    frontier.submit(WorkItem(u, "page") for u in cfg["urls"])
    for res in frontier.results():
        counts[res.outcome] = counts.get(res.outcome, 0) + 1
        if sum(counts.values()) == 2:
            print("READY", flush=True)
print(json.dumps(counts), flush=True)
"""


def test_sigterm_stops_a_running_frontier_within_seconds_and_reports_every_item() -> None:
    import json
    import signal
    import subprocess

    busy = _pages("busy.farm.test", 40)
    hang = HostSpec("hang.farm.test", behaviours={"/a/0.html": "hang"})
    with WebFarm([busy, hang]) as farm:
        urls = [it.url for it in _items(farm, "hang.farm.test") + _items(farm, "busy.farm.test")]
        settings = _settings(farm, per_host_delay=0.3, read_timeout=30, request_deadline=30)
        cfg = {"settings": settings.model_dump(mode="json"), "urls": urls}
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, json.dumps(cfg)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "READY"
            t0 = time.monotonic()
            child.send_signal(signal.SIGTERM)
            out, _ = child.communicate(timeout=15)
            elapsed = time.monotonic() - t0
        finally:
            child.kill()
        assert child.returncode == 0
        assert elapsed < 6.0  # grace 1 s + start-up noise; the hanging fetch is abandoned
        counts = json.loads(out.strip().splitlines()[-1])
        assert sum(counts.values()) == len(urls)
        assert counts.get("deferred", 0) >= 20 and counts.get("ok", 0) >= 2


def test_stop_on_signals_sets_the_event_then_restores_handlers() -> None:
    import os
    import signal

    from pipeline.run.shutdown import stop_on_signals

    before = signal.getsignal(signal.SIGTERM)
    with stop_on_signals() as stop:
        assert not stop.is_set()
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.05)  # the handler runs between bytecodes of the main thread
        assert stop.is_set()
    assert signal.getsignal(signal.SIGTERM) is before
    with stop_on_signals(signals=(signal.SIGINT,)) as stop, pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
        assert stop.is_set()
        os.kill(os.getpid(), signal.SIGINT)  # a second Ctrl-C means now
        time.sleep(0.05)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_stop_on_signals_off_the_main_thread_just_yields_the_event() -> None:
    from pipeline.run.shutdown import stop_on_signals

    seen: list[bool] = []

    def run() -> None:
        with stop_on_signals() as stop:
            seen.append(stop.is_set())

    t = threading.Thread(target=run)
    t.start()
    t.join()
    assert seen == [False]


# ------------------------------------------------------------------------ farm and benchmark


def test_bench_frontier_smoke_keeps_the_harness_working() -> None:
    """A tiny run of benchmarks/bench_frontier.py: not timed, only checked for what it counts."""
    bench_path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_frontier.py"
    spec = importlib.util.spec_from_file_location("bench_frontier", bench_path)
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    polite, quiet = bench.main(["--smoke"])
    assert polite["outcomes"] == {"feed:ok": polite["feeds"], "page:ok": polite["articles"]}
    assert quiet["outcomes"] == {"not_modified": quiet["feeds"]}
    assert quiet["conditional_requests"] == quiet["feed_requests"] == quiet["feeds"]
    assert quiet["page_requests"] == 0 and quiet["feeds_requested_more_than_once"] == 0


def test_real_farm_serves_the_shared_extraction_pages() -> None:
    from pipeline.paths import shared_path

    html_dir = shared_path("eval", "extraction", "html")
    if html_dir is None or not html_dir.is_dir():
        pytest.skip("../shared/eval/extraction/html is absent (set NEWSFLOW_SHARED)")
    hosts = webfarm.real_farm(html_dir)
    assert len(hosts) == 10 and sum(len(h.pages) for h in hosts) == len(
        list(html_dir.glob("*.html"))
    )
    with WebFarm(hosts) as farm:
        feeds = [WorkItem(url, "feed") for _, url in farm.feed_urls()]
        results = list(fetch_all(_settings(farm), feeds))
        assert all(r.ok for r in results)
        first = hosts[0]
        path, file = next(iter(first.pages.items()))
        page = list(fetch_all(_settings(farm), [WorkItem(farm.url(first.name, path), "page")]))
        assert page[0].ok and page[0].fetch.content == file.read_bytes()
        first_feed = next(r for r in results if r.item.url.startswith(farm.url(first.name, "/")))
        assert farm.url(first.name, path).encode() in first_feed.fetch.content


def test_write_feeds_yaml_loads_as_settings(tmp_path: Path) -> None:
    from pipeline.settings import load_settings

    with WebFarm(webfarm.hostile_farm(n_pages=2)) as farm:
        path = farm.write_feeds_yaml(tmp_path / "FEEDS.yaml", per_host_delay=0.5)
        settings = load_settings(path, environ={})
        assert settings.allow_private_hosts and settings.per_host_delay == 0.5
        assert len(settings.feeds) == 5
        assert settings.resolve["hang.farm.test"] == "127.0.0.1"
        assert {f.url for f in settings.feeds} == {u for _, u in farm.feed_urls()}
