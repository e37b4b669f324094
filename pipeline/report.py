"""A self-contained HTML report of what was ingested: charts and tables from the marts.

Why HTML with Vega-Lite (built with altair) and the JavaScript inlined: analysts would rather look
than read, the file must open anywhere (a laptop on a train, an intranet without a CDN), and the
charts stay interactive (tooltips) instead of being flat images. The Vega, Vega-Lite and
vega-embed bundle comes from ``vl-convert-python``, which ships it, so writing a report needs no
network either. Charts render as SVG.

Why a region table and a region × day heat grid rather than a world map: a map needs country
shapes (TopoJSON) that no installed package ships for offline use; the table says the same
thing, with exact numbers, and the grid shows when each region was in the news.

Sections: an overview, stories per day by region (country of each article's primary place),
regions, the most-syndicated stories with the outlets that carried them, agency share, and ingest
health (polls and fetches by outcome). The data comes from ``marts.*`` (and the core tables for
the per-story detail); point it at the published snapshot to report while the pipeline writes.
"""

from __future__ import annotations

import html
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.errors import NewsflowError

TOP_REGIONS = 8  # colours in the stacked chart; the rest is "Other"
HEAT_REGIONS = 20
TOP_STORIES = 15
REQUIRED = (
    ("marts", "daily_region"),
    ("marts", "daily_agency"),
    ("marts", "ingest_health"),
    ("main", "articles"),
    ("main", "stories"),
    ("intermediate", "int_article_regions"),
)
# One colour per outcome, stable across reports: green for success, greys for "nothing to do",
# warm colours for failures.
OUTCOME_COLOURS = {
    "ok": "#2e7d32",
    "not_modified": "#81c784",
    "duplicate": "#9e9e9e",
    "robots_disallowed": "#bdbdbd",
    "blocked": "#795548",
    "http_error": "#e53935",
    "timeout": "#fb8c00",
    "network_error": "#f4511e",
    "too_large": "#8e24aa",
    "parse_error": "#d81b60",
    "empty_extract": "#fdd835",
    "extract_timeout": "#ffb300",
    "unsupported_content": "#5e35b1",
    "redirect_loop": "#3949ab",
}


@dataclass
class ReportData:
    """Everything the report shows, as plain Python values (JSON-safe after ``_jsonable``)."""

    overview: dict[str, Any]
    region_days: list[dict[str, Any]]
    regions: list[dict[str, Any]]
    subdivisions: list[dict[str, Any]]
    stories: list[dict[str, Any]]
    story_outlets: list[dict[str, Any]]
    agencies: list[dict[str, Any]]
    health: list[dict[str, Any]]
    snapshot: dict[str, Any] | None = None


@dataclass(frozen=True)
class ReportSummary:
    path: Path
    source: Path
    charts: list[str] = field(default_factory=list)
    articles: int = 0
    stories: int = 0
    n_bytes: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "source": str(self.source),
            "charts": list(self.charts),
            "articles": self.articles,
            "stories": self.stories,
            "bytes": self.n_bytes,
        }


def report_path(db_path: Path, data_dir: Path | None = None) -> Path:
    """Where the pipeline keeps the report it regenerates: ``<data dir>/report.html``."""
    return Path(data_dir or Path(db_path).parent) / "report.html"


# ------------------------------------------------------------------------------------ queries


def _rows(con: Any, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [_jsonable(dict(zip(cols, r, strict=True))) for r in cur.fetchall()]


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
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


def _check_tables(con: Any, db_path: Path) -> None:
    have = {
        (s, t)
        for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() "
            "UNION ALL SELECT schema_name, view_name FROM duckdb_views()"
        ).fetchall()
    }
    missing = [f"{s}.{t}" for s, t in REQUIRED if (s, t) not in have]
    if missing:
        raise NewsflowError(
            f"{db_path}: no {', '.join(missing)} (build the models first: newsflow models)"
        )


def collect(con: Any) -> ReportData:
    """Run the report's queries on an open (read-only) connection."""
    overview = _rows(
        con,
        """
        SELECT
            (SELECT count(*) FROM articles) AS articles,
            (SELECT count(*) FROM stories) AS stories,
            (SELECT count(*) FROM stories WHERE n_outlets > 1) AS syndicated_stories,
            (SELECT count(DISTINCT outlet) FROM articles) AS outlets,
            (SELECT count(DISTINCT feed_id) FROM articles) AS feeds_with_articles,
            (SELECT count(*) FROM articles WHERE agency IS NOT NULL) AS agency_articles,
            (SELECT min(day) FROM marts.daily_region) AS first_day,
            (SELECT max(day) FROM marts.daily_region) AS last_day,
            (SELECT max(loaded_at) FROM articles) AS last_loaded_at
        """,
    )[0]
    region_days = _rows(
        con,
        """
        SELECT day, region_code, region_name, n_articles, n_stories, n_outlets
        FROM marts.daily_region WHERE region_level = 'country'
        ORDER BY day, region_code
        """,
    )
    # Distinct stories per region over the whole period come from the article-level view:
    # summing the mart's per-day n_stories would count a story once per day it ran.
    regions = _rows(
        con,
        """
        SELECT region_code, region_name,
               count(*) AS n_articles,
               count(DISTINCT story_id) AS n_stories,
               count(DISTINCT outlet) AS n_outlets,
               min(published_day) AS first_day,
               max(published_day) AS last_day
        FROM intermediate.int_article_regions WHERE region_level = 'country'
        GROUP BY ALL ORDER BY n_stories DESC, n_articles DESC, region_code
        """,
    )
    subdivisions = _rows(
        con,
        """
        SELECT region_code, region_name,
               count(*) AS n_articles, count(DISTINCT story_id) AS n_stories
        FROM intermediate.int_article_regions WHERE region_level = 'admin1'
        GROUP BY ALL ORDER BY n_stories DESC, n_articles DESC, region_code LIMIT 15
        """,
    )
    stories = _rows(
        con,
        f"""
        SELECT s.story_id, s.title, s.article_count, s.n_outlets, s.agency,
               s.first_published_at,
               string_agg(DISTINCT a.outlet, ', ' ORDER BY a.outlet) AS outlets
        FROM stories s JOIN articles a ON a.story_id = s.story_id
        GROUP BY ALL
        ORDER BY s.n_outlets DESC, s.article_count DESC, s.first_published_at DESC NULLS LAST,
                 s.story_id
        LIMIT {TOP_STORIES}
        """,
    )
    story_outlets = _rows(
        con,
        f"""
        WITH top AS (
            SELECT story_id FROM stories
            ORDER BY n_outlets DESC, article_count DESC, first_published_at DESC NULLS LAST,
                     story_id
            LIMIT {TOP_STORIES}
        )
        SELECT a.story_id, a.outlet, count(*) AS n_articles,
               min(a.published_at) AS published_at, any_value(a.agency) AS agency
        FROM articles a JOIN top USING (story_id)
        GROUP BY ALL ORDER BY a.story_id, a.outlet
        """,
    )
    agencies = _rows(
        con,
        """
        SELECT coalesce(agency, 'unattributed') AS agency,
               count(*) AS n_articles,
               count(DISTINCT story_id) AS n_stories,
               count(DISTINCT outlet) AS n_outlets
        FROM articles GROUP BY ALL ORDER BY n_articles DESC, agency
        """,
    )
    health = _rows(
        con,
        "SELECT day, stage, outcome, n FROM marts.ingest_health ORDER BY day, stage, outcome",
    )
    return ReportData(
        overview=overview,
        region_days=region_days,
        regions=regions,
        subdivisions=subdivisions,
        stories=stories,
        story_outlets=story_outlets,
        agencies=agencies,
        health=health,
    )


# ------------------------------------------------------------------------------------- charts


def _agency_colours(names: list[str]) -> list[str]:
    """Tableau colours for agencies in order, grey for articles without one."""
    palette = ["#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2"]
    out, i = [], 0
    for name in names:
        if name == "unattributed":
            out.append("#bab0ac")
        else:
            out.append(palette[i % len(palette)])
            i += 1
    return out


def _short(text: str | None, limit: int = 60) -> str:
    text = " ".join((text or "(untitled)").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def build_charts(data: ReportData) -> dict[str, dict[str, Any]]:
    """Vega-Lite specs by chart id; a chart with no data is left out (the page says so)."""
    import altair as alt

    charts: dict[str, Any] = {}
    width = 720

    if data.region_days:
        totals: dict[str, int] = {}
        for r in data.region_days:
            totals[r["region_name"]] = totals.get(r["region_name"], 0) + r["n_stories"]
        top = sorted(totals, key=lambda k: (-totals[k], k))[:TOP_REGIONS]
        rows = [
            {**r, "region": r["region_name"] if r["region_name"] in top else "Other"}
            for r in data.region_days
        ]
        order = [*top, "Other"] if len(totals) > len(top) else top
        charts["stories_by_region"] = (
            alt.Chart(alt.Data(values=rows), title="Stories per day by region (primary place)")
            .mark_bar()
            .encode(
                x=alt.X("utcyearmonthdate(day):O", title="day (UTC)"),
                y=alt.Y("sum(n_stories):Q", title="stories", axis=alt.Axis(tickMinStep=1)),
                color=alt.Color("region:N", title="region", sort=order),
                tooltip=[
                    alt.Tooltip("utcyearmonthdate(day):T", title="day"),
                    alt.Tooltip("region_name:N", title="region"),
                    alt.Tooltip("n_stories:Q", title="stories"),
                    alt.Tooltip("n_articles:Q", title="articles"),
                    alt.Tooltip("n_outlets:Q", title="outlets"),
                ],
            )
            .properties(width=width, height=260)
        )
        heat_top = [r["region_name"] for r in data.regions[:HEAT_REGIONS]]
        heat_rows = [r for r in data.region_days if r["region_name"] in heat_top]
        charts["region_heat"] = (
            alt.Chart(alt.Data(values=heat_rows), title="When each region was in the news")
            .mark_rect()
            .encode(
                x=alt.X("utcyearmonthdate(day):O", title="day (UTC)"),
                y=alt.Y("region_name:N", title=None, sort=heat_top),
                color=alt.Color("n_stories:Q", title="stories", scale=alt.Scale(scheme="blues")),
                tooltip=[
                    alt.Tooltip("utcyearmonthdate(day):T", title="day"),
                    alt.Tooltip("region_name:N", title="region"),
                    alt.Tooltip("n_stories:Q", title="stories"),
                    alt.Tooltip("n_articles:Q", title="articles"),
                ],
            )
            .properties(width=width, height=max(60, 18 * len(heat_top)))
        )

    # One colour per agency across charts, in the order of their share.
    names = [a["agency"] for a in data.agencies]
    agency_scale = alt.Scale(domain=names, range=_agency_colours(names))

    if data.stories:
        titles = {s["story_id"]: _short(s["title"]) for s in data.stories}
        story_order = [titles[s["story_id"]] for s in data.stories]
        spread = [
            {**r, "story": titles[r["story_id"]], "agency": r["agency"] or "unattributed"}
            for r in data.story_outlets
            if r["story_id"] in titles
        ]
        charts["story_spread"] = (
            alt.Chart(
                alt.Data(values=spread), title="Most-syndicated stories: which outlets ran them"
            )
            .mark_circle(size=140)
            .encode(
                x=alt.X("outlet:N", title="outlet", axis=alt.Axis(labelAngle=-35)),
                y=alt.Y("story:N", title=None, sort=story_order, axis=alt.Axis(labelLimit=420)),
                color=alt.Color("agency:N", title="agency", scale=agency_scale),
                tooltip=[
                    alt.Tooltip("story:N"),
                    alt.Tooltip("outlet:N"),
                    alt.Tooltip("n_articles:Q", title="articles"),
                    alt.Tooltip("published_at:T", title="published"),
                    alt.Tooltip("agency:N"),
                ],
            )
            .properties(width=alt.Step(56), height=max(60, 24 * len(story_order)))
        )

    if data.agencies:
        charts["agency_share"] = (
            alt.Chart(alt.Data(values=data.agencies), title="Agency share of articles")
            .mark_arc(innerRadius=60)
            .encode(
                theta=alt.Theta("n_articles:Q"),
                color=alt.Color("agency:N", title="agency", scale=agency_scale),
                tooltip=[
                    alt.Tooltip("agency:N"),
                    alt.Tooltip("n_articles:Q", title="articles"),
                    alt.Tooltip("n_stories:Q", title="stories"),
                    alt.Tooltip("n_outlets:Q", title="outlets"),
                ],
            )
            .properties(width=260, height=260)
        )

    if data.health:
        outcomes = sorted({r["outcome"] for r in data.health})
        palette = [OUTCOME_COLOURS.get(o, "#607d8b") for o in outcomes]
        charts["ingest_health"] = (
            alt.Chart(alt.Data(values=data.health), title="Ingest health: attempts by outcome")
            .mark_bar()
            .encode(
                x=alt.X("utcyearmonthdate(day):O", title="day (UTC)"),
                y=alt.Y("sum(n):Q", title="attempts", axis=alt.Axis(tickMinStep=1)),
                color=alt.Color(
                    "outcome:N", title="outcome", scale=alt.Scale(domain=outcomes, range=palette)
                ),
                # "descending" puts poll before fetch (an explicit order array is ignored here).
                column=alt.Column("stage:N", title=None, sort="descending"),
                tooltip=[
                    alt.Tooltip("utcyearmonthdate(day):T", title="day"),
                    alt.Tooltip("stage:N"),
                    alt.Tooltip("outcome:N"),
                    alt.Tooltip("n:Q", title="attempts"),
                ],
            )
            .properties(width=320, height=220)
        )
    return {name: chart.to_dict() for name, chart in charts.items()}


# --------------------------------------------------------------------------------------- HTML

_CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2933;
       margin: 0; background: #f5f7fa; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 26px; margin: 8px 0 4px; }
h2 { font-size: 19px; margin: 36px 0 8px; border-bottom: 1px solid #d9e2ec; padding-bottom: 4px; }
.meta { color: #52606d; font-size: 13px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 18px 0; }
.card { background: #fff; border: 1px solid #d9e2ec; border-radius: 6px; padding: 10px 16px;
        min-width: 120px; }
.card b { display: block; font-size: 24px; }
.card span { color: #52606d; font-size: 13px; }
.chart { background: #fff; border: 1px solid #d9e2ec; border-radius: 6px; padding: 12px;
         margin: 10px 0; overflow-x: auto; }
.empty { color: #7b8794; font-style: italic; }
.row { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
table { border-collapse: collapse; background: #fff; font-size: 13px; margin: 10px 0; }
th, td { border: 1px solid #d9e2ec; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f0f4f8; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
"""

_RUNNER = """
(function () {
  const specs = JSON.parse(document.getElementById("newsflow-specs").textContent);
  const pending = [];
  for (const [id, spec] of Object.entries(specs)) {
    const el = document.getElementById("chart-" + id);
    pending.push(
      vegaEmbed(el, spec, {renderer: "svg", actions: false})
        .then(() => { el.dataset.rendered = "1"; })
        .catch((err) => {
          el.dataset.error = String(err);
          el.textContent = "Chart failed to render: " + err;
        })
    );
  }
  Promise.allSettled(pending).then(() => { document.body.dataset.chartsDone = "1"; });
})();
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _num(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else _e(value)


def _when(value: Any) -> str:
    """An ISO timestamp as people read it: minutes, UTC."""
    if not value:
        return ""
    try:
        ts = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _table(
    rows: list[dict[str, Any]],
    columns: list[tuple[str, str]],
    numeric: set[str],
    times: frozenset[str] = frozenset(),
) -> str:
    if not rows:
        return '<p class="empty">No rows yet.</p>'
    head = "".join(f"<th>{_e(label)}</th>" for _, label in columns)
    body = []
    for r in rows:
        cells = []
        for key, _ in columns:
            cls = ' class="n"' if key in numeric else ""
            value = r.get(key)
            text = _num(value) if key in numeric else _e(_when(value) if key in times else value)
            cells.append(f"<td{cls}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _chart(charts: dict[str, Any], name: str, empty: str) -> str:
    if name not in charts:
        return f'<p class="empty">{_e(empty)}</p>'
    return f'<div class="chart" id="chart-{name}" data-chart="{name}"></div>'


def _script_json(value: Any) -> str:
    """JSON for a <script type="application/json"> block: ``</`` cannot end the element."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def render_html(
    data: ReportData, charts: dict[str, dict[str, Any]], *, source: Path, title: str
) -> str:
    """The whole page: CSS, the inlined Vega bundle, the specs, tables. No external resources."""
    import vl_convert
    from altair.utils._importers import vl_version_for_vl_convert

    bundle = vl_convert.javascript_bundle(vl_version=vl_version_for_vl_convert())
    ov = data.overview
    share = f"{100 * ov['agency_articles'] / ov['articles']:.0f}%" if ov.get("articles") else "n/a"
    cards = [
        ("articles", ov.get("articles")),
        ("stories", ov.get("stories")),
        ("syndicated stories (2+ outlets)", ov.get("syndicated_stories")),
        ("outlets", ov.get("outlets")),
        ("articles with an agency", share),
    ]
    period = (
        f"{_e(ov.get('first_day'))} to {_e(ov.get('last_day'))}"
        if ov.get("first_day")
        else "no dated articles yet"
    )
    snap = data.snapshot
    snap_line = (
        f" Snapshot published {_e(_when(snap.get('published_at')))}."
        if snap
        else " Read from the live file."
    )
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    health_totals: dict[tuple[str, str], int] = {}
    for r in data.health:
        key = (r["stage"], r["outcome"])
        health_totals[key] = health_totals.get(key, 0) + r["n"]
    health_rows = [
        {"stage": s, "outcome": o, "n": n}
        for (s, o), n in sorted(health_totals.items(), key=lambda kv: (kv[0][0] != "poll", -kv[1]))
    ]
    total_articles = ov.get("articles") or 0
    agency_rows = [
        {
            **a,
            "share": f"{100 * a['n_articles'] / total_articles:.1f}%" if total_articles else "",
        }
        for a in data.agencies
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{_CSS}</style>",
        f"<script>{bundle}</script>",
        "</head><body><main>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">Articles published {period}; last load {_e(_when(ov.get("last_loaded_at")))}.'
        f"{snap_line} Source <code>{_e(source)}</code>. Generated {generated} by newsflow "
        f"{_e(__version__)}.</p>",
        '<div class="cards">'
        + "".join(f"<div class='card'><b>{_num(v)}</b><span>{_e(k)}</span></div>" for k, v in cards)
        + "</div>",
        '<h2 id="regions">Stories per day by region</h2>',
        _chart(charts, "stories_by_region", "No articles with a place yet."),
        _chart(charts, "region_heat", ""),
        "<h2>Regions</h2>",
        '<p class="meta">Country of each article\'s primary place; stories are counted once per '
        "region over the whole period.</p>",
        '<div class="row"><div>',
        _table(
            data.regions,
            [
                ("region_code", "code"),
                ("region_name", "country"),
                ("n_stories", "stories"),
                ("n_articles", "articles"),
                ("n_outlets", "outlets"),
                ("first_day", "first day"),
                ("last_day", "last day"),
            ],
            {"n_stories", "n_articles", "n_outlets"},
        ),
        "</div><div>",
        _table(
            data.subdivisions,
            [
                ("region_code", "ISO 3166-2"),
                ("region_name", "subdivision"),
                ("n_stories", "stories"),
                ("n_articles", "articles"),
            ],
            {"n_stories", "n_articles"},
        ),
        "</div></div>",
        '<h2 id="stories">Most-syndicated stories</h2>',
        _chart(charts, "story_spread", "No stories yet."),
        _table(
            data.stories,
            [
                ("title", "story"),
                ("n_outlets", "outlets"),
                ("article_count", "articles"),
                ("agency", "agency"),
                ("first_published_at", "first published"),
                ("outlets", "carried by"),
            ],
            {"n_outlets", "article_count"},
            frozenset({"first_published_at"}),
        ),
        '<h2 id="agencies">Agency share</h2>',
        '<div class="row">',
        _chart(charts, "agency_share", "No articles yet."),
        _table(
            agency_rows,
            [
                ("agency", "agency"),
                ("n_articles", "articles"),
                ("share", "share"),
                ("n_stories", "stories"),
                ("n_outlets", "outlets"),
            ],
            {"n_articles", "n_stories", "n_outlets"},
        ),
        "</div>",
        '<h2 id="health">Ingest health</h2>',
        _chart(charts, "ingest_health", "No polls or fetches recorded yet."),
        _table(health_rows, [("stage", "stage"), ("outcome", "outcome"), ("n", "attempts")], {"n"}),
        f'<script type="application/json" id="newsflow-specs">{_script_json(charts)}</script>',
        f"<script>{_RUNNER}</script>",
        "</main></body></html>",
    ]
    return "\n".join(parts)


# ----------------------------------------------------------------------------------- entry point


def write_report(db_path: Path, out: Path, *, title: str | None = None) -> ReportSummary:
    """Read ``db_path`` (read-only) and write the report to ``out`` (atomically replaced).

    ``db_path`` may be the live file (it must not be held by a writer) or a published snapshot.
    """
    from pipeline.storage.db import connect
    from pipeline.storage.snapshot import read_snapshot_info

    db_path = Path(db_path)
    out = Path(out)
    con = connect(db_path, read_only=True)
    try:
        _check_tables(con, db_path)
        data = collect(con)
    finally:
        con.close()
    info = read_snapshot_info(db_path)
    data.snapshot = _jsonable(info) if info else None
    charts = build_charts(data)
    page = render_html(
        data, charts, source=db_path, title=title or f"newsflow report: {db_path.stem}"
    )
    tmp: str | None = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(page)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except OSError as exc:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
        raise NewsflowError(f"{out}: cannot write report ({exc.strerror})") from None
    return ReportSummary(
        path=out,
        source=db_path,
        charts=sorted(charts),
        articles=int(data.overview.get("articles") or 0),
        stories=int(data.overview.get("stories") or 0),
        n_bytes=len(page.encode("utf-8")),
    )
