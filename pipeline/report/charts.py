"""The report's charts: Vega-Lite specs (built with altair) from the collected rows.

One function per chart, each returning an altair chart or None when it has no data (the page
then says so in a sentence instead of drawing an empty frame). Colours carry meaning across
charts: one per agency in every chart, one per outcome in every report.
"""

from __future__ import annotations

from typing import Any

from pipeline.outcomes import PollOutcome, UrlOutcome
from pipeline.report.collect import ReportData

TOP_REGIONS = 8  # colours in the stacked chart; the rest is "Other"
HEAT_REGIONS = 20
WIDTH = 720
UNATTRIBUTED = "unattributed"

# One colour per outcome, stable across reports: greens for success, greys for "nothing to do",
# warm colours for failures, purples and blues for pages that were not what they seemed.
OUTCOME_COLOURS: dict[str, str] = {
    UrlOutcome.OK: "#2e7d32",
    PollOutcome.PARTIAL: "#66bb6a",
    PollOutcome.NOT_MODIFIED: "#81c784",
    UrlOutcome.DUPLICATE: "#9e9e9e",
    UrlOutcome.DEFERRED: "#cfd8dc",
    UrlOutcome.ROBOTS_DISALLOWED: "#bdbdbd",
    UrlOutcome.BLOCKED: "#795548",
    UrlOutcome.HTTP_ERROR: "#e53935",
    UrlOutcome.TIMEOUT: "#fb8c00",
    UrlOutcome.NETWORK_ERROR: "#f4511e",
    UrlOutcome.TOO_LARGE: "#8e24aa",
    UrlOutcome.PARSE_ERROR: "#d81b60",
    UrlOutcome.EMPTY_EXTRACT: "#fdd835",
    UrlOutcome.EXTRACT_TIMEOUT: "#ffb300",
    UrlOutcome.UNSUPPORTED_CONTENT: "#5e35b1",
    UrlOutcome.REDIRECT_LOOP: "#3949ab",
    UrlOutcome.PAYWALLED: "#00897b",
    UrlOutcome.CONSENT_WALL: "#4db6ac",
    PollOutcome.UNAVAILABLE: "#6d4c41",  # a drop folder missing or unreadable
}
UNKNOWN_OUTCOME_COLOUR = "#607d8b"
_AGENCY_PALETTE = ["#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2"]
_UNATTRIBUTED_COLOUR = "#bab0ac"


def agency_colours(names: list[str]) -> list[str]:
    """Tableau colours for agencies in order, grey for articles without one."""
    out, i = [], 0
    for name in names:
        if name == UNATTRIBUTED:
            out.append(_UNATTRIBUTED_COLOUR)
        else:
            out.append(_AGENCY_PALETTE[i % len(_AGENCY_PALETTE)])
            i += 1
    return out


def short_title(text: str | None, limit: int = 60) -> str:
    text = " ".join((text or "(untitled)").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _day_tooltips(alt: Any, *fields: tuple[str, str]) -> list[Any]:
    return [alt.Tooltip("utcyearmonthdate(day):T", title="day")] + [
        alt.Tooltip(name, title=title) for name, title in fields
    ]


def stories_by_region(alt: Any, data: ReportData) -> Any:
    """Stacked bars: stories per day, the top regions by stories in colour, the rest "Other"."""
    if not data.region_days:
        return None
    totals: dict[str, int] = {}
    for r in data.region_days:
        totals[r["region_name"]] = totals.get(r["region_name"], 0) + r["n_stories"]
    top = sorted(totals, key=lambda k: (-totals[k], k))[:TOP_REGIONS]
    rows = [
        {**r, "region": r["region_name"] if r["region_name"] in top else "Other"}
        for r in data.region_days
    ]
    order = [*top, "Other"] if len(totals) > len(top) else top
    return (
        alt.Chart(alt.Data(values=rows), title="Stories per day by region (primary place)")
        .mark_bar()
        .encode(
            x=alt.X("utcyearmonthdate(day):O", title="day (UTC)"),
            y=alt.Y("sum(n_stories):Q", title="stories", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color("region:N", title="region", sort=order),
            tooltip=_day_tooltips(
                alt,
                ("region_name:N", "region"),
                ("n_stories:Q", "stories"),
                ("n_articles:Q", "articles"),
                ("n_outlets:Q", "outlets"),
            ),
        )
        .properties(width=WIDTH, height=260)
    )


def region_heat(alt: Any, data: ReportData) -> Any:
    """A region × day grid of the regions with the most stories: when each was in the news."""
    if not data.region_days:
        return None
    heat_top = [r["region_name"] for r in data.regions[:HEAT_REGIONS]]
    heat_rows = [r for r in data.region_days if r["region_name"] in heat_top]
    return (
        alt.Chart(alt.Data(values=heat_rows), title="When each region was in the news")
        .mark_rect()
        .encode(
            x=alt.X("utcyearmonthdate(day):O", title="day (UTC)"),
            y=alt.Y("region_name:N", title=None, sort=heat_top),
            color=alt.Color("n_stories:Q", title="stories", scale=alt.Scale(scheme="blues")),
            tooltip=_day_tooltips(
                alt,
                ("region_name:N", "region"),
                ("n_stories:Q", "stories"),
                ("n_articles:Q", "articles"),
            ),
        )
        .properties(width=WIDTH, height=max(60, 18 * len(heat_top)))
    )


def story_spread(alt: Any, data: ReportData, agency_scale: Any) -> Any:
    """Dots: which outlets ran each of the most-syndicated stories, coloured by agency."""
    if not data.stories:
        return None
    titles = {s["story_id"]: short_title(s["title"]) for s in data.stories}
    story_order = [titles[s["story_id"]] for s in data.stories]
    spread = [
        {**r, "story": titles[r["story_id"]], "agency": r["agency"] or UNATTRIBUTED}
        for r in data.story_outlets
        if r["story_id"] in titles
    ]
    return (
        alt.Chart(alt.Data(values=spread), title="Most-syndicated stories: which outlets ran them")
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


def agency_share(alt: Any, data: ReportData, agency_scale: Any) -> Any:
    """A doughnut of articles by agency, unattributed included."""
    if not data.agencies:
        return None
    return (
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


def ingest_health(alt: Any, data: ReportData) -> Any:
    """Polls and fetches per day by outcome, one panel per stage."""
    if not data.health:
        return None
    outcomes = sorted({r["outcome"] for r in data.health})
    palette = [OUTCOME_COLOURS.get(o, UNKNOWN_OUTCOME_COLOUR) for o in outcomes]
    return (
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


def build_charts(data: ReportData) -> dict[str, dict[str, Any]]:
    """Vega-Lite specs by chart id; a chart with no data is left out (the page says so)."""
    import altair as alt

    # One colour per agency across charts, in the order of their share.
    names = [a["agency"] for a in data.agencies]
    agency_scale = alt.Scale(domain=names, range=agency_colours(names))
    charts = {
        "stories_by_region": stories_by_region(alt, data),
        "region_heat": region_heat(alt, data),
        "story_spread": story_spread(alt, data, agency_scale),
        "agency_share": agency_share(alt, data, agency_scale),
        "ingest_health": ingest_health(alt, data),
    }
    return {name: chart.to_dict() for name, chart in charts.items() if chart is not None}
