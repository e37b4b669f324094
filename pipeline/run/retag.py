"""Re-tag places without re-extracting: articles tagged by an older place tagger get new tags.

Why separate from re-extraction: a gazetteer or resolution change (``TAGGER_VERSION``) changes
places only; the stored bodies and titles are what the tagger reads, so nothing is fetched or
extracted again, and an archive is re-tagged at tagging speed. Articles whose extraction is stale
too are re-tagged by re-extraction itself (:mod:`pipeline.run.reextract`), which runs first.

Each chunk is read under the DB lock, tagged in worker processes without it, and written in one
transaction: ``article_places`` replaced, ``articles.tagger_version`` set and ``loaded_at`` bumped,
so the incremental marts recompute the days of re-tagged articles (past days' region figures
change after a re-tag; the README says so).
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from pipeline.run.page import place_rows, tag_text
from pipeline.settings import Settings
from pipeline.storage.schema import ARTICLE_PLACES

CHUNK = 500

# A wire item's raw form comes along: its dateline and ``located`` place are tagging evidence
# that the stored body does not carry.
_SELECT = """
    SELECT a.article_id, a.title, a.body, a.feed_id, a.publisher_country, a.item_uri,
           CASE WHEN a.item_uri IS NOT NULL THEN r.html_gz END AS raw_gz
    FROM articles a LEFT JOIN raw_pages r USING (article_id)
    WHERE a.tagger_version IS DISTINCT FROM ? AND a.article_id > ?
    ORDER BY a.article_id LIMIT ?
"""


def count_stale(con: Any, version: str) -> int:
    return int(
        con.execute(
            "SELECT count(*) FROM articles WHERE tagger_version IS DISTINCT FROM ?", [version]
        ).fetchone()[0]
    )


def retag(
    settings: Settings,
    *,
    limit: int | None = None,
    pool: Any = None,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Re-tag every article whose ``tagger_version`` is not the current one; returns how many."""
    from pipeline.places import TAGGER_VERSION
    from pipeline.storage.db import open_db

    say = progress or (lambda _msg: None)
    after, done = "", 0
    while limit is None or done < limit:
        n = CHUNK if limit is None else min(CHUNK, limit - done)
        with open_db(settings.db_path) as con:
            rows = con.execute(_SELECT, [TAGGER_VERSION, after, n]).fetchall()
        if not rows:
            break
        after = rows[-1][0]
        tagged = _tag(settings, rows, pool)
        _write(settings, rows, tagged)
        done += len(rows)
        say(f"[retag] {done} article(s) re-tagged with {TAGGER_VERSION}")
    return done


def _tag(settings: Settings, rows: list[tuple], pool: Any) -> list[dict[str, Any] | None]:
    """Tags per row, in worker processes when a pool is given (None: the tagger failed)."""
    feeds = {f.id: f for f in settings.feeds}
    args = []
    for _aid, title, body, feed_id, country, item_uri, raw_gz in rows:
        feed = feeds.get(feed_id)
        hints = {
            "publisher_country": country,
            "home_admin1": feed.home_admin1 if feed else None,
            **item_evidence(item_uri, raw_gz),
        }
        args.append((body or "", title, hints))
    if pool is None:
        return [tag_text(*a) for a in args]
    return [o.value if o.ok else None for o in pool.map(tag_text, args, timeout=60)]


def item_evidence(item_uri: str | None, raw_gz: bytes | None) -> dict[str, str | None]:
    """A wire item's dateline and ``located`` place, read again from its kept raw form, so a
    re-tag weighs the same evidence as ingestion did ({} for a page, or a raw item that no
    longer parses)."""
    if not item_uri or not raw_gz:
        return {}
    from pipeline.wire.detect import parse_items

    for res in parse_items(gzip.decompress(raw_gz), validate="warn"):
        if res.item is not None and res.item.uri == item_uri:
            return {"dateline": res.item.dateline, "located": res.item.located}
    return {}


def _write(settings: Settings, rows: list[tuple], tagged: list[dict[str, Any] | None]) -> None:
    from pipeline.storage.db import open_db

    done = [(r[0], t) for r, t in zip(rows, tagged, strict=True) if t is not None]
    if not done:
        return
    ids = [aid for aid, _ in done]
    places = [asdict(p) for aid, t in done for p in place_rows(aid, t["places"])]
    names = ARTICLE_PLACES.names()
    now = datetime.now(UTC)
    with open_db(settings.db_path) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("DELETE FROM article_places WHERE list_contains(?, article_id)", [ids])
            if places:
                con.executemany(
                    f"INSERT INTO article_places ({', '.join(names)})"
                    f" VALUES ({', '.join('?' for _ in names)})",
                    [[p[c] for c in names] for p in places],
                )
            con.execute(
                "UPDATE articles SET tagger_version = ?, loaded_at = ?"
                " WHERE list_contains(?, article_id)",
                [done[0][1]["tagger"], now, ids],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
