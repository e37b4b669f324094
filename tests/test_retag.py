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


G2_ITEM = """<?xml version="1.0" encoding="UTF-8"?>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:newsml:retag.test:1"
  version="1" standard="NewsML-G2" standardversion="2.33" xml:lang="en">
  <itemMeta>
    <itemClass qcode="ninat:text"/>
    <provider qcode="nprov:AP"/>
    <versionCreated>2026-12-07T09:00:00Z</versionCreated>
    <pubStatus qcode="stat:usable"/>
  </itemMeta>
  <contentMeta>
    <headline>Council adopts budget</headline>
    <dateline>ATHENS, Ga., Dec 7 (AP)</dateline>
  </contentMeta>
  <contentSet>
    <inlineXML contenttype="application/xhtml+xml">
      <html xmlns="http://www.w3.org/1999/xhtml"><body><p>{body}</p></body></html>
    </inlineXML>
  </contentSet>
</newsItem>
"""
ATHENS = "The city council of Athens met on Monday to vote on the new budget for the coming year."


def test_a_wire_item_is_retagged_with_its_dateline_read_from_the_kept_raw_item(
    tmp_path: Path,
) -> None:
    """The body alone reads "Athens" as Greece's capital; the item's dateline ("ATHENS, Ga.")
    is evidence only the raw item keeps, so a re-tag must read it there as ingestion did."""
    import gzip

    from pipeline.storage.schema import RawPageRow

    db = tmp_path / "n.duckdb"
    staging, state = tmp_path / "staging", tmp_path / "state"
    raw = G2_ITEM.format(body=ATHENS).encode()
    article = rows.article(
        "w1",
        ATHENS,
        extractor_version=EXTRACTOR_VERSION,
        title="Council adopts budget",
        item_uri="urn:newsml:retag.test:1",
        item_version=1,
    )
    raw_row = RawPageRow(
        article_id="w1",
        url="urn:newsml:retag.test:1",
        final_url=None,
        fetched_at=article.fetched_at,
        content_type="application/xml",
        encoding="gzip",
        html_gz=gzip.compress(raw),
        n_bytes=len(raw),
        charset=None,
    )
    old_place = rows.place("w1", "GR", place_name="Athens", canonical_name="Athens")
    batch = {"articles": [article], "article_places": [old_place], "raw_pages": [raw_row]}
    write_batch(staging, "r-b0", "r", batch)
    load_staged(db, staging, state)

    settings = Settings.model_validate({"db_path": db, "feeds": []})
    assert reextract(settings, only_stale=True).retagged == 1
    primary = query(db, "SELECT country_code, admin1_code FROM article_places WHERE is_primary")
    assert primary == [("US", "US-GA")], primary
