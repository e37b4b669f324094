"""Incremental marts and kills: a kill loaded in a later run takes the article out of the days it
touched at the next (incremental) build, exactly as a full refresh would, and a wire item's
subjects reach ``marts.daily_topic``. Real dbt builds on a real DuckDB file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.run.clock import new_run_id
from pipeline.run.passes import build_models, load
from pipeline.run.wire import poll_wire_feed
from pipeline.settings import load_settings
from tests.helpers import query

pytestmark = pytest.mark.e2e

SEQ = Path(__file__).parent / "data" / "wire" / "sequence"
MARTS = {
    "daily_agency": "SELECT * EXCLUDE (built_at) FROM marts.daily_agency ORDER BY ALL",
    "daily_topic": "SELECT * EXCLUDE (built_at) FROM marts.daily_topic ORDER BY ALL",
    "daily_region": "SELECT * EXCLUDE (built_at) FROM marts.daily_region ORDER BY ALL",
    "story_spread": "SELECT * FROM marts.story_spread ORDER BY ALL",
}


def _deliver(settings, inbox: Path, *names: str) -> None:
    for name in names:
        shutil.copy(SEQ / name, inbox / name)
    run_id = new_run_id()
    poll_wire_feed(settings, "afp-drop", run_id)
    load(settings, run_id)


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wire-marts")
    inbox = tmp / "inbox"
    inbox.mkdir()
    feeds = tmp / "feeds.yaml"
    feeds.write_text(f"feeds:\n  - id: afp-drop\n    url: dir://{inbox}\n", encoding="utf-8")
    settings = load_settings(feeds, db_path=tmp / "news.duckdb")
    _deliver(settings, inbox, "a_v1.xml", "c_v1.xml")
    build_models(settings)
    before = {k: query(settings.db_path, q) for k, q in MARTS.items()}
    _deliver(settings, inbox, "a_v4_kill.xml")
    build_models(settings)  # incremental
    incremental = {k: query(settings.db_path, q) for k, q in MARTS.items()}
    build_models(settings, full_refresh=True)
    full = {k: query(settings.db_path, q) for k, q in MARTS.items()}
    return before, incremental, full


def test_kill_leaves_the_incremental_marts_like_a_full_refresh(builds) -> None:
    before, incremental, full = builds
    assert incremental == full
    assert before != incremental


def test_the_killed_item_is_counted_before_and_gone_after(builds) -> None:
    before, incremental, _ = builds
    # A (AFP, politics, Paris) and C (Reuters) on 2026-12-07; the kill takes A out
    assert [(str(r[0]), r[1], r[2]) for r in before["daily_agency"]] == [
        ("2026-12-07", "AFP", 1),
        ("2026-12-07", "Reuters", 1),
    ]
    assert [(str(r[0]), r[1], r[2]) for r in incremental["daily_agency"]] == [
        ("2026-12-07", "Reuters", 1)
    ]

    def politics(rows: list) -> int:  # both items are politics (medtop:11000000)
        return sum(r[5] for r in rows if (r[1], r[2]) == ("medtop", "11000000"))

    assert politics(before["daily_topic"]) == 2 and politics(incremental["daily_topic"]) == 1
    assert len(before["story_spread"]) == 2 and len(incremental["story_spread"]) == 1
