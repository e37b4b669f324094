"""plan_batches: one fetch per URL across feeds, duplicates kept as recorded items, windows."""

from datetime import UTC, datetime

from pipeline.run.clock import new_run_id
from pipeline.run.plan import plan_batches


def item(feed: str, host: str, n: int, published: str | None = "2026-03-03T10:00:00+00:00") -> dict:
    url = f"https://{host}/a{n}"
    return {
        "feed_id": feed,
        "url": url,
        "canonical_url": url,
        "url_hash": f"{host}{n}",
        "published": published,
    }


def test_same_url_in_two_feeds_is_fetched_once_and_recorded_as_duplicate():
    a = [item("ledger-world", "ledger.example", 1), item("ledger-world", "ledger.example", 2)]
    b = [item("ledger-top", "ledger.example", 1)]
    (batch,) = plan_batches([a, b], batch_size=10)
    fetches = [i for i in batch if not i.get("duplicate_of")]
    dups = [i for i in batch if i.get("duplicate_of")]
    assert [i["url_hash"] for i in fetches] == ["ledger.example1", "ledger.example2"]
    assert [(d["feed_id"], d["duplicate_of"]) for d in dups] == [
        ("ledger-top", "https://ledger.example/a1")
    ]


def test_batches_interleave_hosts_and_respect_size():
    a = [item("a", "a.example", n) for n in range(4)]
    b = [item("b", "b.example", n) for n in range(2)]
    batches = plan_batches([a, b], batch_size=3)
    assert [len(x) for x in batches] == [3, 3]
    assert [i["canonical_url"].split("/")[2] for i in batches[0]] == [
        "a.example",
        "b.example",
        "a.example",
    ]


def test_date_window_keeps_undated_items():
    items = [
        item("a", "a.example", 1, "2026-03-01T23:59:59+00:00"),
        item("a", "a.example", 2, "2026-03-02T00:00:00+00:00"),
        item("a", "a.example", 3, "2026-03-03T00:00:00+00:00"),
        item("a", "a.example", 4, None),
    ]
    since = datetime(2026, 3, 2, tzinfo=UTC)
    until = datetime(2026, 3, 3, tzinfo=UTC)
    (batch,) = plan_batches([items], 10, since=since, until=until)
    assert sorted(i["url_hash"] for i in batch) == ["a.example2", "a.example4"]


def test_run_ids_sort_by_time_and_are_unique():
    early = new_run_id(datetime(2026, 3, 3, 9, tzinfo=UTC))
    late = new_run_id(datetime(2026, 3, 3, 10, tzinfo=UTC))
    assert early < late
    assert new_run_id() != new_run_id()
