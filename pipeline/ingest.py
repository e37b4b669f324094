"""The pipeline's stages as plain functions; the CLI and the Airflow DAGs call exactly these.

    poll_feed ──▶ plan_batches ──▶ fetch_extract_batch (fan-out) ──▶ load ──▶ build_models

Fan-out stages never open DuckDB: they read the exported poll state (``state/``) and write staged
Parquet batches (``staging/``). Only ``load`` and ``build_models`` open the database, under the
DB lock, one at a time. Batch ids are derived from the run id, so a retried task rewrites (or
finds) the same batch instead of adding a second copy.
"""

from __future__ import annotations

import contextlib
import gzip
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pipeline.analyze import analyze_page, warm_up
from pipeline.dedup import content_hash, fingerprint
from pipeline.feeds import ParsedFeed, parse_feed
from pipeline.settings import FeedConfig, Settings
from pipeline.stage import write_batch
from pipeline.store import LoadSummary, load_staged, read_feed_state, read_seen
from pipeline.urls import canonicalize_url, outlet, url_hash
from pipeline.workers import BoundedPool

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def new_run_id(now: datetime | None = None) -> str:
    """Sortable and unique: batch directories sort by creation time through it."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def _now() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------------------------------- poll


@dataclass
class PollResult:
    feed_id: str
    outcome: str
    status_code: int | None
    n_entries: int
    n_new: int
    items: list[dict[str, Any]]
    error: str | None = None


def poll_feed(
    settings: Settings,
    feed_id: str,
    run_id: str,
    *,
    pool: BoundedPool | None = None,
    seen: set[str] | None = None,
) -> PollResult:
    """Fetch and parse one feed; stage its ``feed_polls`` row; return its new work items.

    A work item is a plain dict (JSON-safe, fit for XCom): feed id, link as given, canonical
    URL and its hash, and the feed's title/date/author hints for extraction.
    """
    from pipeline.fetch import Fetcher

    feed = settings.feed(feed_id)
    state = read_feed_state(settings.state_dir).get(feed.id) or {}
    if state.get("feed_url") != feed.url:
        state = {}  # the feed moved: its old validators mean nothing
    polled_at = _now()
    with Fetcher(settings) as fetcher:
        fr = fetcher.fetch(
            feed.url,
            kind="feed",
            etag=state.get("etag"),
            last_modified=state.get("last_modified"),
            extra_headers=dict(feed.headers) or None,
        )
    outcome, error = fr.outcome, fr.error
    etag, last_modified = fr.etag, fr.last_modified
    parsed: ParsedFeed | None = None
    if outcome == "not_modified":
        etag = etag or state.get("etag")
        last_modified = last_modified or state.get("last_modified")
    elif outcome == "ok":
        parsed, error = _parse_bounded(
            settings, fr.content or b"", fr.final_url or feed.url, pool, fr.content_type
        )
        if parsed is None or parsed.error:
            outcome = "parse_error"
            error = error or (parsed.error if parsed else "feed could not be parsed")
            parsed = None
        elif parsed.warning:
            error = f"recovered from malformed feed: {parsed.warning}"
    items: list[dict[str, Any]] = []
    n_entries = 0
    if parsed is not None:
        n_entries = len(parsed.entries)
        canonicals: list[tuple[Any, str, str]] = []
        for entry in parsed.entries:
            try:
                canonical = canonicalize_url(entry.link)
            except ValueError:
                continue
            canonicals.append((entry, canonical, url_hash(canonical)))
        if seen is None:
            seen = read_seen(settings.state_dir, among=[h for _, _, h in canonicals])
        taken: set[str] = set()
        for entry, canonical, h in canonicals:
            if h in seen or h in taken:
                continue
            taken.add(h)
            items.append(
                {
                    "feed_id": feed.id,
                    "url": entry.link,
                    "canonical_url": canonical,
                    "url_hash": h,
                    "title": entry.title,
                    "published": entry.published,
                    "author": entry.author,
                }
            )
    duration_ms = int((_now() - polled_at).total_seconds() * 1000)
    row = {
        "poll_id": f"{run_id}-{feed.id}",
        "run_id": run_id,
        "feed_id": feed.id,
        "feed_url": feed.url,
        "polled_at": polled_at,
        "outcome": outcome,
        "status_code": fr.status_code,
        "duration_ms": duration_ms,
        "n_entries": n_entries,
        "n_new": len(items),
        "etag": etag,
        "last_modified": last_modified,
        "feed_format": parsed.format if parsed else None,
        "error": error,
    }
    write_batch(settings.staging_dir, f"{run_id}-poll-{feed.id}", run_id, {"feed_polls": [row]})
    return PollResult(feed.id, outcome, fr.status_code, n_entries, len(items), items, error)


def _parse_bounded(
    settings: Settings,
    content: bytes,
    url: str,
    pool: BoundedPool | None,
    content_type: str | None = None,
) -> tuple[ParsedFeed | None, str | None]:
    args = (content, url, settings.max_items_per_feed, content_type)
    if pool is None:
        with BoundedPool(1) as own:
            res = own.map(parse_feed, [args], timeout=settings.feed_parse_timeout)[0]
    else:
        res = pool.map(parse_feed, [args], timeout=settings.feed_parse_timeout)[0]
    if res.ok:
        return res.value, None
    if res.timed_out:
        return None, f"feed parsing exceeded {settings.feed_parse_timeout:g}s"
    return None, f"feed parser failed: {res.error}"


# ---------------------------------------------------------------------------------------- plan


def _in_window(published: str | None, since: datetime | None, until: datetime | None) -> bool:
    """Items without a feed date are kept: we cannot tell, and dropping them would lose news."""
    if published is None or (since is None and until is None):
        return True
    ts = datetime.fromisoformat(published)
    if since is not None and ts < since:
        return False
    return not (until is not None and ts >= until)


def plan_batches(
    item_lists: Iterable[Sequence[dict[str, Any]]],
    batch_size: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[list[dict[str, Any]]]:
    """Merge per-feed items into fetch batches: one fetch per URL, however many feeds list it.

    The second and later listings of a URL stay in the plan as ``duplicate_of`` items, so they
    end in a recorded outcome (``duplicate``) rather than vanishing. Items are interleaved across
    outlets so each batch spreads its requests over hosts (politeness is per host).
    """
    first: dict[str, dict[str, Any]] = {}
    dups: list[dict[str, Any]] = []
    for items in item_lists:
        for item in items:
            if not _in_window(item.get("published"), since, until):
                continue
            h = item["url_hash"]
            if h in first:
                dups.append({**item, "duplicate_of": first[h]["canonical_url"]})
            else:
                first[h] = item
    by_host: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in first.values():
        by_host[outlet(item["canonical_url"])].append(item)
    ordered: list[dict[str, Any]] = []
    queues = [by_host[h] for h in sorted(by_host)]
    while any(queues):
        for q in queues:
            if q:
                ordered.append(q.pop(0))
    ordered.extend(dups)
    return [ordered[i : i + batch_size] for i in range(0, len(ordered), batch_size)]


# ------------------------------------------------------------------------------ fetch + extract


@dataclass
class BatchReport:
    batch_id: str
    n_items: int
    n_articles: int
    outcomes: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _fetch_host_group(
    settings: Settings, feeds: dict[str, FeedConfig], items: list[dict[str, Any]]
) -> list[tuple[dict, Any, datetime]]:
    """Fetch one host's items in order, politely (the Fetcher spaces requests to a host)."""
    from pipeline.fetch import Fetcher

    out = []
    with Fetcher(settings) as fetcher:
        for item in items:
            feed = feeds.get(item["feed_id"])
            started = _now()
            res = fetcher.fetch(
                item["url"],
                kind="page",
                extra_headers=dict(feed.headers) if feed and feed.headers else None,
            )
            out.append((item, res, started))
    return out


def _hints(item: dict[str, Any], feed: FeedConfig | None) -> dict[str, Any]:
    return {
        "title": item.get("title"),
        "published": item.get("published"),
        "author": item.get("author"),
        "agency": feed.agency if feed else None,
        "timezone": feed.timezone if feed else None,
        "publisher_country": feed.country if feed else None,
    }


def _same_outlet(a: str, b: str) -> bool:
    return outlet(a) == outlet(b)


def _article_urls(item: dict[str, Any], res: Any, ext: dict[str, Any]) -> tuple[str, str]:
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
    if page_canonical and _same_outlet(page_canonical, final_canonical):
        return final_canonical, page_canonical
    return final_canonical, final_canonical


def fetch_extract_batch(
    settings: Settings,
    run_id: str,
    batch_id: str,
    items: Sequence[dict[str, Any]],
    *,
    pool: BoundedPool | None = None,
    seen: set[str] | None = None,
    progress: Progress = _quiet,
) -> BatchReport:
    """Fetch, extract and tag one batch of work items; stage the results as one batch."""
    full_batch_id = f"{run_id}-{batch_id}"
    if (settings.staging_dir / full_batch_id).exists():
        return BatchReport(full_batch_id, len(items), 0, {"already_staged": len(items)})
    feeds = {f.id: f for f in settings.feeds}
    fetch_rows: list[dict[str, Any]] = []
    articles: list[dict[str, Any]] = []
    places: list[dict[str, Any]] = []
    aliases: list[dict[str, Any]] = []
    raws: list[dict[str, Any]] = []

    def log(
        item: dict,
        outcome: str,
        *,
        res: Any = None,
        started: datetime | None = None,
        article_id: str | None = None,
        error: str | None = None,
    ) -> None:
        fetch_rows.append(
            {
                "fetch_id": f"{full_batch_id}-{len(fetch_rows):04d}",
                "run_id": run_id,
                "batch_id": full_batch_id,
                "feed_id": item["feed_id"],
                "url": item["canonical_url"],
                "url_hash": item["url_hash"],
                "final_url": getattr(res, "final_url", None),
                "article_id": article_id,
                "attempted_at": started or _now(),
                "outcome": outcome,
                "status_code": getattr(res, "status_code", None),
                "duration_ms": getattr(res, "duration_ms", 0) or 0,
                "n_bytes": getattr(res, "n_bytes", None),
                "attempts": getattr(res, "attempts", 0) or 0,
                "error": error if error is not None else getattr(res, "error", None),
            }
        )

    to_fetch = [i for i in items if not i.get("duplicate_of")]
    for item in items:
        if item.get("duplicate_of"):
            log(item, "duplicate", error=f"also listed by another feed as {item['duplicate_of']}")

    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in to_fetch:
        groups[outlet(item["canonical_url"])].append(item)
    fetched: list[tuple[dict, Any, datetime]] = []
    if groups:
        with ThreadPoolExecutor(max_workers=min(settings.fetch_concurrency, len(groups))) as ex:
            for group_result in ex.map(
                lambda g: _fetch_host_group(settings, feeds, g), groups.values()
            ):
                fetched.extend(group_result)
    progress(f"[fetch] {full_batch_id}: {len(fetched)} page(s) fetched")

    ok_pages = [(item, res, started) for item, res, started in fetched if res.outcome == "ok"]
    for item, res, started in fetched:
        if res.outcome != "ok":
            log(item, res.outcome, res=res, started=started)

    args = [
        (
            res.content,
            res.final_url or item["url"],
            _hints(item, feeds.get(item["feed_id"])),
        )
        for item, res, _ in ok_pages
    ]
    if pool is None:
        with BoundedPool(settings.extract_workers, initializer=warm_up) as own:
            analyzed = own.map(analyze_page, args, timeout=settings.extract_timeout)
    else:
        analyzed = pool.map(analyze_page, args, timeout=settings.extract_timeout)

    resolved = [
        _article_urls(item, res, outcome.value["extraction"])
        if outcome.ok and outcome.value["extraction"]["outcome"] == "ok"
        else None
        for (item, res, _), outcome in zip(ok_pages, analyzed, strict=True)
    ]
    if seen is None:
        seen = read_seen(settings.state_dir, among=[url_hash(r[1]) for r in resolved if r])
    batch_ids: set[str] = set()
    for (item, res, started), outcome, urls in zip(ok_pages, analyzed, resolved, strict=True):
        if not outcome.ok:
            log(
                item,
                "extract_timeout" if outcome.timed_out else "parse_error",
                res=res,
                started=started,
                error=outcome.error,
            )
            continue
        ext = outcome.value["extraction"]
        if ext["outcome"] != "ok":
            log(item, ext["outcome"], res=res, started=started, error=ext.get("error"))
            continue
        assert urls is not None  # resolved for every page extracted "ok"
        final_canonical, article_url = urls
        aid = url_hash(article_url)
        if aid in seen or aid in batch_ids:
            log(
                item,
                "duplicate",
                res=res,
                started=started,
                article_id=aid,
                error=f"same article as {article_url}",
            )
            for u in {item["canonical_url"], final_canonical}:
                aliases.append({"url_hash": url_hash(u), "url": u, "article_id": aid})
            continue
        batch_ids.add(aid)
        feed = feeds.get(item["feed_id"])
        log(item, "ok", res=res, started=started, article_id=aid, error=None)
        for u in {item["canonical_url"], final_canonical, article_url}:
            aliases.append({"url_hash": url_hash(u), "url": u, "article_id": aid})
        published = ext.get("published_at")
        articles.append(
            {
                "article_id": aid,
                "url": article_url,
                "feed_id": item["feed_id"],
                "outlet": outlet(article_url),
                "publisher_country": feed.country if feed else None,
                "title": ext.get("title"),
                "title_source": ext.get("title_source"),
                "body": ext["body"],
                "word_count": ext["word_count"],
                "published_at": published,
                "date_source": ext.get("date_source"),
                "fetched_at": started,
                "agency": ext.get("agency"),
                "agency_evidence": ext.get("agency_evidence"),
                "byline": ext.get("byline"),
                "content_hash": content_hash(ext["body"]),
                "language": ext.get("language"),
                "feed_entry_url": item["canonical_url"],
                "extractor": ext["extractor"],
                "extractor_version": ext["extractor_version"],
                "run_id": run_id,
                "batch_id": full_batch_id,
                **fingerprint(ext["body"]).to_columns(),
                "section": ext.get("section"),
                "date_flags": ext.get("date_flags"),
            }
        )
        raws.append(
            {
                "article_id": aid,
                "url": article_url,
                "final_url": res.final_url,
                "fetched_at": started,
                "content_type": res.content_type,
                "encoding": "gzip",
                "html_gz": gzip.compress(res.content or b"", compresslevel=6),
                "n_bytes": len(res.content or b""),
            }
        )
        for p in outcome.value["places"]:
            places.append(
                {
                    "article_id": aid,
                    "country_code": p["country_code"],
                    "admin1_code": p.get("admin1_code"),
                    "place_name": p["place_name"],
                    "canonical_name": p.get("canonical_name"),
                    "geonameid": p.get("geonameid"),
                    "mention_count": p.get("mention_count", 1),
                    "confidence": p.get("confidence"),
                    "is_primary": bool(p.get("is_primary")),
                    "place_kind": p.get("kind"),
                    "match_type": p.get("match"),
                }
            )
    write_batch(
        settings.staging_dir,
        full_batch_id,
        run_id,
        {
            "fetch_log": fetch_rows,
            "articles": articles,
            "article_places": places,
            "url_aliases": aliases,
            "raw_pages": raws,
        },
    )
    outcomes: dict[str, int] = defaultdict(int)
    for row in fetch_rows:
        outcomes[row["outcome"]] += 1
    report = BatchReport(full_batch_id, len(items), len(articles), dict(outcomes))
    progress(
        f"[extract] {full_batch_id}: {len(articles)} article(s); "
        + ", ".join(f"{k}={v}" for k, v in sorted(outcomes.items()))
    )
    return report


# ---------------------------------------------------------------------------- load and models


def load(settings: Settings, run_id: str | None = None) -> LoadSummary:
    """Merge staged batches (of one run, or every pending one) into the DB. Single writer."""
    return load_staged(
        settings.db_path,
        settings.staging_dir,
        settings.state_dir,
        run_id=run_id,
        max_attempts_per_url=settings.max_attempts_per_url,
        story_window_days=settings.story_window_days,
    )


def build_models(settings: Settings, *, full_refresh: bool = False) -> Any:
    """Rebuild the dbt models under the DB lock (dbt opens the file itself), then publish the
    read-only snapshot readers use (``pipeline.snapshot``) while the lock still keeps writers out,
    so the snapshot's marts match its tables."""
    from pipeline.models import build_models as dbt_build
    from pipeline.snapshot import publish_snapshot, snapshot_path
    from pipeline.store import connect, db_lock, migrate

    with db_lock(settings.db_path):
        # One lock for the whole step: make sure the file exists and is migrated before dbt
        # reads its sources, then build and publish without letting a writer in between.
        con = connect(settings.db_path)
        try:
            migrate(con)
        finally:
            con.close()
        result = dbt_build(settings.db_path, full_refresh=full_refresh)
        publish_snapshot(settings.db_path, snapshot_path(settings.db_path, settings.data_dir))
        return result


# ------------------------------------------------------------------------------------ one pass


@dataclass
class RunSummary:
    run_id: str
    polls: dict[str, str] = field(default_factory=dict)
    n_entries: int = 0
    n_new: int = 0
    n_batches: int = 0
    fetch_outcomes: dict[str, int] = field(default_factory=dict)
    loaded: dict[str, Any] = field(default_factory=dict)
    models: Any = None
    seconds: float = 0.0


def run_pass(
    settings: Settings,
    *,
    feed_ids: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    build: bool = True,
    progress: Progress = _quiet,
) -> RunSummary:
    """One complete pass: poll every (selected) feed, fetch and extract new articles, load,
    rebuild models. Per-item failures are recorded, never raised."""
    t0 = time.monotonic()
    run_id = new_run_id()
    summary = RunSummary(run_id)
    ids = list(feed_ids) if feed_ids else settings.feed_ids()
    for fid in ids:
        settings.feed(fid)  # unknown ids fail before any work
    # Load anything a killed earlier run left staged, so its state is current before polling.
    leftover = load(settings)
    if leftover.batches:
        progress(f"[load] merged {leftover.batches} batch(es) left by an interrupted run")
    seen = read_seen(settings.state_dir)
    with BoundedPool(settings.extract_workers, initializer=warm_up) as pool:
        item_lists = []
        for fid in ids:
            res = poll_feed(settings, fid, run_id, pool=pool, seen=seen)
            summary.polls[fid] = res.outcome
            summary.n_entries += res.n_entries
            summary.n_new += res.n_new
            item_lists.append(res.items)
            detail = f": {res.error}" if res.error and res.outcome != "ok" else ""
            progress(
                f"[poll] {fid}: {res.outcome}"
                + (f" (HTTP {res.status_code})" if res.status_code else "")
                + f", {res.n_entries} entries, {res.n_new} new{detail}"
            )
        batches = plan_batches(item_lists, settings.batch_size, since=since, until=until)
        summary.n_batches = len(batches)
        for i, batch in enumerate(batches):
            rep = fetch_extract_batch(
                settings, run_id, f"b{i:04d}", batch, pool=pool, seen=seen, progress=progress
            )
            for k, v in rep.outcomes.items():
                summary.fetch_outcomes[k] = summary.fetch_outcomes.get(k, 0) + v
    loaded = load(settings, run_id)
    summary.loaded = loaded.to_dict()
    progress(
        f"[load] {loaded.articles} new article(s), {loaded.duplicates} duplicate(s), "
        f"{loaded.polls} poll(s), {loaded.fetches} fetch attempt(s)"
    )
    if build:
        progress("[models] dbt build ...")
        summary.models = build_models(settings)
        progress("[models] done")
    summary.seconds = round(time.monotonic() - t0, 2)
    return summary
