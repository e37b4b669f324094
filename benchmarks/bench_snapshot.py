"""What publishing the read-only snapshot costs, by DB size: time, and file size vs the live DB.

Builds a migrated DuckDB file with N synthetic articles (400 distinct pseudo-words each), one
place per article, and a raw page per article (about 20 KB stored, distinct per row), then times ``pipeline.storage.snapshot.publish_snapshot`` (best of 3).

    .venv/bin/python benchmarks/bench_snapshot.py --articles 2000 20000

The snapshot leaves the raw HTML out, so it is smaller than the live file; its cost grows with
the article bodies, which it copies whole on every models build.
"""

from __future__ import annotations

import argparse
import gzip
import random
import tempfile
import time
from pathlib import Path

from pipeline.storage.db import open_db
from pipeline.storage.snapshot import publish_snapshot

WORDS = [
    "officials",
    "said",
    "the",
    "government",
    "minister",
    "council",
    "city",
    "region",
    "police",
    "court",
    "river",
    "army",
    "election",
    "vote",
    "talks",
    "ceasefire",
    "flood",
    "storm",
    "market",
    "prices",
    "workers",
    "strike",
    "port",
    "trade",
]


def build(path: Path, n: int) -> None:
    rnd = random.Random(7)
    with open_db(path) as con:
        con.execute(
            """
            INSERT INTO articles BY NAME
            SELECT 'a' || i AS article_id, 'https://o' || (i % 20) || '.test/' || i AS url,
                   'f' || (i % 20) AS feed_id, 'o' || (i % 20) || '.test' AS outlet,
                   array_to_string(list_transform(range(400),
                       lambda x: md5((i * 1000 + x)::VARCHAR)[:6]), ' ') AS body,
                   400 AS word_count,
                   now() - to_days((i % 30)::INTEGER) AS published_at, now() AS fetched_at,
                   's' || (i // 3) AS story_id, md5(i::VARCHAR) AS content_hash,
                   'trafilatura' AS extractor, '1' AS extractor_version, 'r' AS run_id,
                   'b' AS batch_id, now() AS loaded_at
            FROM range(?) t(i)
            """,
            [n],
        )
        con.execute(
            """
            INSERT INTO article_places BY NAME
            SELECT 'a' || i AS article_id, 'FR' AS country_code, 'Paris' AS place_name,
                   1 AS mention_count, true AS is_primary FROM range(?) t(i)
            """,
            [n],
        )
        html = gzip.compress((" ".join(rnd.choice(WORDS) for _ in range(6000))).encode())
        con.execute(
            """
            INSERT INTO raw_pages BY NAME
            SELECT 'a' || i AS article_id, 'u' || i AS url, now() AS fetched_at,
                   'gzip' AS encoding,
                   -- distinct per row, as real pages are (identical blobs would compress away)
                   (md5(i::VARCHAR) || repeat(md5((i + 1)::VARCHAR), 300))::BLOB || ?::BLOB
                       AS html_gz,
                   40000 AS n_bytes FROM range(?) t(i)
            """,
            [html, n],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[2000, 20000])
    args = parser.parse_args()
    print("| articles | live DB | snapshot | publish (best of 3) |")
    print("|---:|---:|---:|---:|")
    for n in args.articles:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "news.duckdb"
            build(db, n)
            best = min(publish_snapshot(db).seconds for _ in range(3))
            snap = Path(tmp) / "snapshot" / "news.duckdb"
            print(
                f"| {n:,} | {db.stat().st_size / 1e6:.1f} MB | {snap.stat().st_size / 1e6:.1f} MB"
                f" | {best:.2f} s |"
            )


if __name__ == "__main__":
    t0 = time.monotonic()
    main()
    print(f"\n(total {time.monotonic() - t0:.0f} s)")
