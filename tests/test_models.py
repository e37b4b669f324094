"""The dbt project in sql/ built for real (pipeline.run.dbt.run_dbt_build) on DuckDB files in tmp_path.

dbt costs a few seconds per build, so the file builds four times in all: the known data set once
(shared, read-only, by the exact-row tests), an incremental build and a full-refresh build of that
data plus more rows, and one failing selection.
"""

from __future__ import annotations

import os
import shutil
import time
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
from helpers import query as rows

from pipeline.errors import ModelsError
from pipeline.run.dbt import (
    DB_ENV,
    ModelsResult,
    TaskDbLock,
    dbt_project_dir,
    run_dbt_build,
)
from pipeline.storage.migrations import MIGRATIONS

D1, D2, D3 = date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 3)
OLD_LOAD = datetime(2024, 3, 2, 6, 0, tzinfo=UTC)


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


def create_db(path: Path) -> Path:
    con = duckdb.connect(str(path))
    for _version, _name, sql in MIGRATIONS:
        con.execute(sql)
    con.close()
    return path


def add_story(con: duckdb.DuckDBPyConnection, story_id: str, first_article_id: str) -> None:
    con.execute(
        "INSERT INTO stories VALUES (?, ?, 'title', NULL, ?, ?, 1, 1, NULL, 'exact', ?)",
        [story_id, first_article_id, OLD_LOAD, OLD_LOAD, OLD_LOAD],
    )


def add_article(
    con: duckdb.DuckDBPyConnection,
    article_id: str,
    *,
    outlet: str,
    story_id: str,
    published_at: datetime | None,
    fetched_at: datetime | None = None,
    agency: str | None = None,
    loaded_at: datetime = OLD_LOAD,
) -> None:
    fetched = fetched_at or published_at or OLD_LOAD
    con.execute(
        """
        INSERT INTO articles (article_id, url, feed_id, outlet, title, body, word_count,
            published_at, fetched_at, agency, story_id, content_hash, extractor,
            extractor_version, run_id, batch_id, loaded_at)
        VALUES (?, ?, 'feed', ?, 'title', 'body', 1, ?, ?, ?, ?, ?, 'trafilatura', '2', 'run',
            'batch', ?)
        """,
        [
            article_id,
            f"https://{outlet}.example/{article_id}",
            outlet,
            published_at,
            fetched,
            agency,
            story_id,
            f"hash-{article_id}",
            loaded_at,
        ],
    )


def add_place(
    con: duckdb.DuckDBPyConnection,
    article_id: str,
    country: str,
    admin1: str | None,
    *,
    primary: bool = True,
    mentions: int = 1,
) -> None:
    con.execute(
        "INSERT INTO article_places (article_id, country_code, admin1_code, place_name,"
        " canonical_name, geonameid, mention_count, confidence, is_primary)"
        " VALUES (?, ?, ?, 'place', 'Place', NULL, ?, 0.9, ?)",
        [article_id, country, admin1, mentions, primary],
    )


def load_base(path: Path) -> None:
    """Known articles, places, polls and fetches on 2024-03-01 and 2024-03-02 (UTC)."""
    con = duckdb.connect(str(path))
    for story, first in [("s1", "a1"), ("s2", "a3"), ("s3", "a4"), ("s4", "a6")]:
        add_story(con, story, first)
    a = add_article
    a(
        con,
        "a1",
        outlet="lemonde",
        story_id="s1",
        published_at=ts("2024-03-01T10:00Z"),
        agency="AFP",
    )
    # 23:30 at UTC-2 is 01:30 UTC the next day.
    a(
        con,
        "a2",
        outlet="lefigaro",
        story_id="s1",
        published_at=ts("2024-03-01T23:30-02:00"),
        agency="AFP",
    )
    # No published_at: the day falls back to fetched_at.
    a(con, "a3", outlet="lemonde", story_id="s2", published_at=None,
      fetched_at=ts("2024-03-01T08:00Z"), agency="Reuters")  # fmt: skip
    a(con, "a4", outlet="bbc", story_id="s3", published_at=ts("2024-03-01T12:00Z"))
    a(con, "a5", outlet="bbc", story_id="s1", published_at=ts("2024-03-01T13:00Z"), agency="AFP")
    a(
        con,
        "a6",
        outlet="lemonde",
        story_id="s4",
        published_at=ts("2024-03-01T15:00Z"),
        agency="AFP",
    )
    a(con, "a7", outlet="spiegel", story_id="s4", published_at=ts("2024-03-01T09:00Z"))
    a(
        con,
        "a8",
        outlet="liberation",
        story_id="s1",
        published_at=ts("2024-03-01T12:00Z"),
        agency="AFP",
    )
    a(con, "a9", outlet="bbc", story_id="s3", published_at=ts("2024-03-01T16:00Z"), agency="  ")
    add_place(con, "a1", "FR", "FR-IDF")
    add_place(con, "a1", "DE", None, primary=False, mentions=5)  # not primary: not counted
    add_place(con, "a2", "fr", "IDF")  # normalised to FR / FR-IDF
    add_place(con, "a3", "FR", None)
    add_place(con, "a4", "GB", "GB-ENG")
    # a5 and a9: no places at all.
    add_place(con, "a6", "ZZ", None)  # a code the seeds do not know: named by its code
    add_place(con, "a7", "DE", "DE-BE", mentions=3)  # two primaries: the most-mentioned wins
    add_place(con, "a7", "AT", "AT-9", mentions=1)
    add_place(con, "a8", "FR", None)
    polls = [
        ("p1", "2024-03-01T00:10Z", "ok"),
        ("p2", "2024-03-01T12:00Z", "ok"),
        ("p3", "2024-03-01T23:59:59Z", "timeout"),
        ("p4", "2024-03-02T00:00Z", "not_modified"),
        ("p5", "2024-03-01T23:30-01:00", "ok"),  # 00:30 UTC on 03-02
    ]
    for poll_id, at, outcome in polls:
        con.execute(
            "INSERT INTO feed_polls (poll_id, run_id, feed_id, feed_url, polled_at, outcome,"
            " duration_ms, n_entries, n_new) VALUES (?, 'run', 'feed', 'https://f.example/rss',"
            " ?, ?, 10, 0, 0)",
            [poll_id, ts(at), outcome],
        )
    fetches = [
        ("f1", "2024-03-01T10:00Z", "ok"),
        ("f2", "2024-03-01T11:00Z", "http_error"),
        ("f3", "2024-03-02T09:00Z", "ok"),
        ("f4", "2024-03-02T09:05Z", "duplicate"),
    ]
    for fetch_id, at, outcome in fetches:
        add_fetch(con, fetch_id, ts(at), outcome)
    con.close()


def add_fetch(con: duckdb.DuckDBPyConnection, fetch_id: str, at: datetime, outcome: str) -> None:
    con.execute(
        "INSERT INTO fetch_log (fetch_id, run_id, batch_id, feed_id, url, url_hash, attempted_at,"
        " outcome, duration_ms, attempts) VALUES (?, 'run', 'batch', 'feed', ?, ?, ?, ?, 5, 1)",
        [fetch_id, f"https://x.example/{fetch_id}", fetch_id, at, outcome],
    )


REGION_SQL = """
    SELECT day, region_level, region_code, region_name, n_articles, n_stories, n_outlets
    FROM marts.daily_region WHERE region_level IN ('country', 'admin1') ORDER BY ALL
"""  # the UN M49 levels are pinned in tests/test_geo_marts.py
AGENCY_SQL = (
    "SELECT day, agency, n_articles, n_stories, n_outlets FROM marts.daily_agency ORDER BY ALL"
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ModelsResult]:
    """The base data built once, with the process time zone far from UTC (UTC+14) so a day
    taken in local time instead of UTC would land on the wrong date."""
    db = create_db(tmp_path_factory.mktemp("base") / "news.duckdb")
    load_base(db)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TZ", "Pacific/Kiritimati")
        mp.delenv(DB_ENV, raising=False)
        time.tzset()
        try:
            result = run_dbt_build(db)
        finally:
            mp.undo()
            time.tzset()
    return db, result


def test_daily_region_exact_rows(built: tuple[Path, ModelsResult]) -> None:
    db, _ = built
    assert rows(db, REGION_SQL) == [
        (D1, "admin1", "DE-BE", "Berlin", 1, 1, 1),
        (D1, "admin1", "FR-IDF", "Île-de-France", 1, 1, 1),
        (D1, "admin1", "GB-ENG", "England", 1, 1, 1),
        (D1, "country", "DE", "Germany", 1, 1, 1),
        (D1, "country", "FR", "France", 3, 2, 2),
        (D1, "country", "GB", "United Kingdom", 1, 1, 1),
        (D1, "country", "ZZ", "ZZ", 1, 1, 1),
        (D2, "admin1", "FR-IDF", "Île-de-France", 1, 1, 1),
        (D2, "country", "FR", "France", 1, 1, 1),
    ]


def test_daily_agency_exact_rows(built: tuple[Path, ModelsResult]) -> None:
    db, _ = built
    assert rows(db, AGENCY_SQL) == [
        (D1, "AFP", 4, 2, 3),
        (D1, "Reuters", 1, 1, 1),
        (D2, "AFP", 1, 1, 1),
    ]


def test_ingest_health_exact_rows(built: tuple[Path, ModelsResult]) -> None:
    db, _ = built
    assert rows(db, "SELECT day, stage, outcome, n FROM marts.ingest_health ORDER BY ALL") == [
        (D1, "fetch", "http_error", 1),
        (D1, "fetch", "ok", 1),
        (D1, "poll", "ok", 2),
        (D1, "poll", "timeout", 1),
        (D2, "fetch", "duplicate", 1),
        (D2, "fetch", "ok", 1),
        (D2, "poll", "not_modified", 1),
        (D2, "poll", "ok", 1),
    ]


def test_day_falls_back_to_fetched_at(built: tuple[Path, ModelsResult]) -> None:
    db, _ = built
    got = rows(
        db,
        "SELECT article_id, published_day, day_source FROM intermediate.int_articles_enriched"
        " WHERE article_id IN ('a1', 'a2', 'a3') ORDER BY 1",
    )
    assert got == [("a1", D1, "published_at"), ("a2", D2, "published_at"), ("a3", D1, "fetched_at")]


def test_result_and_schemas(built: tuple[Path, ModelsResult]) -> None:
    db, result = built
    assert not any(n.failed for n in result.nodes)
    assert result.by_name("daily_region").status == "success"
    assert result.by_name("iso_3166_1").resource_type == "seed"
    tests = [n for n in result.nodes if n.resource_type == "test"]
    assert len(tests) > 30 and all(n.status == "pass" and n.failures == 0 for n in tests)
    relations = rows(
        db,
        "SELECT table_schema, table_name, table_type FROM information_schema.tables"
        " WHERE table_schema IN ('staging', 'intermediate', 'marts', 'seeds') ORDER BY ALL",
    )
    assert ("marts", "daily_region", "BASE TABLE") in relations
    assert ("staging", "stg_articles", "VIEW") in relations
    assert ("intermediate", "int_article_regions", "VIEW") in relations
    assert ("seeds", "iso_3166_2", "BASE TABLE") in relations
    # dbt wrote its target/ and logs/ next to the DB, not into the project folder.
    assert (db.parent / ".dbt" / "target" / "manifest.json").is_file()
    assert not (dbt_project_dir() / "target" / "run_results.json").exists()
    assert DB_ENV not in os.environ


def copy_db(src: Path, dst_dir: Path) -> Path:
    dst_dir.mkdir(parents=True, exist_ok=True)
    dst = dst_dir / src.name
    shutil.copy2(src, dst)
    return dst


def test_incremental_equals_full_refresh(built: tuple[Path, ModelsResult], tmp_path: Path) -> None:
    base, _ = built
    db = copy_db(base, tmp_path / "inc")
    (old_built_at,) = {r[0] for r in rows(db, "SELECT built_at FROM marts.daily_region")}
    con = duckdb.connect(str(db))
    now = datetime.now(UTC)
    add_story(con, "s5", "b1")
    # More articles on an existing day and on a new day...
    add_article(con, "b1", outlet="bbc", story_id="s5", published_at=ts("2024-03-01T18:00Z"),
                agency="Reuters", loaded_at=now)  # fmt: skip
    add_place(con, "b1", "GB", "GB-SCT")
    add_article(con, "b2", outlet="lemonde", story_id="s1", published_at=ts("2024-03-03T08:00Z"),
                agency="AFP", loaded_at=now)  # fmt: skip
    add_place(con, "b2", "FR", None)
    # ...and a1 re-loaded with another primary place: FR-IDF loses its only article on D1.
    con.execute("DELETE FROM article_places WHERE article_id = 'a1'")
    add_place(con, "a1", "IT", "IT-25")
    con.execute("UPDATE articles SET loaded_at = ? WHERE article_id = 'a1'", [now])
    con.close()

    run_dbt_build(db)
    incremental_region = rows(db, REGION_SQL)
    incremental_agency = rows(db, AGENCY_SQL)

    # Only the touched days were recomputed; D2 kept the rows (and built_at) of the first build.
    stamps = dict(rows(db, "SELECT day, max(built_at) FROM marts.daily_region GROUP BY day"))
    assert stamps[D2] == old_built_at
    assert stamps[D1] > old_built_at and stamps[D3] > old_built_at
    assert (D1, "admin1", "FR-IDF", "Île-de-France", 1, 1, 1) not in incremental_region
    assert (D1, "country", "FR", "France", 2, 2, 2) in incremental_region
    assert (D1, "country", "IT", "Italy", 1, 1, 1) in incremental_region
    assert (D1, "admin1", "IT-25", "Lombardia", 1, 1, 1) in incremental_region
    assert (D1, "country", "GB", "United Kingdom", 2, 2, 1) in incremental_region
    assert (D3, "country", "FR", "France", 1, 1, 1) in incremental_region
    assert (D1, "Reuters", 2, 2, 2) in incremental_agency
    assert (D3, "AFP", 1, 1, 1) in incremental_agency

    full = copy_db(db, tmp_path / "full")
    run_dbt_build(full, full_refresh=True)
    assert rows(full, REGION_SQL) == incremental_region
    assert rows(full, AGENCY_SQL) == incremental_agency
    assert len({r[0] for r in rows(full, "SELECT built_at FROM marts.daily_region")}) == 1


def test_failing_test_raises_models_error(tmp_path: Path) -> None:
    db = create_db(tmp_path / "bad.duckdb")
    con = duckdb.connect(str(db))
    add_fetch(con, "f1", ts("2024-03-01T10:00Z"), "ok")
    add_fetch(con, "f2", ts("2024-03-01T10:00Z"), "exploded")
    con.close()
    with pytest.raises(ModelsError) as exc:
        run_dbt_build(db, select="stg_fetch_log")
    msg = str(exc.value)
    assert "\n" not in msg
    assert "test accepted_values_stg_fetch_log_outcome" in msg
    assert "1 failing row(s)" in msg
    # dbt let go of the file: it opens read-write right away.
    duckdb.connect(str(db)).close()


def test_missing_db_is_a_models_error(tmp_path: Path) -> None:
    with pytest.raises(ModelsError, match="database file not found"):
        run_dbt_build(tmp_path / "nope.duckdb")


def test_project_dir_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert (dbt_project_dir() / "dbt_project.yml").is_file()
    assert (dbt_project_dir() / "profiles.yml").is_file()
    monkeypatch.setenv("NEWSFLOW_DBT_PROJECT_DIR", str(tmp_path))
    assert dbt_project_dir() == tmp_path.resolve()
    db = create_db(tmp_path / "x.duckdb")
    with pytest.raises(ModelsError, match=r"has no dbt_project\.yml"):
        run_dbt_build(db)


def test_task_db_lock_is_the_store_lock(tmp_path: Path) -> None:
    from pipeline.errors import DatabaseError
    from pipeline.storage.db import db_lock

    db = tmp_path / "news.duckdb"
    lock = TaskDbLock(db, timeout=0.3)
    lock.acquire({})
    lock.acquire({})  # re-entrant within the process: a failed task never released it
    assert lock.held
    with pytest.raises(DatabaseError), db_lock(db, timeout=0.3):
        pass
    lock.release({}, None)
    assert not lock.held
    with db_lock(db, timeout=0.3):
        pass
