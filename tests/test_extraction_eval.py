"""`newsflow eval extract`: the metrics, the labelled sets, and the quality gates.

The gates on our own labelled pages (tests/data/extraction) always run. The gates on the shared
development set (../shared/eval/extraction, 313 real pages) run where it exists (CI) and skip
with a reason in a user's clone.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.errors import NewsflowError
from pipeline.evaluation import extraction as ev
from pipeline.evaluation import extraction_data as ds
from pipeline.evaluation import extraction_scores as sc
from pipeline.paths import shared_path

SHARED = shared_path("eval", "extraction")
OWN = Path(__file__).resolve().parent / "data" / "extraction"


# ------------------------------------------------------------------------------------ metrics


def test_bag_scores_are_multiset_token_overlap():
    p, r, f1 = sc.bag_scores("a a b c", "a b b d e")
    assert (p, r) == (2 / 4, 2 / 5)
    assert f1 == pytest.approx(2 * p * r / (p + r))
    assert sc.bag_scores("", "a b") == (0.0, 0.0, 0.0)


def test_shingle_scores_use_word_4grams_of_unicode_tokens():
    gold = "Kersen, located on the Dnieper, fell on Thursday."
    assert sc.shingle_scores(gold, gold) == (1.0, 1.0)
    pred = "Kersen located on the Dnieper fell"  # punctuation is not a token: same shingles
    p, r = sc.shingle_scores(pred, gold)
    assert p == 1.0 and r == pytest.approx(3 / 5)  # 3 of the gold's 5 shingles
    assert sc.shingle_scores("too short", gold) == (0.0, 0.0)  # no shingle: scores 0


def test_summary_macro_averages_and_f1_of_the_averages():
    page = ds.LabelledPage("x", "s", Path("x.html"), "https://x/", "a b c d e")
    full = sc.PageResult(page, {"body": "a b c d e", "outcome": "ok"}, {"body": ""})
    half = sc.PageResult(page, {"body": "a b c d", "outcome": "ok"}, {"body": ""})
    s = sc.summarise_side([full, half], "ours")
    assert (s.sh_p, s.sh_r) == (1.0, 0.75)  # R: (2/2 + 1/2) / 2
    assert s.sh_f1 == pytest.approx(2 * 1.0 * 0.75 / 1.75)
    assert s.empty == 0 and sc.summarise_side([full, half], "bare").empty == 2


def test_candidate_summary_scores_each_alone_and_the_best_per_page():
    a = ds.LabelledPage("a", "s", Path("a.html"), None, "a b c d e")
    b = ds.LabelledPage("b", "s", Path("b.html"), None, "v w x y z")
    ok = {"body": "", "outcome": "ok"}
    results = [
        # page a: trafilatura exact, readability half of it; only page a has a JSON-LD body
        sc.PageResult(
            a,
            ok,
            ok,
            candidates={
                "trafilatura": "a b c d e",
                "readability": "a b c d",
                "jsonld": "a b c d e",
            },
        ),
        # page b: readability exact, trafilatura wrong
        sc.PageResult(b, ok, ok, candidates={"trafilatura": "q r s t", "readability": "v w x y z"}),
        sc.PageResult(b, ok, ok),  # run without --candidates: not counted
    ]
    c = sc.summarise_candidates(results)
    assert (c["trafilatura"].n, c["trafilatura"].sh_p, c["trafilatura"].sh_r) == (2, 0.5, 0.5)
    assert (c["readability"].sh_p, c["readability"].sh_r) == (1.0, 0.75)
    assert c["jsonld"].n == 1 and c["jsonld"].sh_f1 == 1.0
    assert (c[sc.ORACLE].n, c[sc.ORACLE].sh_f1) == (2, 1.0)  # the best one on each page
    assert sc.summarise_candidates(results[2:]) == {}


def test_title_and_day_normalisation():
    assert sc.normalise_title("Kherson falls — “Russian” forces!") == "kherson falls russian forces"
    assert str(sc.utc_day("2026-03-05T01:30:00+09:00")) == "2026-03-04"
    assert str(sc.utc_day("2026-03-04")) == "2026-03-04"
    assert sc.utc_day(None) is None and sc.utc_day("not a date") is None


def test_select_pages_by_source_and_spread_limit():
    pages = [
        ds.LabelledPage(f"{src}-{i}", src, Path("x"), "u", "b")
        for src in ("dragnet", "readability")
        for i in range(10)
    ]
    assert len(ds.select_pages(pages, ["readability"])) == 10
    picked = ds.select_pages(pages, (), limit=4)
    assert [p.id for p in picked] == ["dragnet-0", "dragnet-5", "readability-0", "readability-5"]


def test_load_dataset_errors(tmp_path):
    with pytest.raises(NewsflowError, match=r"no gold\.json"):
        ds.load_dataset(tmp_path)
    (tmp_path / "gold.json").write_text(json.dumps({"a": {"body": "x"}}))
    with pytest.raises(NewsflowError, match=r"no html/a\.html"):
        ds.load_dataset(tmp_path)


# ------------------------------------------------------------------------- own labelled set


@pytest.fixture(scope="module")
def own_report():
    pages = ds.load_dataset(OWN)
    assert len(pages) >= 30
    return ev.evaluate(pages, workers=2)


def test_own_set_covers_the_situations_it_is_for():
    gold = json.loads((OWN / "gold.json").read_text(encoding="utf-8"))
    outcomes = {g["outcome"] for g in gold.values()}
    assert {"ok", "paywalled", "consent_wall"} <= outcomes
    assert len({g["language"] for g in gold.values() if g["language"]}) >= 6
    assert sum(1 for g in gold.values() if g["agency"]) >= 6
    assert sum(1 for g in gold.values() if g["feed"].get("timezone")) >= 2


def test_own_set_quality_gates(own_report):
    s = own_report.subset("newsflow-labelled")
    assert s.failures == 0
    assert s.ours.outcome_acc == 1.0  # walls recognised, articles not mistaken for walls
    assert s.ours.empty == 0  # no empty body where the gold has one
    assert s.ours.sh_f1 >= 0.97
    assert s.ours.sh_f1 >= s.bare.sh_f1 + 0.05
    assert s.ours.bag_f1 >= s.bare.bag_f1
    assert s.ours.title_norm >= 0.95 and s.ours.title_norm >= s.bare.title_norm
    assert s.ours.date_acc >= 0.95 and s.ours.date_acc >= s.bare.date_acc
    assert s.ours.language_acc >= 0.95


def test_own_set_agency_from_wire_credits(own_report):
    gold = json.loads((OWN / "gold.json").read_text(encoding="utf-8"))
    wrong = [
        (r.page.id, r.ours["agency"], gold[r.page.id]["agency"])
        for r in own_report.results
        if r.ours and r.ours["outcome"] == "ok" and r.ours["agency"] != gold[r.page.id]["agency"]
    ]
    assert wrong == []


def test_own_set_jsonld_page_is_recorded_as_such(own_report):
    by_id = {r.page.id: r for r in own_report.results}
    assert by_id["app-shell-jsonld"].ours["extractor"] == "jsonld"
    assert by_id["future-page-date"].ours["date_flags"] == "page_future"


def test_demo_pages_titles_and_days():
    pages = ds.load_demo_site()
    assert len(pages) >= 8
    report = ev.evaluate(pages, workers=2)
    s = report.subset(ds.DEMO_SOURCE)
    assert s.failures == 0 and s.ours.title_norm == 1.0 and s.ours.date_acc == 1.0


def test_cli_prints_the_side_by_side_table():
    res = subprocess.run(
        [sys.executable, "-m", "pipeline", "eval", "extract", "--data", str(OWN), "--limit", "4"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].split()[:5] == ["subset", "side", "pages", "body", "bagP"]
    assert any(ln.startswith("newsflow-labelled  ours      4") for ln in lines)
    assert any("delta shingle F1" in ln for ln in lines)
    assert "[eval extract] 4/4 pages" in res.stderr
    assert "oracle" not in res.stdout  # candidates only on request


def test_cli_candidates_table(tmp_path):
    out = tmp_path / "report.json"
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "eval",
            "extract",
            "--data",
            str(OWN),
            "--limit",
            "3",
            "--candidates",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    rows = [ln.split() for ln in res.stdout.splitlines() if ln.startswith("newsflow-labelled")]
    named = {r[1]: r for r in rows if len(r) == 6}
    assert {"trafilatura", "readability", "baseline", "oracle"} <= set(named)
    assert named["oracle"][2] == "3"
    data = json.loads(out.read_text(encoding="utf-8"))
    sub = data["subsets"][0]["candidates"]
    assert sub["oracle"]["sh_f1"] >= max(v["sh_f1"] for k, v in sub.items() if v["n"] == 3)
    assert all(set(p["candidates"]) >= {"trafilatura", "baseline"} for p in data["pages"])


def test_cli_rejects_an_unknown_selection():
    res = subprocess.run(
        [sys.executable, "-m", "pipeline", "eval", "extract", "--data", str(OWN), "--source", "zz"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 1 and "no labelled pages selected" in res.stderr


# ------------------------------------------------------------------- shared development set


@pytest.mark.skipif(
    SHARED is None or not (SHARED / "gold.json").exists(),
    reason=f"shared extraction dev set not available at {SHARED} (set NEWSFLOW_SHARED)",
)
def test_dev_set_quality_gates():
    """All 313 pages, ours and bare trafilatura side by side in the same workers, plus every body
    candidate alone (~1.5 min).

    The floor (bare + 0.005) is what this extractor measurably achieves; the issue's aim of
    bare + 0.02 is not reached (see benchmarks/RESULTS.md).
    """
    report = ev.evaluate(ds.load_dataset(SHARED), workers=2, candidates=True)
    total = report.subset("dev-set ALL")
    assert total.n_pages == 313 and total.failures == 0
    # the bare figures reproduce the set's README baseline: the metric is the same
    assert total.bare.sh_f1 == pytest.approx(0.9307, abs=0.002)
    assert total.ours.sh_f1 >= total.bare.sh_f1 + 0.005
    assert total.ours.empty == 0
    # the choice beats every candidate extractor used alone on all pages ...
    for name, cand in total.candidates.items():
        if name != sc.ORACLE and cand.n == total.ours.n_body:
            assert total.ours.sh_f1 > cand.sh_f1, name
    # ... and stays below the per-page best, which is the ceiling of any choosing rule
    assert total.ours.sh_f1 < total.candidates[sc.ORACLE].sh_f1
    for sub in report.subsets:
        assert sub.ours.sh_f1 >= sub.bare.sh_f1, sub.name
        assert sub.ours.bag_f1 >= sub.bare.bag_f1, sub.name
