"""The HTML report: its numbers, its self-containedness, and that the charts really draw.

A small DuckDB file with just the tables and marts the report reads is built by hand here (fast,
and every expected number is visible below); the report over real marts built by dbt is covered
by tests/test_snapshot.py (CLI run) and tests/test_airflow_ui.py (the news_models DAG).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from _chromium import browser, save_screenshot

from pipeline.errors import NewsflowError
from pipeline.report import build_charts, collect, report_path, write_report

HOSTILE_TITLE = "Leaders meet </script><b>again</b> & agree"

ARTICLES = [
    # article_id, outlet, feed, agency, story, published_at, country, admin1
    ("a1", "ledger.test", "ledger", "AFP", "s1", "2026-03-04 09:00:00+00", "UA", "UA-65"),
    ("a2", "courier.test", "courier", "AFP", "s1", "2026-03-04 10:00:00+00", "UA", None),
    ("a3", "tribune.test", "tribune", "AFP", "s1", "2026-03-05 08:00:00+00", "UA", None),
    ("a4", "ledger.test", "ledger", "Reuters", "s2", "2026-03-05 11:00:00+00", "BR", "BR-SP"),
    ("a5", "wire.test", "wire", "Reuters", "s2", "2026-03-05 12:00:00+00", "BR", None),
    ("a6", "courier.test", "courier", None, "s3", "2026-03-03 07:00:00+00", "GB", None),
]
# A killed wire item and one under embargo: in no figure but the count of kills.
HIDDEN = [
    ("k1", "afp", "afp-api", "AFP", "s4", "2026-03-05 09:00:00+00", "2026-03-05 10:00:00+00", None),
    ("e1", "afp", "afp-api", "AFP", "s5", "2026-03-05 09:00:00+00", None, "2099-01-01 00:00:00+00"),
]
STORIES = [
    # story_id, title, article_count, n_outlets, agency, first_published_at
    ("s1", "Kherson captured", 3, 3, "AFP", "2026-03-04 09:00:00+00"),
    ("s2", HOSTILE_TITLE, 2, 2, "Reuters", "2026-03-05 11:00:00+00"),
    ("s3", "Rail strike", 1, 1, None, "2026-03-03 07:00:00+00"),
    ("s4", "Killed story", 1, 1, "AFP", "2026-03-05 09:00:00+00"),
    ("s5", "Embargoed story", 1, 1, "AFP", "2026-03-05 09:00:00+00"),
]
NAMES = {"UA": "Ukraine", "BR": "Brazil", "GB": "United Kingdom"}
SUBDIVISIONS = {"UA-65": "Khersonska oblast", "BR-SP": "Sao Paulo"}


def make_db(path: Path) -> Path:
    """The report's inputs, shaped like the real tables and marts (only the columns it reads)."""
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "CREATE TABLE articles (article_id VARCHAR, outlet VARCHAR, feed_id VARCHAR,"
            " agency VARCHAR, story_id VARCHAR, published_at TIMESTAMPTZ, loaded_at TIMESTAMPTZ,"
            " withdrawn_at TIMESTAMPTZ, embargoed_until TIMESTAMPTZ)"
        )
        con.executemany(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?::TIMESTAMPTZ, "
            "'2026-03-06 00:00:00+00'::TIMESTAMPTZ, ?::TIMESTAMPTZ, ?::TIMESTAMPTZ)",
            [(*a[:6], None, None) for a in ARTICLES] + HIDDEN,
        )
        con.execute(
            "CREATE TABLE stories (story_id VARCHAR, title VARCHAR, article_count INTEGER,"
            " n_outlets INTEGER, agency VARCHAR, first_published_at TIMESTAMPTZ)"
        )
        con.executemany("INSERT INTO stories VALUES (?, ?, ?, ?, ?, ?::TIMESTAMPTZ)", STORIES)
        con.execute("CREATE SCHEMA intermediate")
        con.execute(
            "CREATE TABLE intermediate.int_article_regions (article_id VARCHAR,"
            " published_day DATE, story_id VARCHAR, outlet VARCHAR, loaded_at TIMESTAMPTZ,"
            " region_level VARCHAR, region_code VARCHAR, region_name VARCHAR)"
        )
        rows = []
        for aid, outlet, _, _, story, published, country, admin1 in ARTICLES:
            day = published[:10]
            rows.append((aid, day, story, outlet, "country", country, NAMES[country]))
            if admin1:
                rows.append((aid, day, story, outlet, "admin1", admin1, SUBDIVISIONS[admin1]))
        con.executemany(
            "INSERT INTO intermediate.int_article_regions VALUES"
            " (?, ?::DATE, ?, ?, now(), ?, ?, ?)",
            rows,
        )
        con.execute("CREATE SCHEMA marts")
        con.execute(
            """
            CREATE TABLE marts.daily_region AS
            SELECT published_day AS day, region_level, region_code, region_name,
                   count(*) AS n_articles, count(DISTINCT story_id) AS n_stories,
                   count(DISTINCT outlet) AS n_outlets, now() AS built_at
            FROM intermediate.int_article_regions GROUP BY ALL
            """
        )
        con.execute(
            """
            CREATE TABLE marts.daily_agency AS
            SELECT (published_at AT TIME ZONE 'UTC')::DATE AS day, agency,
                   count(*) AS n_articles, count(DISTINCT story_id) AS n_stories,
                   count(DISTINCT outlet) AS n_outlets, now() AS built_at
            FROM articles WHERE agency IS NOT NULL GROUP BY ALL
            """
        )
        con.execute(
            "CREATE TABLE marts.ingest_health (day DATE, stage VARCHAR, outcome VARCHAR, n BIGINT)"
        )
        con.executemany(
            "INSERT INTO marts.ingest_health VALUES ('2026-03-06', ?, ?, ?)",
            [
                ("poll", "ok", 4),
                ("poll", "timeout", 1),
                ("fetch", "ok", 6),
                ("fetch", "http_error", 2),
            ],
        )
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return make_db(tmp_path_factory.mktemp("report") / "news.duckdb")


@pytest.fixture(scope="module")
def data(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return collect(con)
    finally:
        con.close()


def test_overview_counts(data) -> None:
    ov = data.overview
    assert (ov["articles"], ov["stories"], ov["syndicated_stories"]) == (6, 3, 2)
    assert (ov["outlets"], ov["agency_articles"]) == (4, 5)
    assert ov["kills"] == 1
    assert (ov["first_day"], ov["last_day"]) == ("2026-03-03", "2026-03-05")


def test_regions_count_each_story_once(data) -> None:
    # Ukraine's story ran on two days: the mart has it on both, the table counts it once.
    by_code = {r["region_code"]: r for r in data.regions}
    assert by_code["UA"]["n_stories"] == 1 and by_code["UA"]["n_articles"] == 3
    assert (by_code["UA"]["first_day"], by_code["UA"]["last_day"]) == ("2026-03-04", "2026-03-05")
    assert [r["region_code"] for r in data.regions] == ["UA", "BR", "GB"]
    assert sum(r["n_stories"] for r in data.region_days if r["region_code"] == "UA") == 2
    assert {r["region_code"] for r in data.subdivisions} == {"UA-65", "BR-SP"}


def test_most_syndicated_stories_with_their_outlets(data) -> None:
    assert [s["story_id"] for s in data.stories] == ["s1", "s2", "s3"]
    assert data.stories[0]["outlets"] == "courier.test, ledger.test, tribune.test"
    spread = {(r["story_id"], r["outlet"]) for r in data.story_outlets}
    assert ("s2", "wire.test") in spread and len(spread) == 6


def test_agency_share_keeps_unattributed(data) -> None:
    assert [(a["agency"], a["n_articles"]) for a in data.agencies] == [
        ("AFP", 3),
        ("Reuters", 2),
        ("unattributed", 1),
    ]


def test_charts_are_vega_lite_specs(data) -> None:
    charts = build_charts(data)
    assert set(charts) == {
        "stories_by_region",
        "region_heat",
        "story_spread",
        "agency_share",
        "ingest_health",
    }
    for spec in charts.values():
        assert "vega-lite" in spec["$schema"]
    # Agencies keep one colour across charts; articles without one are grey.
    scale = charts["agency_share"]["encoding"]["color"]["scale"]
    assert charts["story_spread"]["encoding"]["color"]["scale"] == scale
    assert scale["range"][scale["domain"].index("unattributed")] == "#bab0ac"


def test_no_data_means_no_chart_but_a_sentence(tmp_path) -> None:
    path = make_db(tmp_path / "empty.duckdb")
    con = duckdb.connect(str(path))
    for table in (
        "articles",
        "stories",
        "marts.ingest_health",
        "marts.daily_region",
        "intermediate.int_article_regions",
    ):
        con.execute(f"DELETE FROM {table}")
    con.close()
    out = write_report(path, tmp_path / "r.html")
    assert out.charts == [] and out.articles == 0
    page = out.path.read_text(encoding="utf-8")
    assert "No articles with a place yet." in page and "No stories yet." in page


def test_report_is_one_self_contained_file(db, tmp_path) -> None:
    summary = write_report(db, tmp_path / "out" / "report.html", title="Test report")
    page = summary.path.read_text(encoding="utf-8")
    assert summary.n_bytes == len(page.encode())
    assert "<title>Test report</title>" in page
    markup = re.sub(r"<script\b[^>]*>.*?</script>", "<script></script>", page, flags=re.S)
    assert "vegaEmbed" in page and "vegaEmbed" not in markup  # the library is inlined
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|\bhref=", markup), "external reference"
    # A title cannot break out of the page: escaped in the table, </ escaped in the JSON.
    assert "Leaders meet &lt;/script&gt;&lt;b&gt;again&lt;/b&gt; &amp; agree" in page
    assert HOSTILE_TITLE not in page
    assert [p.name for p in summary.path.parent.iterdir()] == ["report.html"]


def test_missing_marts_is_a_one_line_error(tmp_path) -> None:
    path = tmp_path / "bare.duckdb"
    duckdb.connect(str(path)).close()
    with pytest.raises(NewsflowError, match=r"no marts\.daily_region.*newsflow models"):
        write_report(path, tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


def test_report_path_is_in_the_data_dir(tmp_path) -> None:
    assert report_path(tmp_path / "x.duckdb") == tmp_path / "report.html"
    assert report_path(tmp_path / "x.duckdb", tmp_path / "d") == tmp_path / "d" / "report.html"


def test_cli_writes_the_report(db, tmp_path) -> None:
    out = tmp_path / "cli.html"
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "report", "--db", str(db), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert out.is_file() and "5 chart(s), 6 article(s), 3 stories" in proc.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "pipeline", "report", "--db", str(tmp_path / "none.duckdb")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1
    assert "no such database file" in bad.stderr


def render(path: Path, tmp_path: Path, screenshot: str) -> dict:
    """Open the report offline in headless Chromium; what drew, what failed, what was fetched."""
    with browser() as context:
        blocked: list[str] = []

        def guard(route) -> None:
            if route.request.url.startswith("file:"):
                route.continue_()
            else:
                blocked.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-charts-done]", timeout=30_000)
        charts = page.eval_on_selector_all(
            "[data-chart]",
            """els => els.map(el => ({
                name: el.dataset.chart,
                rendered: el.dataset.rendered || null,
                error: el.dataset.error || null,
                marks: el.querySelectorAll("svg .role-mark > path, svg .role-mark > g > path").length,
            }))""",
        )
        save_screenshot(page, screenshot, tmp_path)
        return {"charts": charts, "blocked": blocked, "errors": errors}


@pytest.mark.e2e
def test_charts_draw_in_headless_chromium_without_network(db, tmp_path) -> None:
    out = write_report(db, tmp_path / "report.html")
    seen = render(out.path, tmp_path, "report-test.png")
    assert seen["blocked"] == [], "the report tried to load something from the network"
    assert seen["errors"] == []
    assert sorted(c["name"] for c in seen["charts"]) == sorted(out.charts)
    for chart in seen["charts"]:
        assert chart["rendered"] == "1" and chart["error"] is None, chart
        assert chart["marks"] > 0, f"{chart['name']}: no marks drawn"


def test_every_outcome_has_its_own_colour() -> None:
    from pipeline.outcomes import PollOutcome, UrlOutcome
    from pipeline.report.charts import OUTCOME_COLOURS

    outcomes = set(UrlOutcome) | set(PollOutcome)
    assert outcomes <= set(OUTCOME_COLOURS)
    assert len(set(OUTCOME_COLOURS.values())) == len(OUTCOME_COLOURS)


def test_a_snapshot_says_when_it_was_published(db, tmp_path) -> None:
    from pipeline.report.collect import SNAPSHOT_INFO
    from pipeline.storage.snapshot import INFO_TABLE

    assert SNAPSHOT_INFO == INFO_TABLE
    snap = tmp_path / "snap.duckdb"
    snap.write_bytes(db.read_bytes())
    con = duckdb.connect(str(snap))
    con.execute(
        f"CREATE TABLE {SNAPSHOT_INFO} AS SELECT "
        "'2026-03-06 12:34:00+00'::TIMESTAMPTZ AS published_at, 6 AS articles"
    )
    con.close()
    page = write_report(snap, tmp_path / "r.html").path.read_text(encoding="utf-8")
    assert "Snapshot published 2026-03-06 12:34 UTC." in page
    assert "Read from the live file." not in page


def test_report_imports_no_private_names_and_not_the_snapshot_module() -> None:
    """The snapshot module writes the report after publishing; the report must not import it
    back (no cycle), nor reach into other modules' private names."""
    import ast

    import pipeline.report

    package = Path(pipeline.report.__file__).parent
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module != "pipeline.storage.snapshot", path.name
                if node.module.startswith("pipeline") and not node.module.startswith(
                    "pipeline.report"
                ):
                    private = [
                        a.name
                        for a in node.names
                        if a.name.startswith("_") and not a.name.endswith("__")
                    ]
                    assert not private, f"{path.name} imports {private} from {node.module}"
            elif isinstance(node, ast.Import):
                assert all(a.name != "pipeline.storage.snapshot" for a in node.names), path.name
