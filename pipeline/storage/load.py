"""Merging staged batches into the DuckDB file: the single writer.

Every batch merges in one transaction together with its ``loaded_batches`` row, so a batch is
either fully in or not at all, and loading the same batch twice is a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from pipeline.outcomes import UrlOutcome
from pipeline.storage import versions as wire_versions
from pipeline.storage.db import open_db
from pipeline.storage.keys import insert_new, present
from pipeline.storage.schema import (
    ARTICLE_PLACES,
    ARTICLE_SUBJECTS,
    ARTICLE_VERSIONS,
    ARTICLES,
    FEED_POLLS,
    FETCH_LOG,
    ITEM_LOG,
    RAW_PAGES,
    STAGED,
    URL_ALIASES,
    Table,
)
from pipeline.storage.staging import mark_loaded, pending_batches, read_manifest, sweep_partial
from pipeline.storage.state import export_state, sql_path
from pipeline.stories.fingerprints import DEFAULT_WINDOW
from pipeline.stories.index import StoryIndex


@dataclass
class LoadSummary:
    batches: int = 0
    skipped_batches: int = 0
    articles: int = 0
    duplicates: int = 0
    fetches: int = 0
    polls: int = 0
    places: int = 0
    stories_touched: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    items: dict[str, int] = field(default_factory=dict)  # wire item outcomes (item_log)
    retention: dict[str, int] = field(default_factory=dict)  # what the sweep after it removed

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _load_one(
    con: duckdb.DuckDBPyConnection,
    batch_dir: Path,
    summary: LoadSummary,
    window: timedelta = DEFAULT_WINDOW,
) -> tuple[list[str], list[str]]:
    """Merge one staged batch in one transaction with its ``loaded_batches`` row; returns the
    URL hashes of its fetch_log and url_aliases rows and the feeds it polled (for the state
    export)."""
    manifest = read_manifest(batch_dir)
    batch_id = manifest["batch_id"]
    if con.execute("SELECT 1 FROM loaded_batches WHERE batch_id = ?", [batch_id]).fetchone():
        summary.skipped_batches += 1
        return [], []
    now = datetime.now(UTC)
    con.execute("BEGIN TRANSACTION")
    try:
        for table in STAGED:
            _read_staged(con, table, batch_dir)
        # Wire items: decide each delivered version against the stored ones (outcomes on
        # b_item_log, URL clashes resolved) before the page path copies and inserts.
        wire = wire_versions.prepare(con)
        _select_new_articles(con)
        _copy_by_name(con, FEED_POLLS)
        _copy_by_name(con, FETCH_LOG)
        _copy_by_name(con, ITEM_LOG)
        # Story assignment (pipeline.stories.index): clusters the new articles against the stored
        # index and each other, applies what changes for stored articles and stories, and
        # leaves the new articles' story, agency and syndication in temp table dd_out.
        stories = StoryIndex(con, window).add_articles("b_new_articles", now)
        _insert_articles(con, now)
        _insert_article_children(con)
        if wire is not None:  # updates in place, kills, embargoes (pipeline.storage.versions)
            wire_versions.apply(con, wire, now)
            for outcome, n in wire.outcomes.items():
                summary.items[outcome] = summary.items.get(outcome, 0) + n
        counts = _record_batch(con, manifest, now, summary)
        touched = [
            r[0]
            for r in con.execute(
                "SELECT url_hash FROM b_fetch_log WHERE url_hash IS NOT NULL"
                " UNION SELECT url_hash FROM b_url_aliases WHERE url_hash IS NOT NULL"
            ).fetchall()
        ]
        polled = [r[0] for r in con.execute("SELECT DISTINCT feed_id FROM b_feed_polls").fetchall()]
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    summary.batches += 1
    summary.articles += counts[0]
    summary.fetches += counts[1]
    summary.polls += counts[2]
    summary.places += counts[3]
    summary.stories_touched += stories.stories_touched
    summary.duplicates = summary.outcomes.get(UrlOutcome.DUPLICATE, 0)
    return touched, polled


def _select_new_articles(con: duckdb.DuckDBPyConnection) -> None:
    """``b_new_articles``: the batch's articles not stored yet, one row per id (a batch may hold
    two URLs that turned out to be the same page). An 'ok' fetch whose article was already
    stored (or lost to a twin in this batch) is recorded as the duplicate it is."""
    stored = present(con, "articles", "article_id", "SELECT article_id FROM b_articles")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE b_new_articles AS
        SELECT * FROM b_articles
        WHERE article_id NOT IN (SELECT unnest(?::VARCHAR[]))
        QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY fetched_at, feed_entry_url) = 1
        """,
        [sorted(stored)],
    )
    con.execute(
        f"""
        UPDATE b_fetch_log SET outcome = '{UrlOutcome.DUPLICATE}',
               error = coalesce(error, 'same article as ' || article_id)
        WHERE outcome = '{UrlOutcome.OK}' AND NOT EXISTS (
            SELECT 1 FROM b_new_articles n
            WHERE n.article_id = b_fetch_log.article_id AND n.feed_entry_url = b_fetch_log.url)
        """
    )


def _insert_article_children(con: duckdb.DuckDBPyConnection) -> None:
    """Aliases (for any stored article), and the raw page, places and subjects of new ones.

    Every article of the batch is stored by now (before, or inserted just now), so only an
    alias naming another article is looked up. A new article has no stored raw page (nothing
    deletes an article, and pages are kept for stored articles only), so its page is inserted
    without a lookup, one per article."""
    others = (
        "SELECT article_id FROM b_url_aliases"
        " WHERE article_id NOT IN (SELECT article_id FROM b_articles)"
    )
    known = present(con, "articles", "article_id", others)
    insert_new(
        con,
        URL_ALIASES,
        "b_url_aliases",
        where="s.article_id IN (SELECT article_id FROM b_articles)"
        " OR s.article_id IN (SELECT unnest(?::VARCHAR[]))",
        params=[sorted(known)],
    )
    con.execute(
        f"""
        INSERT INTO raw_pages ({RAW_PAGES.column_list()})
        SELECT {RAW_PAGES.column_list("r.")} FROM b_raw_pages r
        WHERE r.article_id IN (SELECT article_id FROM b_new_articles)
        QUALIFY row_number() OVER (PARTITION BY r.article_id ORDER BY r.fetched_at) = 1
        """
    )
    for table in (ARTICLE_PLACES, ARTICLE_SUBJECTS):
        con.execute(
            f"""
            INSERT INTO {table.name} ({table.column_list()})
            SELECT DISTINCT {table.column_list("c.")}
            FROM b_{table.name} c JOIN b_new_articles n USING (article_id)
            """
        )
    _copy_by_name(con, ARTICLE_VERSIONS)


def _record_batch(
    con: duckdb.DuckDBPyConnection, manifest: dict, now: datetime, summary: LoadSummary
) -> tuple[int, int, int, int]:
    """The batch's ``loaded_batches`` row; its fetch outcomes counted into ``summary``."""
    counts = con.execute(
        "SELECT (SELECT count(*) FROM b_new_articles), (SELECT count(*) FROM b_fetch_log),"
        " (SELECT count(*) FROM b_feed_polls),"
        " (SELECT count(*) FROM b_article_places p JOIN b_new_articles USING (article_id))"
    ).fetchone()
    con.execute(
        "INSERT INTO loaded_batches VALUES (?, ?, ?, ?, ?, ?)",
        [manifest["batch_id"], manifest["run_id"], now, counts[0], counts[1], counts[2]],
    )
    for outcome, n in con.execute(
        "SELECT outcome, count(*) FROM b_fetch_log GROUP BY ALL"
    ).fetchall():
        summary.outcomes[outcome] = summary.outcomes.get(outcome, 0) + n
    return counts


def _read_staged(con: duckdb.DuckDBPyConnection, table: Table, batch_dir: Path) -> None:
    """``b_<table>``: the batch's rows, typed by the declaration. Read by column name, so a
    batch staged by an older newsflow (fewer columns, or no file for a newer table) still loads,
    its missing columns NULL."""
    ddl = ", ".join(c.ddl().replace(" NOT NULL", "") for c in table.staged)
    con.execute(f"CREATE OR REPLACE TEMP TABLE b_{table.name} ({ddl})")
    path = batch_dir / f"{table.name}.parquet"
    if path.is_file():
        con.execute(
            f"INSERT INTO b_{table.name} BY NAME SELECT * FROM read_parquet('{sql_path(path)}')"
        )


def _copy_by_name(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    """Append a staged log table (polls, fetches, items, versions) by column name; rows whose
    key is stored already (a re-load, a retried poll of the same run) add nothing."""
    insert_new(con, table, f"b_{table.name}")


# Columns of ``articles`` the loader decides; every other column comes from the staged batch.
_LOADER_COLUMNS = (
    "story_id",
    "agency",
    "agency_evidence",
    "syndication",
    "is_syndicated",
    "loaded_at",
)


def _insert_articles(con: duckdb.DuckDBPyConnection, now: datetime) -> None:
    """Insert ``b_new_articles`` with their story assignment (``dd_out``), naming columns.

    Column lists come from the table's declaration (``pipeline.storage.schema``): staged columns
    by name, staging-only ones (fingerprints) left out, the loader's own decisions appended.
    """
    cols = [
        c.name for c in ARTICLES.stored if c.origin == "staged" and c.name not in _LOADER_COLUMNS
    ]
    names = ", ".join(f'"{c}"' for c in (*cols, *_LOADER_COLUMNS))
    values = ", ".join(f'n."{c}"' for c in cols)
    con.execute(
        f"""
        INSERT INTO articles ({names})
        SELECT {values}, o.story_id, o.agency, o.agency_evidence, o.syndication,
               o.is_syndicated, ? AS loaded_at
        FROM b_new_articles n JOIN dd_out o USING (article_id)
        """,
        [now],
    )


def load_staged(
    db_path: Path,
    staging_dir: Path,
    state_dir: Path,
    *,
    run_id: str | None = None,
    max_attempts_per_url: int = 3,
    keep_loaded: bool = False,
    lock_timeout: float = 600.0,
    story_window_days: float = DEFAULT_WINDOW.days,
) -> LoadSummary:
    """Merge every complete staged batch (of ``run_id``, or all) and refresh the poll state.

    Before the first batch, the story index is rebuilt from the stored bodies if it was built
    with another fingerprint version or window (or by a newsflow without one).
    """
    summary = LoadSummary()
    sweep_partial(staging_dir)
    window = timedelta(days=story_window_days)
    with open_db(db_path, lock_timeout=lock_timeout) as con:
        StoryIndex(con, window).ensure_current(datetime.now(UTC))
        touched: set[str] = set()
        feeds: set[str] = set()
        for batch_dir in pending_batches(staging_dir, run_id):
            urls, polled = _load_one(con, batch_dir, summary, window)
            touched.update(urls)
            feeds.update(polled)
            mark_loaded(batch_dir, keep=keep_loaded)
        export_state(con, state_dir, max_attempts_per_url, touched, feeds)
    return summary
