"""Wire feeds in a run: poll an item endpoint or claim a drop folder, stage one batch of items.

Why a separate path from pages: a wire delivery *is* the article (no page to fetch, nothing to
extract), and items come in versions that the loader must fold (``pipeline.storage.versions``).
So a wire feed produces no page work items; everything it gives is staged right here, as one
batch per feed per run: the feed's ``feed_polls`` row, one ``item_log`` row per item or rejected
file, one ``article_versions`` row per delivered text/kill version, and for each item URI the
``articles`` row (with places, subjects and the raw item) of the batch's latest text version.
The loader decides what of it is new, an update, older, a duplicate or a kill.

Drop folders and crashes: files are claimed into ``processing/`` under the folder's lock, the
batch is staged (atomically), and only then are the files archived (or rejected with their
reason). A run killed before staging leaves the files in ``processing/``, claimed again first by
the next run; one killed after staging but before archiving makes the next run read them again,
and the loader's merge by (URI, version, digest) records those re-reads as ``duplicate_version``
and changes nothing. So no file is lost, and none is *applied* twice.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from pipeline.acquire.urls import outlet
from pipeline.outcomes import ItemOutcome, PollOutcome
from pipeline.run.clock import Progress, now, quiet
from pipeline.run.page import place_rows
from pipeline.run.poll import PollResult
from pipeline.run.pool import BoundedPool
from pipeline.settings import FeedConfig, Settings
from pipeline.storage.schema import (
    ArticleRow,
    ItemLogRow,
    PlaceRow,
    PollRow,
    RawPageRow,
    SubjectRow,
    VersionRow,
)
from pipeline.storage.staging import write_batch
from pipeline.storage.state import read_feed_state
from pipeline.stories.fingerprints import content_hash, fingerprint
from pipeline.wire.items import ItemResult, WireItem
from pipeline.wire.versions import VersionKey

WIRE_EXTRACTOR_VERSION = "wire-1"
STAGED_OUTCOMES = (ItemOutcome.OK, ItemOutcome.KILLED)  # items the loader folds
_ACCEPT = (
    "application/json, application/vnd.iptc.ninjs+json, application/atom+xml, "
    "application/vnd.iptc.g2.newsitem+xml, application/xml;q=0.9, text/xml;q=0.8"
)
_CONTENT_TYPES = {"ninjs": "application/json", "nitf": "application/xml"}


def wire_article_id(uri: str) -> str:
    """The article id of an item URI: stable across versions, never equal to a page's id
    (pages hash their canonical URL; this hashes the URI under a ``wire:`` prefix)."""
    return hashlib.sha256(f"wire:{uri}".encode()).hexdigest()[:16]


def tag_item(
    body: str,
    title: str | None,
    publisher_country: str | None,
    dateline: str | None,
    located: str | None,
    home_admin1: str | None = None,
) -> dict[str, Any]:
    """Place tags of one item (runs in a worker): the item's dateline and ``located`` place are
    the tagger's evidence beside the text, recorded as coming from the item (PlaceTag.how)."""
    from pipeline.places import TAGGER_VERSION, tag_places

    tags = tag_places(
        body,
        title,
        publisher_country=publisher_country,
        home_admin1=home_admin1,
        dateline=dateline,
        located=located,
    )
    return {"places": [asdict(t) for t in tags], "tagger": TAGGER_VERSION}


@dataclass
class WireRows:
    """Everything one wire batch stages."""

    run_id: str
    batch_id: str
    feed: FeedConfig
    received_at: datetime
    log: list[ItemLogRow] = field(default_factory=list)
    versions: list[VersionRow] = field(default_factory=list)
    articles: list[ArticleRow] = field(default_factory=list)
    places: list[PlaceRow] = field(default_factory=list)
    subjects: list[SubjectRow] = field(default_factory=list)
    raws: list[RawPageRow] = field(default_factory=list)

    def record(
        self,
        source: str,
        outcome: str,
        *,
        uri: str | None = None,
        version: int | None = None,
        error: str | None = None,
    ) -> str:
        """One ``item_log`` row; returns its id."""
        log_id = f"{self.batch_id}-{len(self.log):05d}"
        self.log.append(
            ItemLogRow(
                item_log_id=log_id,
                run_id=self.run_id,
                batch_id=self.batch_id,
                feed_id=self.feed.id,
                source=source,
                item_uri=uri,
                item_version=version,
                received_at=self.received_at,
                outcome=outcome,
                error=error,
            )
        )
        return log_id

    def tables(self, poll: PollRow | None) -> dict[str, list[Any]]:
        return {
            "feed_polls": [poll] if poll else [],
            "item_log": self.log,
            "article_versions": self.versions,
            "articles": self.articles,
            "article_places": self.places,
            "article_subjects": self.subjects,
            "raw_pages": self.raws,
        }


def add_results(
    rows: WireRows, results: Sequence[ItemResult], settings: Settings, pool: BoundedPool | None
) -> None:
    """Log every item; stage a version row per text/kill item and, per URI, the article of the
    batch's latest text version (or of its latest kill when it brought no text)."""
    best: dict[str, WireItem] = {}
    for res in results:
        item = res.item
        if res.outcome not in STAGED_OUTCOMES or item is None:
            rows.record(
                res.source, res.outcome, uri=res.uri, version=item.version if item else None,
                error=res.reason,
            )  # fmt: skip
            continue
        log_id = rows.record(res.source, res.outcome, uri=item.uri, version=item.version)
        rows.versions.append(version_row(item, rows.received_at, log_id))
        held = best.get(item.uri)
        if held is None or _rank(item) > _rank(held):
            best[item.uri] = item
    chosen = list(best.values())
    tagged = tag_items(settings, rows.feed, chosen, pool)
    for item, tags in zip(chosen, tagged, strict=True):
        aid = wire_article_id(item.uri)
        rows.articles.append(article_row(rows, item, tags.get("tagger")))
        rows.places.extend(place_rows(aid, tags.get("places") or []))
        rows.subjects.extend(subject_rows(aid, item))
        rows.raws.append(raw_row(aid, item, rows.received_at))


def _rank(item: WireItem) -> tuple[bool, VersionKey]:
    """Text versions before kills, then the version order (``pipeline.wire.versions``)."""
    return (not item.is_kill, VersionKey.of(item))


def tag_items(
    settings: Settings, feed: FeedConfig, items: list[WireItem], pool: BoundedPool | None
) -> list[dict[str, Any]]:
    """Place tags per item, in the worker pool when there is one; a tagger crash or timeout
    leaves that item untagged (recorded as no places), never the batch unstaged."""
    args = [
        (item.body_text, item.headline, feed.country, item.dateline, item.located, feed.home_admin1)
        for item in items
        if not item.is_kill
    ]
    if pool is None:
        outs = [tag_item(*a) for a in args]
    else:
        outs = [o.value if o.ok else {} for o in pool.map(tag_item, args, settings.extract_timeout)]
    it = iter(outs)
    return [{} if item.is_kill else next(it) for item in items]


def version_row(item: WireItem, received_at: datetime, log_id: str) -> VersionRow:
    return VersionRow(
        article_id=wire_article_id(item.uri),
        item_version=item.version,
        versioncreated=item.versioncreated,
        digest=item.content_digest(),
        pubstatus=item.pubstatus,
        title=item.headline,
        body=item.body_text,
        is_correction=item.is_correction,
        received_at=received_at,
        embargoed_until=item.embargoed_until,
        item_log_id=log_id,
    )


def _item_url(item: WireItem) -> str:
    """The item's web page when it names one, else its URI."""
    src = item.source_url
    if src and urlsplit(src).scheme in ("http", "https"):
        return src
    return item.uri


def article_row(rows: WireRows, item: WireItem, tagger: str | None) -> ArticleRow:
    """The staged ``articles`` row of one item version (a kill: metadata only, no text)."""
    feed = rows.feed
    body = "" if item.is_kill else item.body_text
    url = _item_url(item)
    site = outlet(url) if url != item.uri else (item.agency or feed.agency or feed.id).lower()
    agency = item.agency or feed.agency
    return ArticleRow(
        article_id=wire_article_id(item.uri),
        url=url,
        feed_id=feed.id,
        outlet=site,
        publisher_country=feed.country,
        title=item.headline,
        title_source="item",
        body=body,
        word_count=len(body.split()),
        published_at=item.firstcreated or item.versioncreated,
        date_source="item" if (item.firstcreated or item.versioncreated) else None,
        fetched_at=rows.received_at,
        agency=agency,
        agency_evidence=("item" if item.agency else "feed") if agency else None,
        byline=item.byline,
        content_hash=content_hash(body),
        language=item.language or feed.language,
        feed_entry_url=None,
        extractor=f"wire:{item.format}",
        extractor_version=WIRE_EXTRACTOR_VERSION,
        run_id=rows.run_id,
        batch_id=rows.batch_id,
        **fingerprint(body).to_columns(),
        section=None,
        date_flags=None,
        published_offset_minutes=None,
        tagger_version=tagger,
        item_uri=item.uri,
        item_version=item.version,
        firstcreated=item.firstcreated,
        versioncreated=item.versioncreated,
        urgency=item.urgency,
        is_correction=item.is_correction,
        withdrawn_at=None,  # the loader folds every version of the URI into it
        embargoed_until=item.embargoed_until,
    )


def subject_rows(aid: str, item: WireItem) -> list[SubjectRow]:
    return [
        SubjectRow(article_id=aid, scheme=s.scheme, code=s.code, name=s.name)
        for s in dict.fromkeys(item.subjects)
    ]


def raw_row(aid: str, item: WireItem, received_at: datetime) -> RawPageRow:
    """The raw item kept like raw HTML (gzipped, with its media type)."""
    content_type = _CONTENT_TYPES.get(item.format, "application/xml")
    return RawPageRow(
        article_id=aid,
        url=_item_url(item),
        final_url=None,
        fetched_at=received_at,
        content_type=content_type,
        charset=None,
        encoding="gzip",
        html_gz=gzip.compress(item.raw, compresslevel=6),
        n_bytes=len(item.raw),
    )


def poll_row(
    rows: WireRows,
    outcome: str,
    *,
    status: int | None = None,
    n_entries: int = 0,
    etag: str | None = None,
    last_modified: str | None = None,
    fmt: str | None = None,
    error: str | None = None,
    n_dropped: int | None = None,
) -> PollRow:
    n_new = sum(1 for r in rows.log if r.outcome in STAGED_OUTCOMES)
    return PollRow(
        poll_id=f"{rows.run_id}-{rows.feed.id}",
        run_id=rows.run_id,
        feed_id=rows.feed.id,
        feed_url=rows.feed.url,
        polled_at=rows.received_at,
        outcome=outcome,
        status_code=status,
        duration_ms=int((now() - rows.received_at).total_seconds() * 1000),
        n_entries=n_entries,
        n_new=n_new,
        etag=etag,
        last_modified=last_modified,
        feed_format=fmt,
        error=error,
        n_dropped=n_dropped,
        next_due_at=None,
        feed_state=None,
        schedule_note=None,
        publisher_interval_s=None,
    )


def poll_wire_feed(
    settings: Settings,
    feed_id: str,
    run_id: str,
    *,
    pool: BoundedPool | None = None,
    progress: Progress = quiet,
) -> PollResult:
    """Poll one wire feed (endpoint or ``dir://`` drop folder) and stage its items as one
    batch. Wire feeds give no page work items (``items=[]``)."""
    feed = settings.feed(feed_id)
    rows = WireRows(run_id, f"{run_id}-wire-{feed.id}", feed, now())
    if (settings.staging_dir / rows.batch_id).exists():
        return PollResult(feed.id, PollOutcome.OK, None, 0, 0, [], "already staged")
    if feed.is_drop_folder:
        res = poll_drop_folder(settings, rows, pool)
    else:
        state = read_feed_state(settings.state_dir).get(feed.id) or {}
        res = poll_endpoint(
            settings, rows, pool, state if state.get("feed_url") == feed.url else {}
        )
    counts: dict[str, int] = {}
    for r in rows.log:
        counts[r.outcome] = counts.get(r.outcome, 0) + 1
    progress(
        f"[wire] {feed.id}: {res.outcome}, {res.n_entries} item(s)"
        + "".join(f", {k}={v}" for k, v in sorted(counts.items()))
    )
    return res


def stage(settings: Settings, rows: WireRows, poll: PollRow) -> None:
    write_batch(settings.staging_dir, rows.batch_id, rows.run_id, rows.tables(poll))


# ----------------------------------------------------------------------------------- sources


def parse_delivery(settings: Settings, feed: FeedConfig, data: bytes, source: str) -> list[Any]:
    """Every item of one delivery, as the wire library reads it (``ConfigError`` when strict
    ninjs validation is asked for and the schemas are missing: a setup error, not an item's)."""
    from pipeline.wire.detect import parse_items

    return parse_items(
        data,
        format=feed.format,
        validate=feed.validate_items,
        source=source,
        schema_dir=settings.ninjs_schema_dir,
    )


def poll_endpoint(
    settings: Settings, rows: WireRows, pool: BoundedPool | None, state: dict[str, Any]
) -> PollResult:
    """An HTTP endpoint polled like a feed: conditional GET, the feed size cap, outcomes."""
    from pipeline.acquire.fetch import Fetcher
    from pipeline.errors import ConfigError
    from pipeline.wire.detect import file_rejection

    feed = rows.feed
    with Fetcher(settings) as fetcher:
        fr = fetcher.fetch(
            feed.url,
            kind="feed",
            etag=state.get("etag"),
            last_modified=state.get("last_modified"),
            extra_headers={"Accept": _ACCEPT, **feed.headers},
        )
    kw: dict[str, Any] = {"status": fr.status_code, "etag": fr.etag, "error": fr.error}
    kw["last_modified"] = fr.last_modified
    if fr.outcome == PollOutcome.NOT_MODIFIED:
        kw["etag"] = fr.etag or state.get("etag")
        kw["last_modified"] = fr.last_modified or state.get("last_modified")
    outcome: str = fr.outcome
    results: list[ItemResult] = []
    if fr.outcome == PollOutcome.OK:
        try:
            results = parse_delivery(settings, feed, fr.content or b"", fr.final_url or feed.url)
        except ConfigError as exc:
            outcome, kw["error"] = PollOutcome.PARSE_ERROR, str(exc)
        kept = results[: settings.max_items_per_feed]
        kw["n_dropped"] = len(results) - len(kept)
        reason = file_rejection(kept)
        if reason:
            outcome, kw["error"] = PollOutcome.PARSE_ERROR, reason
        kw["fmt"] = next((r.item.format for r in kept if r.item is not None), None)
        add_results(rows, kept, settings, pool)
        results = kept
    poll = poll_row(rows, outcome, n_entries=len(results), **kw)
    stage(settings, rows, poll)
    return PollResult(feed.id, outcome, fr.status_code, len(results), poll.n_new, [], poll.error)


def poll_drop_folder(settings: Settings, rows: WireRows, pool: BoundedPool | None) -> PollResult:
    """Claim a drop folder's files, stage their items, then archive (or reject) each file.

    Files are settled only after the batch is staged (see the module docstring)."""
    from pipeline.errors import ConfigError
    from pipeline.wire.dropfolder import DropFolder, DropFolderBusy

    feed = rows.feed
    try:
        folder = DropFolder.from_url(feed.url)
        with folder.session() as session:
            claimed = session.claim(limit=settings.max_items_per_feed)
            try:
                settle, n_items = _read_files(settings, rows, claimed, pool)
            except ConfigError as exc:  # files stay in processing/ until the setup is fixed
                return _folder_failed(settings, rows, PollOutcome.PARSE_ERROR, str(exc))
            poll = poll_row(rows, PollOutcome.OK, n_entries=n_items, fmt=_format_of(rows))
            stage(settings, rows, poll)
            for claim, reason in settle:
                if reason:
                    session.reject(claim, reason)
                else:
                    session.archive(claim)
    except DropFolderBusy as exc:
        return _folder_failed(settings, rows, PollOutcome.DEFERRED, str(exc))
    except (ConfigError, OSError) as exc:
        return _folder_failed(settings, rows, PollOutcome.UNAVAILABLE, str(exc))
    return PollResult(feed.id, PollOutcome.OK, None, n_items, poll.n_new, [], None)


def _format_of(rows: WireRows) -> str | None:
    return rows.articles[0].extractor.removeprefix("wire:") if rows.articles else None


def _folder_failed(settings: Settings, rows: WireRows, outcome: str, error: str) -> PollResult:
    """A poll that read nothing: its ``feed_polls`` row alone (nothing was settled)."""
    rows.log.clear()
    poll = poll_row(rows, outcome, error=error)
    write_batch(settings.staging_dir, rows.batch_id, rows.run_id, {"feed_polls": [poll]})
    return PollResult(rows.feed.id, outcome, None, 0, 0, [], error)


def _read_files(
    settings: Settings, rows: WireRows, claimed: list[Any], pool: BoundedPool | None
) -> tuple[list[tuple[Any, str | None]], int]:
    """Parse every claimed file: ((file, rejection reason or None) per file, items read).

    A file over ``max_item_bytes`` or with nothing readable is rejected whole, with an
    ``item_log`` row saying why; a readable file's items are logged one by one."""
    from pipeline.wire.detect import file_rejection
    from pipeline.wire.dropfolder import FileTooLarge

    settle: list[tuple[Any, str | None]] = []
    results: list[ItemResult] = []
    for claim in claimed:
        try:
            data = claim.read(max_bytes=settings.max_item_bytes)
        except FileTooLarge as exc:
            rows.record(claim.name, ItemOutcome.TOO_LARGE, error=str(exc))
            settle.append((claim, str(exc)))
            continue
        got = parse_delivery(settings, rows.feed, data, claim.name)
        reason = file_rejection(got)
        if reason:
            for r in got:
                rows.record(claim.name, r.outcome, uri=r.uri, error=r.reason)
        else:
            results.extend(got)
        settle.append((claim, reason))
    add_results(rows, results, settings, pool)
    return settle, len(results)
