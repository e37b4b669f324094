"""``newsflow eval dedup``: score story clustering and wire attribution on the labelled set.

The set (``tests/data/dedup/corpus.jsonl`` in a checkout, written by ``build.py`` beside it) holds
rendered HTML pages labelled with their story and their true agency. The evaluation runs what
ingestion runs: the pipeline's extractor on each page (in the bounded worker pool), fingerprints,
staged batches in a shuffled order, and the real single-writer loader into a scratch DuckDB file.
Then it reads ``articles`` back and compares:

* **pairwise clustering**: every pair of articles is *same story* or not, in the labels and in
  ``story_id``. Precision = correctly joined pairs / joined pairs, recall = correctly joined
  pairs / pairs the labels join, F1 their harmonic mean. Pairs, not clusters, because one wrong
  merge of two big stories is many wrong pairs, which is what it costs the marts.
* **agency accuracy**: ``articles.agency`` (after story inheritance) equals the label, NULL
  included, with a confusion table; **false agency** counts articles labelled NULL (an outlet's
  own reporting) that got any agency. Per-signal accuracy shows what each page signal is worth,
  and the ``none`` row what inheritance recovers.
* **rebuild**: the index is then rebuilt from scratch in clock order; the partition must be the
  one incremental loading produced.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime
from itertools import combinations
from pathlib import Path
from typing import Any

from pipeline.errors import NewsflowError
from pipeline.paths import checkout_path, require

COMMAND = "dedup"
HELP = "score story clustering and wire attribution on the labelled set"
DESCRIPTION = __doc__.split("\n\n")[0] if __doc__ else HELP

SET_PARTS = ("tests", "data", "dedup", "corpus.jsonl")  # the committed set, in a checkout

# The targets; tests assert the measured figures stay at or above them.
TARGET_PRECISION = 0.98
TARGET_RECALL = 0.95
TARGET_AGENCY_ACCURACY = 0.97


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data", type=Path, help="labelled JSONL set (default: tests/data/dedup/corpus.jsonl)"
    )
    p.add_argument("--batch-size", type=int, default=40, help="articles per staged batch")
    p.add_argument("--seed", type=int, default=7, help="load order shuffle seed")
    p.add_argument("--workers", type=int, default=2, help="extraction worker processes")
    p.add_argument("--window-days", type=float, default=7.0, help="story window (days)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument("--errors", type=int, default=15, help="list at most this many mistakes")


@dataclass
class DedupScores:
    n_articles: int = 0
    n_stories: int = 0
    n_predicted_stories: int = 0
    true_pairs: int = 0
    predicted_pairs: int = 0
    correct_pairs: int = 0
    agency_ok: int = 0
    false_agency: int = 0
    n_non_wire: int = 0
    rebuild_equal: bool = False
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    by_signal: dict[str, list[int]] = field(default_factory=dict)  # signal -> [ok, n]
    by_case: dict[str, list[int]] = field(default_factory=dict)  # case -> [joined, n]
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def agency_accuracy(self) -> float:
        return self.agency_ok / self.n_articles if self.n_articles else 0.0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.update(
            precision=self.precision,
            recall=self.recall,
            f1=self.f1,
            agency_accuracy=self.agency_accuracy,
        )
        return d


def default_set() -> Path:
    """The committed set of this checkout; from an installed wheel, a ConfigError naming it."""
    return require(
        checkout_path(*SET_PARTS),
        "the labelled dedup set (tests/data/dedup/corpus.jsonl)",
        "run from a newsflow checkout (or set NEWSFLOW_CHECKOUT) or pass --data PATH",
    )


def read_set(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise NewsflowError(
            f"{path}: no labelled set (generate it with "
            "`python tests/data/dedup/build.py PATH` or pass --data)"
        )
    try:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    except ValueError as exc:
        raise NewsflowError(f"{path}: not JSON lines ({exc})") from None


def _extract(html: str, url: str, record: dict[str, Any]) -> dict[str, Any]:
    """Worker: the pipeline's extractor with the feed-side facts the record carries."""
    from dataclasses import asdict as _asdict

    from pipeline.extract import extract_article

    ext = extract_article(
        html,
        url,
        feed_title=record.get("feed_title"),
        feed_published=datetime.fromisoformat(record["published_at"]),
        feed_author=record.get("feed_author"),
        feed_agency_hint=record.get("feed_agency"),
    )
    return _asdict(ext)


def _article_rows(records: list[dict[str, Any]], workers: int) -> list[Any]:
    """Extract every page and build the staged ``articles`` rows exactly as ingestion does
    (:func:`pipeline.run.batch.article_row`)."""
    from pipeline.acquire.urls import canonicalize_url, url_hash
    from pipeline.run.batch import BatchRows, article_row
    from pipeline.run.pool import BoundedPool

    args = [(r["html"], r["url"], {k: v for k, v in r.items() if k != "html"}) for r in records]
    with BoundedPool(workers) as pool:
        outcomes = pool.map(_extract, args, timeout=60)
    staged = BatchRows(run_id="eval", batch_id="eval")
    rows = []
    for r, out in zip(records, outcomes, strict=True):
        if not out.ok or out.value["outcome"] != "ok":
            raise NewsflowError(f"{r['url']}: extraction failed ({out.error or out.value})")
        url = canonicalize_url(r["url"])
        item = {"feed_id": r["feed_id"], "canonical_url": canonicalize_url(r["feed_link"])}
        fetched_at = datetime.fromisoformat(r["fetched_at"])
        rows.append(
            article_row(staged, item, fetched_at, out.value, None, url_hash(url), url, None)
        )
    return rows


def evaluate(
    path: Path | None = None,
    *,
    batch_size: int = 40,
    seed: int = 7,
    workers: int = 2,
    window_days: float = 7.0,
    max_errors: int = 15,
) -> DedupScores:
    """Run the set (default: the committed one) through extraction and the real loader."""
    import time
    from datetime import UTC, timedelta

    import duckdb

    from pipeline.storage.load import load_staged
    from pipeline.storage.staging import write_batch
    from pipeline.stories.index import StoryIndex

    t0 = time.monotonic()
    records = read_set(path or default_set())
    rows = _article_rows(records, workers)
    truth = {row.article_id: rec for row, rec in zip(rows, records, strict=True)}
    order = list(rows)
    random.Random(seed).shuffle(order)
    with tempfile.TemporaryDirectory(prefix="newsflow-eval-dedup-") as tmp:
        tmpdir = Path(tmp)
        db = tmpdir / "eval.duckdb"
        for i in range(0, len(order), batch_size):
            write_batch(
                tmpdir / "staging",
                f"eval-{i // batch_size:04d}",
                "eval",
                {"articles": order[i : i + batch_size]},
            )
        load_staged(db, tmpdir / "staging", tmpdir / "state", story_window_days=window_days)
        con = duckdb.connect(str(db))
        try:
            predicted = {
                aid: (sid, agency, evidence)
                for aid, sid, agency, evidence in con.execute(
                    "SELECT article_id, story_id, agency, agency_evidence FROM articles"
                ).fetchall()
            }
            con.execute("BEGIN")
            StoryIndex(con, timedelta(days=window_days)).rebuild(datetime.now(UTC))
            con.execute("COMMIT")
            rebuilt = dict(con.execute("SELECT article_id, story_id FROM articles").fetchall())
        finally:
            con.close()
    scores = score(truth, predicted, max_errors=max_errors)
    scores.rebuild_equal = _partition(rebuilt) == _partition(
        {a: s for a, (s, _, _) in predicted.items()}
    )
    scores.seconds = round(time.monotonic() - t0, 1)
    return scores


def _partition(assign: dict[str, str]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = defaultdict(set)
    for aid, sid in assign.items():
        groups[sid].add(aid)
    return {frozenset(g) for g in groups.values()}


def score(
    truth: dict[str, dict[str, Any]],
    predicted: dict[str, tuple[str, str | None, str | None]],
    *,
    max_errors: int = 15,
) -> DedupScores:
    """Pairwise clustering and agency figures (see the module docstring)."""
    s = DedupScores(n_articles=len(truth))
    s.n_stories = len({t["story"] for t in truth.values()})
    s.n_predicted_stories = len({p[0] for p in predicted.values()})
    ids = sorted(truth)
    for a, b in combinations(ids, 2):
        same_true = truth[a]["story"] == truth[b]["story"]
        same_pred = predicted[a][0] == predicted[b][0]
        s.true_pairs += same_true
        s.predicted_pairs += same_pred
        s.correct_pairs += same_true and same_pred
    # Mistakes, by story: predicted clusters mixing labelled stories, labelled stories split.
    by_pred: dict[str, set[str]] = defaultdict(set)
    by_true: dict[str, set[str]] = defaultdict(set)
    for aid in ids:
        by_pred[predicted[aid][0]].add(truth[aid]["story"])
        by_true[truth[aid]["story"]].add(predicted[aid][0])
    for sid, stories in sorted(by_pred.items()):
        if len(stories) > 1:
            s.errors.append(f"merged: {sorted(stories)} in {sid}")
    # Per case: did the copy land in the story of its labelled story's original?
    original = {
        truth[aid]["story"]: predicted[aid][0] for aid in ids if truth[aid]["case"] == "original"
    }
    for aid in ids:
        t = truth[aid]
        if t["case"] == "original":
            continue
        ok = predicted[aid][0] == original.get(t["story"])
        c = s.by_case.setdefault(t["case"], [0, 0])
        c[0] += ok
        c[1] += 1
        if not ok:
            s.errors.append(f"split: {t['case']} copy {t['url']} of {t['story']}")
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    for aid in ids:
        t = truth[aid]
        want, got = t["agency"] or "none", predicted[aid][1] or "none"
        confusion[want][got] += 1
        ok = want == got
        s.agency_ok += ok
        sig = s.by_signal.setdefault(t["signal"], [0, 0])
        sig[0] += ok
        sig[1] += 1
        if t["agency"] is None:
            s.n_non_wire += 1
            s.false_agency += got != "none"
        if not ok:
            s.errors.append(
                f"agency: {t['url']} ({t['signal']}) want {want}, got {got} ({predicted[aid][2]})"
            )
    s.confusion = {k: dict(v) for k, v in sorted(confusion.items())}
    s.errors = s.errors[:max_errors]
    return s


def format_report(s: DedupScores, path: Path) -> str:
    lines = [
        f"labelled set: {path} ({s.n_articles} articles, {s.n_stories} stories; "
        f"{s.n_predicted_stories} predicted stories; {s.seconds:g}s)",
        "",
        "story clustering (pairwise)",
        f"  precision {s.precision:.4f}  (target >= {TARGET_PRECISION})"
        f"   {s.correct_pairs}/{s.predicted_pairs} joined pairs correct",
        f"  recall    {s.recall:.4f}  (target >= {TARGET_RECALL})"
        f"   {s.correct_pairs}/{s.true_pairs} labelled pairs joined",
        f"  F1        {s.f1:.4f}",
        f"  rebuild from scratch gives the same partition: {'yes' if s.rebuild_equal else 'NO'}",
        "",
        "copies joined to their story's original, by case",
    ]
    for case, (ok, n) in sorted(s.by_case.items()):
        lines.append(f"  {case:<22} {ok:>4}/{n:<4} {ok / n:.3f}")
    lines += [
        "",
        f"wire attribution: accuracy {s.agency_accuracy:.4f} (target >= "
        f"{TARGET_AGENCY_ACCURACY}); false agency on non-wire articles: {s.false_agency}/"
        f"{s.n_non_wire}",
        "  by signal on the page:",
    ]
    for sig, (ok, n) in sorted(s.by_signal.items()):
        lines.append(f"    {sig:<14} {ok:>4}/{n:<4} {ok / n:.3f}")
    cols = sorted({g for row in s.confusion.values() for g in row} | set(s.confusion))
    width = max(8, *(len(c) for c in cols)) + 1
    lines += ["", "  confusion (rows: label, columns: predicted)"]
    lines.append("    " + " " * width + "".join(f"{c:>{width}}" for c in cols))
    for want in cols:
        row = s.confusion.get(want, {})
        if not row:
            continue
        lines.append(
            f"    {want:<{width}}" + "".join(f"{row.get(c, 0) or '.':>{width}}" for c in cols)
        )
    if s.errors:
        lines += ["", "mistakes (first ones):", *(f"  {e}" for e in s.errors)]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    data = args.data or default_set()
    scores = evaluate(
        data,
        batch_size=args.batch_size,
        seed=args.seed,
        workers=args.workers,
        window_days=args.window_days,
        max_errors=args.errors,
    )
    if args.json:
        print(json.dumps(scores.to_dict(), indent=1, sort_keys=True))
    else:
        print(format_report(scores, data))
    return 0
