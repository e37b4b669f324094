"""Issue 13 item 7: what the hostile web costs a real run, with the default settings.

Runs ``newsflow run --no-models`` (a subprocess in its own process group, so the peak RSS of the
whole tree, CLI and extraction workers, is sampled every 0.1 s) three ways over
``benchmarks/hostile_web.py``:

1. the healthy feeds alone;
2. the healthy feeds beside every hostile case (target: at most 60 s more, peak RSS ≤ 1.5 GB);
3. for the cases that are about memory (bombs, endless bodies, the page that makes extraction
   spin, the entity and ReDoS feeds), the healthy feeds beside that one case, for its own peak.

It prints the per-case table for ``benchmarks/RESULTS.md``: expected and recorded outcome,
attempts, seconds the fetch or poll took (from ``fetch_log`` / ``feed_polls``), and peak RSS.

    nice -n 5 .venv/bin/python benchmarks/bench_hostile.py            # ~5 minutes
    nice -n 5 .venv/bin/python benchmarks/bench_hostile.py --quick    # skip the per-case runs
    .venv/bin/python benchmarks/bench_hostile.py --growth   # raw pages per 1,000 articles

``--growth`` (issue 13 item 8, ``docs/operations.md``) inserts 1,000 ``raw_pages`` rows cycling
over the real pages of ``../shared/eval/extraction/html`` (read in place, gzip level 6 as the
pipeline stores them) into a fresh DB and prints how much the file grew after ``CHECKPOINT``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.hostile_web import CASES, FORBIDDEN_IP, HostileWeb

NEWSFLOW = Path(sys.executable).with_name("newsflow")
MEMORY_CASES = (
    "gzip-bomb",
    "feed-gzip-bomb",
    "endless",
    "many-links",
    "feed-entities",
    "feed-redos-author",
)


def _tree_rss(proc: psutil.Process) -> int:
    """Resident bytes of a process and all its descendants (0 for those that just ended)."""
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def run_once(web: HostileWeb, workdir: Path, timeout: float = 1200) -> dict[str, Any]:
    """One ``newsflow run --no-models`` on ``web``: seconds, peak tree RSS, what it recorded."""
    feeds = web.write_feeds_yaml(workdir / "feeds.yaml")
    db = workdir / "n.duckdb"
    cmd = [str(NEWSFLOW), "run", "--no-models", "--feeds", str(feeds), "--db", str(db)]
    t0 = time.monotonic()
    log = (workdir / "run.log").open("w+b")
    proc = subprocess.Popen(cmd, stdout=log, stderr=log, start_new_session=True)
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(ps))
        if time.monotonic() - t0 > timeout:
            os.killpg(proc.pid, signal.SIGKILL)
        time.sleep(0.1)
    seconds = time.monotonic() - t0
    proc.wait()
    log.seek(0)
    err = log.read().decode(errors="replace")
    log.close()
    if proc.returncode != 0:
        raise RuntimeError(f"newsflow run failed ({proc.returncode}): {err[-2000:]}")
    con = duckdb.connect(str(db), read_only=True)
    try:
        fetches = {
            r[0]: r[1:]
            for r in con.execute(
                "SELECT url, outcome, attempts, duration_ms FROM fetch_log"
            ).fetchall()
        }
        polls = {
            r[0]: (r[1], None, r[2])
            for r in con.execute("SELECT feed_id, outcome, duration_ms FROM feed_polls").fetchall()
        }
        stored = {r[0] for r in con.execute("SELECT url FROM articles").fetchall()}
    finally:
        con.close()
    return {
        "seconds": round(seconds, 1),
        "peak_mb": round(peak / 2**20),
        "fetches": fetches,
        "polls": polls,
        "stored": stored,
        "missing": sorted(set(web.healthy_urls()) - stored),
        "forbidden_connections": web.connections[FORBIDDEN_IP],
    }


def _run(with_hostile: bool, only: frozenset[str] | None = None) -> tuple[dict, HostileWeb]:
    with (
        tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp,
        HostileWeb(with_hostile, only) as web,
    ):
        res = run_once(web, Path(tmp))
        res["healthy"] = len(web.healthy_urls())
        res["urls"] = {c.name: web.case_url(c) for c in CASES}
        return res, web


def case_rows(full: dict, per_case: dict[str, dict]) -> list[str]:
    rows = [
        "| case | expected | recorded | attempts | seconds (fetch/poll) | peak RSS alone (MB) |",
        "|---|---|---|---|---|---|",
    ]
    for c in CASES:
        key = c.name if c.kind == "feed" else full["urls"][c.name]
        got = (full["polls"] if c.kind == "feed" else full["fetches"]).get(key)
        outcome, attempts, ms = got if got else ("(none)", None, None)
        alone = per_case.get(c.name, {}).get("peak_mb", "")
        mark = "" if outcome in c.expected else " ✗"
        rows.append(
            f"| {c.name} | {'/'.join(c.expected)} | {outcome}{mark} | {attempts or ''} | "
            f"{(ms or 0) / 1000:.1f} | {alone} |"
        )
    return rows


def raw_page_growth(n: int = 1000) -> str:
    """DB file growth for ``n`` raw pages of real news sites (the shared extraction set)."""
    import gzip
    from datetime import UTC, datetime

    from pipeline.paths import shared_path
    from pipeline.storage.db import open_db

    html_dir = shared_path("eval", "extraction", "html")
    files = sorted(html_dir.glob("*.html")) if html_dir and html_dir.is_dir() else []
    if not files:
        return "no ../shared/eval/extraction/html: set NEWSFLOW_SHARED"
    raw = [f.read_bytes() for f in files]
    gz = [gzip.compress(b, compresslevel=6) for b in raw]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "n.duckdb"
        with open_db(db) as con:
            con.execute("CHECKPOINT")
        before = db.stat().st_size
        with open_db(db) as con:
            now = datetime.now(UTC)
            con.executemany(
                "INSERT INTO raw_pages (article_id, url, final_url, fetched_at, content_type,"
                " encoding, html_gz, n_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        f"a{i:06d}",
                        f"https://x.test/{i}",
                        None,
                        now,
                        "text/html",
                        "gzip",
                        gz[i % len(gz)],
                        len(raw[i % len(raw)]),
                    )
                    for i in range(n)
                ],
            )
            con.execute("CHECKPOINT")
        grew = db.stat().st_size - before
    mb = 2**20
    return (
        f"{len(files)} real pages, mean {sum(map(len, raw)) / len(raw) / 1024:.0f} KB raw, "
        f"{sum(map(len, gz)) / len(gz) / 1024:.0f} KB gzipped; raw_pages: +{grew / mb:.1f} MB of "
        f"DB file per {n} articles ({sum(len(gz[i % len(gz)]) for i in range(n)) / mb:.1f} MB "
        "of gzip data)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="skip the per-case memory runs")
    ap.add_argument("--growth", action="store_true", help="only the raw-page growth figure")
    args = ap.parse_args()
    if args.growth:
        print(raw_page_growth())
        return
    base, _ = _run(False)
    print(f"healthy only: {base['seconds']} s, peak RSS {base['peak_mb']} MB, "
          f"{len(base['stored'])}/{base['healthy']} articles", flush=True)  # fmt: skip
    full, _ = _run(True)
    print(f"healthy + hostile: {full['seconds']} s (+{full['seconds'] - base['seconds']:.1f} s), "
          f"peak RSS {full['peak_mb']} MB, missing healthy {len(full['missing'])}, "
          f"connections to {FORBIDDEN_IP}: {full['forbidden_connections']}", flush=True)  # fmt: skip
    per_case: dict[str, dict] = {}
    if not args.quick:
        for name in MEMORY_CASES:
            per_case[name], _ = _run(True, frozenset({name}))
            print(f"  {name} alone: {per_case[name]['seconds']} s, "
                  f"peak {per_case[name]['peak_mb']} MB", flush=True)  # fmt: skip
    print("\n".join(case_rows(full, per_case)))


if __name__ == "__main__":
    main()
