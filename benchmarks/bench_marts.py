"""Benchmark 5 (issue 12): the loader and the dbt marts as the corpus grows, up to 1M articles.

Building a 1M-article file through the loader would take ~4 h, so each size's corpus is written
straight into a freshly migrated DuckDB file by SQL (``INSERT ... SELECT`` over ``range``), with
every table the loader and the marts read filled as the pipeline fills it: articles over two
years (5 % without a page date, 5 % wire items with subject codes, a few withdrawn), ~2 places per
article over ~200 countries and their ISO 3166-2 subdivisions, 30 % of articles in 3-article
stories (``stories``, ``story_index`` with ~200 shingles each, ``story_lsh`` with the real
number of band keys, members sharing buckets), ``fetch_log`` and ``url_aliases`` (+10 % failed
fetches and extra aliases), ``raw_pages`` (small blobs: their size does not change a key lookup),
two ``feed_polls`` per article, ``loaded_batches``. Then a few real 1,000-article batches
(distinct ~200-word bodies, 30 % in multi-article stories, some copying the previous batch, a
few late articles for old days) go through the real loader so the story index's recent window
is real, and the figures are taken:

* ``load_s``: ``load_staged`` of one more batch (story clustering, new-article filter, alias
  insert, state export), with a cProfile of it (``--profile``);
* ``full_s``: ``dbt build --full-refresh``; ``incremental_s``: ``dbt build`` after one more
  batch is loaded; both through ``pipeline.run.dbt.run_dbt_build``, each in a fresh process
  as ``newsflow models`` runs it (dbt imported, project parsed, seeds, models, tests);
* ``floor_s`` (``--floor``): one more incremental build with nothing loaded since the last,
  i.e. what dbt costs per invocation whatever the batch (RESULTS.md, "The floor under an
  incremental build").

    nice -n 5 .venv/bin/python benchmarks/bench_marts.py --sizes 10000 100000 1000000
    nice -n 5 .venv/bin/python benchmarks/bench_marts.py --sizes 10000 1000000 --floor
    nice -n 5 .venv/bin/python benchmarks/bench_marts.py --sizes 10000 1000000 --timed 9
    .venv/bin/python benchmarks/bench_marts.py --smoke      # seconds; tests/test_bench_marts.py
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import hashlib
import io
import json
import math
import os
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

END = datetime(2026, 11, 30, tzinfo=UTC)  # the bulk corpus ends here; batches follow it
SPAN = timedelta(days=730)
N_OUTLETS = 500
AGENCIES = ("AFP", "Reuters", "AP", "dpa", "EFE")
_SENTENCE = (
    "minister government election vote city council police report court ruling market shares "
    "energy prices storm flood rescue hospital health school teachers strike union talks "
    "border trade deal summit president parliament budget tax spending climate emissions "
    "football match season coach players fans museum exhibition artist festival film music "
    "company profits workers factory jobs bank rates inflation housing rent tenants villagers "
    "farmers harvest drought water supply road rail airport flights delays protest crowd "
    "officials said on tuesday after before during while amid despite following new old local"
)
WORDS = _SENTENCE.split()


def _codes() -> list[tuple[str, str | None]]:
    """(country, admin1) pairs: every seed country alone, plus up to three subdivisions each."""
    seeds = ROOT / "sql" / "seeds"
    with open(seeds / "iso_3166_1.csv", encoding="utf-8") as f:
        countries = [r["alpha_2"] for r in csv.DictReader(f)]
    subs: dict[str, list[str]] = {}
    with open(seeds / "iso_3166_2.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            subs.setdefault(r["country_code"], []).append(r["code"])
    out: list[tuple[str, str | None]] = []
    for c in countries:
        out.append((c, None))
        out += [(c, s) for s in subs.get(c, [])[:3]]
    return out


# The bulk corpus, one statement per table. {n}: articles; {t0}: epoch seconds of the first;
# {step}: seconds between articles. Article i belongs to story i - i % 10 when i % 10 < 3.
_BULK_SQL = [
    """
    CREATE OR REPLACE TEMP TABLE g AS
    SELECT i, substr(md5('bench-' || i), 1, 16) AS article_id,
           CASE WHEN i % 10 < 3 THEN i - i % 10 ELSE i END AS story_i,
           i % 10 < 3 AS in_story, i % 10 IN (1, 2) AS is_copy,
           to_timestamp({t0} + i * {step}) AS fetched_at,
           CASE WHEN i % 20 = 13 THEN NULL
                ELSE to_timestamp({t0} + i * {step} - (hash(i) % 7200)::BIGINT) END
               AS published_at,
           (hash(i, 'o') % {outlets})::INTEGER AS outlet_i
    FROM range({n}) t(i)
    """,
    """
    INSERT INTO articles (article_id, url, feed_id, outlet, publisher_country, title,
        title_source, body, word_count, published_at, date_source, fetched_at, agency,
        agency_evidence, byline, story_id, content_hash, language, feed_entry_url, extractor,
        extractor_version, run_id, batch_id, loaded_at, section, syndication, is_syndicated,
        tagger_version, item_uri, item_version, withdrawn_at)
    SELECT article_id, 'https://o' || outlet_i || '.example/news/' || i,
           'feed-' || (outlet_i * 3 + i % 3), 'o' || outlet_i || '.example',
           (SELECT alpha_2 FROM bc_countries WHERE idx = outlet_i % 60),
           'Story ' || i || ': ' || repeat('officials said the council vote ', 2),
           'og:title', repeat('the minister said on tuesday that the budget talks ', 12) || i,
           200 + (i % 400), published_at,
           CASE WHEN published_at IS NULL THEN NULL ELSE 'page' END, fetched_at,
           CASE WHEN story_i % 5 = 0 THEN {agencies}[1 + story_i // 5 % 5] END,
           CASE WHEN story_i % 5 = 0 THEN 'byline' END, 'Staff reporter',
           'st_' || substr(md5('bench-' || story_i), 1, 16), md5('body-' || i), 'en',
           'https://o' || outlet_i || '.example/news/' || i, 'trafilatura', '2.0',
           'bulk-' || i // 1000, 'bulk-' || i // 1000, fetched_at + INTERVAL 5 MINUTE,
           CASE WHEN i % 4 = 0 THEN 'World' END,
           CASE WHEN is_copy THEN 'copy' WHEN story_i % 5 = 0 THEN 'wire' ELSE 'original' END,
           is_copy OR story_i % 5 = 0, 'places-3',
           CASE WHEN i % 20 = 7 THEN 'urn:bench:' || i END,
           CASE WHEN i % 20 = 7 THEN 1 END,
           CASE WHEN i % 2000 = 7 THEN fetched_at + INTERVAL 1 HOUR END
    FROM g ORDER BY i
    """,
    """
    INSERT INTO article_places (article_id, country_code, admin1_code, place_name,
        canonical_name, geonameid, mention_count, confidence, is_primary, place_kind,
        match_type, how)
    SELECT g.article_id, c.country, c.admin1, 'Place ' || c.idx, 'Place ' || c.idx, c.idx,
           1 + (hash(i, k) % 4)::INTEGER, 0.5 + (hash(i, k) % 50) / 100.0, k = 0,
           CASE WHEN c.admin1 IS NULL THEN 'country' ELSE 'city' END, 'exact', 'unique'
    FROM g CROSS JOIN range(4) r(k)
    JOIN bc_codes c ON c.idx = (hash(CASE WHEN k = 0 THEN g.story_i ELSE g.i END, k)
                                % {n_codes})::INTEGER
    WHERE k < (g.i % 5) ORDER BY i, k
    """,
    """
    INSERT INTO article_subjects
    SELECT article_id, 'medtop', '0400000' || k, 'subject ' || k
    FROM articles, range(2) r(k) WHERE item_uri IS NOT NULL
    """,
    """
    INSERT INTO stories
    SELECT story_id, substr(story_id, 4), arg_min(title, coalesce(published_at, fetched_at)),
           min(published_at), min(fetched_at), max(fetched_at), count(*),
           count(DISTINCT outlet), any_value(agency), '{method}', max(loaded_at)
    FROM articles GROUP BY story_id ORDER BY min(fetched_at)
    """,
    """
    INSERT INTO story_index
    SELECT ('0x' || g.article_id)::UBIGINT::HUGEINT - 9223372036854775808,
           g.article_id, epoch_us(coalesce(g.published_at, g.fetched_at)), g.published_at,
           g.fetched_at, a.outlet, a.title, a.agency, a.agency_evidence,
           ('0x' || substr(a.story_id, 4))::UBIGINT::HUGEINT - 9223372036854775808,
           epoch_us(to_timestamp({t0} + g.story_i * {step})), a.story_id, a.agency,
           a.agency_evidence, a.syndication, 200,
           list_transform(range(200), lambda x: (hash(g.story_i, x) % 4294967295)::UINTEGER),
           list_transform(range(32), lambda x: (hash(g.story_i, x) % 4294967295)::UINTEGER)
    FROM g JOIN articles a USING (article_id) ORDER BY g.i
    """,
    """
    INSERT INTO story_lsh
    SELECT (hash(g.story_i, b) % 9223372036854775807)::BIGINT,
           epoch_us(coalesce(g.published_at, g.fetched_at)),
           ('0x' || g.article_id)::UBIGINT::HUGEINT - 9223372036854775808
    FROM g, range({bands}) r(b) ORDER BY g.i, b
    """,
    """
    INSERT INTO fetch_log
    SELECT 'bulk-f-' || i, 'bulk-' || i // 1000, 'bulk-' || i // 1000,
           'feed-' || (outlet_i * 3 + i % 3),
           'https://o' || outlet_i || '.example/news/' || i, article_id,
           'https://o' || outlet_i || '.example/news/' || i, article_id, fetched_at, 'ok', 200,
           300 + (hash(i) % 2000)::INTEGER, 120000, 1, NULL
    FROM g
    UNION ALL
    SELECT 'bulk-x-' || i, 'bulk-' || i // 1000, 'bulk-' || i // 1000,
           'feed-' || (outlet_i * 3 + i % 3),
           'https://o' || outlet_i || '.example/gone/' || i, substr(md5('gone-' || i), 1, 16),
           NULL, NULL, fetched_at, ['http_error', 'timeout', 'empty_extract'][1 + i // 10 % 3],
           404, 2000, NULL, 1, 'bench'
    FROM g WHERE i % 10 = 9
    ORDER BY 9
    """,
    """
    INSERT INTO url_aliases
    SELECT article_id, 'https://o' || outlet_i || '.example/news/' || i, article_id FROM g
    UNION ALL
    SELECT substr(md5('alias-' || i), 1, 16), 'https://o' || outlet_i || '.example/amp/' || i,
           article_id FROM g WHERE i % 10 = 4
    """,
    """
    INSERT INTO raw_pages (article_id, url, final_url, fetched_at, content_type, encoding,
        html_gz, n_bytes)
    SELECT article_id, 'https://o' || outlet_i || '.example/news/' || i, NULL, fetched_at,
           'text/html', 'utf-8', encode(repeat(md5('page-' || i), 4)), 120000
    FROM g ORDER BY i
    """,
    """
    INSERT INTO feed_polls (poll_id, run_id, feed_id, feed_url, polled_at, outcome,
        status_code, duration_ms, n_entries, n_new, etag, next_due_at, feed_state)
    SELECT 'bulk-p-' || j, 'bulk-' || j // 2000, 'feed-' || (j % ({outlets} * 3)),
           'https://o' || (j % ({outlets} * 3)) // 3 || '.example/feed' || j % 3,
           to_timestamp({t0} + j * {step} / 2),
           CASE WHEN j % 50 = 0 THEN 'timeout' WHEN j % 3 = 0 THEN 'ok'
                ELSE 'not_modified' END,
           CASE WHEN j % 50 = 0 THEN NULL WHEN j % 3 = 0 THEN 200 ELSE 304 END,
           100 + (hash(j) % 900)::INTEGER, 30, CASE WHEN j % 3 = 0 THEN 1 ELSE 0 END,
           '"e' || j || '"', to_timestamp({t0} + j * {step} / 2 + 900), 'ok'
    FROM range(2 * {n}) t(j) ORDER BY j
    """,
    """
    INSERT INTO loaded_batches
    SELECT 'bulk-' || b, 'bulk-' || b, to_timestamp({t0} + (b + 1) * 1000 * {step}), 1000,
           1100, 2000
    FROM range(({n} + 999) // 1000) t(b)
    """,
]


def build_corpus(db: Path, n: int) -> float:
    """A migrated DuckDB file holding ``n`` articles ending at ``END``; returns seconds."""
    import duckdb

    from pipeline.storage.db import connect, migrate
    from pipeline.stories.fingerprints import FINGERPRINT_VERSION, N_BAND_KEYS, story_method

    t0 = time.monotonic()
    codes = _codes()
    countries = sorted({c for c, _ in codes})
    con = connect(db)
    try:
        migrate(con)
        con.register("bc_codes_in", _frame(["idx", "country", "admin1"], codes, indexed=True))
        con.execute("CREATE TEMP TABLE bc_codes AS SELECT * FROM bc_codes_in")
        con.register("bc_c_in", _frame(["idx", "alpha_2"], [(c,) for c in countries], True))
        con.execute("CREATE TEMP TABLE bc_countries AS SELECT * FROM bc_c_in")
        fill = {
            "n": n,
            "t0": int((END - SPAN).timestamp()),
            "step": SPAN.total_seconds() / max(n, 1),
            "outlets": N_OUTLETS,
            "n_codes": len(codes),
            "bands": N_BAND_KEYS,
            "method": story_method(),
            "agencies": "[" + ", ".join(f"'{a}'" for a in AGENCIES) + "]",
        }
        con.execute("BEGIN TRANSACTION")
        for sql in _BULK_SQL:
            con.execute(sql.format(**fill))
        con.executemany(
            "INSERT INTO story_index_state VALUES (?, ?)",
            [["fingerprint_version", FINGERPRINT_VERSION], ["method", story_method()]],
        )
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    except duckdb.Error:
        con.execute("ROLLBACK")
        raise
    finally:
        con.close()
    return time.monotonic() - t0


def _frame(names: list[str], rows: list[tuple], indexed: bool = False) -> Any:
    """A column dict DuckDB can register (numpy object arrays, no pandas needed)."""
    import numpy as np

    cols: dict[str, Any] = {}
    offset = 1 if indexed else 0
    if indexed:
        cols[names[0]] = np.arange(len(rows), dtype=np.int64)
    for j, name in enumerate(names[offset:]):
        cols[name] = np.array([r[j] for r in rows], dtype=object)
    return cols


def _text(rng: random.Random, n_words: int = 200) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n_words))


def _variant(text: str, rng: random.Random) -> str:
    """A near copy: a few words changed, the last sentence cut (an outlet's edit)."""
    words = text.split()
    for _ in range(5):
        words[rng.randrange(len(words))] = rng.choice(WORDS)
    return " ".join(words[: len(words) - rng.randrange(10)])


def article_batch(k: int, size: int, codes: list[tuple[str, str | None]]) -> dict[str, list]:
    """Staged batch ``k``: ``size`` articles after ``END`` (12 h per batch), 30 % in 3-article
    stories (one member copying batch ``k - 1``), 3 % published days earlier, with their
    places, fetch_log, url_aliases, raw pages and polls."""
    from pipeline.storage.schema import AliasRow, PlaceRow, RawPageRow
    from pipeline.stories.fingerprints import fingerprint

    start = END + timedelta(hours=12 * k)
    rows: dict[str, list] = {t: [] for t in ("articles", "fetch_log", "url_aliases")}
    rows |= {"article_places": [], "raw_pages": [], "feed_polls": []}
    for j in range(size):
        rng = random.Random(f"{k}-{j}")
        if j % 10 < 3:  # story s of this batch; member 2 copies story s of the previous batch
            s = (k - (j % 10 == 2)) * size + j // 10
            body = _variant(_text(random.Random(f"story-{s}")), rng)
        else:
            body = _text(rng) + f" item {k}-{j}."
        url = f"https://o{rng.randrange(N_OUTLETS)}.example/live/{k}/{j}"
        aid = hashlib.sha256(url.encode()).hexdigest()[:16]
        fetched = start + timedelta(seconds=43 * j)
        days_back = rng.randrange(1, 30) if j % 33 == 5 else 0
        published = fetched - timedelta(days=days_back, minutes=rng.randrange(120))
        rows["articles"].append(_article_row(k, aid, url, body, published, fetched))
        rows["fetch_log"].append(_fetch_row(k, j, aid, url, fetched))
        rows["url_aliases"].append(AliasRow(url_hash=aid, url=url, article_id=aid))
        for p in range(j % 5):
            country, admin1 = codes[rng.randrange(len(codes))]
            rows["article_places"].append(
                PlaceRow(article_id=aid, country_code=country, admin1_code=admin1,
                         place_name=f"Place {p}", canonical_name=None, geonameid=None,
                         mention_count=1 + p, confidence=0.9, is_primary=p == 0,
                         place_kind="city", match_type="exact", how="unique")
            )  # fmt: skip
        rows["raw_pages"].append(
            RawPageRow(article_id=aid, url=url, final_url=None, fetched_at=fetched,
                       content_type="text/html", encoding="utf-8",
                       html_gz=hashlib.sha256(body.encode()).digest() * 8, n_bytes=120000,
                       charset="utf-8")
        )  # fmt: skip
        fp = fingerprint(body).to_columns()
        rows["articles"][-1] = rows["articles"][-1] | fp
    rows["feed_polls"] = [_poll_row(k, f, start) for f in range(50)]
    return rows


def _article_row(
    k: int, aid: str, url: str, body: str, published: datetime, fetched: datetime
) -> dict[str, Any]:
    return {
        "article_id": aid, "url": url, "feed_id": f"feed-{k % 7}",
        "outlet": url.split("/")[2], "publisher_country": "GB", "title": body[:60],
        "title_source": "og:title", "body": body, "word_count": len(body.split()),
        "published_at": published, "date_source": "page", "fetched_at": fetched,
        "agency": None, "agency_evidence": None, "byline": None,
        "content_hash": hashlib.sha256(body.encode()).hexdigest(), "language": "en",
        "feed_entry_url": url, "extractor": "bench", "extractor_version": "0",
        "run_id": f"bench-{k}", "batch_id": f"bench-{k:05d}", "section": None,
        "date_flags": None, "published_offset_minutes": None, "tagger_version": None,
        "item_uri": None, "item_version": None, "firstcreated": None, "versioncreated": None,
        "urgency": None, "is_correction": None, "withdrawn_at": None, "embargoed_until": None,
    }  # fmt: skip


def _fetch_row(k: int, j: int, aid: str, url: str, at: datetime) -> dict[str, Any]:
    return {
        "fetch_id": f"bench-{k}-{j}", "run_id": f"bench-{k}", "batch_id": f"bench-{k:05d}",
        "feed_id": f"feed-{k % 7}", "url": url, "url_hash": aid, "final_url": url,
        "article_id": aid, "attempted_at": at, "outcome": "ok", "status_code": 200,
        "duration_ms": 400, "n_bytes": 120000, "attempts": 1, "error": None,
    }  # fmt: skip


def _poll_row(k: int, f: int, at: datetime) -> dict[str, Any]:
    return {
        "poll_id": f"bench-{k}-p{f}", "run_id": f"bench-{k}", "feed_id": f"feed-{f}",
        "feed_url": f"https://o{f}.example/feed", "polled_at": at, "outcome": "ok",
        "status_code": 200, "duration_ms": 300, "n_entries": 30, "n_new": 20, "etag": None,
        "last_modified": None, "feed_format": "rss", "error": None, "n_dropped": None,
        "next_due_at": at + timedelta(minutes=15), "feed_state": "ok", "schedule_note": None,
        "publisher_interval_s": None,
    }  # fmt: skip


def _load(db: Path, staging: Path, state: Path, batch: dict, k: int, prof: Path | None) -> float:
    """Stage batch ``k`` and time ``load_staged`` on it (cProfile written to ``prof``)."""
    from pipeline.storage.load import load_staged
    from pipeline.storage.staging import write_batch

    write_batch(staging, f"bench-{k:05d}", f"bench-{k}", batch)
    profiler = cProfile.Profile() if prof else None
    t0 = time.monotonic()
    if profiler:
        profiler.enable()
    summary = load_staged(db, staging, state)
    took = time.monotonic() - t0
    if profiler:
        profiler.disable()
        profiler.dump_stats(str(prof))
    if summary.articles != len(batch["articles"]):
        raise RuntimeError(f"batch {k}: loaded {summary.articles} of {len(batch['articles'])}")
    return took


def _dbt(db: Path, full_refresh: bool) -> dict[str, Any]:
    """One ``run_dbt_build`` in a fresh process, as ``newsflow models`` runs it."""
    code = (
        "import json, sys, time; from pathlib import Path; t = time.monotonic(); "
        "from pipeline.run.dbt import run_dbt_build; "
        "r = run_dbt_build(Path(sys.argv[1]), full_refresh=sys.argv[2] == '1'); "
        "print(json.dumps({'wall_s': time.monotonic() - t, 'dbt_s': r.seconds, "
        "'nodes': len(r.nodes), 'node_s': round(sum(n.seconds for n in r.nodes), 2), "
        "'slowest': sorted(((n.seconds, n.name) for n in r.nodes),"
        " reverse=True)[:8]}))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(db), "1" if full_refresh else "0"],
        capture_output=True, text=True, cwd=ROOT, timeout=7200,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"dbt build failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(
    n: int,
    tmp: Path,
    batch: int = 1000,
    tail: int = 3,
    timed: int = 3,
    prof: bool = False,
    floor: bool = False,
) -> dict:
    """Corpus of ``n`` articles, ``tail`` real batches, ``timed`` timed loads (median), then
    the full rebuild, one more batch, and the incremental build; with ``floor``, one more
    incremental build with nothing new since the last: dbt's fixed cost per invocation."""
    db, staging, state = tmp / "news.duckdb", tmp / "staging", tmp / "state"
    codes = _codes()
    bulk = max(0, n - (tail + timed + 1) * batch)
    built = build_corpus(db, bulk)
    for k in range(tail):
        _load(db, staging, state, article_batch(k, batch, codes), k, None)
    loads = []
    for k in range(tail, tail + timed):
        last = k == tail + timed - 1
        profile = tmp / "load.prof" if prof and last else None
        loads.append(_load(db, staging, state, article_batch(k, batch, codes), k, profile))
    full = _dbt(db, True)
    k = tail + timed
    _load(db, staging, state, article_batch(k, batch, codes), k, None)
    inc = _dbt(db, False)
    out = {
        "articles": bulk + (k + 1) * batch, "build_corpus_s": round(built, 1),
        "load_s": round(statistics.median(loads), 3), "loads_s": [round(t, 3) for t in loads],
        "full_s": round(full["wall_s"], 2), "incremental_s": round(inc["wall_s"], 2),
        "incremental_share": round(inc["wall_s"] / full["wall_s"], 3),
        "full_dbt_s": round(full["dbt_s"], 2), "incremental_dbt_s": round(inc["dbt_s"], 2),
        "incremental_nodes": inc["nodes"], "incremental_node_s": inc["node_s"],
        "full_slowest": full["slowest"], "incremental_slowest": inc["slowest"],
        "db_mb": round(db.stat().st_size / 1e6),
    }  # fmt: skip
    if floor:
        nothing = _dbt(db, False)
        out |= {
            "floor_s": round(nothing["wall_s"], 2), "floor_dbt_s": round(nothing["dbt_s"], 2),
            "floor_share": round(nothing["wall_s"] / full["wall_s"], 3),
            "floor_node_s": nothing["node_s"], "floor_slowest": nothing["slowest"],
        }  # fmt: skip
    if prof:
        buf = io.StringIO()
        pstats.Stats(str(tmp / "load.prof"), stream=buf).sort_stats("tottime").print_stats(20)
        out["load_profile"] = buf.getvalue()
    return out


def growth(points: list[tuple[int, float]]) -> float | None:
    """Exponent k of t ~ n^k fitted by least squares on log-log."""
    pts = [(math.log(n), math.log(t)) for n, t in points if n > 0 and t > 0]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    den = sum((x - mx) ** 2 for x, _ in pts)
    return round(sum((x - mx) * (y - my) for x, y in pts) / den, 3) if den else None


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--smoke", action="store_true", help="2,000 articles, batch 100")
    ap.add_argument("--profile", action="store_true", help="cProfile of the timed load")
    ap.add_argument("--keep", type=Path, default=None, help="keep the DB files under this dir")
    ap.add_argument("--timed", type=int, default=3, help="timed loads per size (median shown)")
    ap.add_argument(
        "--floor", action="store_true", help="also time a build with nothing new (dbt's floor)"
    )
    args = ap.parse_args(argv)
    sizes, batch = ([2000], 100) if args.smoke else (args.sizes, 1000)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench_marts_") as d:
        root = args.keep or Path(d)
        for n in sizes:
            sub = root / f"n{n}"
            sub.mkdir(parents=True, exist_ok=True)
            few = {"tail": 1, "timed": 1} if args.smoke else {"timed": args.timed}
            res = measure(n, sub, batch=batch, prof=args.profile, floor=args.floor, **few)
            print(json.dumps({k: v for k, v in res.items() if k != "load_profile"}), flush=True)
            if "load_profile" in res:
                print(res["load_profile"], flush=True)
            results.append(res)
    loads = [(r["articles"], r["load_s"]) for r in results]
    summary = {
        "sizes": [r["articles"] for r in results],
        "load_s": [r["load_s"] for r in results],
        "load_growth_exponent": growth(loads),
        "load_ratio_largest_to_smallest": round(loads[-1][1] / loads[0][1], 2),
        "incremental_dbt_share": [
            round(r["incremental_dbt_s"] / r["full_dbt_s"], 3) for r in results
        ],
        "full_s": [r["full_s"] for r in results],
        "full_growth_exponent": growth([(r["articles"], r["full_s"]) for r in results]),
        "incremental_s": [r["incremental_s"] for r in results],
        "incremental_share": [r["incremental_share"] for r in results],
        "floor_share": [r.get("floor_share") for r in results],
        "load_avg": os.getloadavg(),
        "date": datetime.now(UTC).isoformat(timespec="minutes"),
    }
    print(json.dumps(summary), flush=True)
    return {"summary": summary, "results": results}


if __name__ == "__main__":
    main()
