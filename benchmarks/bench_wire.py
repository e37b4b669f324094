"""Wire item parsing cost against extracting an HTML page of the same length.

The issue's budget: parsing a ninjs or NewsML-G2 item costs at most 0.2x extracting an HTML page
of the same length with ``pipeline.extract.extract_article``. For every text item (IPTC's
examples in ../shared/eval/wire when present, plus tests/data/wire), a page is built from the
item's own headline and paragraphs inside ordinary page chrome (head metadata, navigation,
footer) and padded with more navigation until it is at least as long as the item's bytes. Both
run in this process, interleaved, after a warm-up; ninjs is validated against its JSON Schema
(strict) when the schemas are available. Printed: items, mean ms per item for each side, and
the ratio of the means per format and overall.

    .venv/bin/python benchmarks/bench_wire.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import gc
import html
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.outcomes import ItemOutcome  # noqa: E402
from pipeline.paths import shared_path  # noqa: E402
from pipeline.wire import WireItem, parse_items  # noqa: E402
from pipeline.wire.ninjs import schema_dir  # noqa: E402

NAV = '<li><a href="/section/{i}">Section {i} news and analysis</a></li>'


def page_for(item: WireItem, length: int) -> bytes:
    """An article page carrying the item's text, at least ``length`` bytes long."""
    title = html.escape(item.headline or "Untitled")
    paras = "".join(f"<p>{html.escape(line)}</p>\n" for line in item.body_text.splitlines())
    date = item.versioncreated.isoformat() if item.versioncreated else ""
    head = (
        f'<!doctype html><html lang="{item.language or "en"}"><head><meta charset="utf-8">'
        f"<title>{title} | Example News</title>"
        f'<meta property="og:title" content="{title}">'
        f'<meta property="article:published_time" content="{date}">'
        f'<meta name="author" content="{html.escape(item.byline or "")}"></head><body>'
    )
    article = (
        f"<main><article><h1>{title}</h1><p class=byline>{html.escape(item.byline or '')}</p>"
        f"{paras}</article></main>"
    )
    nav: list[str] = []
    body = ""
    i = 0
    while True:
        body = (
            f"{head}<header><nav><ul>{''.join(nav)}</ul></nav></header>{article}"
            "<footer><p>© Example News. All rights reserved.</p></footer></body></html>"
        )
        if len(body.encode()) >= length:
            return body.encode()
        i += 1
        nav.append(NAV.format(i=i))


def collect() -> list[tuple[str, bytes, WireItem]]:
    """(format, raw item bytes, parsed item) for every text item available."""
    sources: list[Path] = []
    shared = shared_path("eval", "wire")
    if shared is not None and shared.is_dir():
        sources += sorted(p for p in shared.rglob("*") if p.suffix in (".json", ".xml"))
    sources += sorted((ROOT / "tests" / "data" / "wire").rglob("*.*"))
    out = []
    for path in sources:
        if "schemas" in path.parts or path.suffix not in (".json", ".xml"):
            continue
        for r in parse_items(path.read_bytes(), validate="warn", source=path.name):
            if r.outcome is ItemOutcome.OK and r.item.format in ("ninjs", "newsml-g2"):
                out.append((r.item.format, r.item.raw, r.item))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    from pipeline.extract import extract_article

    schemas = schema_dir()
    validate = "strict" if schemas is not None and schemas.is_dir() else "warn"
    cases = [(fmt, raw, page_for(item, len(raw))) for fmt, raw, item in collect()]
    print(f"{len(cases)} text items, validate={validate}, {args.rounds} rounds", file=sys.stderr)
    for _fmt, raw, page in cases:  # warm-up: imports, schema compilation, caches
        parse_items(raw, validate=validate)
        extract_article(page, "https://news.example.org/a")
    parse_ms: dict[str, list[float]] = defaultdict(list)
    page_ms: dict[str, list[float]] = defaultdict(list)
    gc.disable()
    try:
        for rnd in range(args.rounds):
            for fmt, raw, page in cases:
                steps = [("parse", raw), ("page", page)]
                for kind, blob in steps if rnd % 2 == 0 else steps[::-1]:
                    t0 = time.perf_counter()
                    if kind == "parse":
                        parse_items(blob, validate=validate)
                    else:
                        extract_article(blob, "https://news.example.org/a")
                    ms = (time.perf_counter() - t0) * 1000
                    (parse_ms if kind == "parse" else page_ms)[fmt].append(ms)
    finally:
        gc.enable()
    print(
        f"{'format':10} {'items':>5} {'bytes(med)':>10} {'parse ms':>9} {'page ms':>8} {'ratio':>6}"
    )
    sizes = defaultdict(list)
    for fmt, raw, _ in cases:
        sizes[fmt].append(len(raw))
    total_p = total_e = 0.0
    for fmt in sorted(parse_ms):
        p, e = statistics.mean(parse_ms[fmt]), statistics.mean(page_ms[fmt])
        total_p += sum(parse_ms[fmt])
        total_e += sum(page_ms[fmt])
        med = int(statistics.median(sizes[fmt]))
        print(f"{fmt:10} {len(sizes[fmt]):>5} {med:>10} {p:>9.2f} {e:>8.2f} {p / e:>6.3f}")
    ratio = total_p / total_e
    print(f"{'all':10} {len(cases):>5} {'':>10} {'':>9} {'':>8} {ratio:>6.3f}  (budget 0.2)")
    return 0 if ratio <= 0.2 else 1


if __name__ == "__main__":
    raise SystemExit(main())
