"""The report page: one HTML file with the CSS, the Vega bundle, the chart specs and the tables.

Nothing is loaded from the network when the page opens: the Vega, Vega-Lite and vega-embed
bundle comes from ``vl-convert-python`` (which ships it) and is inlined, and the specs sit in a
``<script type="application/json">`` block a small runner hands to ``vegaEmbed``. Every value
from the data is escaped; ``</`` in the JSON is too, so a title cannot end the script element.

The page is built section by section (header, regions, stories, agencies, health), each a
function returning its HTML fragments in page order.
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.report.collect import ReportData

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

Charts = dict[str, dict[str, Any]]

# ------------------------------------------------------------------------------- small pieces


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


def _chart(charts: Charts, name: str, empty: str) -> str:
    if name not in charts:
        return f'<p class="empty">{_e(empty)}</p>'
    return f'<div class="chart" id="chart-{name}" data-chart="{name}"></div>'


def _script_json(value: Any) -> str:
    """JSON for a <script type="application/json"> block: ``</`` cannot end the element."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


# ----------------------------------------------------------------------------------- sections


def _header(data: ReportData, *, source: Path, title: str) -> list[str]:
    """Title, the period and provenance line, and the overview cards."""
    ov = data.overview
    share = f"{100 * ov['agency_articles'] / ov['articles']:.0f}%" if ov.get("articles") else "n/a"
    cards = [
        ("articles", ov.get("articles")),
        ("stories", ov.get("stories")),
        ("syndicated stories (2+ outlets)", ov.get("syndicated_stories")),
        ("outlets", ov.get("outlets")),
        ("articles with an agency", share),
        ("wire items withdrawn (kills)", ov.get("kills")),
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
    return [
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">Articles published {period}; last load {_e(_when(ov.get("last_loaded_at")))}.'
        f"{snap_line} Source <code>{_e(source)}</code>. Generated {generated} by newsflow "
        f"{_e(__version__)}.</p>",
        '<div class="cards">'
        + "".join(f"<div class='card'><b>{_num(v)}</b><span>{_e(k)}</span></div>" for k, v in cards)
        + "</div>",
    ]


def _regions(data: ReportData, charts: Charts) -> list[str]:
    """Stories per day by region, the heat grid, and the country and subdivision tables."""
    return [
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
    ]


def _stories(data: ReportData, charts: Charts) -> list[str]:
    """The most-syndicated stories: who ran them (chart) and the list (table)."""
    return [
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
    ]


def _agencies(data: ReportData, charts: Charts) -> list[str]:
    """Agency share: the doughnut beside a table with each agency's share of all articles."""
    total = data.overview.get("articles") or 0
    rows = [
        {**a, "share": f"{100 * a['n_articles'] / total:.1f}%" if total else ""}
        for a in data.agencies
    ]
    return [
        '<h2 id="agencies">Agency share</h2>',
        '<div class="row">',
        _chart(charts, "agency_share", "No articles yet."),
        _table(
            rows,
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
    ]


def _health(data: ReportData, charts: Charts) -> list[str]:
    """Attempts by outcome per day (chart), and totals per stage and outcome (polls first)."""
    totals: dict[tuple[str, str], int] = {}
    for r in data.health:
        key = (r["stage"], r["outcome"])
        totals[key] = totals.get(key, 0) + r["n"]
    rows = [
        {"stage": s, "outcome": o, "n": n}
        for (s, o), n in sorted(totals.items(), key=lambda kv: (kv[0][0] != "poll", -kv[1]))
    ]
    return [
        '<h2 id="health">Ingest health</h2>',
        _chart(charts, "ingest_health", "No polls or fetches recorded yet."),
        _table(rows, [("stage", "stage"), ("outcome", "outcome"), ("n", "attempts")], {"n"}),
        '<h3 id="feeds-down">Dead and failing feeds</h3>',
        _table(data.feeds_down, _FEEDS_DOWN, set(), frozenset({"last_success", "next_due_at"})),
    ]


_FEEDS_DOWN = [
    ("feed_id", "feed"),
    ("feed_state", "state"),
    ("last_outcome", "last poll"),
    ("last_error", "error"),
    ("last_success", "last worked"),
    ("next_due_at", "next try"),
]


def render_html(data: ReportData, charts: Charts, *, source: Path, title: str) -> str:
    """The whole page: CSS, the inlined Vega bundle, the specs, tables. No external resources."""
    import vl_convert
    from altair.utils._importers import vl_version_for_vl_convert

    bundle = vl_convert.javascript_bundle(vl_version=vl_version_for_vl_convert())
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{_CSS}</style>",
        f"<script>{bundle}</script>",
        "</head><body><main>",
        *_header(data, source=source, title=title),
        *_regions(data, charts),
        *_stories(data, charts),
        *_agencies(data, charts),
        *_health(data, charts),
        f'<script type="application/json" id="newsflow-specs">{_script_json(charts)}</script>',
        f"<script>{_RUNNER}</script>",
        "</main></body></html>",
    ]
    return "\n".join(parts)
