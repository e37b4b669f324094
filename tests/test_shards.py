"""Shards: bounded Airflow fan-out by host, stable across processes, one fetch per URL."""

from __future__ import annotations

import subprocess
import sys

from pipeline.run.shards import feed_shards, plan_shards, shard_of
from pipeline.settings import Settings


def settings(n_shards: int = 4, batch_size: int = 3, n_feeds: int = 40) -> Settings:
    feeds = [
        {"id": f"f{i:02d}", "url": f"https://host{i % 10}.example/feed{i}.xml"}
        for i in range(n_feeds)
    ]
    return Settings.model_validate({"feeds": feeds, "shards": n_shards, "batch_size": batch_size})


def item(host: str, n: int, feed: str = "f00") -> dict:
    url = f"https://{host}/a{n}"
    return {"feed_id": feed, "url": url, "canonical_url": url, "url_hash": f"{host}-{n}"}


def test_shard_of_is_stable_across_processes_and_in_range() -> None:
    urls = [f"https://host{i}.example/x" for i in range(50)]
    here = [shard_of(u, 7) for u in urls]
    code = f"from pipeline.run.shards import shard_of; print([shard_of(u, 7) for u in {urls!r}])"
    there = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert str(here) == there.strip()
    assert set(here) <= set(range(7)) and len(set(here)) > 3
    assert shard_of("https://www.host1.example/a", 7) == shard_of("https://host1.example/b", 7)


def test_feed_shards_keep_a_host_together_and_bound_the_count() -> None:
    s = settings(n_shards=4)
    shards = feed_shards(s, s.feed_ids())
    assert 1 < len(shards) <= 4
    assert sorted(f for sh in shards for f in sh) == sorted(s.feed_ids())
    for sh in shards:
        hosts = {s.feed(f).url.split("/")[2] for f in sh}
        for other in shards:
            if other is not sh:
                assert not hosts & {s.feed(f).url.split("/")[2] for f in other}


def test_plan_shards_one_fetch_per_url_batches_bounded_hosts_together() -> None:
    s = settings(n_shards=3, batch_size=3)
    lists = [
        [item(f"h{h}.example", n) for h in range(5) for n in range(4)],
        [item("h0.example", 0, feed="f01"), item("h9.example", 1, feed="f01")],
    ]
    work = plan_shards(lists, s)
    assert len(work) <= 3
    every = [i for w in work for b in w.batches for i in b]
    assert all(len(b) <= 3 for w in work for b in w.batches)
    # 21 distinct URLs fetched once; the second listing is kept as a recorded duplicate.
    fetched = [i for i in every if not i.get("duplicate_of")]
    assert len(fetched) == 21 and len({i["url_hash"] for i in fetched}) == 21
    assert [i["url_hash"] for i in every if i.get("duplicate_of")] == ["h0.example-0"]
    for w in work:
        for b in w.batches:
            assert {shard_of(i["canonical_url"], 3) for i in b} == {w.shard}
