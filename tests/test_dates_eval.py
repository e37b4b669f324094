"""`newsflow eval dates`: loading a set, the scoring rule, the report, and the shared dev set."""

from __future__ import annotations

import argparse
import gzip
import json
from datetime import date

import pytest

from pipeline.errors import NewsflowError
from pipeline.evaluation import dates as ev
from pipeline.paths import shared_path

STORY = " ".join(
    ["The harbour authority opened the new ferry terminal after two years of work."] * 5
)


def _html(head: str = "", text: str = "") -> str:
    return (
        f"<html><head><title>Ferry terminal</title>{head}</head><body><article><h1>Terminal</h1>"
        f"<p>{text}</p><p>{STORY}</p><p>{STORY}</p></article></body></html>"
    )


PAGES = {
    # metadata with an offset: right, and the local day is known
    "a-meta": (
        _html('<meta property="article:published_time" content="2024-05-02T23:30:00-04:00">'),
        "2024-05-02",
    ),
    # a date only in the text: htmldate's day
    "b-text": (_html(text="Veröffentlicht am 12. März 2023"), "2023-03-12"),
    # nothing at all: both undated
    "c-none": (_html(), "2022-01-05"),
    # metadata that is a day off from the gold: wrong for both sides
    "d-wrong": (_html('<meta name="date" content="2021-07-09">'), "2021-07-01"),
}


@pytest.fixture
def date_set(tmp_path):
    (tmp_path / "html").mkdir()
    gold = {}
    for pid, (html, day) in PAGES.items():
        (tmp_path / "html" / f"{pid}.html.gz").write_bytes(gzip.compress(html.encode()))
        gold[pid] = {"url": f"https://news.example/{pid}", "date": day}
    (tmp_path / "gold.json").write_text(json.dumps(gold), encoding="utf-8")
    return tmp_path


def test_utc_timestamp_is_right_when_some_zone_puts_it_on_the_gold_day():
    gold = date(2024, 5, 2)
    assert ev.utc_right("2024-05-02T00:00:00+00:00", gold)
    assert ev.utc_right("2024-05-01T10:00:00+00:00", gold)  # UTC+14 reaches the next day
    assert not ev.utc_right("2024-05-01T09:59:00+00:00", gold)
    assert ev.utc_right("2024-05-03T11:59:00+00:00", gold)  # UTC-12 is still on the 2nd
    assert not ev.utc_right("2024-05-03T12:00:00+00:00", gold)
    assert not ev.utc_right(None, gold)
    assert ev.local_day("2024-05-03T03:30:00+00:00", -240) == gold


def test_evaluate_scores_ours_and_bare_on_the_same_pages(date_set):
    rep = ev.evaluate(ev.load_set(date_set), workers=1, timeout=60)
    by_id = {r.page.id: r for r in rep.results}
    assert rep.n == 4 and rep.failures == 0
    assert by_id["a-meta"].source == "page" and by_id["a-meta"].ours_right
    assert by_id["a-meta"].value["offset"] == -240
    assert by_id["b-text"].source == "htmldate" and by_id["b-text"].ours_right
    assert by_id["b-text"].bare_right
    assert by_id["c-none"].ours is None and by_id["c-none"].bare is None
    assert not by_id["d-wrong"].ours_right and not by_id["d-wrong"].bare_right
    assert rep.ours_acc == 0.5 and rep.ours_undated == 1 and rep.undated_where_bare_dated == 0
    assert rep.local_known == 1 and rep.local_acc == 1.0
    text = ev.format_report(rep)
    assert "accuracy" in text and "htmldate" in text and "no date where bare has one" in text


def test_run_prints_the_report_and_json(date_set, tmp_path, capsys):
    out = tmp_path / "pages.json"
    args = argparse.Namespace(
        data=str(date_set), limit=None, workers=1, timeout=60, wrong=5, json=str(out)
    )
    assert ev.run(args) == 0
    printed = capsys.readouterr().out
    assert "4 pages, no feed date, no URL" in printed and "d-wrong: gold 2021-07-01" in printed
    rows = json.loads(out.read_text())
    assert {r["id"] for r in rows} == set(PAGES) and all("bare" in r for r in rows)


def test_missing_or_broken_sets_say_which_path_is_needed(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSFLOW_SHARED", str(tmp_path / "nowhere"))
    with pytest.raises(NewsflowError, match=r"nowhere/eval/dates.*--data"):
        ev.default_set()
    with pytest.raises(NewsflowError, match=r"no gold\.json"):
        ev.load_set(tmp_path)
    (tmp_path / "gold.json").write_text('{"x": {"date": "2024-05-02"}}')
    with pytest.raises(NewsflowError, match=r"html/x\.html\.gz"):
        ev.load_set(tmp_path)


DEV_SET = shared_path("eval", "dates")


@pytest.mark.skipif(
    DEV_SET is None or not (DEV_SET / "gold.json").is_file(),
    reason=f"shared page-date dev set not available at {DEV_SET} (set NEWSFLOW_SHARED)",
)
def test_dev_set_at_least_as_accurate_as_bare_htmldate():
    """Issue 13 item 4 on the whole dev set (799 pages, 1-2 min): accuracy at least bare
    htmldate's, and no date on at most 2% of the pages where bare htmldate finds one."""
    rep = ev.evaluate(ev.load_set(DEV_SET), workers=2)
    assert rep.n == 799 and rep.failures == 0
    assert rep.ours_acc >= rep.bare_acc
    assert rep.undated_where_bare_dated <= 0.02 * rep.bare_dated
