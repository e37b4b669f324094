"""pipeline.run.dag_support: the decisions the ingest DAG makes, tested without Airflow."""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipeline.errors import ConfigError
from pipeline.run import dag_support as ds
from pipeline.settings import load_settings

FEEDS = """
feeds:
  - id: wire-world
    url: https://wire.example.org/world.xml
  - id: ledger
    url: https://ledger.example.org/rss
  - id: old-feed
    url: https://old.example.org/rss
    enabled: false
settings:
  schedule: "0 * * * *"
  batch_size: 10
"""


@pytest.fixture
def feeds_file(tmp_path: Path) -> Path:
    p = tmp_path / "feeds.yaml"
    p.write_text(FEEDS, encoding="utf-8")
    return p


@pytest.fixture
def settings(feeds_file: Path):
    return load_settings(feeds_file, environ={})


# ------------------------------------------------------------------------------ settings_from_env


def test_settings_from_env_reads_feeds_and_overrides(feeds_file, tmp_path):
    env = {"NEWSFLOW_FEEDS": str(feeds_file), "NEWSFLOW_DB_PATH": str(tmp_path / "x.duckdb")}
    s = ds.settings_from_env(env)
    assert s.feed_ids() == ["wire-world", "ledger"]
    assert s.db_path == tmp_path / "x.duckdb"
    assert s.schedule == "0 * * * *"


def test_settings_from_env_is_cached_until_env_or_file_changes(feeds_file, tmp_path):
    env = {"NEWSFLOW_FEEDS": str(feeds_file)}
    first = ds.settings_from_env(env)
    assert ds.settings_from_env(dict(env)) is first  # same inputs: same object, no re-parse
    other = ds.settings_from_env({**env, "NEWSFLOW_BATCH_SIZE": "3"})
    assert other is not first and other.batch_size == 3
    # An edited feeds file (new mtime) is read again.
    feeds_file.write_text(FEEDS.replace("batch_size: 10", "batch_size: 7"), encoding="utf-8")
    later = time.time() + 5
    os.utime(feeds_file, (later, later))
    assert ds.settings_from_env(env).batch_size == 7


def test_settings_from_env_reports_missing_feeds_file(tmp_path):
    with pytest.raises(ConfigError, match="feeds file not found"):
        ds.settings_from_env({"NEWSFLOW_FEEDS": str(tmp_path / "nope.yaml")})


def test_settings_from_env_ignores_unrelated_variables(feeds_file):
    env = {"NEWSFLOW_FEEDS": str(feeds_file)}
    assert ds.settings_from_env({**env, "HOME": "/x"}) is ds.settings_from_env(env)


# ---------------------------------------------------------------------------------- schedule


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("*/15 * * * *", "*/15 * * * *"),
        (" @hourly ", "@hourly"),
        ("none", None),
        ("Manual", None),
        ("", None),
    ],
)
def test_schedule_of(settings, value, expected):
    assert ds.schedule_of(settings.model_copy(update={"schedule": value})) == expected


def test_default_schedule_is_every_15_minutes():
    assert ds.schedule_of(load_settings(environ={})) == "*/15 * * * *"


# ------------------------------------------------------------------------------- select_feeds


@pytest.mark.parametrize("param", [None, [], "", "  ", ["", " "]])
def test_select_feeds_empty_means_every_enabled_feed(settings, param):
    assert ds.select_feeds(settings, param) == ["wire-world", "ledger"]


def test_select_feeds_keeps_order_drops_repeats_and_allows_disabled(settings):
    assert ds.select_feeds(settings, ["ledger", " wire-world", "ledger"]) == [
        "ledger",
        "wire-world",
    ]
    assert ds.select_feeds(settings, ["old-feed"]) == ["old-feed"]


def test_select_feeds_accepts_a_typed_string(settings):
    assert ds.select_feeds(settings, "ledger, wire-world\nledger") == ["ledger", "wire-world"]


def test_select_feeds_names_every_unknown_id_and_the_known_ones(settings):
    with pytest.raises(ConfigError) as err:
        ds.select_feeds(settings, ["ledger", "nope", "typo-feed", "nope"])
    msg = str(err.value)
    assert "'nope', 'typo-feed'" in msg
    assert "known: wire-world, ledger, old-feed" in msg


def test_select_feeds_without_any_feed_configured_fails_clearly():
    empty = load_settings(environ={})
    with pytest.raises(ConfigError, match=r"no enabled feeds configured.*NEWSFLOW_FEEDS"):
        ds.select_feeds(empty, [])
    with pytest.raises(ConfigError, match="known: none configured"):
        ds.select_feeds(empty, ["x"])


# ------------------------------------------------------------------------------- parse_window


def test_parse_window_dates_are_utc_midnight():
    since, until = ds.parse_window("2026-03-04", "2026-03-05")
    assert since == datetime(2026, 3, 4, tzinfo=UTC)
    assert until == datetime(2026, 3, 5, tzinfo=UTC)


def test_parse_window_open_ends():
    assert ds.parse_window(None, None) == (None, None)
    assert ds.parse_window("", "  ") == (None, None)
    assert ds.parse_window("2026-03-04", None) == (datetime(2026, 3, 4, tzinfo=UTC), None)


def test_parse_window_timestamps_keep_offset_and_naive_is_utc():
    since, until = ds.parse_window("2026-03-04T10:30:00+02:00", "2026-03-04T12:00:00")
    assert since == datetime(2026, 3, 4, 8, 30, tzinfo=UTC)
    assert until == datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    assert ds.parse_window("2026-03-04T10:30:00Z", None)[0] == datetime(
        2026, 3, 4, 10, 30, tzinfo=UTC
    )


def test_parse_window_accepts_date_objects():
    since, until = ds.parse_window(date(2026, 3, 1), datetime(2026, 3, 2, 6))
    assert since == datetime(2026, 3, 1, tzinfo=UTC)
    assert until == datetime(2026, 3, 2, 6, tzinfo=UTC)


@pytest.mark.parametrize(
    ("since", "until", "message"),
    [
        ("yesterday", None, r"params.since: not a date .*'yesterday'"),
        (None, "2026-13-01", r"params.until: not a date"),
        ("2026-03-05", "2026-03-05", "must be before until"),
        ("2026-03-06", "2026-03-05", "must be before until"),
    ],
)
def test_parse_window_rejects_bad_input(since, until, message):
    with pytest.raises(ConfigError, match=message):
        ds.parse_window(since, until)


def test_parse_window_agrees_with_plan_batches_semantics():
    """since inclusive, until exclusive: the window one day covers exactly that day."""
    from pipeline.run.plan import plan_batches

    since, until = ds.parse_window("2026-03-04", "2026-03-05")
    items = [
        {"url_hash": h, "canonical_url": f"https://a.example/{h}", "published": p}
        for h, p in [
            ("a", "2026-03-03T23:59:59+00:00"),
            ("b", "2026-03-04T00:00:00+00:00"),
            ("c", "2026-03-04T23:59:59+00:00"),
            ("d", "2026-03-05T00:00:00+00:00"),
            ("e", None),
        ]
    ]
    batches = plan_batches([items], 10, since=since, until=until)
    assert [i["url_hash"] for i in batches[0]] == ["b", "c", "e"]


# -------------------------------------------------------------------------------- safe_run_id

SAFE = re.compile(r"^[A-Za-z0-9._-]+$")


def test_safe_run_id_shape_and_stability():
    at = datetime(2026, 3, 5, 10, 15, tzinfo=UTC)
    rid = ds.safe_run_id("scheduled__2026-03-05T10:15:00+00:00", at)
    assert re.fullmatch(r"20260305T101500Z-scheduled-[0-9a-f]{8}", rid)
    assert ds.safe_run_id("scheduled__2026-03-05T10:15:00+00:00", at) == rid  # retries agree


def test_safe_run_id_is_filename_safe_for_any_airflow_run_id():
    at = datetime(2026, 3, 5, tzinfo=UTC)
    for raw in ["manual__2026-03-05T10:15:00.123+00:00", "my run/../x:y", "", "__", "ÄÖ ü!" * 20]:
        rid = ds.safe_run_id(raw, at)
        assert SAFE.match(rid), rid
        assert len(rid) <= 60
        assert ".." not in rid


def test_safe_run_id_distinguishes_runs_with_same_time():
    at = datetime(2026, 3, 5, tzinfo=UTC)
    a = ds.safe_run_id("manual__2026-03-05T00:00:00+00:00", at)
    b = ds.safe_run_id("manual__2026-03-05T00:00:00.000001+00:00", at)
    assert a != b and a.startswith("20260305T000000Z-manual-")


def test_safe_run_id_sorts_by_run_after_in_utc():
    runs = [
        ("asset_triggered__x", datetime(2026, 3, 5, 9, 0, tzinfo=UTC)),
        ("manual__y", datetime(2026, 3, 5, 10, 30, tzinfo=timezone(timedelta(hours=2)))),  # 08:30Z
        ("scheduled__z", datetime(2026, 3, 4, 23, 0)),  # naive: UTC
    ]
    ids = [ds.safe_run_id(r, t) for r, t in runs]
    assert sorted(ids) == [ids[2], ids[1], ids[0]]
    assert ids[1].startswith("20260305T083000Z-manual-")


def test_safe_run_id_changes_when_the_run_is_cleared():
    at = datetime(2026, 3, 5, tzinfo=UTC)
    base = ds.safe_run_id("manual__a", at)
    assert ds.safe_run_id("manual__a", at, 0) == base
    assert ds.safe_run_id("manual__a", at, 2) == base + "-c2"


# ----------------------------------------------------------------------------------- timeouts


def test_execution_timeouts_cover_every_task_and_the_worst_case(settings):
    t = ds.execution_timeouts(settings)
    assert set(t) == {"prepare", "poll", "plan", "fetch_extract", "load"}
    assert all(isinstance(v, timedelta) and v > timedelta(0) for v in t.values())
    attempts = settings.max_retries + 1
    # A batch whose every page uses up the request deadline on every attempt still fits.
    worst = settings.batch_size * settings.request_deadline * attempts
    assert t["fetch_extract"].total_seconds() > worst
    assert (
        t["poll"].total_seconds()
        > settings.request_deadline * attempts + settings.feed_parse_timeout
    )
    # ...and the bound follows the settings rather than being a constant.
    bigger = ds.execution_timeouts(settings.model_copy(update={"batch_size": 100}))
    assert bigger["fetch_extract"] > t["fetch_extract"]


# ------------------------------------------------------------------------------------ results


def test_shard_polls_record_and_label():
    res = [
        SimpleNamespace(
            feed_id="ledger",
            outcome="http_error",
            status_code=503,
            n_entries=0,
            n_new=0,
            error="HTTP 503",
            items=[],
        ),
        SimpleNamespace(
            feed_id="wire",
            outcome="ok",
            status_code=200,
            n_entries=3,
            n_new=1,
            error=None,
            items=[{"url_hash": "h1"}],
        ),
    ]
    rec = ds.shard_polls_record(res)
    assert rec["items"] == [{"url_hash": "h1"}]
    # Counts for every feed, detail only for the feeds that did not poll cleanly.
    assert rec["problems"] == [
        {"feed_id": "ledger", "outcome": "http_error", "status_code": 503, "error": "HTTP 503"}
    ]
    assert sum(rec["outcomes"].values()) == len(res) and rec["outcomes"]["http_error"] == 1
    assert rec["n_new"] == sum(r.n_new for r in res)
    assert ds.shard_label(["ledger", "wire"]) == "ledger +1"
    assert ds.shard_label(["wire"]) == "wire"


def test_summarise_load_is_flat_json_safe_and_deterministic():
    import json

    from pipeline.storage.load import LoadSummary

    summary = LoadSummary(
        batches=3,
        articles=11,
        duplicates=2,
        fetches=14,
        polls=5,
        places=20,
        stories_touched=7,
        outcomes={"ok": 11, "http_error": 1, "duplicate": 2},
    )
    counts = ds.summarise_load(summary.to_dict(), "20260305T000000Z-manual-abcd1234")
    assert counts == {
        "run_id": "20260305T000000Z-manual-abcd1234",
        "articles": 11,
        "duplicates": 2,
        "fetches": 14,
        "polls": 5,
        "places": 20,
        "stories_touched": 7,
        "batches": 3,
        "skipped_batches": 0,
        "outcomes": {"duplicate": 2, "http_error": 1, "ok": 11},
    }
    assert json.loads(json.dumps(counts)) == counts
    assert list(counts["outcomes"]) == ["duplicate", "http_error", "ok"]
    assert ds.describe_load(counts) == (
        "[load] run 20260305T000000Z-manual-abcd1234: 3 batch(es); 11 new article(s), "
        "2 duplicate(s), 5 poll(s), 14 fetch attempt(s); outcomes duplicate=2, http_error=1, ok=11"
    )


def test_summarise_load_of_an_empty_load():
    counts = ds.summarise_load({"skipped_batches": 2}, "r")
    assert counts["articles"] == 0 and counts["outcomes"] == {}
    assert ds.describe_load(counts) == (
        "[load] run r: 0 batch(es) (2 already loaded); 0 new article(s), 0 duplicate(s), "
        "0 poll(s), 0 fetch attempt(s); outcomes none"
    )


# ------------------------------------------------------------------------- adaptive polling


def _write_state(settings, feeds: dict) -> None:
    import json

    settings.state_dir.mkdir(parents=True, exist_ok=True)
    (settings.state_dir / "feed_state.json").write_text(json.dumps(feeds), encoding="utf-8")


def test_feeds_to_poll_takes_due_feeds_unless_all_or_named(settings):
    just_now = datetime.now(UTC).replace(microsecond=0).isoformat().removesuffix("+00:00")
    _write_state(
        settings,
        {
            "wire-world": {
                "feed_url": "https://wire.example.org/world.xml",
                "history": [[just_now, "ok", 3]],
            },
            # polled just now, but at another URL: the feed moved, so it is due
            "ledger": {
                "feed_url": "https://ledger.example.org/old",
                "history": [[just_now, "ok", 1]],
            },
        },
    )
    assert ds.feeds_to_poll(settings, {}) == ["ledger"]
    assert sorted(ds.feeds_to_poll(settings, {"all_feeds": True})) == ["ledger", "wire-world"]
    assert ds.feeds_to_poll(settings, {"feed_ids": ["wire-world"]}) == ["wire-world"]


def test_requeued_items_skip_pages_a_poll_listed_again_and_unknown_feeds(settings):
    import duckdb

    settings.state_dir.mkdir(parents=True, exist_ok=True)
    path = settings.state_dir / "deferred_pages.parquet"
    duckdb.sql(
        "SELECT * FROM (VALUES ('ledger', 'https://l/a', 'h1'), ('ledger', 'https://l/b', 'h2'),"
        " ('gone', 'https://g/c', 'h3')) t(feed_id, canonical_url, url_hash)"
    ).write_parquet(str(path))
    listed = [[{"url_hash": "h1"}]]
    items = ds.requeued_items(settings, listed)
    assert [(i["feed_id"], i["url_hash"], i["url"]) for i in items] == [
        ("ledger", "h2", "https://l/b")
    ]
