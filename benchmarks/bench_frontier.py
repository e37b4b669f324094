"""The crawl frontier alone (no extraction, no DB) over the loopback web farm.

Two figures from issue 12:

* **politeness bound** (farm ``uneven``: ~1,000 articles on 25 hosts of uneven sizes, per-host
  delay 1 s): poll every feed, parse it, stream its links back into the same frontier, fetch
  every page. Wall time against the bound, the busiest host's article count × delay (the host
  also serves its feeds and robots.txt, so its request count × delay is printed too).
* **quiet cycle** (farm ``quiet``: 1,000 feeds on 100 hosts): one conditional GET per feed with
  the ETag the feed serves; every answer must be a 304 and no page may be requested.

    .venv/bin/python benchmarks/bench_frontier.py                # full sizes, ~4 minutes
    .venv/bin/python benchmarks/bench_frontier.py --smoke        # seconds; keeps it working
    .venv/bin/python benchmarks/bench_frontier.py --only hostile # issue 13 item 5, ~2 minutes

Server-side counts (requests per host, most requests in flight at once) come from the farm's
own log, so a figure cannot come from a request that did not happen.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import webfarm

from pipeline.acquire.feeds import parse_feed
from pipeline.acquire.frontier import Frontier, WorkItem
from pipeline.settings import Settings


def _settings(farm: webfarm.WebFarm, delay: float, concurrency: int) -> Settings:
    return Settings(
        allow_private_hosts=True,
        resolve=farm.resolve(),
        per_host_delay=delay,
        fetch_concurrency=concurrency,
    )


def _crawl(hosts: list[webfarm.HostSpec], delay: float, concurrency: int) -> dict[str, Any]:
    """Poll every feed, stream each feed's links back into the frontier, fetch every page."""
    with webfarm.WebFarm(hosts) as farm:
        settings = _settings(farm, delay, concurrency)
        outcomes: Counter[str] = Counter()
        t0 = time.monotonic()
        first_page_at = None
        with Frontier(settings) as frontier:
            frontier.submit(WorkItem(url, "feed", payload=fid) for fid, url in farm.feed_urls())
            for res in frontier.results():
                outcomes[f"{res.item.kind}:{res.outcome}"] += 1
                if res.item.kind == "feed" and res.ok:
                    parsed = parse_feed(res.fetch.content, res.item.url, 1000, "application/xml")
                    frontier.submit(WorkItem(e.link, "page") for e in parsed.entries)
                elif first_page_at is None and res.item.kind == "page":
                    first_page_at = time.monotonic() - t0
            circuits = {k: v["open"] for k, v in frontier.host_report().items() if v["open"]}
        wall = time.monotonic() - t0
        return {
            "wall_s": round(wall, 2),
            "first_page_after_s": round(first_page_at or 0.0, 2),
            "requests": len(farm.hits),
            "requests_per_host": {h: len(farm.hits_for(h)) for h in farm.hosts},
            "max_in_flight_server_side": farm.max_overlap(),
            "outcomes": dict(outcomes),
            "circuits_opened": circuits,
        }


def politeness(n_articles: int, n_hosts: int, delay: float, concurrency: int) -> dict[str, Any]:
    """All feeds and pages of an uneven farm; wall time vs the politeness bound."""
    hosts = webfarm.uneven_farm(n_articles, n_hosts)
    busiest = max(hosts, key=lambda h: len(h.pages))
    run = _crawl(hosts, delay, concurrency)
    bound = len(busiest.pages) * delay
    per_host = run.pop("requests_per_host")
    return {
        "scenario": "politeness",
        "articles": sum(len(h.pages) for h in hosts),
        "hosts": len(hosts),
        "feeds": sum(len(h.feeds) for h in hosts),
        "delay_s": delay,
        "concurrency": concurrency,
        "busiest_host_articles": len(busiest.pages),
        "busiest_host_requests": per_host[busiest.name],
        "bound_s": bound,
        "ratio_to_bound": round(run["wall_s"] / bound, 3) if bound else None,
        **run,
    }


def hostile(delay: float, concurrency: int) -> dict[str, Any]:
    """A healthy farm alone, then beside hosts that hang, drip, throttle (429) and fail (500),
    with the default deadlines and retries: what the bad hosts add to the run."""
    healthy = webfarm.uneven_farm(100, 5)
    alone = _crawl(healthy, delay, concurrency)
    mixed = _crawl(webfarm.uneven_farm(100, 5) + webfarm.hostile_farm()[1:], delay, concurrency)
    return {
        "scenario": "hostile",
        "delay_s": delay,
        "concurrency": concurrency,
        "healthy_alone_wall_s": alone["wall_s"],
        "with_hostile_wall_s": mixed["wall_s"],
        "added_s": round(mixed["wall_s"] - alone["wall_s"], 2),
        "healthy_pages_ok": alone["outcomes"].get("page:ok", 0),
        "with_hostile": {k: mixed[k] for k in ("outcomes", "circuits_opened", "requests_per_host")},
    }


def quiet(n_feeds: int, n_hosts: int, delay: float, concurrency: int) -> dict[str, Any]:
    """One conditional request per unchanged feed; all must be 304, no page requested."""
    hosts = webfarm.quiet_farm(n_feeds, n_hosts)
    with webfarm.WebFarm(hosts) as farm:
        settings = _settings(farm, delay, concurrency)
        items = [
            WorkItem(farm.url(host, path), "feed", payload=fid, etag=farm.etag(host, path))
            for fid, host, path in farm.feeds()
        ]
        t0 = time.monotonic()
        with Frontier(settings) as frontier:
            frontier.submit(items)
            outcomes = Counter(r.outcome for r in frontier.results())
        wall = time.monotonic() - t0
        feed_hits = farm.hits_for(prefix="/feed-")
        per_feed = Counter((h.host, h.path) for h in feed_hits)
        return {
            "scenario": "quiet",
            "feeds": len(items),
            "hosts": len(hosts),
            "delay_s": delay,
            "concurrency": concurrency,
            "wall_s": round(wall, 2),
            "outcomes": dict(outcomes),
            "feed_requests": len(feed_hits),
            "conditional_requests": sum(1 for h in feed_hits if h.conditional),
            "feeds_requested_more_than_once": sum(1 for n in per_feed.values() if n > 1),
            "page_requests": len(farm.hits_for(prefix="/a/")),
            "robots_requests": len(farm.hits_for(prefix="/robots.txt")),
            "max_in_flight_server_side": farm.max_overlap(),
        }


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, no delay")
    ap.add_argument("--delay", type=float, default=1.0, help="per-host delay (s)")
    ap.add_argument("--concurrency", type=int, default=4, help="requests in flight at once")
    ap.add_argument("--only", choices=["politeness", "quiet", "hostile"], default=None)
    args = ap.parse_args(argv)
    delay = 0.0 if args.smoke else args.delay
    sizes = (
        {"politeness": (60, 6), "quiet": (40, 10)}
        if args.smoke
        else {
            "politeness": (1000, 25),
            "quiet": (1000, 100),
        }
    )
    out = []
    if args.only in (None, "politeness"):
        out.append(politeness(*sizes["politeness"], delay, args.concurrency))
        print(json.dumps(out[-1]), flush=True)
    if args.only in (None, "quiet"):
        out.append(quiet(*sizes["quiet"], delay, args.concurrency))
        print(json.dumps(out[-1]), flush=True)
    if args.only == "hostile":  # ~2 minutes of deadlines: run on request only
        out.append(hostile(delay, args.concurrency))
        print(json.dumps(out[-1]), flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"peak_rss_mb": round(peak, 1)}), flush=True)
    return out


if __name__ == "__main__":
    main()
