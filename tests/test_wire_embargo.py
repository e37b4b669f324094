"""An embargo ending between two builds: the incremental marts gain the article on the first
build after the embargo time although nothing was loaded in between (the macro's second
condition), exactly as a full refresh would. Real dbt builds on a real DuckDB file.

Instead of sleeping until an embargo ends, the test moves the stored embargo time to just
before now after the first build: to the marts that is the clock passing the embargo, with
``loaded_at`` untouched, as in production.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipeline.run.clock import new_run_id
from pipeline.run.passes import build_models, load
from pipeline.run.wire import poll_wire_feed, wire_article_id
from pipeline.settings import load_settings
from tests.helpers import query

pytestmark = pytest.mark.e2e

SEQ = Path(__file__).parent / "data" / "wire" / "sequence"
A = "urn:newsml:afp.com:20261207:TX-PAR-ABC12"
AGENCY = "SELECT day, agency, n_articles FROM marts.daily_agency ORDER BY ALL"
TOPIC = "SELECT day, scheme, code, country_code, n_articles FROM marts.daily_topic ORDER BY ALL"


def test_marts_gain_the_article_when_its_embargo_ends(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(f"feeds:\n  - id: afp-drop\n    url: dir://{inbox}\n", encoding="utf-8")
    settings = load_settings(feeds, db_path=tmp_path / "news.duckdb")
    item = (SEQ / "a_v1.xml").read_text(encoding="utf-8")
    marker = '<pubStatus qcode="stat:usable"/>'
    embargoed = f"{marker}\n    <embargoed>2099-01-01T00:00:00Z</embargoed>"
    (inbox / "a_v1.xml").write_text(item.replace(marker, embargoed), encoding="utf-8")
    (inbox / "c_v1.xml").write_bytes((SEQ / "c_v1.xml").read_bytes())
    run_id = new_run_id()
    poll_wire_feed(settings, "afp-drop", run_id)
    load(settings, run_id)
    build_models(settings)
    during = query(settings.db_path, AGENCY)
    assert [(str(d), a, n) for d, a, n in during] == [("2026-12-07", "Reuters", 1)]
    con = duckdb.connect(str(settings.db_path))
    try:  # the clock passes the embargo: the stored time is now just behind it
        con.execute(
            "UPDATE articles SET embargoed_until = now() - INTERVAL 1 SECOND WHERE article_id = ?",
            [wire_article_id(A)],
        )
    finally:
        con.close()
    build_models(settings)  # incremental: nothing was loaded since the last build
    after = {"agency": query(settings.db_path, AGENCY), "topic": query(settings.db_path, TOPIC)}
    assert [(str(d), a, n) for d, a, n in after["agency"]] == [
        ("2026-12-07", "AFP", 1),
        ("2026-12-07", "Reuters", 1),
    ]
    build_models(settings, full_refresh=True)
    full = {"agency": query(settings.db_path, AGENCY), "topic": query(settings.db_path, TOPIC)}
    assert after == full
