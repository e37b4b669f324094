"""Shards: bounded Airflow fan-out by host, stable across processes, one fetch per URL."""

from __future__ import annotations

import subprocess
import sys

from pipeline.run.shards import feed_shards, plan_shards, poll_groups, shard_of
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


def test_poll_groups_follow_the_feed_count_and_keep_hosts_apart() -> None:
    from pipeline.run.dag_support import FEEDS_PER_POLL_TASK, poll_task_count

    s = settings(n_shards=8, n_feeds=40)
    (only,) = poll_groups(s, s.feed_ids())  # 40 feeds: one poll task, not eight
    assert sorted(only) == sorted(s.feed_ids())
    assert poll_task_count(0, 8) == 1 and poll_task_count(FEEDS_PER_POLL_TASK + 1, 8) == 2
    assert poll_task_count(100 * FEEDS_PER_POLL_TASK, 8) == 8  # never more than `shards`
    feeds = [{"id": f"f{i}", "url": f"https://h{i % 300}.example/{i}.xml"} for i in range(2500)]
    big = Settings.model_validate({"shards": 8, "feeds": feeds})
    groups = poll_groups(big, big.feed_ids())
    assert len(groups) == 3 and sum(map(len, groups)) == 2500
    hosts = [{big.feed(f).url.split("/")[2] for f in g} for g in groups]
    assert all(not (a & b) for i, a in enumerate(hosts) for b in hosts[i + 1 :])


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


# ---------------------------------------------------------------------------- held polls


def _on_disk(tmp_path) -> Settings:
    s = settings()
    return s.model_copy(update={"db_path": tmp_path / "news.duckdb"})


def test_held_polls_are_invisible_to_the_loader_until_released(tmp_path) -> None:
    from rows import poll

    from pipeline.run.shards import hold_polls, release_held
    from pipeline.storage.staging import pending_batches

    s = _on_disk(tmp_path)
    hold_polls(s, "r1", "p00-", [poll("r1-f00", run_id="r1", feed_id="f00")])
    hold_polls(s, "r1", "p01-", [])  # nothing to hold: no batch
    assert pending_batches(s.staging_dir) == []
    assert release_held(s, "r2") == 0  # another run's release leaves them
    assert release_held(s, "r1") == 1
    assert [p.name for p in pending_batches(s.staging_dir)] == ["r1-p00-held"]
    assert not (s.staging_dir / "held").exists()  # no empty folder left behind


def test_a_dead_runs_held_polls_are_dropped_and_their_feeds_named(tmp_path) -> None:
    from rows import poll

    from pipeline.run.shards import clear_staged, drop_stale_held, held_dir, hold_polls

    s = _on_disk(tmp_path)
    hold_polls(s, "r1", "p00-", [poll("a", run_id="r1", feed_id="f03"),
                                 poll("b", run_id="r1", feed_id="f01")])  # fmt: skip
    hold_polls(s, "r2", "p00-", [poll("c", run_id="r2", feed_id="f02")])
    assert drop_stale_held(s, "r2") == ["f03", "f01"]
    assert [p.name for p in held_dir(s).iterdir()] == ["r2-p00-held"]
    assert clear_staged(s, "r2", "p00-") == 1  # a retried poll shard starts clean
    assert drop_stale_held(s, "r3") == [] and not held_dir(s).exists()


def test_hints_are_swept_only_when_old_loaded_and_no_longer_deferred(tmp_path) -> None:
    import os
    import time

    from pipeline.run.plan import HINTS_DIR, prune_hints, read_hints, save_hints

    state, staging = tmp_path / "state", tmp_path / "staging"
    a, b = item("h1.example", 1), {**item("h1.example", 2), "title": "T", "published": "2026"}
    save_hints(state, "run-b0000", [a, b])
    save_hints(state, "run-b0001", [item("h2.example", 1)])
    (staging / "run-b0001").mkdir(parents=True)  # still staged: its rows are not loaded yet
    assert prune_hints(state, staging, set()) == 0  # young files are never swept
    old = time.time() - 3600
    for p in (state / HINTS_DIR).glob("*.json"):
        os.utime(p, (old, old))
    assert prune_hints(state, staging, {b["url_hash"]}) == 0  # b is still deferred
    assert set(read_hints(state)) == {b["url_hash"], "h2.example-1"}
    assert read_hints(state)[b["url_hash"]]["title"] == "T"
    assert prune_hints(state, staging, set(), now=time.time() + 3600) == 1
    assert set(read_hints(state)) == {"h2.example-1"}
