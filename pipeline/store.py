"""The DuckDB file: opening it safely, migrating it, and merging staged batches into it.

Only this module (and dbt, via ``pipeline.models``) opens the database, and always under an
exclusive file lock next to the DB (``<db>.lock``). DuckDB permits one writer process per file and
refuses even read-only opens from other processes while it writes; the lock turns "two tasks
collided" from a crash into a short, bounded wait.

Every batch merges in one transaction together with its ``loaded_batches`` row, so a batch is
either fully in or not at all, and loading the same batch twice is a no-op.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from pipeline.dedup import DEFAULT_WINDOW
from pipeline.errors import DatabaseError
from pipeline.migrations import MIGRATIONS
from pipeline.stage import mark_loaded, pending_batches, read_manifest, sweep_partial
from pipeline.story_index import StoryIndex

# Outcomes after which a URL is not tried again. Transient ones (timeout, network_error, 5xx via
# http_error with status >= 500) are retried on later polls until max_attempts_per_url.
PERMANENT_OUTCOMES = (
    "ok",
    "duplicate",
    "too_large",
    "blocked",
    "robots_disallowed",
    "parse_error",
    "empty_extract",
    "unsupported_content",
    "redirect_loop",
    "paywalled",
    "consent_wall",
)


@contextlib.contextmanager
def db_lock(db_path: Path, timeout: float = 600.0) -> Iterator[None]:
    """Exclusive advisory lock for the DB file, shared by CLI runs, DAG tasks and dbt."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = db_path.with_name(db_path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise DatabaseError(
                        f"{db_path}: busy, another newsflow process held it for {timeout:g}s"
                    ) from None
                time.sleep(0.2)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def connect(db_path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the DB file with errors a user can act on (no DuckDB traceback)."""
    db_path = Path(db_path)
    if read_only and not db_path.exists():
        raise DatabaseError(f"{db_path}: no such database file (run `newsflow run` first)")
    if not read_only:
        try:
            db_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"{db_path}: cannot create directory ({exc.strerror})") from None
    try:
        return duckdb.connect(str(db_path), read_only=read_only)
    except duckdb.IOException as exc:
        msg = str(exc)
        if "lock" in msg.lower():
            raise DatabaseError(
                f"{db_path}: in use by another process ({msg.splitlines()[0]})"
            ) from None
        raise DatabaseError(f"{db_path}: cannot open ({msg.splitlines()[0]})") from None
    except duckdb.Error as exc:
        raise DatabaseError(
            f"{db_path}: not a usable DuckDB file ({str(exc).splitlines()[0]})"
        ) from None


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply pending migrations, each in its own transaction; returns the versions applied."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    done = {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, sql in sorted(MIGRATIONS, key=lambda m: m[0]):
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                [version, name, datetime.now(UTC)],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied


@contextlib.contextmanager
def open_db(db_path: Path, *, lock_timeout: float = 600.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """Lock, open, migrate; close and unlock on exit. The one way writers get a connection."""
    with db_lock(db_path, lock_timeout):
        con = connect(db_path)
        try:
            migrate(con)
            yield con
        finally:
            con.close()


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

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _sql_path(p: Path) -> str:
    return p.as_posix().replace("'", "''")


def _load_one(
    con: duckdb.DuckDBPyConnection,
    batch_dir: Path,
    summary: LoadSummary,
    window: timedelta = DEFAULT_WINDOW,
) -> None:
    manifest = read_manifest(batch_dir)
    batch_id = manifest["batch_id"]
    if con.execute("SELECT 1 FROM loaded_batches WHERE batch_id = ?", [batch_id]).fetchone():
        summary.skipped_batches += 1
        return
    now = datetime.now(UTC)
    con.execute("BEGIN TRANSACTION")
    try:
        for name in (
            "feed_polls",
            "fetch_log",
            "articles",
            "article_places",
            "url_aliases",
            "raw_pages",
        ):
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE b_{name} AS "
                f"SELECT * FROM read_parquet('{_sql_path(batch_dir / (name + '.parquet'))}')"
            )
        # One row per article id: a batch may hold two URLs that turned out to be the same page.
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE b_new_articles AS
            SELECT * FROM b_articles
            WHERE article_id NOT IN (SELECT article_id FROM articles)
            QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY fetched_at, feed_entry_url) = 1
            """
        )
        # An 'ok' fetch whose article was already stored (or lost to a twin in this batch) is a
        # duplicate: record that honestly instead of pretending it added something.
        con.execute(
            """
            UPDATE b_fetch_log SET outcome = 'duplicate',
                   error = coalesce(error, 'same article as ' || article_id)
            WHERE outcome = 'ok' AND NOT EXISTS (
                SELECT 1 FROM b_new_articles n
                WHERE n.article_id = b_fetch_log.article_id AND n.feed_entry_url = b_fetch_log.url)
            """
        )
        con.execute("INSERT INTO feed_polls SELECT * FROM b_feed_polls ON CONFLICT DO NOTHING")
        con.execute("INSERT INTO fetch_log SELECT * FROM b_fetch_log ON CONFLICT DO NOTHING")
        # Story assignment (pipeline.story_index): clusters the new articles against the stored
        # index and each other, applies what changes for stored articles and stories, and
        # leaves the new articles' story, agency and syndication in temp table dd_out.
        stories = StoryIndex(con, window).add_articles("b_new_articles", now)
        _insert_articles(con, now)
        con.execute(
            """
            INSERT INTO url_aliases
            SELECT url_hash, any_value(url), any_value(article_id) FROM b_url_aliases
            WHERE article_id IN (SELECT article_id FROM articles)
            GROUP BY url_hash
            ON CONFLICT DO NOTHING
            """
        )
        con.execute(
            """
            INSERT INTO raw_pages
            SELECT r.* FROM b_raw_pages r
            WHERE r.article_id IN (SELECT article_id FROM b_new_articles)
            QUALIFY row_number() OVER (PARTITION BY r.article_id ORDER BY r.fetched_at) = 1
            ON CONFLICT DO NOTHING
            """
        )
        con.execute(
            """
            INSERT INTO article_places (article_id, country_code, admin1_code, place_name,
                canonical_name, geonameid, mention_count, confidence, is_primary, place_kind,
                match_type)
            SELECT p.article_id, p.country_code, p.admin1_code, p.place_name, p.canonical_name,
                p.geonameid, p.mention_count, p.confidence, p.is_primary, p.place_kind,
                p.match_type
            FROM b_article_places p
            JOIN b_new_articles n USING (article_id)
            """
        )
        counts = con.execute(
            "SELECT (SELECT count(*) FROM b_new_articles), (SELECT count(*) FROM b_fetch_log),"
            " (SELECT count(*) FROM b_feed_polls),"
            " (SELECT count(*) FROM b_article_places p JOIN b_new_articles USING (article_id))"
        ).fetchone()
        con.execute(
            "INSERT INTO loaded_batches VALUES (?, ?, ?, ?, ?, ?)",
            [batch_id, manifest["run_id"], now, counts[0], counts[1], counts[2]],
        )
        for outcome, n in con.execute(
            "SELECT outcome, count(*) FROM b_fetch_log GROUP BY ALL"
        ).fetchall():
            summary.outcomes[outcome] = summary.outcomes.get(outcome, 0) + n
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
    summary.duplicates = summary.outcomes.get("duplicate", 0)


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

    Staged columns are taken by name where ``articles`` has them, so a column added to both by a
    later migration flows through without touching this statement, and staging-only columns
    (fingerprints) are left out.
    """
    table_cols = [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database()"
            " AND schema_name = 'main' AND table_name = 'articles' ORDER BY column_index"
        ).fetchall()
    ]
    staged = {r[0] for r in con.execute("DESCRIBE b_new_articles").fetchall()}
    cols = [c for c in table_cols if c in staged and c not in _LOADER_COLUMNS]
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
        for batch_dir in pending_batches(staging_dir, run_id):
            _load_one(con, batch_dir, summary, window)
            mark_loaded(batch_dir, keep=keep_loaded)
        export_state(con, state_dir, max_attempts_per_url)
    return summary


def export_state(
    con: duckdb.DuckDBPyConnection, state_dir: Path, max_attempts_per_url: int
) -> None:
    """Write what pollers need to know without opening the DB: seen URLs and feed validators.

    Written to temp files and renamed, so a poller never reads a half-written state.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    permanent = ", ".join(f"'{o}'" for o in PERMANENT_OUTCOMES)
    seen_tmp = state_dir / "seen_urls.parquet.tmp"
    con.execute(
        f"""
        COPY (
            SELECT url_hash FROM url_aliases
            UNION SELECT url_hash FROM fetch_log
                  WHERE outcome IN ({permanent})
                     OR (outcome = 'http_error' AND status_code BETWEEN 400 AND 499)
            UNION SELECT url_hash FROM fetch_log GROUP BY url_hash
                  HAVING count(*) >= {int(max_attempts_per_url)}
        ) TO '{_sql_path(seen_tmp)}' (FORMAT parquet)
        """
    )
    os.replace(seen_tmp, state_dir / "seen_urls.parquet")
    rows = con.execute(
        """
        SELECT feed_id, feed_url, etag, last_modified FROM feed_polls
        WHERE outcome IN ('ok', 'not_modified')
        QUALIFY row_number() OVER (PARTITION BY feed_id ORDER BY polled_at DESC) = 1
        """
    ).fetchall()
    feeds = {r[0]: {"feed_url": r[1], "etag": r[2], "last_modified": r[3]} for r in rows}
    tmp = state_dir / "feed_state.json.tmp"
    tmp.write_text(json.dumps(feeds, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, state_dir / "feed_state.json")


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
        sql = f"SELECT url_hash FROM read_parquet('{_sql_path(path)}')"
        if wanted is None:
            rows = con.execute(sql).fetchall()
        else:
            rows = con.execute(
                sql + " WHERE url_hash IN (SELECT unnest(?::VARCHAR[]))", [wanted]
            ).fetchall()
        return {r[0] for r in rows}
    finally:
        con.close()


def read_feed_state(state_dir: Path) -> dict[str, dict[str, str | None]]:
    path = state_dir / "feed_state.json"
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # a corrupt state file only costs one unconditional poll
