"""One declaration per table: its columns, their types, nullability and meaning.

Why here, once: the migrations create the tables, fan-out tasks stage rows as Parquet, the loader
copies them by name, re-extraction and the evaluations build rows, and dbt reads them as sources.
Each of those takes its column list from this module (or is checked against it by
``tests/test_schema.py``), so adding a column is one new line here plus a migration, and a
misspelt or forgotten field is an error at the stage boundary instead of a silent NULL.

Rows that cross a stage boundary (poll → staging, fetch/extract → staging) are the frozen
dataclasses below; a table's declaration is its record's fields plus the columns only the loader
fills (``LOADER``) and, for staged records, the fields that are staged but never stored
(``STAGING_ONLY``: the story fingerprint the loader only looks up).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Origin = Literal["staged", "loader", "staging_only"]


def col(sql_type: str, doc: str, *, origin: Origin = "staged") -> Any:
    """A record field declared with its SQL type and a one-line meaning."""
    return field(metadata={"sql": sql_type, "doc": doc, "origin": origin})


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    nullable: bool
    doc: str
    origin: Origin = "staged"

    def ddl(self) -> str:
        return f'"{self.name}" {self.sql_type}' + ("" if self.nullable else " NOT NULL")


@dataclass(frozen=True)
class Table:
    """A core table: its grain, every column in the database's order, and its staged record.

    ``key`` is the grain's key (empty for child rows such as places). The database does not
    enforce it: a PRIMARY KEY is an ART index DuckDB maintains on every insert and checkpoint,
    whose cost grows with the table (migration 7). The loader keeps it unique instead, and
    ``tests/test_keys.py`` checks that it does.
    """

    name: str
    grain: str
    columns: tuple[Column, ...]
    record: type | None = None
    key: tuple[str, ...] = ()

    @property
    def stored(self) -> tuple[Column, ...]:
        """Columns of the database table (staging-only fields left out)."""
        return tuple(c for c in self.columns if c.origin != "staging_only")

    @property
    def staged(self) -> tuple[Column, ...]:
        """Columns of the staged Parquet file, in the record's field order."""
        if self.record is None:
            return ()
        by_name = {c.name: c for c in self.columns}
        return tuple(by_name[f.name] for f in dataclasses.fields(self.record))

    def names(self, which: Literal["stored", "staged"] = "stored") -> list[str]:
        return [c.name for c in (self.stored if which == "stored" else self.staged)]

    def column_list(self, prefix: str = "") -> str:
        """The stored columns as SQL, quoted and comma-separated (``prefix`` qualifies them:
        ``"s."``), for the INSERT ... SELECT statements that copy rows by name."""
        return ", ".join(f'{prefix}"{name}"' for name in self.names())


def _nullable(hint: Any) -> bool:
    union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    return union and type(None) in typing.get_args(hint)


def record_columns(record: type) -> tuple[Column, ...]:
    """The columns a record declares, nullability read from its ``X | None`` annotations."""
    hints = typing.get_type_hints(record)
    return tuple(
        Column(
            f.name,
            f.metadata["sql"],
            _nullable(hints[f.name]),
            f.metadata["doc"],
            f.metadata["origin"],
        )
        for f in dataclasses.fields(record)
    )


def coerce(record: type, row: Any) -> Any:
    """``row`` as an instance of ``record``: a record passes, a mapping must name every field
    exactly (ValueError names the missing or unknown ones)."""
    if isinstance(row, record):
        return row
    if not isinstance(row, Mapping):
        raise ValueError(f"{record.__name__}: expected a record or a mapping, got {type(row)}")
    names = {f.name for f in dataclasses.fields(record)}
    missing, unknown = sorted(names - set(row)), sorted(set(row) - names)
    if missing or unknown:
        raise ValueError(
            f"{record.__name__}: "
            + "; ".join(
                p
                for p in (
                    f"missing field(s) {', '.join(missing)}" if missing else "",
                    f"unknown field(s) {', '.join(unknown)}" if unknown else "",
                )
                if p
            )
        )
    return record(**row)


# --------------------------------------------------------------------------- staged records


@dataclass(frozen=True, slots=True, kw_only=True)
class PollRow:
    """One poll of one feed (``feed_polls``)."""

    poll_id: str = col("VARCHAR", "run id + feed id")
    run_id: str = col("VARCHAR", "the run that polled")
    feed_id: str = col("VARCHAR", "FEEDS.yaml id")
    feed_url: str = col("VARCHAR", "the URL polled")
    polled_at: datetime = col("TIMESTAMPTZ", "when the poll started")
    outcome: str = col("VARCHAR", "pipeline.outcomes.PollOutcome")
    status_code: int | None = col("INTEGER", "last HTTP status")
    duration_ms: int = col("INTEGER", "wall time of the poll")
    n_entries: int = col("INTEGER", "entries the feed listed")
    n_new: int = col("INTEGER", "entries not seen before")
    etag: str | None = col("VARCHAR", "validator for the next conditional GET")
    last_modified: str | None = col("VARCHAR", "validator for the next conditional GET")
    feed_format: str | None = col("VARCHAR", "rss20, atom10, ...")
    error: str | None = col("VARCHAR", "one-line reason when not ok")
    n_dropped: int | None = col("INTEGER", "entries beyond max_items_per_feed (newest kept)")
    next_due_at: datetime | None = col("TIMESTAMPTZ", "adaptive polling: when next due")
    feed_state: str | None = col("VARCHAR", "ok, slow, failing, dead")
    schedule_note: str | None = col("VARCHAR", "why the feed is due then, in one line")
    publisher_interval_s: float | None = col(
        "DOUBLE", "freshness the publisher asked for (Cache-Control, Expires, ttl, sy:)"
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchRow:
    """One attempt at one URL (``fetch_log``)."""

    fetch_id: str = col("VARCHAR", "batch id + sequence")
    run_id: str = col("VARCHAR", "the run")
    batch_id: str = col("VARCHAR", "the staged batch")
    feed_id: str = col("VARCHAR", "feed that listed the URL")
    url: str = col("VARCHAR", "canonical feed link")
    url_hash: str = col("VARCHAR", "hash of url")
    final_url: str | None = col("VARCHAR", "where redirects ended")
    article_id: str | None = col("VARCHAR", "the article it gave, if any")
    attempted_at: datetime = col("TIMESTAMPTZ", "when the fetch started")
    outcome: str = col("VARCHAR", "pipeline.outcomes.UrlOutcome")
    status_code: int | None = col("INTEGER", "last HTTP status")
    duration_ms: int = col("INTEGER", "wall time incl. retries and politeness")
    n_bytes: int | None = col("INTEGER", "decoded body bytes read")
    attempts: int = col("INTEGER", "HTTP tries inside this attempt")
    error: str | None = col("VARCHAR", "one-line reason when not ok")


@dataclass(frozen=True, slots=True, kw_only=True)
class ArticleRow:
    """One extracted article as staged (``articles`` minus what only the loader decides)."""

    article_id: str = col("VARCHAR", "16-hex hash of url")
    url: str = col("VARCHAR", "canonical URL")
    feed_id: str = col("VARCHAR", "feed it was found in")
    outlet: str = col("VARCHAR", "site host without www.")
    publisher_country: str | None = col("VARCHAR", "the feed's country (ISO 3166-1 alpha-2)")
    title: str | None = col("VARCHAR", "headline")
    title_source: str | None = col("VARCHAR", "og:title, jsonld, h1, feed, html_title")
    body: str = col("VARCHAR", "extracted text, boilerplate removed")
    word_count: int = col("INTEGER", "words in body")
    published_at: datetime | None = col("TIMESTAMPTZ", "publication time, UTC")
    date_source: str | None = col("VARCHAR", "page, feed, url, ...")
    fetched_at: datetime = col("TIMESTAMPTZ", "when the page was fetched")
    agency: str | None = col("VARCHAR", "wire agency (the loader may inherit it from the story)")
    agency_evidence: str | None = col("VARCHAR", "why the agency was attributed")
    byline: str | None = col("VARCHAR", "author line")
    content_hash: str = col("VARCHAR", "hash of the normalised body")
    language: str | None = col("VARCHAR", "ISO 639-1")
    feed_entry_url: str | None = col("VARCHAR", "the feed link that led here")
    extractor: str = col("VARCHAR", "which body candidate won")
    extractor_version: str = col("VARCHAR", "extraction code version")
    run_id: str = col("VARCHAR", "the run")
    batch_id: str = col("VARCHAR", "the staged batch")
    fingerprint_version: str | None = col(
        "VARCHAR", "story fingerprint version", origin="staging_only"
    )
    fp_shingles: list[int] | None = col("UINTEGER[]", "shingle hashes", origin="staging_only")
    fp_lede: list[int] | None = col("UINTEGER[]", "lede shingle hashes", origin="staging_only")
    fp_band_keys: list[int] | None = col("BIGINT[]", "MinHash LSH bands", origin="staging_only")
    section: str | None = col("VARCHAR", "the outlet's section label")
    date_flags: str | None = col("VARCHAR", "comma-separated codes of dates seen but not trusted")
    published_offset_minutes: int | None = col("INTEGER", "publisher's UTC offset, if given")
    tagger_version: str | None = col("VARCHAR", "place tagger version (re-tag when stale)")
    item_uri: str | None = col("VARCHAR", "wire item URI (wire items only)")
    item_version: int | None = col("INTEGER", "wire item version loaded")
    firstcreated: datetime | None = col("TIMESTAMPTZ", "wire item first created")
    versioncreated: datetime | None = col("TIMESTAMPTZ", "this version created")
    urgency: int | None = col("INTEGER", "wire urgency (1 most urgent)")
    is_correction: bool | None = col("BOOLEAN", "a correction version was received")
    withdrawn_at: datetime | None = col("TIMESTAMPTZ", "killed: out of marts and snapshot text")
    embargoed_until: datetime | None = col("TIMESTAMPTZ", "hidden from marts until then")


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceRow:
    """One place of one article (``article_places``)."""

    article_id: str = col("VARCHAR", "the article")
    country_code: str = col("VARCHAR", "ISO 3166-1 alpha-2")
    admin1_code: str | None = col("VARCHAR", "ISO 3166-2")
    place_name: str = col("VARCHAR", "as written")
    canonical_name: str | None = col("VARCHAR", "gazetteer name")
    geonameid: int | None = col("BIGINT", "GeoNames id")
    mention_count: int = col("INTEGER", "mentions in the text")
    confidence: float | None = col("DOUBLE", "0..1")
    is_primary: bool = col("BOOLEAN", "exactly one per article with places")
    place_kind: str | None = col("VARCHAR", "country, admin1, city, region")
    match_type: str | None = col("VARCHAR", "exact, alternate, fuzzy")
    how: str | None = col(
        "VARCHAR", "unique, qualifier, dateline, coherence, country_name, home_prior, population"
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class AliasRow:
    """A URL known to lead to an article (``url_aliases``)."""

    url_hash: str = col("VARCHAR", "hash of url")
    url: str = col("VARCHAR", "canonical URL")
    article_id: str = col("VARCHAR", "the article")


@dataclass(frozen=True, slots=True, kw_only=True)
class RawPageRow:
    """The fetched HTML of one article, gzipped (``raw_pages``)."""

    article_id: str = col("VARCHAR", "the article")
    url: str = col("VARCHAR", "article URL")
    final_url: str | None = col("VARCHAR", "where the fetch ended")
    fetched_at: datetime = col("TIMESTAMPTZ", "when fetched")
    content_type: str | None = col("VARCHAR", "media type")
    encoding: str = col("VARCHAR", "gzip")
    html_gz: bytes = col("BLOB", "the page, gzipped")
    n_bytes: int = col("INTEGER", "uncompressed size")
    charset: str | None = col("VARCHAR", "Content-Type charset (outranks the page's own)")


@dataclass(frozen=True, slots=True, kw_only=True)
class SubjectRow:
    """One subject code of a wire item's article (``article_subjects``)."""

    article_id: str = col("VARCHAR", "the article")
    scheme: str = col("VARCHAR", "medtop, subj, ... ('' when none)")
    code: str = col("VARCHAR", "the code within the scheme")
    name: str | None = col("VARCHAR", "its name, when the item gives one")


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionRow:
    """One version of a wire item as received (``article_versions``)."""

    article_id: str = col("VARCHAR", "the article of the item URI")
    item_version: int = col("INTEGER", "the item's version number")
    versioncreated: datetime | None = col("TIMESTAMPTZ", "when the agency made it")
    digest: str = col("VARCHAR", "content digest (orders equal version numbers)")
    pubstatus: str = col("VARCHAR", "usable, withheld, canceled")
    title: str | None = col("VARCHAR", "headline of this version")
    body: str | None = col("VARCHAR", "text of this version")
    is_correction: bool = col("BOOLEAN", "this version is a correction")
    received_at: datetime = col("TIMESTAMPTZ", "when the pipeline received it")
    embargoed_until: datetime | None = col("TIMESTAMPTZ", "this version's embargo, if any")
    item_log_id: str | None = col(
        "VARCHAR",
        "the item_log row of this delivery (loader sets its outcome)",
        origin="staging_only",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemLogRow:
    """What happened to one delivered wire item or file (``item_log``)."""

    item_log_id: str = col("VARCHAR", "batch id + sequence")
    run_id: str = col("VARCHAR", "the run")
    batch_id: str = col("VARCHAR", "the staged batch")
    feed_id: str = col("VARCHAR", "the wire feed")
    source: str = col("VARCHAR", "file name or endpoint URL")
    item_uri: str | None = col("VARCHAR", "the item's URI, when it parsed")
    item_version: int | None = col("INTEGER", "its version")
    received_at: datetime = col("TIMESTAMPTZ", "when received")
    outcome: str = col("VARCHAR", "pipeline.outcomes.ItemOutcome")
    error: str | None = col("VARCHAR", "one-line reason when rejected")


# --------------------------------------------------------------------------- tables


def _c(name: str, sql: str, nullable: bool, doc: str, origin: Origin = "loader") -> Column:
    return Column(name, sql, nullable, doc, origin)


def _article_columns() -> tuple[Column, ...]:
    """Stored order: migration 1's columns, then those added by later migrations."""
    staged = {c.name: c for c in record_columns(ArticleRow)}
    order = [
        "article_id", "url", "feed_id", "outlet", "publisher_country", "title", "title_source",
        "body", "word_count", "published_at", "date_source", "fetched_at", "agency",
        "agency_evidence", "byline", "story_id", "content_hash", "language", "feed_entry_url",
        "extractor", "extractor_version", "run_id", "batch_id", "loaded_at", "section",
        "date_flags", "syndication", "is_syndicated", "published_offset_minutes",
        "tagger_version", "item_uri", "item_version", "firstcreated", "versioncreated", "urgency",
        "is_correction", "withdrawn_at", "embargoed_until",
    ]  # fmt: skip
    loader = {
        "story_id": _c("story_id", "VARCHAR", False, "the story (st_ + first article id)"),
        "loaded_at": _c("loaded_at", "TIMESTAMPTZ", False, "when the loader last wrote the row"),
        "syndication": _c("syndication", "VARCHAR", True, "original, wire, mixed, copy"),
        "is_syndicated": _c("is_syndicated", "BOOLEAN", True, "wire or copy"),
    }
    stored = tuple(staged.get(n) or loader[n] for n in order)
    return stored + tuple(c for c in staged.values() if c.origin == "staging_only")


def _table(name: str, grain: str, record: type, key: tuple[str, ...] = ()) -> Table:
    return Table(name, grain, record_columns(record), record, key)


ARTICLES = Table(
    "articles",
    "one distinct article (canonical URL)",
    _article_columns(),
    ArticleRow,
    ("article_id",),
)
FEED_POLLS = _table("feed_polls", "one poll of one feed", PollRow, ("poll_id",))
FETCH_LOG = _table("fetch_log", "one attempt at one URL", FetchRow, ("fetch_id",))
ARTICLE_PLACES = _table("article_places", "one place per article", PlaceRow)
URL_ALIASES = _table(
    "url_aliases", "every URL known to lead to an article", AliasRow, ("url_hash",)
)
RAW_PAGES = _table("raw_pages", "one fetched page per article", RawPageRow, ("article_id",))
ARTICLE_SUBJECTS = _table("article_subjects", "one subject code per article", SubjectRow)
ARTICLE_VERSIONS = _table(
    "article_versions",
    "one received version of a wire item",
    VersionRow,
    ("article_id", "item_version", "digest"),
)
ITEM_LOG = _table("item_log", "one delivered wire item or file", ItemLogRow, ("item_log_id",))

STORIES = Table(
    "stories",
    "one story (articles carrying the same report)",
    (
        _c("story_id", "VARCHAR", False, "st_ + the first article's id"),
        _c("first_article_id", "VARCHAR", False, "earliest published member"),
        _c("title", "VARCHAR", True, "the first article's title"),
        _c("first_published_at", "TIMESTAMPTZ", True, "earliest publication"),
        _c("first_seen_at", "TIMESTAMPTZ", False, "earliest fetch"),
        _c("last_seen_at", "TIMESTAMPTZ", False, "latest fetch"),
        _c("article_count", "INTEGER", False, "members"),
        _c("n_outlets", "INTEGER", False, "distinct outlets"),
        _c("agency", "VARCHAR", True, "the story's wire agency"),
        _c("method", "VARCHAR", False, "clustering rule and parameters"),
        _c("updated_at", "TIMESTAMPTZ", False, "last change"),
    ),
    key=("story_id",),
)
LOADED_BATCHES = Table(
    "loaded_batches",
    "one merged staged batch",
    (
        _c("batch_id", "VARCHAR", False, "the batch"),
        _c("run_id", "VARCHAR", False, "its run"),
        _c("loaded_at", "TIMESTAMPTZ", False, "when merged"),
        _c("n_articles", "INTEGER", False, "new articles"),
        _c("n_fetches", "INTEGER", False, "fetch_log rows"),
        _c("n_polls", "INTEGER", False, "feed_polls rows"),
    ),
    key=("batch_id",),
)

# The staged tables, in the order the loader merges them.
STAGED: tuple[Table, ...] = (
    FEED_POLLS,
    FETCH_LOG,
    ITEM_LOG,
    ARTICLES,
    ARTICLE_PLACES,
    ARTICLE_SUBJECTS,
    ARTICLE_VERSIONS,
    URL_ALIASES,
    RAW_PAGES,
)
CORE: tuple[Table, ...] = (*STAGED, STORIES, LOADED_BATCHES)
BY_NAME: dict[str, Table] = {t.name: t for t in CORE}
