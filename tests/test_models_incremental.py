"""Incremental dbt builds at scale: the article- and story-grain tables, the day marts' deletes
and the tests' incremental scope (dbt_meta.builds).

Real dbt builds on real DuckDB files; the changes between builds are what the loader, a kill,
a re-tag and the story clusterer write (rows with loaded_at / updated_at bumped).
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from helpers import query
from test_models import add_article, add_place, add_story, create_db, load_base, ts

from pipeline.errors import ModelsError
from pipeline.run.dbt import run_dbt_build

pytestmark = pytest.mark.timeout(300)

TABLES = [
    "intermediate.int_article_primary_places",
    "intermediate.int_articles_enriched",
    "intermediate.int_article_countries",
    "marts.daily_region",
    "marts.daily_agency",
    "marts.daily_country_mentions",
    "marts.coverage_matrix",
    "marts.story_spread",
]


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every incremental table's rows, without the build stamps."""
    out = {}
    for rel in TABLES:
        schema, name = rel.split(".")
        cols = [
            c
            for (c,) in query(
                db,
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                [schema, name],
            )
            if c != "built_at"
        ]
        out[rel] = query(db, f"SELECT {', '.join(cols)} FROM {rel} ORDER BY ALL")
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = create_db(tmp_path_factory.mktemp("inc") / "news.duckdb")
    load_base(db)
    con = duckdb.connect(str(db))
    # a wire item under embargo (it ends between the builds: change_everything)
    add_story(con, "s9", "e1")
    add_article(con, "e1", outlet="afp", story_id="s9", published_at=ts("2024-03-04T08:00Z"),
                agency="AFP")  # fmt: skip
    add_place(con, "e1", "ES", None)
    later = datetime.now(UTC) + timedelta(days=1)
    con.execute("UPDATE articles SET embargoed_until = ? WHERE article_id = 'e1'", [later])
    con.close()
    run_dbt_build(db)
    return db


def change_everything(db: Path) -> None:
    """What loads between two builds do: new articles, a story merged away, a kill of a day's
    only article, a re-tag to no place; an embargo ends without a load."""
    con = duckdb.connect(str(db))
    now = datetime.now(UTC)
    add_story(con, "s5", "b1")
    add_article(con, "b1", outlet="bbc", story_id="s5", published_at=ts("2024-03-01T18:00Z"),
                agency="Reuters", loaded_at=now)  # fmt: skip
    add_place(con, "b1", "GB", "GB-SCT")
    # the clusterer merges story s3 (a4, a9) into s1: s3's row goes, s1's is rewritten
    con.execute("UPDATE articles SET story_id = 's1', loaded_at = ? WHERE story_id = 's3'", [now])
    con.execute("DELETE FROM stories WHERE story_id = 's3'")
    con.execute("UPDATE stories SET article_count = 7, updated_at = ? WHERE story_id = 's1'", [now])
    # a2 is 2024-03-02's only article: killed, the day must leave every day mart
    con.execute("UPDATE articles SET withdrawn_at = ?, loaded_at = ? WHERE article_id = 'a2'",
                [now, now])  # fmt: skip
    # a7 re-tagged to no place at all
    con.execute("DELETE FROM article_places WHERE article_id = 'a7'")
    con.execute("UPDATE articles SET loaded_at = ? WHERE article_id = 'a7'", [now])
    # e1's embargo ended a moment ago: nothing is loaded, its day and story must still gain it
    con.execute("UPDATE articles SET embargoed_until = ? WHERE article_id = 'e1'",
                [now - timedelta(seconds=1)])  # fmt: skip
    con.close()


def test_incremental_build_equals_full_refresh(built: Path, tmp_path: Path) -> None:
    db = tmp_path / "inc" / "news.duckdb"
    db.parent.mkdir()
    shutil.copy2(built, db)
    before = snapshot(db)
    assert not any(r[0] == "e1" for r in before["intermediate.int_articles_enriched"])
    change_everything(db)
    run_dbt_build(db)
    incremental = snapshot(db)
    full = tmp_path / "full" / "news.duckdb"
    full.parent.mkdir()
    shutil.copy2(db, full)
    run_dbt_build(full, full_refresh=True)
    assert incremental == snapshot(full)
    assert incremental != before
    spread = {r[0] for r in incremental["marts.story_spread"]}
    assert "s3" not in spread and "s9" in spread  # merged away; out of embargo
    days = {r[0] for r in incremental["marts.daily_region"]}
    assert datetime(2024, 3, 2).date() not in days  # its only article was killed
    assert not any(r[0] == "a7" for r in incremental["intermediate.int_article_countries"])


def test_incremental_tests_see_the_rows_changed_since_the_last_complete_build(
    built: Path, tmp_path: Path
) -> None:
    db = tmp_path / "news.duckdb"
    shutil.copy2(built, db)
    con = duckdb.connect(str(db))
    # an old row (loaded before the last complete build) that breaks stg_articles' relationship
    # to stg_stories: an incremental build does not look at it, a full refresh does
    add_article(con, "old", outlet="x", story_id="nowhere", published_at=ts("2024-03-01T01:00Z"),
                loaded_at=datetime(2024, 3, 1, tzinfo=UTC))  # fmt: skip
    con.close()
    run_dbt_build(db)
    with pytest.raises(ModelsError, match="relationships_stg_articles_story_id"):
        run_dbt_build(db, full_refresh=True)
    # the same break in a row loaded now is caught by the incremental build, which is then not
    # complete: the next build looks at the row again
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM articles WHERE article_id = 'old'")
    add_article(con, "new", outlet="x", story_id="nowhere", published_at=ts("2024-03-01T02:00Z"),
                loaded_at=datetime.now(UTC))  # fmt: skip
    con.close()
    with pytest.raises(ModelsError, match="relationships_stg_articles_story_id"):
        run_dbt_build(db)
    con = duckdb.connect(str(db))
    add_story(con, "nowhere", "new")
    con.close()
    run_dbt_build(db)
    builds = query(db, "SELECT full_refresh, complete FROM dbt_meta.builds ORDER BY started_at")
    # the failed builds are not complete, so the next one looked at 'new' again
    assert builds[-4:] == [(False, True), (True, False), (False, False), (False, True)]
