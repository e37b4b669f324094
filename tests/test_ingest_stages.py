"""The fan-out stages as the DAG calls them: each task reads what is already done from the
exported state (no ``seen`` set handed in), against the demo web on loopback and a real DuckDB.

The CLI's ``run_pass`` hands one pre-read set to every stage; the DAG's poll and fetch tasks
each look up only their own URLs (``read_seen(..., among=...)``). This pins that second path,
including the case the end-to-end reruns do not reach: a feed that answers 200 again (no
validators kept) with entries that are already stored.
"""

from __future__ import annotations

import pytest

from pipeline.run.passes import fetch_extract_batch, load, new_run_id, poll_feed
from pipeline.settings import load_settings
from tools.demo import serve, write_demo_feeds

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stages(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stages")
    with serve() as server:
        feeds = write_demo_feeds(tmp / "feeds.yaml", server.server_address[1])
        settings = load_settings(feeds, db_path=tmp / "news.duckdb")
        run1 = new_run_id()
        first = poll_feed(settings, "wire-world", run1)
        batch1 = fetch_extract_batch(settings, run1, "b0000", first.items)
        loaded = load(settings, run1)
        # Forget the feed's validators: the next poll gets the whole feed again (HTTP 200).
        (settings.state_dir / "feed_state.json").unlink()
        run2 = new_run_id()
        again = poll_feed(settings, "wire-world", run2)
        # A batch re-planned from the first poll's items (say, a cleared task) finds its
        # articles already stored.
        batch2 = fetch_extract_batch(settings, run2, "b0000", first.items)
        reloaded = load(settings, run2)
    return first, batch1, loaded, again, batch2, reloaded


def test_first_poll_finds_new_entries_and_they_load(stages):
    first, batch1, loaded, *_ = stages
    assert first.outcome == "ok" and first.n_new == first.n_entries > 0
    assert batch1.n_articles > 0 and loaded.articles == batch1.n_articles


def test_repoll_with_a_full_feed_finds_nothing_new(stages):
    first, _, _, again, *_ = stages
    assert again.outcome == "ok" and again.n_entries == first.n_entries
    assert again.n_new == 0 and again.items == []


def test_refetched_batch_records_duplicates_and_adds_nothing(stages):
    _, batch1, _, _, batch2, reloaded = stages
    assert batch2.n_articles == 0
    assert batch2.outcomes.get("duplicate", 0) == batch1.n_articles
    assert reloaded.articles == 0 and reloaded.outcomes.get("duplicate", 0) == batch1.n_articles
