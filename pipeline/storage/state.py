"""The poll state fan-out tasks read instead of opening the database.

Why exported files: DuckDB allows one writer process and no readers while it writes, and polls and
fetches run in parallel with the loader. After each load the loader exports the URLs the pipeline is
finished with and each feed's HTTP validators; pollers read them without touching the DB.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb

from pipeline.outcomes import PERMANENT_URL_OUTCOMES, PollOutcome, UrlOutcome

HISTORY = 12  # recent polls per feed exported for adaptive polling (PollBounds.window)
HISTORY_DAYS = 30  # ... and no older than this: the scan stays bounded as feed_polls grows


def sql_path(p: Path) -> str:
    """A path as a single-quoted SQL string literal's content."""
    return p.as_posix().replace("'", "''")


def export_state(
    con: duckdb.DuckDBPyConnection, state_dir: Path, max_attempts_per_url: int
) -> None:
    """Write what pollers need to know without opening the DB: seen URLs and feed validators.

    Written to temp files and renamed, so a poller never reads a half-written state.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    permanent = ", ".join(f"'{o}'" for o in PERMANENT_URL_OUTCOMES)
    seen_tmp = state_dir / "seen_urls.parquet.tmp"
    con.execute(
        f"""
        COPY (
            SELECT url_hash FROM url_aliases
            UNION SELECT url_hash FROM fetch_log
                  WHERE outcome IN ({permanent})
                     OR (outcome = '{UrlOutcome.HTTP_ERROR}' AND status_code BETWEEN 400 AND 499)
            UNION SELECT url_hash FROM fetch_log WHERE outcome <> '{UrlOutcome.DEFERRED}'
                  GROUP BY url_hash HAVING count(*) >= {int(max_attempts_per_url)}
        ) TO '{sql_path(seen_tmp)}' (FORMAT parquet)
        """
    )
    os.replace(seen_tmp, state_dir / "seen_urls.parquet")
    _export_deferred(con, state_dir)
    tmp = state_dir / "feed_state.json.tmp"
    tmp.write_text(json.dumps(_feed_states(con), indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, state_dir / "feed_state.json")


def _feed_states(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """Per feed: its last validators, its recent poll history and the publisher's interval,
    so a run can work out which feeds are due (pipeline.acquire.schedule) without the DB."""
    # A partial (salvaged) poll keeps no validators: the next poll must fetch the whole feed.
    rows = con.execute(
        f"""
        SELECT feed_id, feed_url, etag, last_modified FROM feed_polls
        WHERE outcome IN ('{PollOutcome.OK}', '{PollOutcome.NOT_MODIFIED}')
        QUALIFY row_number() OVER (PARTITION BY feed_id ORDER BY polled_at DESC) = 1
        """
    ).fetchall()
    feeds: dict[str, dict[str, Any]] = {
        r[0]: {"feed_url": r[1], "etag": r[2], "last_modified": r[3]} for r in rows
    }
    history = con.execute(
        f"""
        SELECT feed_id, feed_url, strftime(polled_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S'),
               outcome, coalesce(n_new, 0), publisher_interval_s
        FROM feed_polls
        WHERE outcome <> '{PollOutcome.DEFERRED}' AND polled_at > now() - INTERVAL {HISTORY_DAYS} DAY
        QUALIFY row_number() OVER (PARTITION BY feed_id ORDER BY polled_at DESC) <= {HISTORY}
        ORDER BY feed_id, polled_at
        """
    ).fetchall()
    for fid, url, at, outcome, n_new, interval in history:
        state = feeds.setdefault(fid, {"feed_url": url, "etag": None, "last_modified": None})
        if state["feed_url"] != url:
            continue  # polls of the feed's old URL say nothing about the new one
        state.setdefault("history", []).append([at, outcome, int(n_new)])
        state["publisher_interval_s"] = interval
    return feeds


def _export_deferred(con: duckdb.DuckDBPyConnection, state_dir: Path) -> None:
    """Pages whose last fetch_log row is ``deferred`` (a host's circuit opened, or the run
    stopped): the next run fetches them again even if their feed answers 304."""
    tmp = state_dir / "deferred_pages.parquet.tmp"
    con.execute(
        f"""
        COPY (
            SELECT feed_id, url AS canonical_url, url_hash FROM fetch_log
            WHERE url_hash IN (
                SELECT url_hash FROM fetch_log WHERE outcome = '{UrlOutcome.DEFERRED}')
            QUALIFY row_number() OVER (PARTITION BY url_hash ORDER BY attempted_at DESC) = 1
                AND outcome = '{UrlOutcome.DEFERRED}'
            ORDER BY attempted_at
        ) TO '{sql_path(tmp)}' (FORMAT parquet)
        """
    )
    os.replace(tmp, state_dir / "deferred_pages.parquet")


def read_deferred(state_dir: Path) -> list[dict[str, Any]]:
    """Work items of the pages the last runs deferred (feed id, URL, hash), oldest first."""
    path = state_dir / "deferred_pages.parquet"
    if not path.exists():
        return []
    con = duckdb.connect()
    try:
        rows = con.execute(
            f"SELECT feed_id, canonical_url, url_hash FROM read_parquet('{sql_path(path)}')"
        ).fetchall()
    finally:
        con.close()
    return [
        {"feed_id": f, "url": u, "canonical_url": u, "url_hash": h, "requeued": True}
        for f, u, h in rows
    ]


def read_seen(state_dir: Path, among: Iterable[str] | None = None) -> set[str]:
    """URL hashes the pipeline has finished with (read from the exported state, not the DB).

    With ``among``, only those of the given hashes that are seen. A fan-out task (one feed's
    poll, one batch) needs a handful of answers, and loading the whole set costs 0.9 s and
    ~200 MB per task at a million URLs, against ~0.1 s for the filtered query.
    """
    path = state_dir / "seen_urls.parquet"
    wanted = None if among is None else sorted(set(among))
    if not path.exists() or wanted == []:
        return set()
    con = duckdb.connect()
    try:
        sql = f"SELECT url_hash FROM read_parquet('{sql_path(path)}')"
        if wanted is None:
            rows = con.execute(sql).fetchall()
        else:
            rows = con.execute(
                sql + " WHERE url_hash IN (SELECT unnest(?::VARCHAR[]))", [wanted]
            ).fetchall()
        return {r[0] for r in rows}
    finally:
        con.close()


def read_feed_state(state_dir: Path) -> dict[str, dict[str, Any]]:
    path = state_dir / "feed_state.json"
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # a corrupt state file only costs one unconditional poll
