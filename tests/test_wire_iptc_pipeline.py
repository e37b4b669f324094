"""IPTC's published examples through the real pipeline: a drop folder holding every example file
(ninjs 1.4/2.1/3.0, Business Wire NewsML, the NewsML-G2 guideline listings), polled with strict
schema validation and loaded into a real DuckDB file.

Every text item becomes one article (one per item URI: the Business Wire releases come in
several formats and versions of one URI), every other item a recorded ``item_log`` outcome, and
files with nothing readable go to ``rejected/`` with their reason. Expected per-file outcomes
come from ``tests/test_wire_iptc.py`` (reviewed by hand there). Skips without ``../shared``.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from pipeline.paths import shared_path
from pipeline.run.clock import new_run_id
from pipeline.run.passes import load
from pipeline.run.wire import poll_wire_feed
from pipeline.settings import load_settings
from pipeline.wire import parse_items
from tests.helpers import query
from tests.test_wire_iptc import EXPECTED, NO_HEADLINE

BASE = shared_path("eval", "wire")
pytestmark = pytest.mark.skipif(
    BASE is None or not (BASE / "ninjs" / "schemas").is_dir(),
    reason="IPTC wire examples not available (../shared/eval/wire; set NEWSFLOW_SHARED)",
)
LOADED = ("ok", "updated", "older_version", "duplicate_version")


def _name(rel: str) -> str:
    return rel.replace("/", "__")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> tuple[Path, Path]:
    assert BASE is not None
    tmp = tmp_path_factory.mktemp("iptc")
    inbox = tmp / "inbox"
    inbox.mkdir()
    for rel in EXPECTED:  # copies in a temp folder: the drop folder moves what it reads
        shutil.copy(BASE / rel, inbox / _name(rel))
    feeds = tmp / "feeds.yaml"
    feeds.write_text(
        f"feeds:\n  - id: iptc\n    url: dir://{inbox}\n"
        f"settings:\n  ninjs_schema_dir: {BASE / 'ninjs' / 'schemas'}\n",
        encoding="utf-8",
    )
    settings = load_settings(feeds, db_path=tmp / "news.duckdb")
    run_id = new_run_id()
    res = poll_wire_feed(settings, "iptc", run_id)
    assert res.outcome == "ok", res.error
    load(settings, run_id)
    return settings.db_path, inbox


def test_every_item_has_its_outcome(loaded) -> None:
    db, _ = loaded
    logged: dict[str, list[str]] = {}
    for source, outcome in query(db, "SELECT source, outcome FROM item_log ORDER BY item_log_id"):
        logged.setdefault(source, []).append("ok" if outcome in LOADED else outcome)
    assert logged == {_name(rel): outcomes for rel, outcomes in EXPECTED.items()}


def test_one_article_per_text_item_uri(loaded) -> None:
    assert BASE is not None
    db, _ = loaded
    uris = {}
    for rel in EXPECTED:
        for r in parse_items((BASE / rel).read_bytes(), source=rel, validate="strict"):
            if r.outcome == "ok":
                uris.setdefault(r.item.uri, rel)
    rows = query(
        db,
        "SELECT item_uri, title, length(body), published_at, date_source, item_version"
        " FROM articles",
    )
    assert sorted(r[0] for r in rows) == sorted(uris)
    for uri, title, n_chars, published, date_source, version in rows:
        assert (title is None) == (uris[uri] in NO_HEADLINE), uri
        assert n_chars > 0 and version is not None, uri
        assert published is not None and date_source == "item", uri
    versions = Counter(r[0] for r in query(db, "SELECT article_id FROM article_versions"))
    assert sum(versions.values()) >= len(rows)


def test_files_archived_or_rejected_with_reason(loaded) -> None:
    _, inbox = loaded
    unreadable = {_name(rel) for rel, outs in EXPECTED.items() if outs == ["unsupported"]}
    rejected = {p.name for p in (inbox / "rejected").iterdir()}
    assert {n for n in rejected if not n.endswith(".reason.txt")} == unreadable
    assert {n.removesuffix(".reason.txt") for n in rejected if n.endswith(".reason.txt")} == (
        unreadable
    )
    archived = {p.name for p in (inbox / "archive").iterdir()}
    assert archived == {_name(rel) for rel in EXPECTED} - unreadable
    assert not list((inbox / "processing").iterdir())
