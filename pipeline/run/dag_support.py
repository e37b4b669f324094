"""Glue between the Airflow DAGs and the pipeline: turn run context and params into plain values.

Why a module of its own: DAG files stay declarative (which task calls which stage), and every
decision that could be wrong (which feeds a hand-triggered run covers, what a date window means,
what a run's staging id is, how long a task may take) lives here as a pure function with unit
tests that run without Airflow. Nothing in this module imports Airflow.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError
from pipeline.outcomes import PollOutcome
from pipeline.settings import Settings, load_settings

# Schedules that mean "only when triggered by hand (or by the API)".
_MANUAL_SCHEDULES = frozenset({"", "none", "null", "manual", "off"})
_UNSAFE = re.compile(r"[^A-Za-z0-9]+")
_LOAD_COUNTS = (
    "articles",
    "duplicates",
    "fetches",
    "polls",
    "places",
    "stories_touched",
    "batches",
    "skipped_batches",
)


# ------------------------------------------------------------------------------------ settings


def _cache_key(environ: Mapping[str, str]) -> tuple[tuple[tuple[str, str], ...], float | None]:
    """Everything settings depend on: the NEWSFLOW_* variables and the feeds file's mtime."""
    env = tuple(sorted((k, v) for k, v in environ.items() if k.startswith("NEWSFLOW_")))
    feeds = environ.get("NEWSFLOW_FEEDS")
    mtime: float | None = None
    if feeds:
        try:
            mtime = Path(feeds).stat().st_mtime
        except OSError:
            mtime = None  # load_settings reports the missing file with a proper message
    return env, mtime


@lru_cache(maxsize=8)
def _cached_settings(env: tuple[tuple[str, str], ...], _mtime: float | None) -> Settings:
    return load_settings(environ=dict(env))


def settings_from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``NEWSFLOW_FEEDS`` and ``NEWSFLOW_*``, cached per process.

    Why cached: the DAG file is parsed often and every task of a run needs the same object. The
    cache key includes the feeds file's mtime, so an edited feeds file is picked up by a
    long-lived process (the DAG processor) without a restart. Returns a shared object: do not
    mutate it.
    """
    environ = os.environ if environ is None else environ
    return _cached_settings(*_cache_key(environ))


def schedule_of(settings: Settings) -> str | None:
    """The DAG schedule: a cron expression or preset, or ``None`` for "manual only".

    ``schedule: none`` (or ``manual``, ``off``, empty) in the feeds file turns scheduled polling
    off while leaving hand-triggered runs possible, e.g. while trying out a new feeds file.
    """
    value = settings.schedule.strip()
    return None if value.lower() in _MANUAL_SCHEDULES else value


# ---------------------------------------------------------------------------------------- params


def select_feeds(settings: Settings, feed_ids: Iterable[str] | str | None) -> list[str]:
    """The feeds a run polls: the ``feed_ids`` param, or every enabled feed when it is empty.

    Accepts what a user may type in the trigger form or ``--conf``: a list, or one string with
    ids separated by commas or whitespace. Order is kept, repeats are dropped. Unknown ids fail
    the run before any work, naming every unknown id and the known ones. A disabled feed may be
    named explicitly: running it by hand is how one checks it before enabling it.
    """
    if isinstance(feed_ids, str):
        requested = [p for p in re.split(r"[\s,]+", feed_ids) if p]
    else:
        requested = [str(f).strip() for f in (feed_ids or []) if str(f).strip()]
    if not requested:
        ids = settings.feed_ids()
        if not ids:
            raise ConfigError(
                "no enabled feeds configured (set NEWSFLOW_FEEDS to a feeds file with a 'feeds:' list)"
            )
        return ids
    known = {f.id for f in settings.feeds}
    unknown = [f for f in dict.fromkeys(requested) if f not in known]
    if unknown:
        listing = ", ".join(f.id for f in settings.feeds) or "none configured"
        raise ConfigError(
            f"unknown feed id(s) in params.feed_ids: {', '.join(map(repr, unknown))}; "
            f"known: {listing}"
        )
    return list(dict.fromkeys(requested))


def _parse_point(name: str, value: str | date | datetime | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        ts = value
    elif isinstance(value, date):
        ts = datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip()
        if not text:
            return None
        try:
            if len(text) == 10:
                d = date.fromisoformat(text)
                ts = datetime(d.year, d.month, d.day)
            else:
                ts = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise ConfigError(
                f"params.{name}: not a date (YYYY-MM-DD or ISO-8601): {value!r}"
            ) from None
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def parse_window(
    since: str | date | datetime | None, until: str | date | datetime | None
) -> tuple[datetime | None, datetime | None]:
    """The publication-date window of a run, as aware datetimes (``None`` = open end).

    Same meaning as ``newsflow run --since/--until``: a bare date is midnight UTC, ``since`` is
    inclusive and ``until`` exclusive, so ``since=2026-03-04, until=2026-03-05`` is that one
    day. An empty window is a mistake, not "nothing to do", and fails before any work.
    """
    start = _parse_point("since", since)
    end = _parse_point("until", until)
    if start is not None and end is not None and start >= end:
        raise ConfigError(
            f"params: since ({start.isoformat()}) must be before until ({end.isoformat()}); "
            "until is exclusive"
        )
    return start, end


# ------------------------------------------------------------------------------------ run ids


def safe_run_id(airflow_run_id: str, run_after: datetime, clear_number: int = 0) -> str:
    """The pipeline run id of an Airflow DAG run: filename-safe, unique, sortable by time.

    It prefixes every staged batch directory, and the loader merges batches oldest first by
    name, so it starts with ``run_after`` in UTC (the same shape as ``ingest.new_run_id``).
    Airflow run ids hold ``:`` and ``+``, which are not safe in file names; their kind
    (``manual``, ``scheduled``, ...) is kept for people, and a hash of the whole id keeps two
    runs with the same ``run_after`` apart. The id is a pure function of the run, so a retried
    task finds its batches again; a *cleared* run (``clear_number`` > 0) is a new attempt at the
    whole run and gets fresh batch ids, since the old ones are already loaded and would be
    skipped.
    """
    if run_after.tzinfo is None:
        run_after = run_after.replace(tzinfo=UTC)
    stamp = run_after.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    kind = airflow_run_id.split("__", 1)[0] if "__" in airflow_run_id else airflow_run_id
    slug = _UNSAFE.sub("-", kind).strip("-").lower()[:24].strip("-") or "run"
    digest = hashlib.sha1(airflow_run_id.encode("utf-8")).hexdigest()[:8]
    suffix = f"-c{clear_number}" if clear_number else ""
    return f"{stamp}-{slug}-{digest}{suffix}"


# --------------------------------------------------------------------------------- poll tasks

# Feeds one poll task takes before the run adds another (up to ``shards`` tasks). One frontier
# polls ~60 unchanged feeds a second on 2 busy cores, many hosts at once, so 1,000 feeds are
# ~15 s of work: about what starting one more task costs. More tasks would only add starts,
# metadata rows and, when they run one after another (``airflow dags test``, one worker slot),
# one politeness floor per task: each task waits out its own busiest host.
FEEDS_PER_POLL_TASK = 1000


def poll_task_count(n_feeds: int, shards: int) -> int:
    """How many poll tasks a run of ``n_feeds`` due feeds maps: ceil(n / 1000), 1..shards."""
    return max(1, min(shards, -(-n_feeds // FEEDS_PER_POLL_TASK)))


# --------------------------------------------------------------------------------- timeouts

# A fetch task's timeout covers this many worst-case batches of its shard; a shard with more
# work runs within it unless every page of it is slow (then SIGTERM stages what is done, and the
# rest is fetched next run).
_BATCHES_PER_SHARD = 4


def execution_timeouts(settings: Settings) -> dict[str, timedelta]:
    """Per-task ``execution_timeout``: the worst case the settings allow, plus a margin.

    Why derived, not fixed: a timeout shorter than what the limits permit would kill healthy
    runs (a shard whose pages all hit ``request_deadline`` on one host), and a much longer one
    would let a genuine hang hold the run (``max_active_runs=1``) for hours. Every request is
    already bounded by ``request_deadline`` and every parse by its own timeout, so these only
    fire on a real hang. Poll and fetch tasks each cover one shard: its share of the feeds, and
    up to ``batch_size`` pages per batch of its planned batches (one batch is the unit sized here).
    """
    attempts = settings.max_retries + 1
    per_request = settings.request_deadline * attempts + settings.backoff_base * 2**attempts
    n_feeds = len(settings.feed_ids())
    feeds_per_task = max(1, -(-n_feeds // poll_task_count(n_feeds, settings.shards)))
    poll = feeds_per_task * (per_request + settings.feed_parse_timeout) + 60
    # One batch on a single host is the slow case: its pages are fetched one after another.
    fetch = settings.batch_size * (per_request + settings.per_host_delay)
    extract = settings.batch_size * settings.extract_timeout / settings.extract_workers
    return {
        "prepare": timedelta(minutes=5),
        "poll": timedelta(seconds=round(poll)),
        "plan": timedelta(minutes=5),
        "fetch_extract": timedelta(seconds=round(_BATCHES_PER_SHARD * (fetch + extract) + 120)),
        # The loader waits up to 10 minutes for the DB lock (dbt may be building), then merges.
        "load": timedelta(minutes=40),
    }


# ------------------------------------------------------------------------------------- results


# Poll outcomes that need no one's attention: left out of the poll task's XCom detail.
_ROUTINE_POLLS = frozenset({PollOutcome.OK, PollOutcome.NOT_MODIFIED})


def shard_polls_record(results: Iterable[Any]) -> dict[str, Any]:
    """One poll task's ``PollResult``s as a JSON-safe dict for XCom: counts per outcome, the
    feeds that did not poll cleanly (with why), and every new page item, which ``plan`` reads.

    Why not one entry per feed: a quiet cycle of 1,000 feeds wrote 240 kB of per-feed
    counters into the metadata DB every 15 minutes that nobody read; the ``feed_polls`` table
    holds every poll anyway."""
    outcomes: Counter[str] = Counter()
    problems, items = [], []
    n_new = 0
    for r in results:
        outcomes[str(r.outcome)] += 1
        n_new += r.n_new
        items.extend(r.items)
        if str(r.outcome) not in _ROUTINE_POLLS:
            problems.append(
                {"feed_id": r.feed_id, "outcome": str(r.outcome), "status_code": r.status_code,
                 "error": r.error}
            )  # fmt: skip
    return {"outcomes": dict(sorted(outcomes.items())), "n_new": n_new, "problems": problems,
            "items": items}  # fmt: skip


def shard_label(feed_ids: list[str]) -> str:
    """A mapped poll task's label in the UI: its first feed and how many more."""
    if not feed_ids:
        return "no feeds"
    return feed_ids[0] + (f" +{len(feed_ids) - 1}" if len(feed_ids) > 1 else "")


def summarise_load(summary: Mapping[str, Any], run_id: str) -> dict[str, Any]:
    """What ``load`` merged, as a flat JSON-safe dict: the asset event's extra and the XCom.

    Consumers (the models DAG, people reading asset events) get the numbers without reading the
    DB. ``outcomes`` is sorted so the same load always yields the same document.
    """
    out: dict[str, Any] = {"run_id": run_id}
    for key in _LOAD_COUNTS:
        out[key] = int(summary.get(key) or 0)
    outcomes = summary.get("outcomes") or {}
    out["outcomes"] = {str(k): int(v) for k, v in sorted(outcomes.items())}
    return out


def describe_load(counts: Mapping[str, Any]) -> str:
    """One log line for a load, in the CLI's wording."""
    outcomes = ", ".join(f"{k}={v}" for k, v in counts.get("outcomes", {}).items()) or "none"
    skipped = counts.get("skipped_batches", 0)
    return (
        f"[load] run {counts['run_id']}: {counts['batches']} batch(es)"
        + (f" ({skipped} already loaded)" if skipped else "")
        + f"; {counts['articles']} new article(s), {counts['duplicates']} duplicate(s), "
        f"{counts['polls']} poll(s), {counts['fetches']} fetch attempt(s); outcomes {outcomes}"
    )


# ------------------------------------------------------------------------- adaptive polling


def feeds_to_poll(
    settings: Settings, params: Mapping[str, Any], again: Iterable[str] = ()
) -> list[str]:
    """The feeds this run polls: the named ones (``feed_ids``), else the enabled feeds that
    adaptive polling says are due (every one with ``all_feeds``), plus those of ``again`` in
    the selection (feeds whose poll a dead run held back). Reads the exported state only."""
    from pipeline.run.poll import due_feed_ids

    named = params.get("feed_ids")
    ids = select_feeds(settings, named)
    poll_all = bool(params.get("all_feeds")) or bool(named)
    due = due_feed_ids(settings, ids, poll_all=poll_all)
    chosen = set(ids) - set(due)
    return due + [f for f in dict.fromkeys(again) if f in chosen]


def requeued_items(settings: Settings, item_lists: Iterable[Iterable[dict[str, Any]]]) -> list:
    """Pages earlier runs deferred (with their feed hints), minus those a poll of this run
    listed again: fetched in this run even if their feed answered 304 or was not due."""
    from pipeline.run.plan import deferred_items

    listed = {i["url_hash"] for items in item_lists for i in items}
    return [i for i in deferred_items(settings) if i["url_hash"] not in listed]
