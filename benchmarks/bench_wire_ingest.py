"""Wire ingest throughput: a drop folder of NewsML-G2 items through poll (claim, parse, tag,
stage) and the loader (version fold, insert), then a second delivery of every item as version 2
(the update-in-place path), on a real DuckDB file.

Printed per phase: items, seconds, items per second, and the loader's share. Place tagging runs
in-process (no worker pool), as ``poll_wire_feed(pool=None)`` does.

    .venv/bin/python benchmarks/bench_wire_ingest.py [--items 400]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.run.clock import new_run_id  # noqa: E402
from pipeline.run.passes import load  # noqa: E402
from pipeline.run.wire import poll_wire_feed  # noqa: E402
from pipeline.settings import load_settings  # noqa: E402
from tests.test_wire_crash import ITEM, WORDS  # noqa: E402


def drop(inbox: Path, n_items: int, version: int) -> None:
    for n in range(n_items):
        text = ITEM.format(n=n, v=version, h=8 + version, word=WORDS[n % len(WORDS)], extra="x")
        (inbox / f"item{n:05d}-v{version}.xml").write_text(text, encoding="utf-8")


def phase(settings, inbox: Path, n_items: int, version: int) -> tuple[float, float]:
    drop(inbox, n_items, version)
    run_id = new_run_id()
    t0 = time.perf_counter()
    poll_wire_feed(settings, "bench", run_id)
    t1 = time.perf_counter()
    summary = load(settings, run_id)
    t2 = time.perf_counter()
    assert sum(summary.items.values()) == n_items, summary.items
    return t1 - t0, t2 - t1


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=400)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        inbox = tmp / "inbox"
        inbox.mkdir()
        feeds = tmp / "feeds.yaml"
        feeds.write_text(
            f"feeds:\n  - id: bench\n    url: dir://{inbox}\n"
            f"settings:\n  max_items_per_feed: {args.items}\n",
            encoding="utf-8",
        )
        settings = load_settings(feeds, db_path=tmp / "news.duckdb")
        phase(settings, inbox, 5, 1)  # warm-up: gazetteer, DuckDB file, story index
        for name, version in (("insert (v1)", 1), ("update (v2)", 2)):
            poll_s, load_s = phase(settings, inbox, args.items, version)
            total = poll_s + load_s
            print(
                f"{name}: {args.items} items, poll {poll_s:.2f} s + load {load_s:.2f} s"
                f" = {args.items / total:.0f} items/s (loader {100 * load_s / total:.0f}%)"
            )


if __name__ == "__main__":
    main()
