"""Wire items through the real drop folder, staging and loader: versions out of order, a
duplicate delivery, a correction, a kill, a withhold and an embargo, delivered in random orders
and batchings, give identical final tables; kills and embargoes stay out of the snapshot's text.

The deliveries are the fixture sequence of ``tests/data/wire/sequence`` (NewsML-G2 items written
for these tests: A v1..v3 with a correction and a cancel, C with a withhold lifted by v3, a
newsMessage repeating A v3 and bringing B under embargo).
"""

from __future__ import annotations

import random
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.run.clock import new_run_id
from pipeline.run.passes import load
from pipeline.run.wire import poll_wire_feed, wire_article_id
from pipeline.settings import load_settings
from pipeline.storage.snapshot import publish_snapshot
from tests.helpers import query

SEQ = Path(__file__).parent / "data" / "wire" / "sequence"
A = "urn:newsml:afp.com:20261207:TX-PAR-ABC12"
B = "urn:newsml:afp.com:20261207:TX-PAR-EMB01"
C = "tag:reuters.com,2026:newsml_L8N3C0001"

# What must not depend on order or batching (timestamps of receipt and run ids left out).
FINAL = {
    "articles": "SELECT article_id, url, feed_id, outlet, title, body, word_count, published_at,"
    " date_source, agency, byline, story_id, content_hash, language, item_uri, item_version,"
    " firstcreated, versioncreated, urgency, is_correction, withdrawn_at, embargoed_until"
    " FROM articles ORDER BY ALL",
    "article_versions": "SELECT article_id, item_version, versioncreated, digest, pubstatus,"
    " title, body, is_correction, embargoed_until FROM article_versions ORDER BY ALL",
    "article_subjects": "SELECT * FROM article_subjects ORDER BY ALL",
    "article_places": "SELECT * FROM article_places ORDER BY ALL",
    "stories": "SELECT story_id, first_article_id, title, article_count FROM stories ORDER BY ALL",
    # the raw bytes are the first delivery of the current version (a file, or the same item
    # inside a newsMessage): the envelope may differ, so only what it is is compared
    "raw_pages": "SELECT article_id, url, content_type FROM raw_pages ORDER BY ALL",
}


def _settings(tmp: Path):
    inbox = tmp / "inbox"
    inbox.mkdir()
    feeds = tmp / "feeds.yaml"
    feeds.write_text(
        f"feeds:\n  - id: afp-drop\n    url: dir://{inbox}\n    country: FR\n", encoding="utf-8"
    )
    return load_settings(feeds, db_path=tmp / "news.duckdb"), inbox


def _deliver(tmp: Path, batches: list[list[str]]) -> tuple[dict, list]:
    """Drop each batch of files, poll the folder and load; the final tables, the poll results."""
    settings, inbox = _settings(tmp)
    polls = []
    for n, names in enumerate(batches):
        for k, name in enumerate(names):
            shutil.copy(SEQ / name, inbox / f"{n:02d}-{k:02d}-{name}")
        run_id = new_run_id()
        polls.append(poll_wire_feed(settings, "afp-drop", run_id))
        load(settings, run_id)
    return {k: query(settings.db_path, sql) for k, sql in FINAL.items()}, polls


def _files() -> list[str]:
    names = sorted(p.name for p in SEQ.iterdir())
    return [*names, "a_v2.xml"]  # and one file delivered twice


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[dict, Path]:
    tmp = tmp_path_factory.mktemp("ref")
    tables, polls = _deliver(tmp, [_files()])
    assert [p.outcome for p in polls] == ["ok"]
    return tables, tmp


def test_one_article_per_item_with_its_final_state(reference) -> None:
    tables, _ = reference
    by_uri = {r[14]: r for r in tables["articles"]}
    assert set(by_uri) == {A, B, C}
    a, b, c = by_uri[A], by_uri[B], by_uri[C]
    assert a[0] == wire_article_id(A)
    assert a[15] == 3 and a[19] is True and a[20] is not None  # v3 text, corrected, killed
    assert c[15] == 3 and c[20] is None  # the withhold was lifted by v3
    assert b[21] == datetime(2026, 12, 8, 6, 0, tzinfo=UTC) and b[20] is None
    assert all(r[9] and r[8] == "item" for r in (a, b, c))  # agency, date from the item
    assert len({r[11] for r in (a, b, c)}) == 3  # one story each, never a second one
    n_versions = {}
    for row in tables["article_versions"]:
        n_versions[row[0]] = n_versions.get(row[0], 0) + 1
    assert n_versions == {wire_article_id(A): 4, wire_article_id(B): 1, wire_article_id(C): 3}
    assert len(tables["raw_pages"]) == 3


def test_every_item_and_file_is_logged_and_files_archived(reference) -> None:
    _, tmp = reference
    outcomes = query(
        tmp / "news.duckdb",
        "SELECT item_uri, item_version, outcome FROM item_log ORDER BY source, item_uri",
    )
    assert sorted(o for _, _, o in outcomes) == sorted(
        [
            *("ok", "updated", "updated", "killed", "ok", "killed", "updated"),
            *("duplicate_version", "ok", "duplicate_version"),  # A v3 again, B v1, a_v2 again
        ]
    )
    inbox = tmp / "inbox"
    assert sorted(p.name for p in (inbox / "archive").iterdir()) == sorted(
        f"00-{k:02d}-{n}" for k, n in enumerate(_files())
    )
    assert not [p for p in inbox.iterdir() if p.is_file() and not p.name.startswith(".")]
    assert not list((inbox / "processing").iterdir())


@pytest.mark.parametrize("seed", range(12))
def test_any_order_and_batching_gives_identical_tables(reference, tmp_path, seed) -> None:
    rng = random.Random(seed)
    names = _files()
    rng.shuffle(names)
    batches, i = [], 0
    while i < len(names):
        size = rng.randint(1, 4)
        batches.append(names[i : i + size])
        i += size
    tables, _ = _deliver(tmp_path, batches)
    expected, _ = reference
    for name in FINAL:
        assert tables[name] == expected[name], name


def test_rereading_a_loaded_file_changes_nothing(reference, tmp_path) -> None:
    expected, _ = reference
    tables, _ = _deliver(tmp_path, [_files(), ["a_v3.xml", "c_v2_withheld.xml"]])
    assert tables == expected


def test_snapshot_keeps_killed_metadata_without_text(reference) -> None:
    _, tmp = reference
    snap = publish_snapshot(tmp / "news.duckdb", tmp / "snap" / "news.duckdb").path
    rows = dict(
        (r[0], r[1:])
        for r in query(snap, "SELECT item_uri, title, body, embargoed_until FROM articles")
    )
    assert rows[A][0] and rows[A][1] is None  # killed: its metadata, no text
    if rows[B][2] > datetime.now(UTC):  # under embargo (until 2026-12-08 06:00): nothing
        assert rows[B][0] is None and rows[B][1] is None
    else:
        assert rows[B][0] and rows[B][1]
    assert rows[C][1]  # usable: its text
    leaked = query(
        snap,
        "SELECT count(*) FROM article_versions WHERE body IS NOT NULL AND article_id = ?",
        [wire_article_id(A)],
    )
    assert leaked == [(0,)]  # no version of the killed item keeps its text either
    named = query(
        snap, "SELECT title FROM stories WHERE first_article_id = ?", [wire_article_id(A)]
    )
    assert named == [(None,)]  # nor does the story it named
    live = query(tmp / "news.duckdb", "SELECT body FROM articles WHERE item_uri = ?", [A])
    assert live[0][0]  # the live file keeps the text for the record


def test_page_at_a_wire_items_url_is_stored_beside_it(tmp_path) -> None:
    from pipeline.storage.staging import write_batch
    from tests.rows import article, fetch

    tables, _ = _deliver(tmp_path, [["c_v1.xml"]])
    page_url = "https://wire.example.org/newsml_L8N3C0001"  # C's source_url, as a crawled page
    assert [r[1] for r in tables["articles"]] == [page_url]
    settings = load_settings(tmp_path / "feeds.yaml", db_path=tmp_path / "news.duckdb")
    page = article("p1", "A page that carries the same story in other words.", url=page_url)
    write_batch(
        settings.staging_dir,
        "r2-b0000",
        "r2",
        {"articles": [page], "fetch_log": [fetch("p1", url=page_url)]},
    )
    load(settings, "r2")
    rows = query(settings.db_path, "SELECT article_id, url FROM articles ORDER BY 1")
    assert rows == sorted([("p1", page_url), (wire_article_id(C), C)])
