"""Re-extract stored articles from their raw HTML (``raw_pages``) with the current extractor.

Why: every row records ``extractor_version``; after an upgrade (new cleaning rules, a better body
choice, a trafilatura release) the stored bodies, titles, dates and agencies were made by the
old code. Re-extraction replays the current code over the HTML kept at fetch time, so nothing is
fetched again, and reports what changed. ``newsflow reextract`` and the ``news_reextract`` DAG
both call :func:`reextract`.

How:

1. **Read** (under the DB lock, briefly): the articles to redo, ``only_stale`` (default) meaning
   those whose ``extractor_version`` is not the current one, with their raw HTML, in chunks so
   an archive of any size streams through in bounded memory.
2. **Extract** (no lock held): :func:`pipeline.run.page.analyze_page`, the ingestion code path,
   in :class:`pipeline.run.pool.BoundedPool` with the ingestion time limit per page. Feed facts
   that were not stored are reconstructed where the row shows they were used: the stored
   ``published_at`` is passed as the feed's date when ``date_source = 'feed'``, the stored title
   as the feed's title when ``title_source = 'feed'``; the feed's configured agency, time zone
   and country come from the current settings when the feed is still configured. Results are
   written to Parquet parts in a temporary directory next to the staging area.
3. **Write** (under the DB lock, one transaction): ``articles`` rows are updated in place
   (``content_hash`` recomputed, ``loaded_at`` bumped so incremental marts recompute their days)
   and their ``article_places`` replaced; then the story index is marked stale
   (:func:`pipeline.stories.index.mark_stale`) and rebuilt from the stored bodies, because a
   changed body can move an article to another story (story assignment is owned by
   :mod:`pipeline.stories.index`; a rebuild gives what loading from scratch gives).

A page whose new extraction is not an article (``paywalled``, ``empty_extract`` ...) or that
failed (timeout, crash) is left as it was and counted, never deleted: deleting stored articles is
a decision for a person, not for an upgrade.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pipeline.settings import Settings
from pipeline.storage.schema import ARTICLE_PLACES, ARTICLES, Column

Progress = Callable[[str], None]

CHUNK = 200
MAX_EXAMPLES = 5
_FIELDS = ("body", "title", "published_at", "agency", "language", "places")

# Columns of ``articles`` that re-extraction rewrites (types from the table's declaration).
_RESULT_NAMES = (
    "article_id", "title", "title_source", "body", "word_count", "published_at", "date_source",
    "agency", "agency_evidence", "byline", "language", "extractor", "extractor_version",
    "content_hash", "section", "date_flags", "published_offset_minutes", "tagger_version",
)  # fmt: skip
_RESULT_COLUMNS: tuple[Column, ...] = tuple(
    next(c for c in ARTICLES.columns if c.name == n) for n in _RESULT_NAMES
)


@dataclass
class ReextractReport:
    """What a re-extraction did. ``changed`` counts rows whose field differs after re-extraction
    (``places``: the set of tagged places); ``examples`` shows a few of each."""

    extractor_version: str
    only_stale: bool
    considered: int = 0  # articles selected
    no_raw_page: int = 0  # selected but without stored HTML: cannot be redone
    updated: int = 0  # rows rewritten (at least their extractor_version)
    unchanged: int = 0  # of the updated rows, identical in every field compared
    changed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_FIELDS, 0))
    not_articles: dict[str, int] = field(default_factory=dict)  # new outcome != ok: left alone
    failed: int = 0  # timed out or crashed: left alone
    stories_rebuilt: bool = False
    retagged: int = 0  # places re-tagged (older tagger) without re-extracting the body
    examples: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe (XCom, ``--json``)."""
        return asdict(self)

    def summary(self) -> str:
        changed = ", ".join(f"{k}={v}" for k, v in self.changed.items())
        others = ", ".join(f"{k}={v}" for k, v in sorted(self.not_articles.items()))
        return (
            f"re-extracted {self.updated} of {self.considered} article(s) with "
            f"{self.extractor_version}; changed: {changed}; unchanged: {self.unchanged}"
            + (f"; no raw page: {self.no_raw_page}" if self.no_raw_page else "")
            + (f"; not articles now (left as they were): {others}" if others else "")
            + (f"; failed: {self.failed}" if self.failed else "")
            + ("; stories rebuilt" if self.stories_rebuilt else "")
            + (f"; re-tagged places of {self.retagged}" if self.retagged else "")
            + f"; {self.seconds:.1f}s"
        )


# --------------------------------------------------------------------------------- reading


def _select_sql(only_stale: bool) -> str:
    stale = "AND a.extractor_version <> ?" if only_stale else "AND ? IS NOT NULL"
    return f"""
        SELECT a.article_id, coalesce(r.final_url, r.url, a.url) AS page_url, a.feed_id,
               a.title, a.title_source, a.body, a.published_at, a.date_source, a.agency,
               a.language, r.html_gz, r.charset
        FROM articles a JOIN raw_pages r USING (article_id)
        WHERE a.article_id > ? {stale}
        ORDER BY a.article_id
        LIMIT {CHUNK}
    """


def _count(con: Any, only_stale: bool, version: str) -> tuple[int, int]:
    stale = "WHERE a.extractor_version <> ?" if only_stale else "WHERE ? IS NOT NULL"
    total, with_raw = con.execute(
        f"""
        SELECT count(*), count(r.article_id)
        FROM articles a LEFT JOIN raw_pages r USING (article_id) {stale}
        """,
        [version],
    ).fetchone()
    return int(total), int(with_raw)


def _places_of(con: Any, ids: list[str]) -> dict[str, set[tuple]]:
    out: dict[str, set[tuple]] = {i: set() for i in ids}
    if not ids:
        return out
    rows = con.execute(
        "SELECT article_id, country_code, admin1_code, place_name, is_primary"
        " FROM article_places WHERE list_contains(?, article_id)",
        [ids],
    ).fetchall()
    for aid, *rest in rows:
        out[aid].add(tuple(rest))
    return out


def _hints(row: dict[str, Any], settings: Settings) -> dict[str, Any]:
    feed = next((f for f in settings.feeds if f.id == row["feed_id"]), None)
    published = row["published_at"] if row["date_source"] == "feed" else None
    return {
        "title": row["title"] if row["title_source"] == "feed" else None,
        "published": published.isoformat() if published else None,
        "author": None,
        "agency": feed.agency if feed else None,
        "timezone": feed.timezone if feed else None,
        "publisher_country": feed.country if feed else None,
        "home_admin1": feed.home_admin1 if feed else None,
        "charset": row.get("charset"),
    }


# ------------------------------------------------------------------------------- comparing


def _same_instant(a: datetime | None, b: datetime | None) -> bool:
    if a is None or b is None:
        return a is b
    return a == b


def _clip(value: Any, n: int = 160) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and len(value) > n:
        return value[: n - 1] + "…"
    return value


def _body_example(before: str, after: str) -> dict[str, Any]:
    """Word counts and the first line that differs, not two whole bodies."""
    b_lines, a_lines = before.splitlines(), after.splitlines()
    first = next(
        (i for i, (x, y) in enumerate(zip(b_lines, a_lines, strict=False)) if x != y),
        min(len(b_lines), len(a_lines)),
    )
    return {
        "words_before": len(before.split()),
        "words_after": len(after.split()),
        "first_difference_line": first + 1,
        "before": _clip(b_lines[first] if first < len(b_lines) else ""),
        "after": _clip(a_lines[first] if first < len(a_lines) else ""),
    }


def _compare(
    old: dict[str, Any], new: dict[str, Any], old_places: set, new_places: set
) -> list[tuple[str, dict[str, Any]]]:
    diffs: list[tuple[str, dict[str, Any]]] = []
    if (old["body"] or "") != (new["body"] or ""):
        diffs.append(("body", _body_example(old["body"] or "", new["body"] or "")))
    for name in ("title", "agency", "language"):
        if old[name] != new[name]:
            diffs.append((name, {"before": _clip(old[name]), "after": _clip(new[name])}))
    if not _same_instant(old["published_at"], new["published_at"]):
        diffs.append(
            (
                "published_at",
                {"before": _clip(old["published_at"]), "after": _clip(new["published_at"])},
            )
        )
    if old_places != new_places:
        diffs.append(
            (
                "places",
                {
                    "before": sorted(p[0] + (f"/{p[1]}" if p[1] else "") for p in old_places),
                    "after": sorted(p[0] + (f"/{p[1]}" if p[1] else "") for p in new_places),
                },
            )
        )
    return diffs


# --------------------------------------------------------------------------------- staging


def _write_part(directory: Path, name: str, cols: Sequence[Column], rows: list[dict]) -> None:
    import duckdb

    con = duckdb.connect()
    try:
        con.execute(f"CREATE TABLE t ({', '.join(c.ddl() for c in cols)})")
        if rows:
            con.executemany(
                f"INSERT INTO t VALUES ({', '.join('?' for _ in cols)})",
                [[r[c.name] for c in cols] for r in rows],
            )
        path = (directory / f"{name}.parquet").as_posix().replace("'", "''")
        con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
    finally:
        con.close()


# --------------------------------------------------------------------------------- the job


def reextract(
    settings: Settings,
    *,
    only_stale: bool = True,
    limit: int | None = None,
    progress: Progress | None = None,
) -> ReextractReport:
    """Re-extract stored articles (stale ones, or all) and update them; see the module doc."""
    from pipeline.extract import EXTRACTOR_VERSION
    from pipeline.run.page import warm_up
    from pipeline.run.pool import BoundedPool
    from pipeline.run.retag import retag
    from pipeline.storage.db import open_db

    say = progress or (lambda _msg: None)
    t0 = time.monotonic()
    report = ReextractReport(extractor_version=EXTRACTOR_VERSION, only_stale=only_stale)
    work_root = settings.staging_dir.parent
    work_root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="reextract-", dir=work_root))
    try:
        with open_db(settings.db_path) as con:
            total, with_raw = _count(con, only_stale, EXTRACTOR_VERSION)
        report.considered = total if limit is None else min(total, limit)
        report.no_raw_page = total - with_raw
        say(
            f"[reextract] {with_raw} article(s) to re-extract"
            + (f" ({total - with_raw} without a raw page)" if total > with_raw else "")
        )
        with BoundedPool(settings.extract_workers, initializer=warm_up) as pool:
            part = _extract_all(settings, pool, report, tmp, limit, EXTRACTOR_VERSION, say)
            report.updated = _apply(settings, tmp, part)
            report.stories_rebuilt = report.updated > 0
            if only_stale:
                # Bodies current, places by an older tagger: re-tag them, nothing re-extracted.
                left = None if limit is None else max(0, limit - report.considered)
                report.retagged = retag(settings, limit=left, pool=pool, progress=say)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report.seconds = round(time.monotonic() - t0, 2)
    return report


def _read_chunk(
    settings: Settings, after: str, only_stale: bool, version: str, n: int | None
) -> tuple[list[dict[str, Any]], dict[str, set[tuple]]]:
    """The next chunk of articles to redo (at most ``n``) and their current place sets."""
    from pipeline.storage.db import open_db

    with open_db(settings.db_path) as con:
        cur = con.execute(_select_sql(only_stale), [after, version])
        cols = [d[0] for d in cur.description]
        rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()][:n]
        return rows, _places_of(con, [r["article_id"] for r in rows])


def _extract_all(
    settings: Settings,
    pool: Any,
    report: ReextractReport,
    tmp: Path,
    limit: int | None,
    version: str,
    say: Progress,
) -> int:
    """Re-extract chunk by chunk into Parquet parts under ``tmp``; returns the number of parts."""
    from pipeline.run.page import analyze_page

    after, n_done, part = "", 0, 0
    while limit is None or n_done < limit:
        left = None if limit is None else limit - n_done
        rows, old_places = _read_chunk(settings, after, report.only_stale, version, left)
        if not rows:
            break
        after = rows[-1]["article_id"]
        args = [(gzip.decompress(r["html_gz"]), r["page_url"], _hints(r, settings)) for r in rows]
        outcomes = pool.map(analyze_page, args, timeout=settings.extract_timeout)
        results, places = _results(report, rows, outcomes, old_places)
        _write_part(tmp, f"articles-{part:05d}", _RESULT_COLUMNS, results)
        _write_part(tmp, f"places-{part:05d}", ARTICLE_PLACES.stored, places)
        part += 1
        n_done += len(rows)
        say(f"[reextract] {n_done}/{report.considered - report.no_raw_page} extracted")
    return part


def _results(
    report: ReextractReport,
    rows: list[dict[str, Any]],
    outcomes: list[Any],
    old_places: dict[str, set[tuple]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """New article columns and place rows of one chunk; counts what changed in ``report``."""
    from pipeline.run.page import place_rows
    from pipeline.stories.fingerprints import content_hash

    results: list[dict[str, Any]] = []
    places: list[dict[str, Any]] = []
    for row, outcome in zip(rows, outcomes, strict=True):
        if not outcome.ok or outcome.value is None:
            report.failed += 1
            continue
        ext = outcome.value["extraction"]
        if ext["outcome"] != "ok":
            report.not_articles[ext["outcome"]] = report.not_articles.get(ext["outcome"], 0) + 1
            continue
        new_rows = place_rows(row["article_id"], outcome.value["places"])
        new_keys = {(p.country_code, p.admin1_code, p.place_name, p.is_primary) for p in new_rows}
        _count_changes(report, row, _compare(row, ext, old_places[row["article_id"]], new_keys))
        results.append(
            {
                **{c.name: ext.get(c.name) for c in _RESULT_COLUMNS},
                "article_id": row["article_id"],
                "tagger_version": outcome.value["tagger"],
                "content_hash": content_hash(ext["body"]),
            }
        )
        places.extend(asdict(p) for p in new_rows)
    return results, places


def _count_changes(
    report: ReextractReport, row: dict[str, Any], diffs: list[tuple[str, dict[str, Any]]]
) -> None:
    for name, example in diffs:
        report.changed[name] += 1
        if sum(1 for e in report.examples if e["field"] == name) < MAX_EXAMPLES:
            report.examples.append({"article_id": row["article_id"], "field": name, **example})
    if not diffs:
        report.unchanged += 1


def _apply(settings: Settings, parts_dir: Path, n_parts: int) -> int:
    """Write the staged results in one transaction, then rebuild the story index."""
    from pipeline.storage.db import open_db
    from pipeline.stories.index import StoryIndex, mark_stale

    if not n_parts:
        return 0
    articles = (parts_dir / "articles-*.parquet").as_posix().replace("'", "''")
    places = (parts_dir / "places-*.parquet").as_posix().replace("'", "''")
    now = datetime.now(UTC)
    with open_db(settings.db_path) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE rx_new AS SELECT * FROM read_parquet('{articles}')"
            )
            n = con.execute("SELECT count(*) FROM rx_new").fetchone()[0]
            if n:
                sets = ", ".join(f'"{c.name}" = n."{c.name}"' for c in _RESULT_COLUMNS[1:])
                con.execute(
                    f"UPDATE articles SET {sets}, loaded_at = ? FROM rx_new n"
                    " WHERE articles.article_id = n.article_id",
                    [now],
                )
                con.execute(
                    "DELETE FROM article_places WHERE article_id IN (SELECT article_id FROM rx_new)"
                )
                names = ARTICLE_PLACES.column_list()
                con.execute(
                    f"INSERT INTO article_places ({names})"
                    f" SELECT {names} FROM read_parquet('{places}')"
                )
                mark_stale(con)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        if n:
            window = timedelta(days=settings.story_window_days)
            StoryIndex(con, window).ensure_current(now)
    return int(n)


def format_report(report: ReextractReport) -> str:
    lines = [report.summary()]
    by_field = Counter(e["field"] for e in report.examples)
    for name in _FIELDS:
        if not by_field.get(name):
            continue
        lines.append(f"  {name}: {report.changed[name]} changed, e.g.")
        for e in report.examples:
            if e["field"] != name:
                continue
            detail = {k: v for k, v in e.items() if k not in ("article_id", "field")}
            lines.append(f"    {e['article_id']}: {detail}")
    return "\n".join(lines)
