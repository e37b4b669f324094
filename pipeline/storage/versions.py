"""The loader's step for wire items: fold each batch's versions into the stored articles.

Why a fold over *all* versions of a URI and not a compare with the stored row: the rules in
:mod:`pipeline.wire.versions` make the state a commutative fold over the set of versions, so
reading the stored ``article_versions`` of the batch's URIs and folding them with the batch's
gives the same state whatever the order and batching of deliveries, and a re-read file (a drop
folder after a crash) is a set of duplicates that changes nothing.

Called by ``pipeline.storage.load`` inside the batch's transaction, in two steps around the page
path: :func:`prepare` (before ``item_log`` is copied and new articles are inserted: sets each
delivered item's outcome, dedupes the batch's versions, keeps a new wire article's URL from
colliding with a stored one) and :func:`apply` (after the insert: content updates in place,
kills, embargoes, corrections, ``loaded_at`` bumped whenever what the marts see changed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb

from pipeline.storage.keys import in_list, present
from pipeline.storage.schema import ARTICLE_PLACES, ARTICLE_SUBJECTS, RAW_PAGES
from pipeline.wire.items import WireItem
from pipeline.wire.versions import ItemState, VersionKey, decide, fold

_VERSION_COLS = (
    "article_id, item_version, versioncreated, digest, pubstatus, title, body, is_correction, "
    "embargoed_until"
)
# Columns an in-place update copies from the staged row of the winning version.
_CONTENT_COLS = (
    "title", "title_source", "body", "word_count", "byline", "content_hash", "language",
    "extractor", "extractor_version", "tagger_version", "item_version", "versioncreated",
    "urgency", "fetched_at", "run_id", "batch_id", "published_at", "date_source",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _StoredItem(WireItem):
    """A version as the loader reads it back: its digest as recorded, not recomputed."""

    digest: str = ""

    def content_digest(self) -> str:
        return self.digest


@dataclass
class WirePlan:
    """What :func:`prepare` decided for one batch, for :func:`apply` to write."""

    before: dict[str, ItemState | None] = field(default_factory=dict)
    after: dict[str, ItemState] = field(default_factory=dict)
    staged_key: dict[str, VersionKey] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def kills(self) -> int:
        return self.outcomes.get("killed", 0)


def _utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


def _item(row: tuple[Any, ...]) -> _StoredItem:
    aid, version, created, digest, pubstatus, title, body, correction, embargo = row[:9]
    return _StoredItem(
        uri=aid,  # the loader keys states by article id (a hash of the URI)
        version=version,
        format="",
        format_version="",
        item_type="text",
        pubstatus=pubstatus,
        is_correction=bool(correction),
        embargoed_until=_utc(embargo),
        versioncreated=_utc(created),
        headline=title,
        body_text=body or "",
        digest=digest,
    )


def prepare(con: duckdb.DuckDBPyConnection) -> WirePlan | None:
    """Decide every delivered version of the batch (``b_article_versions``) against the stored
    ones; None when the batch holds no wire items."""
    _yield_urls_to_pages(con)
    batch = con.execute(
        f"SELECT {_VERSION_COLS}, item_log_id FROM b_article_versions ORDER BY item_log_id"
    ).fetchall()
    if not batch:
        return None
    ids = sorted({r[0] for r in batch})
    stored: dict[str, list[_StoredItem]] = {}
    known = sorted(
        present(con, "article_versions", "article_id", "SELECT article_id FROM b_article_versions")
    )
    for row in in_list(
        con, f"SELECT {_VERSION_COLS} FROM article_versions WHERE article_id IN ({{marks}})", known
    ):
        stored.setdefault(row[0], []).append(_item(row))
    plan = WirePlan()
    outcome_of: dict[str, str] = {}
    for aid in ids:
        plan.before[aid] = fold(sorted(stored.get(aid, []), key=VersionKey.of))
    pending = sorted(
        ((r[0], _item(r), r[9]) for r in batch), key=lambda t: (t[0], VersionKey.of(t[1]))
    )
    states = dict(plan.before)
    for aid, item, log_id in pending:
        decision = decide(states.get(aid), item)
        states[aid] = decision.state
        if log_id:
            outcome_of[log_id] = decision.outcome
        plan.outcomes[decision.outcome] = plan.outcomes.get(decision.outcome, 0) + 1
    plan.after = {aid: s for aid, s in states.items() if s is not None}
    _mark_item_log(con, outcome_of)
    _dedupe_versions(con)
    _staged_keys(con, plan)
    _free_urls(con)
    return plan


def _yield_urls_to_pages(con: duckdb.DuckDBPyConnection) -> None:
    """A stored wire article whose URL (the item's ``source_url``) is the page a feed now
    brings takes its item URI as URL, so the page can be stored under its own (``articles.url``
    is unique). Looked up by the batch's page URLs only (see ``pipeline.storage.keys``)."""
    page_urls = "SELECT url FROM b_articles WHERE item_uri IS NULL"
    urls = sorted(present(con, "articles", "url", page_urls))
    taken = in_list(
        con,
        "SELECT article_id FROM articles WHERE url IN ({marks}) AND item_uri IS NOT NULL"
        " AND url <> item_uri",
        urls,
    )
    if taken:
        con.execute(
            "UPDATE articles SET url = item_uri WHERE article_id IN (SELECT unnest(?::VARCHAR[]))",
            [[r[0] for r in taken]],
        )


def _mark_item_log(con: duckdb.DuckDBPyConnection, outcome_of: dict[str, str]) -> None:
    """Each delivered version's outcome (ok/updated/older/duplicate/killed) on its log row."""
    if outcome_of:
        con.execute(
            "UPDATE b_item_log SET outcome = o.outcome FROM "
            "(SELECT unnest(?::VARCHAR[]) AS id, unnest(?::VARCHAR[]) AS outcome) o "
            "WHERE b_item_log.item_log_id = o.id",
            [list(outcome_of), list(outcome_of.values())],
        )


def _dedupe_versions(con: duckdb.DuckDBPyConnection) -> None:
    """One row per (article, version, digest): a delivery repeated inside the batch."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE b_article_versions AS SELECT * FROM b_article_versions
        QUALIFY row_number() OVER (
            PARTITION BY article_id, item_version, digest ORDER BY item_log_id) = 1
        """
    )


def _staged_keys(con: duckdb.DuckDBPyConnection, plan: WirePlan) -> None:
    """The version key of each staged wire article row (the batch's latest text version)."""
    rows = con.execute(
        f"""
        SELECT {", ".join("v." + c.strip() for c in _VERSION_COLS.split(","))}
        FROM b_articles a JOIN b_article_versions v
          ON v.article_id = a.article_id AND v.item_version = a.item_version
         AND v.versioncreated IS NOT DISTINCT FROM a.versioncreated
         AND v.pubstatus = 'usable'
        WHERE a.item_uri IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY v.article_id ORDER BY v.digest DESC) = 1
        """
    ).fetchall()
    for row in rows:
        plan.staged_key[row[0]] = VersionKey.of(_item(row))


def _free_urls(con: duckdb.DuckDBPyConnection) -> None:
    """A new wire article whose page URL is already another article's (a page copy, another
    item naming the same page) takes its item URI as URL: ``articles.url`` is unique."""
    con.execute(
        """
        UPDATE b_articles SET url = item_uri
        WHERE item_uri IS NOT NULL AND url <> item_uri AND (
            url IN (SELECT url FROM articles WHERE article_id <> b_articles.article_id)
            OR url IN (SELECT url FROM b_articles b2
                       WHERE b2.article_id <> b_articles.article_id))
        """
    )


def apply(con: duckdb.DuckDBPyConnection, plan: WirePlan, now: datetime) -> int:
    """Write the folded state of every URI of the batch; returns how many articles changed.

    Set-based, one statement per table for the whole batch: without an index on
    ``articles.article_id`` (migration 7) a statement per item would scan the table per item.
    """
    ids, withdrawn, embargoed, correction, touched, rewrites = [], [], [], [], [], []
    for aid, state in plan.after.items():
        before = plan.before.get(aid)
        rewrite = (
            before is not None
            and state.current is not None
            and (state.current != before.current and plan.staged_key.get(aid) == state.current)
        )
        if rewrite:
            rewrites.append(aid)
        ids.append(aid)
        withdrawn.append(state.withdrawn_at)
        embargoed.append(state.embargoed_until)
        correction.append(state.is_correction)
        touched.append(rewrite or before is None or _visible(before) != _visible(state))
    if rewrites:
        _rewrite_content(con, rewrites)
    con.execute(
        """
        UPDATE articles SET withdrawn_at = w.withdrawn_at, embargoed_until = w.embargoed_until,
               is_correction = w.is_correction,
               loaded_at = CASE WHEN w.touched THEN ? ELSE articles.loaded_at END
        FROM (SELECT unnest(?::VARCHAR[]) AS article_id, unnest(?::TIMESTAMPTZ[]) AS withdrawn_at,
                     unnest(?::TIMESTAMPTZ[]) AS embargoed_until,
                     unnest(?::BOOLEAN[]) AS is_correction, unnest(?::BOOLEAN[]) AS touched) w
        WHERE articles.article_id = w.article_id
        """,
        [now, ids, withdrawn, embargoed, correction, touched],
    )
    return sum(touched)


def _visible(state: ItemState | None) -> tuple[Any, ...]:
    """What the marts' filter reads: withdrawal and embargo."""
    return (None, None) if state is None else (state.withdrawn_at, state.embargoed_until)


def _rewrite_content(con: duckdb.DuckDBPyConnection, aids: list[str]) -> None:
    """A later text version: the articles' text and metadata in place, places re-tagged,
    subjects and the raw item replaced; same article id, URL and story."""
    sets = ", ".join(f'"{c}" = b."{c}"' for c in _CONTENT_COLS)
    mine = "IN (SELECT unnest(?::VARCHAR[]))"
    con.execute(
        f"UPDATE articles SET {sets} FROM b_articles b "
        f"WHERE b.article_id {mine} AND b.article_id = articles.article_id",
        [aids],
    )
    # A story named after one of them takes its new headline (as if it had come first).
    con.execute(
        "UPDATE stories SET title = b.title FROM b_articles b "
        f"WHERE b.article_id {mine} AND stories.first_article_id = b.article_id",
        [aids],
    )
    for table in (ARTICLE_PLACES, ARTICLE_SUBJECTS, RAW_PAGES):
        names = table.column_list()
        con.execute(f"DELETE FROM {table.name} WHERE article_id {mine}", [aids])
        con.execute(
            f"INSERT INTO {table.name} ({names}) SELECT DISTINCT {names} "
            f"FROM b_{table.name} WHERE article_id {mine}",
            [aids],
        )
