"""End to end, for real: the demo web on loopback, `newsflow run` in a subprocess, a DuckDB file.

Asserts exact counts and values against the demo's ground truth (tools/demo/site/MANIFEST.yaml),
then runs again and asserts nothing was added.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from pipeline.acquire.urls import canonicalize_url
from tools.demo import DEMO_ROOT, serve, write_demo_feeds

pytestmark = pytest.mark.e2e

NEWSFLOW = [str(Path(sys.executable).with_name("newsflow"))]
if not Path(NEWSFLOW[0]).exists():
    NEWSFLOW = [sys.executable, "-m", "pipeline"]


def newsflow(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*NEWSFLOW, *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    db = tmp / "news.duckdb"
    with serve() as server:
        port = server.server_address[1]
        feeds = write_demo_feeds(tmp / "feeds.yaml", port)
        first = newsflow("run", "--feeds", str(feeds), "--db", str(db))
        snap1 = snapshot(db)
        second = newsflow("run", "--all", "--feeds", str(feeds), "--db", str(db))
        snap2 = snapshot(db)
    manifest = yaml.safe_load(
        (DEMO_ROOT / "MANIFEST.yaml").read_text().replace("{{PORT}}", str(port))
    )
    return {
        "first": first,
        "second": second,
        "snap1": snap1,
        "snap2": snap2,
        "db": db,
        "manifest": manifest,
    }


TABLES = [
    "articles",
    "stories",
    "article_places",
    "fetch_log",
    "url_aliases",
    "raw_pages",
    "marts.daily_region",
    "marts.daily_agency",
]


def snapshot(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
        out["articles_rows"] = con.execute(
            "SELECT article_id, url, title, agency, story_id, content_hash FROM articles ORDER BY 1"
        ).fetchall()
        out["daily_region"] = con.execute(
            "SELECT day, region_level, region_code, n_articles, n_stories, n_outlets "
            "FROM marts.daily_region ORDER BY ALL"
        ).fetchall()
        out["polls"] = con.execute(
            "SELECT feed_id, outcome FROM feed_polls ORDER BY polled_at, feed_id"
        ).fetchall()
        return out
    finally:
        con.close()


def test_first_run_succeeds(demo_run):
    r = demo_run["first"]
    assert r.returncode == 0, r.stderr
    assert "[poll] wire-world: ok" in r.stderr
    assert "loaded 11 article(s)" in r.stdout


def test_exact_counts_match_ground_truth(demo_run):
    totals = demo_run["manifest"]["totals"]
    s = demo_run["snap1"]
    assert s["articles"] == totals["distinct_articles"] == 11
    assert s["stories"] == totals["stories"] == 7
    assert s["raw_pages"] == 11
    polls = demo_run["snap1"]["polls"]
    assert len(polls) == totals["feeds"] == 5
    assert {o for _, o in polls} == {"ok"}


def test_every_entry_has_its_expected_outcome_and_values(demo_run):
    con = duckdb.connect(str(demo_run["db"]), read_only=True)
    try:
        entries = demo_run["manifest"]["entries"]
        by_story: dict[str, set] = {}
        for e in entries:
            if e["outcome"] != "ok":
                row = con.execute(
                    "SELECT outcome, status_code FROM fetch_log WHERE url = ?",
                    [canonicalize_url(e["link"])],
                ).fetchone()
                assert row == ("http_error", e["status"]), e["link"]
                continue
            url = canonicalize_url(e["canonical_url"])
            row = con.execute(
                "SELECT title, agency, story_id, strftime(published_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ'),"
                " body FROM articles WHERE url = ?",
                [url],
            ).fetchone()
            assert row is not None, f"missing article {url}"
            title, agency, story_id, published, body = row
            assert title == e["title"], url
            assert agency == e["agency"], url
            assert published == e["published"], url
            assert not body.startswith("Published"), url
            assert not body.rstrip().endswith("(AFP)"), url
            primary = con.execute(
                "SELECT p.country_code FROM article_places p JOIN articles a USING (article_id)"
                " WHERE a.url = ? AND p.is_primary",
                [url],
            ).fetchall()
            assert primary == [(e["country"],)], url
            by_story.setdefault(e["story"], set()).add(story_id)
        # one story id per story key, and distinct keys never share one
        assert all(len(ids) == 1 for ids in by_story.values()), by_story
        assert len({next(iter(ids)) for ids in by_story.values()}) == len(by_story)
        sizes = sorted(r[0] for r in con.execute("SELECT article_count FROM stories").fetchall())
        assert sizes == [1, 1, 1, 1, 2, 2, 3]
        outcomes = dict(
            con.execute("SELECT outcome, count(*) FROM fetch_log GROUP BY ALL").fetchall()
        )
        assert outcomes == {"ok": 11, "http_error": 1, "duplicate": 1}
    finally:
        con.close()


def test_marts_built(demo_run):
    rows = demo_run["snap1"]["daily_region"]
    country = {
        (str(d), code): (n_a, n_s, n_o) for d, lvl, code, n_a, n_s, n_o in rows if lvl == "country"
    }
    # the Kherson story: three outlets on 5 March, one story
    assert country[("2026-03-05", "UA")] == (3, 1, 3)
    assert sum(v[0] for v in country.values()) == 11


def test_second_run_adds_nothing(demo_run):
    r = demo_run["second"]
    assert r.returncode == 0, r.stderr
    s1, s2 = demo_run["snap1"], demo_run["snap2"]
    for key in [*TABLES, "articles_rows", "daily_region"]:
        assert s1[key] == s2[key], key
    new_polls = s2["polls"][len(s1["polls"]) :]
    assert sorted(new_polls) == sorted((f, "not_modified") for f, _ in s1["polls"])


def test_bad_config_is_one_line_and_nonzero(tmp_path):
    bad = tmp_path / "feeds.yaml"
    bad.write_text("feeds:\n  - id: x\n    url: nope\n")
    r = newsflow("run", "--feeds", str(bad), "--db", str(tmp_path / "x.duckdb"))
    assert r.returncode == 1
    assert r.stderr.strip().count("\n") == 0
    assert "feed #1 ('x') url: must be an absolute http(s) URL" in r.stderr
    assert "Traceback" not in r.stderr


def test_private_hosts_refused_without_flag(tmp_path):
    with serve() as server:
        feeds = write_demo_feeds(
            tmp_path / "feeds.yaml", server.server_address[1], allow_private_hosts=False
        )
        r = newsflow(
            "run", "--feeds", str(feeds), "--db", str(tmp_path / "x.duckdb"), "--no-models"
        )
    assert r.returncode == 0, r.stderr
    con = duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True)
    outcomes = {o for (o,) in con.execute("SELECT outcome FROM feed_polls").fetchall()}
    assert outcomes == {"blocked"}
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
    con.close()
