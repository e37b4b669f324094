"""The whole ``newsflow run`` (frontier, extraction pool, staging, load) over the loopback farm.

Figures from issue 12, each measured by running the real CLI in a subprocess while this process
serves the farm (so server-side counts come from the farm's own log):

* **compute** (farm ``real``: the 313 pages of ``../shared/eval/extraction`` on 10 hosts, delay
  0): ``newsflow run --no-models`` wall time against a one-process ``trafilatura.extract`` loop
  over the same files, in the same run. Target ≤ 1.3×.
* **politeness** (farm ``uneven``: ~1,000 articles on 25 hosts, delay 1 s): wall time against
  1.15 × the busiest host's article count × 1 s + 10 s.
* **quiet** (farm ``quiet``: 1,000 feeds on 100 hosts, every feed unchanged): the poll state
  holds each feed's ETag, ``newsflow run --all``: ≤ 30 s, one conditional request per feed, no
  page request.
* **steady** (10,000 feeds on 200 hosts, 5 % changed): cycle time, requests, peak RSS; then a
  run without ``--all`` right after (adaptive polling: nothing is due).
* **scale**: the quiet cycle at three sizes and the fitted growth exponent.

    .venv/bin/python benchmarks/bench_run.py --only compute quiet    # minutes
    .venv/bin/python benchmarks/bench_run.py --smoke                 # seconds; a test runs it
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import webfarm

ROOT = Path(__file__).resolve().parents[1]


def _newsflow() -> list[str]:
    exe = Path(sys.executable).with_name("newsflow")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "pipeline"]


def _run(feeds: Path, db: Path, *extra: str) -> dict[str, Any]:
    """One ``newsflow run --no-models``: wall seconds, exit code, largest child RSS (MB)."""
    t0 = time.monotonic()
    proc = subprocess.run(
        [*_newsflow(), "run", "--feeds", str(feeds), "--db", str(db), "--no-models",
         "--progress", "off", *extra],
        capture_output=True, text=True, timeout=3600, cwd=ROOT,
    )  # fmt: skip
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"newsflow run failed ({proc.returncode}): {proc.stderr[-2000:]}")
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"wall_s": round(wall, 2), "summary": proc.stdout.strip()[-400:], "max_rss_mb": rss}


def _seed_validators(farm: webfarm.WebFarm, staging_dir: Path, changed: set[str]) -> None:
    """Poll history as an earlier run leaves it, staged for the loader that ``newsflow run``
    starts with: each feed polled an hour ago with its current ETag (``changed`` feeds: a
    stale one, so they answer 200)."""
    from datetime import UTC, datetime, timedelta

    from pipeline.storage.schema import PollRow
    from pipeline.storage.staging import write_batch

    at = datetime.now(UTC) - timedelta(hours=1)
    rows = [
        PollRow(
            poll_id=f"seed-{fid}",
            run_id="seed",
            feed_id=fid,
            feed_url=farm.url(host, path),
            polled_at=at,
            outcome="not_modified",
            status_code=304,
            duration_ms=1,
            n_entries=0,
            n_new=0,
            etag='"stale"' if fid in changed else farm.etag(host, path),
            last_modified=None,
            feed_format=None,
            error=None,
            n_dropped=None,
            next_due_at=at,
            feed_state="ok",
            schedule_note="seeded by bench_run",
            publisher_interval_s=None,
        )
        for fid, host, path in farm.feeds()
    ]
    write_batch(staging_dir, "00000000T000000Z-seed", "seed", {"feed_polls": rows})


def _requests(farm: webfarm.WebFarm) -> dict[str, int]:
    hits = farm.hits
    return {
        "feed_requests": sum(1 for h in hits if "/feed" in h.path),
        "conditional": sum(1 for h in hits if h.conditional),
        "status_304": sum(1 for h in hits if h.status == 304),
        "page_requests": sum(1 for h in hits if h.path.startswith(("/a/", "/p/"))),
        "robots": sum(1 for h in hits if h.path == "/robots.txt"),
    }


def compute(html_dir: Path | None, tmp: Path, limit: int | None = None) -> dict[str, Any]:
    """The pipeline against a bare trafilatura loop over the same real pages."""
    import trafilatura

    hosts = webfarm.build("real", html_dir=html_dir)
    if limit:
        for spec in hosts:
            spec.pages = dict(list(spec.pages.items())[: max(1, limit // len(hosts))])
            spec.feeds = webfarm._chunk_feeds(list(spec.pages))
    files = [p for spec in hosts for p in spec.pages.values()]
    t0 = time.monotonic()
    for f in files:
        trafilatura.extract(f.read_bytes(), url=f.as_uri())
    bare = time.monotonic() - t0
    with webfarm.WebFarm(hosts) as farm:
        feeds = farm.write_feeds_yaml(tmp / "compute.yaml", per_host_delay=0.0)
        run = _run(feeds, tmp / "compute.duckdb")
        req = _requests(farm)
    return {
        "scenario": "compute",
        "pages": len(files),
        "bare_trafilatura_s": round(bare, 2),
        **run,
        "ratio": round(run["wall_s"] / bare, 2) if bare else None,
        "target_ratio": 1.3,
        **req,
    }


def politeness(n_articles: int, delay: float, tmp: Path) -> dict[str, Any]:
    hosts = webfarm.uneven_farm(n_articles, 25)
    busiest = max(len(h.pages) for h in hosts)
    with webfarm.WebFarm(hosts) as farm:
        feeds = farm.write_feeds_yaml(
            tmp / "polite.yaml", per_host_delay=delay, fetch_concurrency=16
        )
        run = _run(feeds, tmp / "polite.duckdb")
        req = _requests(farm)
    bound = 1.15 * busiest * delay + 10
    return {"scenario": "politeness", "articles": n_articles, "busiest_host": busiest,
            "delay_s": delay, **run, "bound_s": round(bound, 1), **req}  # fmt: skip


def quiet(n_feeds: int, n_hosts: int, tmp: Path, changed: float = 0.0) -> dict[str, Any]:
    """Every feed's validators seeded (``changed`` of them stale), then ``run --all``; then a
    plain run right after, when adaptive polling finds nothing due."""
    hosts = webfarm.quiet_farm(n_feeds, n_hosts)
    with webfarm.WebFarm(hosts) as farm:
        ids = [fid for fid, _, _ in farm.feeds()]
        stale = set(ids[:: max(1, round(1 / changed))]) if changed else set()
        feeds = farm.write_feeds_yaml(
            tmp / f"quiet{n_feeds}.yaml", per_host_delay=1.0, fetch_concurrency=16
        )
        db = tmp / f"quiet{n_feeds}.duckdb"
        _seed_validators(farm, tmp / "staging", stale)
        run = _run(feeds, db, "--all")
        req = _requests(farm)
        n_before = len(farm.hits)
        again = _run(feeds, db)
        polled_again = len(farm.hits) - n_before
    return {"scenario": "quiet" if not changed else "steady", "feeds": n_feeds, "hosts": n_hosts,
            "changed": len(stale), **run, **req, "next_run_wall_s": again["wall_s"],
            "next_run_requests": polled_again}  # fmt: skip


def scale(sizes: list[int], tmp: Path) -> dict[str, Any]:
    """The quiet cycle at several sizes and the fitted exponent of wall time ~ feeds^k."""
    points = []
    for n in sizes:
        sub = tmp / f"scale{n}"
        sub.mkdir()
        r = quiet(n, max(10, n // 10), sub)
        points.append((n, r["wall_s"]))
    (n0, t0), (n1, t1) = points[0], points[-1]
    k = math.log(t1 / t0) / math.log(n1 / n0) if t0 > 0 and n1 != n0 else None
    return {"scenario": "scale", "points": points, "exponent": round(k, 2) if k else None}


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, no delay")
    ap.add_argument("--only", nargs="*", default=None,
                    choices=["compute", "politeness", "quiet", "steady", "scale"])  # fmt: skip
    ap.add_argument("--html-dir", type=Path, default=None)
    args = ap.parse_args(argv)
    wanted = set(args.only or ["compute", "politeness", "quiet", "steady", "scale"])
    out = []
    with tempfile.TemporaryDirectory(prefix="bench_run_") as d:
        tmp = Path(d)
        for name in ["compute", "politeness", "quiet", "steady", "scale"]:
            if name not in wanted:
                continue
            sub = tmp / name
            sub.mkdir()
            if name == "compute":
                if args.smoke and args.html_dir is None:
                    continue  # the real pages are shared data; the smoke run stays self-contained
                res = compute(args.html_dir, sub, limit=20 if args.smoke else None)
            elif name == "politeness":
                res = politeness(50 if args.smoke else 1000, 0.0 if args.smoke else 1.0, sub)
            elif name == "quiet":
                res = quiet(40 if args.smoke else 1000, 10 if args.smoke else 100, sub)
            elif name == "steady":
                res = quiet(60 if args.smoke else 10_000, 10 if args.smoke else 200, sub, 0.05)
            else:
                res = scale([20, 40] if args.smoke else [250, 500, 1000], sub)
            print(json.dumps(res), flush=True)
            out.append(res)
    return out


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
