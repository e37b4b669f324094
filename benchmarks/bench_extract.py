"""Extraction speed: the pipeline's ``extract_article`` against bare ``trafilatura.extract``.

The issue's budget is "at most 1.2x bare trafilatura per page on average". Both run in this one
process on the same pages, interleaved (the order alternates every round so neither always runs
on a warm cache), after a warm-up; each call is timed alone with ``perf_counter``. Printed: mean
ms/page for each, the ratio of the means (the budget's figure), the median and 90th percentile of
the per-page ratio, and how often each body candidate won (fallbacks must stay rare).

    .venv/bin/python benchmarks/bench_extract.py                      # ../shared dev set, else ours
    .venv/bin/python benchmarks/bench_extract.py --data tests/data/extraction --rounds 5
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.evaluation.extraction import hints_kwargs  # noqa: E402
from pipeline.evaluation.extraction_data import (  # noqa: E402
    OWN_SET,
    SHARED_SET,
    load_dataset,
    select_pages,
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, help="labelled set (default: shared dev set, else ours)")
    ap.add_argument("--rounds", type=int, default=3, help="timed passes over the pages")
    ap.add_argument("--limit", type=int, help="at most N pages, spread over the set")
    args = ap.parse_args()

    import trafilatura

    from pipeline.extract import extract_article

    data = args.data or next(
        (s for s in (SHARED_SET, OWN_SET) if s is not None and (s / "gold.json").exists()), None
    )
    if data is None:
        ap.error("no labelled set found: pass --data DIR (gold.json + html/)")
    pages = select_pages(load_dataset(data), (), args.limit)
    blobs = [(p.path.read_bytes(), p.url, hints_kwargs(p.feed)) for p in pages]
    print(f"{len(pages)} pages from {data}, {args.rounds} rounds", file=sys.stderr)

    # warm-up: imports, the language model, regex compilation, readability/justext stoplists
    for raw, url, hints in blobs[:5]:
        trafilatura.extract(raw.decode("utf-8", "replace"), include_comments=False)
        extract_article(raw, url, **hints)

    ours = [0.0] * len(blobs)
    bare = [0.0] * len(blobs)
    winners: Counter[str] = Counter()
    gc.disable()
    try:
        for rnd in range(args.rounds):
            for i, (raw, url, hints) in enumerate(blobs):
                html = raw.decode("utf-8", "replace")
                for which in ("bare", "ours") if (rnd + i) % 2 == 0 else ("ours", "bare"):
                    t0 = time.perf_counter()
                    if which == "bare":
                        trafilatura.extract(html, include_comments=False)
                        bare[i] += time.perf_counter() - t0
                    else:
                        ext = extract_article(raw, url, **hints)
                        ours[i] += time.perf_counter() - t0
                        if rnd == 0:
                            winners[ext.extractor if ext.body else "(none)"] += 1
            gc.collect()
    finally:
        gc.enable()
    n = len(blobs) * args.rounds
    mean_ours, mean_bare = 1000 * sum(ours) / n, 1000 * sum(bare) / n
    ratios = sorted(o / b for o, b in zip(ours, bare, strict=True) if b > 0)
    p90 = ratios[int(0.9 * (len(ratios) - 1))]
    print(f"ours  {mean_ours:7.1f} ms/page")
    print(f"bare  {mean_bare:7.1f} ms/page")
    print(f"ratio of means {mean_ours / mean_bare:.2f}  (budget 1.20)")
    print(f"per-page ratio: median {statistics.median(ratios):.2f}, p90 {p90:.2f}")
    print(
        "body from: "
        + ", ".join(f"{k}={v} ({100 * v / len(blobs):.1f}%)" for k, v in winners.most_common())
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
