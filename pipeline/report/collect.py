"""The report's queries: everything it shows, read from the marts (and core tables) at once.

Read on one read-only connection, so every figure comes from the same state of the file; the
published snapshot is the usual source (it opens while the pipeline writes, and its marts match
its tables). Values are made JSON-safe here, because the charts embed them as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pipeline.errors import NewsflowError
from pipeline.report.feed_health import feeds_down

TOP_STORIES = 15
REQUIRED = (
    ("marts", "daily_region"),
    ("marts", "daily_agency"),
    ("marts", "ingest_health"),
    ("main", "articles"),
    ("main", "stories"),
    ("intermediate", "int_article_regions"),
)
# The one-row table a published snapshot carries about itself (written by pipeline.storage.snapshot);
# read here on the report's own connection rather than through the snapshot module, which
# itself writes the report after publishing.
SNAPSHOT_INFO = "snapshot_info"


@dataclass
class ReportData:
    """Everything the report shows, as plain Python values (JSON-safe after ``jsonable``)."""

    overview: dict[str, Any]
    region_days: list[dict[str, Any]]
    regions: list[dict[str, Any]]
    subdivisions: list[dict[str, Any]]
    stories: list[dict[str, Any]]
    story_outlets: list[dict[str, Any]]
    agencies: list[dict[str, Any]]
    health: list[dict[str, Any]]
    snapshot: dict[str, Any] | None = None
    feeds_down: list[dict[str, Any]] = field(default_factory=list)  # failing / dead feeds


def jsonable(row: dict[str, Any]) -> dict[str, Any]:
    """Timestamps as UTC ISO strings, days as ISO dates, big integers as int."""
    out: dict[str, Any] = {}
    for k, v in row.items():
        if isinstance(v, datetime):
            v = v.astimezone(UTC).isoformat()
        elif isinstance(v, date):
            v = v.isoformat()
        elif hasattr(v, "__int__") and not isinstance(v, (int, float, bool, str)):
            v = int(v)  # HUGEINT sums come back as int already; Decimal-like values do not
        out[k] = v
    return out


def _rows(con: Any, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [jsonable(dict(zip(cols, r, strict=True))) for r in cur.fetchall()]


def _relations(con: Any) -> set[tuple[str, str]]:
    return {
        (s, t)
        for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() "
            "UNION ALL SELECT schema_name, view_name FROM duckdb_views()"
        ).fetchall()
    }


def check_tables(con: Any, db_path: Path) -> None:
    """A one-line error naming the missing marts (the models were never built), not a traceback."""
    have = _relations(con)
    missing = [f"{s}.{t}" for s, t in REQUIRED if (s, t) not in have]
    if missing:
        raise NewsflowError(
            f"{db_path}: no {', '.join(missing)} (build the models first: newsflow models)"
        )


def snapshot_info(con: Any) -> dict[str, Any] | None:
    """The snapshot's own ``snapshot_info`` row (JSON-safe), or None for a live file."""
    if ("main", SNAPSHOT_INFO) not in _relations(con):
        return None
    rows = _rows(con, f"SELECT * FROM main.{SNAPSHOT_INFO}")
    return rows[0] if rows else None


# What readers may see: killed wire items (withdrawn_at) and items under embargo are left out of
# every figure, as they are out of the marts; kills are counted on their own.
_VISIBLE = (
    "(SELECT * FROM articles WHERE withdrawn_at IS NULL"
    " AND (embargoed_until IS NULL OR embargoed_until <= now()))"
)
_OVERVIEW = f"""
    WITH visible AS {_VISIBLE}
    SELECT
        (SELECT count(*) FROM visible) AS articles,
        (SELECT count(DISTINCT story_id) FROM visible) AS stories,
        (SELECT count(*) FROM stories WHERE n_outlets > 1
            AND story_id IN (SELECT story_id FROM visible)) AS syndicated_stories,
        (SELECT count(DISTINCT outlet) FROM visible) AS outlets,
        (SELECT count(DISTINCT feed_id) FROM visible) AS feeds_with_articles,
        (SELECT count(*) FROM visible WHERE agency IS NOT NULL) AS agency_articles,
        (SELECT count(*) FROM articles WHERE withdrawn_at IS NOT NULL) AS kills,
        (SELECT min(day) FROM marts.daily_region) AS first_day,
        (SELECT max(day) FROM marts.daily_region) AS last_day,
        (SELECT max(loaded_at) FROM articles) AS last_loaded_at
"""
_REGION_DAYS = """
    SELECT day, region_code, region_name, n_articles, n_stories, n_outlets
    FROM marts.daily_region WHERE region_level = 'country'
    ORDER BY day, region_code
"""
# Distinct stories per region over the whole period come from the article-level view:
# summing the mart's per-day n_stories would count a story once per day it ran.
_REGIONS = """
    SELECT region_code, region_name,
           count(*) AS n_articles,
           count(DISTINCT story_id) AS n_stories,
           count(DISTINCT outlet) AS n_outlets,
           min(published_day) AS first_day,
           max(published_day) AS last_day
    FROM intermediate.int_article_regions WHERE region_level = 'country'
    GROUP BY ALL ORDER BY n_stories DESC, n_articles DESC, region_code
"""
_SUBDIVISIONS = """
    SELECT region_code, region_name,
           count(*) AS n_articles, count(DISTINCT story_id) AS n_stories
    FROM intermediate.int_article_regions WHERE region_level = 'admin1'
    GROUP BY ALL ORDER BY n_stories DESC, n_articles DESC, region_code LIMIT 15
"""
_STORIES = f"""
    SELECT s.story_id, s.title, s.article_count, s.n_outlets, s.agency,
           s.first_published_at,
           string_agg(DISTINCT a.outlet, ', ' ORDER BY a.outlet) AS outlets
    FROM stories s JOIN {_VISIBLE} a ON a.story_id = s.story_id
    GROUP BY ALL
    ORDER BY s.n_outlets DESC, s.article_count DESC, s.first_published_at DESC NULLS LAST,
             s.story_id
    LIMIT {TOP_STORIES}
"""
_STORY_OUTLETS = f"""
    WITH top AS (
        SELECT story_id FROM stories
        ORDER BY n_outlets DESC, article_count DESC, first_published_at DESC NULLS LAST,
                 story_id
        LIMIT {TOP_STORIES}
    )
    SELECT a.story_id, a.outlet, count(*) AS n_articles,
           min(a.published_at) AS published_at, any_value(a.agency) AS agency
    FROM {_VISIBLE} a JOIN top USING (story_id)
    GROUP BY ALL ORDER BY a.story_id, a.outlet
"""
_AGENCIES = f"""
    SELECT coalesce(agency, 'unattributed') AS agency,
           count(*) AS n_articles,
           count(DISTINCT story_id) AS n_stories,
           count(DISTINCT outlet) AS n_outlets
    FROM {_VISIBLE} GROUP BY ALL ORDER BY n_articles DESC, agency
"""
_HEALTH = "SELECT day, stage, outcome, n FROM marts.ingest_health ORDER BY day, stage, outcome"


def collect(con: Any) -> ReportData:
    """Run the report's queries on an open (read-only) connection."""
    return ReportData(
        overview=_rows(con, _OVERVIEW)[0],
        region_days=_rows(con, _REGION_DAYS),
        regions=_rows(con, _REGIONS),
        subdivisions=_rows(con, _SUBDIVISIONS),
        stories=_rows(con, _STORIES),
        story_outlets=_rows(con, _STORY_OUTLETS),
        agencies=_rows(con, _AGENCIES),
        health=_rows(con, _HEALTH),
        snapshot=snapshot_info(con),
        feeds_down=[jsonable(r) for r in feeds_down(con)],
    )
