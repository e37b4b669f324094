"""`newsflow eval dedup` on the committed labelled set: the measured figures meet the targets.

The set is regenerated here and compared byte for byte, so the committed file is exactly what
the generator writes (no hand edits, nothing tuned into it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from helpers import load_script

from pipeline.evaluation import dedup as ev

HERE = Path(__file__).parent / "data" / "dedup"
DATA = HERE / "corpus.jsonl"


def _load_generator():
    """``tests/data/dedup/build.py``, the generator beside the set (a script, not a package)."""
    return load_script(HERE / "build.py", "dedup_set_build")


build = _load_generator()
CASES, SIGNALS, build_corpus = build.CASES, build.SIGNALS, build.build_corpus


@pytest.fixture(scope="module")
def records():
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def scores():
    return ev.evaluate(DATA, workers=2)


def test_committed_set_is_the_generators_output(records):
    assert records == json.loads(json.dumps(build_corpus()))


def test_set_covers_every_case(records):
    stories = {r["story"] for r in records}
    assert len(records) >= 300 and len(stories) >= 60
    cases = Counter(r["case"] for r in records)
    signals = Counter(r["signal"] for r in records)
    assert set(CASES) <= set(cases) and set(SIGNALS) <= set(signals)
    # hard negatives: three reports by one agency on one day, per event
    per_event_agency = Counter(
        (r["event"], r["agency"]) for r in records if r["case"] == "original" and r["agency"]
    )
    assert sum(n >= 3 for n in per_event_agency.values()) >= 10
    assert sum(r["agency"] is None for r in records) >= 40  # non-wire articles
    assert len({r["url"] for r in records}) == len(records)


def test_clustering_meets_targets(scores):
    assert scores.n_articles >= 300
    assert scores.precision >= ev.TARGET_PRECISION, scores.errors
    assert scores.recall >= ev.TARGET_RECALL, scores.errors
    assert scores.rebuild_equal


def test_agency_meets_targets_with_no_false_agency(scores):
    assert scores.agency_accuracy >= ev.TARGET_AGENCY_ACCURACY, scores.errors
    assert scores.n_non_wire >= 40 and scores.false_agency == 0, scores.errors
    # copies with no signal at all get their agency from the story
    ok, n = scores.by_signal["none"]
    assert n > 0 and ok / n >= 0.9


def test_report_lists_the_figures(scores):
    text = ev.format_report(scores, DATA)
    assert "precision" in text and "confusion" in text and "by signal" in text


def test_score_counts_pairs():
    truth = {
        a: {"story": s, "agency": ag, "case": c, "signal": "x", "url": a}
        for a, s, ag, c in [
            ("a", "S1", "AFP", "original"),
            ("b", "S1", "AFP", "verbatim"),
            ("c", "S1", "AFP", "truncated"),
            ("d", "S2", None, "original"),
        ]
    }
    predicted = {
        "a": ("x", "AFP", "dateline"),
        "b": ("x", "AFP", "story"),
        "c": ("y", None, None),
        "d": ("x", "AFP", "story"),
    }
    s = ev.score(truth, predicted)
    # labelled pairs: ab ac bc; predicted pairs: ab ad bd; correct: ab
    assert (s.true_pairs, s.predicted_pairs, s.correct_pairs) == (3, 3, 1)
    assert s.precision == pytest.approx(1 / 3) and s.recall == pytest.approx(1 / 3)
    assert s.agency_ok == 2 and s.false_agency == 1 and s.n_non_wire == 1
    assert s.by_case["truncated"] == [0, 1]
    assert s.confusion["none"] == {"AFP": 1}


def _newsflow(*args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("newsflow")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "pipeline"]
    return subprocess.run(
        [*cmd, *args], capture_output=True, text=True, timeout=300, env=dict(os.environ)
    )


def test_cli_json_on_a_subset_and_one_line_error(tmp_path, records):
    small = tmp_path / "small.jsonl"
    keep = {"quake-malatya", "strike-kharkiv"}
    small.write_text(
        "".join(json.dumps(r) + "\n" for r in records if r["event"] in keep), encoding="utf-8"
    )
    r = _newsflow("eval", "dedup", "--data", str(small), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["n_stories"] == 12 and out["precision"] >= ev.TARGET_PRECISION
    missing = _newsflow("eval", "dedup", "--data", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 1
    assert "no labelled set" in missing.stderr and "Traceback" not in missing.stderr


def test_default_set_is_found_through_the_checkout():
    assert ev.default_set() == DATA.resolve()


def test_without_a_checkout_the_default_set_names_what_it_needs(monkeypatch, tmp_path):
    from pipeline.errors import ConfigError

    monkeypatch.setenv("NEWSFLOW_CHECKOUT", str(tmp_path))
    with pytest.raises(ConfigError, match=r"tests/data/dedup/corpus\.jsonl.*--data"):
        ev.default_set()


def test_generator_writes_the_committed_file(tmp_path):
    out = tmp_path / "corpus.jsonl"
    assert build.main([str(out)]) == 0
    assert out.read_bytes() == DATA.read_bytes()
