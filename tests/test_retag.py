"""Re-tagging without re-extraction: articles tagged by an older tagger get the current tags,
their bodies untouched, their loaded_at bumped so incremental marts recompute those days."""

from __future__ import annotations

from pathlib import Path

import rows
from helpers import query

from pipeline.extract import EXTRACTOR_VERSION
from pipeline.places import TAGGER_VERSION
from pipeline.run.reextract import reextract
from pipeline.settings import Settings
from pipeline.storage.load import load_staged
from pipeline.storage.staging import write_batch

BODY = (
    "ALEXANDRIA, La. — The Rapides Parish school board met on Tuesday in Alexandria to vote on "
    "the new budget. Pineville and Ball residents asked for more buses, and the board agreed."
)


def test_stale_tagger_retags_places_without_reextracting(tmp_path: Path) -> None:
    db = tmp_path / "n.duckdb"
    staging, state = tmp_path / "staging", tmp_path / "state"
    article = rows.article(
        "a1",
        BODY,
        extractor_version=EXTRACTOR_VERSION,
        publisher_country="US",
        title="School board adopts budget",
    )
    old_place = rows.place("a1", "EG", place_name="Alexandria", canonical_name="Alexandria")
    write_batch(staging, "r-b0", "r", {"articles": [article], "article_places": [old_place]})
    load_staged(db, staging, state)
    (loaded_before,) = query(db, "SELECT loaded_at FROM articles")[0]

    settings = Settings.model_validate({"db_path": db, "feeds": []})
    report = reextract(settings, only_stale=True)

    assert report.updated == 0 and report.retagged == 1
    body, version, loaded_after = query(
        db, "SELECT body, tagger_version, loaded_at FROM articles WHERE article_id = 'a1'"
    )[0]
    assert body == BODY and version == TAGGER_VERSION and loaded_after > loaded_before
    primary = query(
        db,
        "SELECT country_code, admin1_code, how FROM article_places WHERE is_primary",
    )
    assert primary[0][:2] == ("US", "US-LA"), primary
    assert primary[0][2]  # the resolution reason is stored
    # Nothing stale is left: a second pass re-tags nothing.
    assert reextract(settings, only_stale=True).retagged == 0
