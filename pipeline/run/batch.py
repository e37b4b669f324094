"""Fetch + extract one batch of work items and stage the results as one batch.

The steps, in order: record the items another feed already listed (``duplicate``), fetch the
rest (hosts in parallel, each host politely in order), extract and tag the pages that came back
in bounded worker processes, then turn every URL into exactly one ``fetch_log`` row and every new
article into its typed rows, and stage them atomically. The batch id derives from the run id, so
a retried task finds (or rewrites) the same batch instead of adding a second one.
"""

from __future__ import annotations

import contextlib
import gzip
from collections import Counter, defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.acquire.urls import canonicalize_url, outlet, url_hash
from pipeline.outcomes import UrlOutcome
from pipeline.run.clock import Progress, now, quiet
from pipeline.run.page import analyze_page, place_rows, warm_up
from pipeline.run.pool import BoundedPool, TaskOutcome
from pipeline.settings import FeedConfig, Settings
from pipeline.storage.schema import AliasRow, ArticleRow, FetchRow, PlaceRow, PollRow, RawPageRow
from pipeline.storage.staging import write_batch
from pipeline.storage.state import read_seen
from pipeline.stories.fingerprints import content_hash, fingerprint

Fetched = tuple[dict[str, Any], Any, datetime]  # (work item, FetchResult, when it started)


@dataclass
class BatchReport:
    batch_id: str
    n_items: int
    n_articles: int
    outcomes: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class BatchRows:
    """Everything one batch stages, filled URL by URL."""

    run_id: str
    batch_id: str
    fetches: list[FetchRow] = field(default_factory=list)
    articles: list[ArticleRow] = field(default_factory=list)
    places: list[PlaceRow] = field(default_factory=list)
    aliases: list[AliasRow] = field(default_factory=list)
    raws: list[RawPageRow] = field(default_factory=list)
    polls: list[PollRow] = field(default_factory=list)

    def __len__(self) -> int:
        """Rows that count against ``batch_size``: one per URL and one per poll."""
        return len(self.fetches) + len(self.polls)

    def log(
        self,
        item: dict[str, Any],
        outcome: str,
        *,
        res: Any = None,
        started: datetime | None = None,
        article_id: str | None = None,
        error: str | None = None,
    ) -> None:
        """The one ``fetch_log`` row of a URL of this batch."""
        self.fetches.append(
            FetchRow(
                fetch_id=f"{self.batch_id}-{len(self.fetches):04d}",
                run_id=self.run_id,
                batch_id=self.batch_id,
                feed_id=item["feed_id"],
                url=item["canonical_url"],
                url_hash=item["url_hash"],
                final_url=getattr(res, "final_url", None),
                article_id=article_id,
                attempted_at=started or now(),
                outcome=outcome,
                status_code=getattr(res, "status_code", None),
                duration_ms=getattr(res, "duration_ms", 0) or 0,
                n_bytes=getattr(res, "n_bytes", None),
                attempts=getattr(res, "attempts", 0) or 0,
                error=error if error is not None else getattr(res, "error", None),
            )
        )

    def alias(self, urls: set[str], article_id: str) -> None:
        self.aliases.extend(
            AliasRow(url_hash=url_hash(u), url=u, article_id=article_id) for u in urls
        )

    def outcomes(self) -> dict[str, int]:
        return dict(Counter(r.outcome for r in self.fetches))

    def stage(self, staging_dir: Path) -> None:
        write_batch(
            staging_dir,
            self.batch_id,
            self.run_id,
            {
                "fetch_log": self.fetches,
                "articles": self.articles,
                "article_places": self.places,
                "url_aliases": self.aliases,
                "raw_pages": self.raws,
                "feed_polls": self.polls,
            },
        )


def fetch_extract_batch(
    settings: Settings,
    run_id: str,
    batch_id: str,
    items: Sequence[dict[str, Any]],
    *,
    pool: BoundedPool | None = None,
    seen: set[str] | None = None,
    progress: Progress = quiet,
) -> BatchReport:
    """Fetch, extract and tag one batch of work items; stage the results as one batch."""
    full_batch_id = f"{run_id}-{batch_id}"
    if (settings.staging_dir / full_batch_id).exists():
        return BatchReport(full_batch_id, len(items), 0, {"already_staged": len(items)})
    feeds = {f.id: f for f in settings.feeds}
    rows = BatchRows(run_id, full_batch_id)
    for item in items:
        if item.get("duplicate_of"):
            rows.log(
                item,
                UrlOutcome.DUPLICATE,
                error=f"also listed by another feed as {item['duplicate_of']}",
            )
    fetched = fetch_pages(settings, feeds, [i for i in items if not i.get("duplicate_of")])
    progress(f"[fetch] {full_batch_id}: {len(fetched)} page(s) fetched")
    ok_pages = [f for f in fetched if f[1].outcome == UrlOutcome.OK]
    for item, res, started in fetched:
        if res.outcome != UrlOutcome.OK:
            rows.log(item, res.outcome, res=res, started=started)
    analyzed = extract_pages(settings, feeds, ok_pages, pool)
    record_pages(rows, feeds, ok_pages, analyzed, seen, settings)
    rows.stage(settings.staging_dir)
    outcomes = rows.outcomes()
    progress(
        f"[extract] {full_batch_id}: {len(rows.articles)} article(s); "
        + ", ".join(f"{k}={v}" for k, v in sorted(outcomes.items()))
    )
    return BatchReport(full_batch_id, len(items), len(rows.articles), outcomes)


# ----------------------------------------------------------------------------------- fetch


def fetch_pages(
    settings: Settings, feeds: dict[str, FeedConfig], items: Sequence[dict[str, Any]]
) -> list[Fetched]:
    """Fetch every item: up to ``fetch_concurrency`` hosts at once, each host in order."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        groups[outlet(item["canonical_url"])].append(item)
    if not groups:
        return []
    fetched: list[Fetched] = []
    with ThreadPoolExecutor(max_workers=min(settings.fetch_concurrency, len(groups))) as ex:
        for group in ex.map(lambda g: _fetch_host_group(settings, feeds, g), groups.values()):
            fetched.extend(group)
    return fetched


def _fetch_host_group(
    settings: Settings, feeds: dict[str, FeedConfig], items: list[dict[str, Any]]
) -> list[Fetched]:
    """Fetch one host's items in order, politely (the Fetcher spaces requests to a host)."""
    from pipeline.acquire.fetch import Fetcher

    out = []
    with Fetcher(settings) as fetcher:
        for item in items:
            feed = feeds.get(item["feed_id"])
            started = now()
            res = fetcher.fetch(
                item["url"],
                kind="page",
                extra_headers=dict(feed.headers) if feed and feed.headers else None,
            )
            out.append((item, res, started))
    return out


# --------------------------------------------------------------------------------- extract


def hints(
    item: dict[str, Any], feed: FeedConfig | None, charset: str | None = None
) -> dict[str, Any]:
    """What the feed (and the response's ``Content-Type`` charset) knows about a page, for
    extraction and tagging."""
    return {
        "charset": charset,
        "title": item.get("title"),
        "published": item.get("published"),
        "author": item.get("author"),
        "agency": feed.agency if feed else None,
        "timezone": feed.timezone if feed else None,
        "publisher_country": feed.country if feed else None,
        "home_admin1": feed.home_admin1 if feed else None,
    }


def extract_pages(
    settings: Settings,
    feeds: dict[str, FeedConfig],
    pages: list[Fetched],
    pool: BoundedPool | None,
) -> list[TaskOutcome]:
    """Extract and tag every fetched page in worker processes, each under ``extract_timeout``."""
    args = [
        (
            res.content,
            res.final_url or item["url"],
            hints(item, feeds.get(item["feed_id"]), res.encoding),
        )
        for item, res, _ in pages
    ]
    if pool is None:
        with BoundedPool(settings.extract_workers, initializer=warm_up) as own:
            return own.map(analyze_page, args, timeout=settings.extract_timeout)
    return pool.map(analyze_page, args, timeout=settings.extract_timeout)


# ---------------------------------------------------------------------------------- record


def article_urls(item: dict[str, Any], res: Any, ext: dict[str, Any]) -> tuple[str, str]:
    """(canonical form of the URL the fetch ended at, the article's URL): the page's
    rel=canonical when it points within the same outlet, else where the fetch ended. Syndication
    partners point rel=canonical at the original publisher, and their copy is still a distinct
    article (another outlet), so a canonical elsewhere is not trusted."""
    final_canonical = item["canonical_url"]
    if res.final_url:
        with contextlib.suppress(ValueError):
            final_canonical = canonicalize_url(res.final_url)
    page_canonical = ext.get("canonical_url")
    if page_canonical:
        try:
            page_canonical = canonicalize_url(page_canonical)
        except ValueError:
            page_canonical = None
    if page_canonical and outlet(page_canonical) == outlet(final_canonical):
        return final_canonical, page_canonical
    return final_canonical, final_canonical


def record_pages(
    rows: BatchRows,
    feeds: dict[str, FeedConfig],
    pages: list[Fetched],
    analyzed: list[TaskOutcome],
    seen: set[str] | None,
    settings: Settings,
    claimed: set[str] | None = None,
) -> None:
    """One ``fetch_log`` row per page; rows for each new article (first copy in the batch, or
    in the run when the caller passes its ``claimed`` set of article ids)."""
    resolved = [
        article_urls(item, res, out.value["extraction"]) if _extracted(out) else None
        for (item, res, _), out in zip(pages, analyzed, strict=True)
    ]
    if seen is None:
        seen = read_seen(settings.state_dir, among=[url_hash(r[1]) for r in resolved if r])
    in_batch: set[str] = set() if claimed is None else claimed
    for (item, res, started), out, urls in zip(pages, analyzed, resolved, strict=True):
        if urls is None:
            outcome, error = _failure(out)
            rows.log(item, outcome, res=res, started=started, error=error)
            continue
        final_canonical, article_url = urls
        aid = url_hash(article_url)
        if aid in seen or aid in in_batch:
            rows.log(item, UrlOutcome.DUPLICATE, res=res, started=started, article_id=aid,
                     error=f"same article as {article_url}")  # fmt: skip
            rows.alias({item["canonical_url"], final_canonical}, aid)
            continue
        in_batch.add(aid)
        rows.log(item, UrlOutcome.OK, res=res, started=started, article_id=aid, error=None)
        rows.alias({item["canonical_url"], final_canonical, article_url}, aid)
        ext = out.value["extraction"]
        feed = feeds.get(item["feed_id"])
        rows.articles.append(
            article_row(rows, item, started, ext, feed, aid, article_url, out.value["tagger"])
        )
        rows.raws.append(raw_page_row(aid, article_url, res, started))
        rows.places.extend(place_rows(aid, out.value["places"]))


def _extracted(out: TaskOutcome) -> bool:
    return out.ok and out.value["extraction"]["outcome"] == UrlOutcome.OK


def _failure(out: TaskOutcome) -> tuple[str, str | None]:
    """The ``fetch_log`` outcome of a page that gave no article."""
    if not out.ok:
        return (UrlOutcome.EXTRACT_TIMEOUT if out.timed_out else UrlOutcome.PARSE_ERROR), out.error
    ext = out.value["extraction"]
    return ext["outcome"], ext.get("error")


def article_row(
    rows: BatchRows,
    item: dict[str, Any],
    fetched_at: datetime,
    ext: dict[str, Any],
    feed: FeedConfig | None,
    aid: str,
    url: str,
    tagger_version: str | None,
) -> ArticleRow:
    """The staged ``articles`` row of a new article, from the worker's extraction record."""
    return ArticleRow(
        article_id=aid,
        url=url,
        feed_id=item["feed_id"],
        outlet=outlet(url),
        publisher_country=feed.country if feed else None,
        title=ext.get("title"),
        title_source=ext.get("title_source"),
        body=ext["body"],
        word_count=ext["word_count"],
        published_at=ext.get("published_at"),
        date_source=ext.get("date_source"),
        fetched_at=fetched_at,
        agency=ext.get("agency"),
        agency_evidence=ext.get("agency_evidence"),
        byline=ext.get("byline"),
        content_hash=content_hash(ext["body"]),
        language=ext.get("language"),
        feed_entry_url=item["canonical_url"],
        extractor=ext["extractor"],
        extractor_version=ext["extractor_version"],
        run_id=rows.run_id,
        batch_id=rows.batch_id,
        **fingerprint(ext["body"]).to_columns(),
        section=ext.get("section"),
        date_flags=_flags(ext.get("date_flags"), item.get("date_flags")),
        published_offset_minutes=(
            item.get("published_offset_minutes")
            if ext.get("date_source") == "feed"
            else ext.get("published_offset_minutes")
        ),
        tagger_version=tagger_version,
        item_uri=None,
        item_version=None,
        firstcreated=None,
        versioncreated=None,
        urgency=None,
        is_correction=None,
        withdrawn_at=None,
        embargoed_until=None,
    )


def _flags(*parts: str | None) -> str | None:
    """Comma-separated date flags of the page and of the feed entry, each once, in order."""
    flags = [f for p in parts if p for f in p.split(",") if f]
    return ",".join(dict.fromkeys(flags)) or None


def raw_page_row(aid: str, url: str, res: Any, fetched_at: datetime) -> RawPageRow:
    return RawPageRow(
        article_id=aid,
        url=url,
        final_url=res.final_url,
        fetched_at=fetched_at,
        content_type=res.content_type,
        charset=res.encoding,
        encoding="gzip",
        html_gz=gzip.compress(res.content or b"", compresslevel=6),
        n_bytes=len(res.content or b""),
    )
