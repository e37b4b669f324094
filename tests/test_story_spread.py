"""marts.story_spread and the story columns the marts read, built by dbt on a loader-made file."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import duckdb
import rows

from pipeline.run.dbt import run_dbt_build
from pipeline.storage.load import load_staged
from pipeline.storage.staging import write_batch

T0 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def text(seed: int, n: int = 200) -> str:
    rnd = random.Random(seed)
    vocab = [f"{a}{b}" for a in "bcdfgklmnprstvz" for b in ("ane", "oru", "ile", "ast", "embo")]
    words = [rnd.choice(vocab) for _ in range(n)]
    return "\n".join(" ".join(words[i : i + 40]) + "." for i in range(0, n, 40))


def art(aid: str, body: str, outlet: str, country: str | None, hours: float, **kw):
    return rows.article(
        aid,
        body,
        outlet=outlet,
        hours=hours,
        feed_id="f",
        publisher_country=country,
        title=f"T {aid}",
        fetched_at=T0 + timedelta(hours=hours, minutes=3),
        agency=kw.get("agency"),
        agency_evidence=kw.get("evidence"),
        extractor="t",
        extractor_version="t",
    )


def place(aid: str, country: str):
    return rows.place(aid, country, place_kind=None, match_type=None)


def test_story_spread_and_syndication_columns(tmp_path):
    db, staging, state = tmp_path / "n.duckdb", tmp_path / "staging", tmp_path / "state"
    wire, own = text(1), text(2)
    articles = [
        art("w", wire, "wire.ex", "FR", 0, agency="AFP", evidence="dateline"),
        art("c1", wire, "one.ex", "GB", 6),
        art("c2", "\n".join(wire.splitlines()[:2]), "two.ex", "US", 27.5),
        art("o", own, "one.ex", "GB", 1),
    ]
    places = [place("w", "UA"), place("c1", "UA"), place("c2", "PL")]
    write_batch(staging, "r-b0", "r", {"articles": articles, "article_places": places})
    load_staged(db, staging, state)
    run_dbt_build(db, select="+story_spread +daily_agency")
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "SELECT story_id, first_article_id, agency, n_articles, n_outlets,"
            " n_publisher_countries, n_countries, countries, n_syndicated, hours_first_to_last"
            " FROM marts.story_spread ORDER BY story_id"
        ).fetchall()
        assert rows == [
            ("st_o", "o", None, 1, 1, 1, 0, None, 0, 0.0),
            ("st_w", "w", "AFP", 3, 3, 3, 2, "PL,UA", 3, 27.5),
        ]
        # daily_agency counts the inherited copies under AFP: 3 articles, one story
        assert con.execute(
            "SELECT agency, sum(n_articles), sum(n_stories) FROM marts.daily_agency GROUP BY 1"
        ).fetchall() == [("AFP", 3, 2)]
        assert dict(
            con.execute("SELECT article_id, syndication FROM staging.stg_articles").fetchall()
        ) == {"w": "wire", "c1": "wire", "c2": "wire", "o": "original"}
    finally:
        con.close()
