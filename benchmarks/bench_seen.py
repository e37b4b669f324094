"""How a fan-out task learns which of its URLs are already done, at scale.

Each Airflow poll task (one per feed) and fetch task (one per batch) asks the exported state
(``state/seen_urls.parquet``) about its own URLs. This builds a state file of N URL hashes and
times, each in a fresh process (so peak memory is that mode's alone):

- ``all``: ``read_seen(state)``, the whole set into Python (what every task did before);
- ``among``: ``read_seen(state, among=<100 hashes, half of them seen>)``.

Usage: .venv/bin/python benchmarks/bench_seen.py [--sizes 100000 1000000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {repo!r})
from pathlib import Path
from pipeline.storage.state import read_seen
state, mode, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
wanted = [f"{{i:016x}}" for i in range(0, 2 * n, 2 * n // 100 + 1)][:100]  # half are seen
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
got = read_seen(state) if mode == "all" else read_seen(state, among=wanted)
seconds = time.perf_counter() - t0
hits = sum(1 for h in wanted if h in got)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"seconds": seconds, "hits": hits, "rss_growth_mb": (peak - base) / 1024}}))
"""


def build_state(directory: Path, n: int) -> None:
    import duckdb

    directory.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        # even numbers are "seen": hex, 16 chars, like url_hash
        con.execute(
            f"COPY (SELECT printf('%016x', 2 * i) AS url_hash FROM range({n}) t(i)) "
            f"TO '{directory / 'seen_urls.parquet'}' (FORMAT parquet)"
        )
    finally:
        con.close()


def run(state: Path, mode: str, n: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(repo=str(REPO)), str(state), mode, str(n)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    print(f"{'seen URLs':>10} {'mode':>6} {'best s':>8} {'RSS growth MB':>14} {'hits/100':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            state = Path(tmp) / str(n)
            build_state(state, n)
            for mode in ("all", "among"):
                runs = [run(state, mode, n) for _ in range(args.rounds)]
                best = min(r["seconds"] for r in runs)
                rss = max(r["rss_growth_mb"] for r in runs)
                print(f"{n:>10,} {mode:>6} {best:>8.3f} {rss:>14.0f} {runs[0]['hits']:>8}")


if __name__ == "__main__":
    main()
