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
* **marts**: load of one 1,000-article batch as the corpus grows (fitted growth), and the
  incremental ``dbt build`` after that batch against a full rebuild, on a corpus built through
  the loader (to 60k articles); ``benchmarks/bench_marts.py`` builds 10k-1M corpora by SQL.

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


def _article_batch(k: int, size: int) -> dict[str, list[Any]]:
    """Batch ``k`` of synthetic articles (distinct ~200-word bodies, one an hour apart per
    outlet over ~60 days) with their fetch_log and url_aliases rows."""
    import random
    from datetime import UTC, datetime, timedelta

    from pipeline.storage.schema import AliasRow, ArticleRow, FetchRow
    from pipeline.stories.fingerprints import content_hash, fingerprint

    t0 = datetime(2026, 9, 1, tzinfo=UTC)
    articles, fetches, aliases = [], [], []
    for i in range(size):
        n = k * size + i
        rng = random.Random(n)
        body = " ".join(rng.choice(webfarm._WORDS) for _ in range(200)) + f" item {n}."
        aid, url = f"a{n:09d}", f"https://o{n % 50}.example/{n}"
        when = t0 + timedelta(minutes=(n * 7) % (60 * 24 * 60))
        articles.append(
            ArticleRow(
                article_id=aid,
                url=url,
                feed_id="f",
                outlet=f"o{n % 50}.example",
                publisher_country="GB",
                title=f"Story {n}",
                title_source="og:title",
                body=body,
                word_count=201,
                published_at=when,
                date_source="page",
                fetched_at=when,
                agency=None,
                agency_evidence=None,
                byline=None,
                content_hash=content_hash(body),
                language="en",
                feed_entry_url=url,
                extractor="bench",
                extractor_version="0",
                run_id="bench",
                batch_id=f"bench-{k}",
                **fingerprint(body).to_columns(),
                section=None,
                date_flags=None,
                published_offset_minutes=None,
                tagger_version=None,
                item_uri=None,
                item_version=None,
                firstcreated=None,
                versioncreated=None,
                urgency=None,
                is_correction=None,
                withdrawn_at=None,
                embargoed_until=None,
            )
        )
        fetches.append(
            FetchRow(
                fetch_id=f"bench-{n}",
                run_id="bench",
                batch_id=f"bench-{k}",
                feed_id="f",
                url=url,
                url_hash=aid,
                final_url=url,
                article_id=aid,
                attempted_at=when,
                outcome="ok",
                status_code=200,
                duration_ms=1,
                n_bytes=1000,
                attempts=1,
                error=None,
            )
        )
        aliases.append(AliasRow(url_hash=aid, url=url, article_id=aid))
    return {"articles": articles, "fetch_log": fetches, "url_aliases": aliases}  # fmt: skip


def marts(sizes: list[int], tmp: Path, batch: int = 1000) -> dict[str, Any]:
    """Load cost of one ``batch``-article batch as the corpus grows, and the dbt build after
    it: incremental against a full rebuild, at the largest size."""
    from pipeline.run.dbt import run_dbt_build
    from pipeline.storage.load import load_staged
    from pipeline.storage.staging import write_batch

    db, staging, state = tmp / "marts.duckdb", tmp / "staging", tmp / "state"
    loads, k = [], 0
    for size in sizes:
        while (k + 1) * batch <= size:
            write_batch(staging, f"bench-{k:05d}", "bench", _article_batch(k, batch))
            t0 = time.monotonic()
            load_staged(db, staging, state)
            took = time.monotonic() - t0
            k += 1
        loads.append((k * batch, round(took, 2)))
    t0 = time.monotonic()
    run_dbt_build(db, full_refresh=True)
    full = time.monotonic() - t0
    write_batch(staging, f"bench-{k:05d}", "bench", _article_batch(k, batch))
    load_staged(db, staging, state)
    t0 = time.monotonic()
    run_dbt_build(db)
    incremental = time.monotonic() - t0
    (n0, t_0), (n1, t_1) = loads[0], loads[-1]
    growth = math.log(t_1 / t_0) / math.log(n1 / n0) if t_0 > 0 and n1 != n0 else None
    return {"scenario": "marts", "load_s_at": loads, "load_growth_exponent":
            round(growth, 2) if growth is not None else None, "articles": (k + 1) * batch,
            "full_build_s": round(full, 1), "incremental_build_s": round(incremental, 1),
            "incremental_share": round(incremental / full, 3)}  # fmt: skip


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, no delay")
    ap.add_argument("--only", nargs="*", default=None,
                    choices=["compute", "politeness", "quiet", "steady", "scale", "marts"])  # fmt: skip
    ap.add_argument("--html-dir", type=Path, default=None)
    args = ap.parse_args(argv)
    wanted = set(args.only or ["compute", "politeness", "quiet", "steady", "scale", "marts"])
    out = []
    with tempfile.TemporaryDirectory(prefix="bench_run_") as d:
        tmp = Path(d)
        for name in ["compute", "politeness", "quiet", "steady", "scale", "marts"]:
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
            elif name == "scale":
                res = scale([20, 40] if args.smoke else [250, 500, 1000], sub)
            else:
                sizes = [200, 400] if args.smoke else [10_000, 30_000, 60_000]
                res = marts(sizes, sub, batch=100 if args.smoke else 1000)
            print(json.dumps(res), flush=True)
            out.append(res)
    return out


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
