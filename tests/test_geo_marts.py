"""The geography marts built for real by dbt on a small DuckDB file: daily_region's UN M49
levels, daily_country_mentions (every mentioned country) and coverage_matrix (who covers whom).

One build, shared by the tests (dbt costs seconds); the rows are known by construction.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
from helpers import query as rows

from pipeline.run.dbt import DB_ENV, run_dbt_build
from pipeline.storage.migrations import MIGRATIONS

D1, D2 = date(2024, 3, 1), date(2024, 3, 2)
LOADED = datetime(2024, 3, 3, tzinfo=UTC)
SEEDS = Path(__file__).resolve().parents[1] / "sql" / "seeds"

# (article, outlet, publisher country, published, story)
ARTICLES = [
    ("a1", "kyivindependent", "UA", "2024-03-01T08:00Z", "s1"),
    ("a2", "bbc", "GB", "2024-03-01T09:00Z", "s1"),
    ("a3", "nyt", "US", "2024-03-01T10:00Z", "s2"),
    ("a4", "nyt", "US", "2024-03-02T10:00Z", "s3"),
    ("a5", "lemonde", None, "2024-03-02T11:00Z", "s4"),  # feed without a country
    ("a6", "bbc", "GB", "2024-03-02T12:00Z", "s5"),  # no places
]
# (article, country, admin1, mentions, primary)
PLACES = [
    ("a1", "UA", "UA-65", 4, True),  # Kherson
    ("a1", "UA", None, 3, False),  # Ukraine
    ("a1", "RU", "RU-MOW", 2, False),  # Moscow
    ("a2", "UA", "UA-65", 2, True),
    ("a2", "US", None, 1, False),
    ("a3", "KE", "KE-30", 2, True),  # Nairobi
    ("a4", "US", "US-TX", 3, True),  # Houston
    ("a4", "MX", None, 1, False),
    ("a5", "FR", "FR-IDF", 1, True),
]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("geo_marts") / "news.duckdb"
    con = duckdb.connect(str(path))
    for _v, _n, sql in sorted(MIGRATIONS, key=lambda m: m[0]):
        con.execute(sql)
    for story in sorted({a[4] for a in ARTICLES}):
        con.execute(
            "INSERT INTO stories (story_id, first_article_id, first_seen_at, last_seen_at,"
            " article_count, n_outlets, method, updated_at) VALUES (?, 'x', ?, ?, 1, 1, 'exact', ?)",
            [story, LOADED, LOADED, LOADED],
        )
    for aid, outlet, country, published, story in ARTICLES:
        con.execute(
            """
            INSERT INTO articles (article_id, url, feed_id, outlet, publisher_country, title, body,
                word_count, published_at, fetched_at, story_id, content_hash, extractor,
                extractor_version, run_id, batch_id, loaded_at)
            VALUES (?, ?, 'feed', ?, ?, 't', 'b', 1, ?, ?, ?, ?, 'x', '1', 'r', 'b', ?)
            """,
            [aid, f"https://{outlet}.example/{aid}", outlet, country,
             datetime.fromisoformat(published), LOADED, story, f"h-{aid}", LOADED],
        )  # fmt: skip
    for aid, cc, admin1, n, primary in PLACES:
        con.execute(
            "INSERT INTO article_places (article_id, country_code, admin1_code, place_name,"
            " canonical_name, mention_count, confidence, is_primary, place_kind, match_type)"
            " VALUES (?, ?, ?, 'p', 'P', ?, 0.9, ?, 'city', 'exact')",
            [aid, cc, admin1, n, primary],
        )
    con.close()
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(DB_ENV, raising=False)
        run_dbt_build(path)
    return path


def test_daily_region_world_levels(db: Path) -> None:
    got = rows(
        db,
        "SELECT day, region_level, region_code, n_articles, n_stories, n_outlets"
        " FROM marts.daily_region WHERE region_level LIKE 'world%' ORDER BY ALL",
    )
    assert got == [
        (D1, "world_region", "Africa", 1, 1, 1),
        (D1, "world_region", "Europe", 2, 1, 2),
        (D1, "world_subregion", "Eastern Africa", 1, 1, 1),
        (D1, "world_subregion", "Eastern Europe", 2, 1, 2),
        (D2, "world_region", "Americas", 1, 1, 1),
        (D2, "world_region", "Europe", 1, 1, 1),
        (D2, "world_subregion", "Northern America", 1, 1, 1),
        (D2, "world_subregion", "Western Europe", 1, 1, 1),
    ]
    # the country and admin-1 levels are still there, side by side
    levels = rows(db, "SELECT DISTINCT region_level FROM marts.daily_region ORDER BY 1")
    assert [r[0] for r in levels] == ["admin1", "country", "world_region", "world_subregion"]


def test_daily_country_mentions_counts_every_country(db: Path) -> None:
    got = rows(
        db,
        "SELECT day, country_code, country_name, un_region, n_articles, n_primary_articles,"
        " n_stories, n_outlets, n_mentions FROM marts.daily_country_mentions ORDER BY ALL",
    )
    assert got == [
        (D1, "KE", "Kenya", "Africa", 1, 1, 1, 1, 2),
        (D1, "RU", "Russian Federation", "Europe", 1, 0, 1, 1, 2),
        (D1, "UA", "Ukraine", "Europe", 2, 2, 1, 2, 9),
        (D1, "US", "United States", "Americas", 1, 0, 1, 1, 1),
        (D2, "FR", "France", "Europe", 1, 1, 1, 1, 1),
        (D2, "MX", "Mexico", "Americas", 1, 0, 1, 1, 1),
        (D2, "US", "United States", "Americas", 1, 1, 1, 1, 3),
    ]


def test_coverage_matrix_publisher_by_story_country(db: Path) -> None:
    got = rows(
        db,
        "SELECT day, publisher_country, story_country, story_country_name, is_domestic,"
        " n_articles, n_stories, n_outlets FROM marts.coverage_matrix ORDER BY ALL",
    )
    assert got == [
        (D1, "GB", "UA", "Ukraine", False, 1, 1, 1),
        (D1, "UA", "UA", "Ukraine", True, 1, 1, 1),
        (D1, "US", "KE", "Kenya", False, 1, 1, 1),
        (D2, "US", "US", "United States", True, 1, 1, 1),
    ]  # a5 (feed without a country) and a6 (no places) cannot be placed


def test_m49_seed_covers_every_country_seed() -> None:
    with (SEEDS / "iso_3166_1.csv").open(encoding="utf-8") as fh:
        countries = {r["alpha_2"] for r in csv.DictReader(fh)}
    with (SEEDS / "un_m49_regions.csv").open(encoding="utf-8") as fh:
        regions = {r["alpha_2"]: (r["un_region"], r["un_subregion"]) for r in csv.DictReader(fh)}
    assert set(regions) == countries
    assert {r for r, _ in regions.values()} == {
        "Africa", "Americas", "Antarctica", "Asia", "Europe", "Oceania",
    }  # fmt: skip
    assert regions["UA"] == ("Europe", "Eastern Europe")
    assert regions["BR"] == ("Americas", "South America")
    assert regions["XK"][0] == "Europe"
