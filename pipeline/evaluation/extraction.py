"""`newsflow eval extract`: score the pipeline's extraction on labelled pages, side by side with
bare ``trafilatura.extract(html, include_comments=False)`` on the same pages in the same run.

Why side by side: trafilatura's default is the strongest open baseline, so "ours" only earns its
extra code by beating it on the same pages, measured the same way, in the same process.

Labelled sets (a directory with ``gold.json`` and ``html/<id>.html``):

- ``tests/data/extraction/`` in the repository: our own pages (paywall teasers, consent walls,
  wire boilerplate, naive dates, several languages ...) with gold body, title, published time,
  language, expected outcome and the feed entry's facts (``feed``: title, published, timezone,
  country, author, agency).
- ``../shared/eval/extraction/`` next to the repository, when present: 313 real pages with gold
  body (see its README for sources, licences and the bare-trafilatura baseline). Read in place.
- the bundled demo site (``pipeline/demo_site``, gold title and published time from its
  MANIFEST, no gold body).

``gold.json`` maps an id to ``{"body", "source", "url"}`` plus, optionally, ``title``,
``published`` (ISO-8601; a bare ``YYYY-MM-DD`` is a UTC day), ``language`` (ISO 639-1),
``outcome`` (expected ``Extraction.outcome``, default ``ok``) and ``feed``. A ``null`` body means
"no gold body" (the page is only scored on what it has gold for).

Metrics (the shared set's README defines the first two; matching them exactly is what makes the
bare figures here reproduce its published baseline):

- Bag of tokens: tokens = ``str.split()``, case-sensitive. Per page, overlap = size of the
  multiset intersection; P = overlap/|pred|, R = overlap/|gold|, F1 = 2PR/(P+R) (0 when P+R=0);
  an empty prediction scores 0. P, R and F1 are each macro-averaged over pages (the F1 column
  is the mean of per-page F1).
- 4-gram shingles: tokens = ``re.findall(r"\\w+", text)`` (Unicode, case-sensitive); shingles =
  all runs of 4 consecutive tokens, as multisets. Per page, TP = size of the multiset
  intersection, P = TP/|pred|, R = TP/|gold|; a page with no shingle in the prediction or in the
  gold scores P = R = 0. P and R are macro-averaged over pages and **F1 is the harmonic mean of
  the averaged P and R** (the headline figure, "shingle F1").
- Body scores cover pages whose gold body is non-empty and whose expected outcome is ``ok``;
  ``empty`` counts those pages where the extraction returned no body at all.
- Title: exact match, and normalised match (NFKC, casefold, punctuation and whitespace folded).
- Date: the UTC calendar day of ``published_at`` equals the gold's UTC day.
- Language: exact ISO 639-1 match. Outcome: exact match with the expected outcome.
- Time: wall-clock seconds per page measured inside the worker process around each extractor
  alone (ours: the whole ``extract_article``; bare: the one ``trafilatura.extract`` call),
  averaged over pages; ``ratio`` = mean ours / mean bare.

- Candidates (``--candidates``): every body candidate the choice picks from
  (:func:`pipeline.extract.candidate_bodies`: trafilatura fast and full cascade, readability,
  baseline, JSON-LD), each finished like ours and scored alone, plus ``oracle``, the best
  candidate on each page: how much a better choice could still gain, and how much no candidate
  gets right.

Bare trafilatura has no title/date/language of its own in ``extract``'s text output; for the side
by side its metadata comes from ``trafilatura.extract_metadata(extensive=False)`` (not timed).

Pages run in :class:`pipeline.run.pool.BoundedPool` with the ingestion time limit per page
(``Settings.extract_timeout``), so a page that would hang ingestion shows up here as a timeout.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.errors import NewsflowError
from pipeline.evaluation.extraction_data import (
    LabelledPage,
    default_datasets,
    load_dataset,
    load_demo_site,
    select_pages,
)
from pipeline.evaluation.extraction_scores import PageResult, Report, build_report, f1

COMMAND = "extract"
HELP = "score body/title/date/language extraction on labelled pages against bare trafilatura"
DESCRIPTION = (
    "Run the pipeline's extraction and bare trafilatura.extract(include_comments=False) on "
    "labelled pages in the same worker processes and print token and 4-gram shingle "
    "precision/recall/F1 of the body, title/date/language/outcome accuracy and time per page, "
    "per source. Default data: the repository's tests/data/extraction, ../shared/eval/extraction "
    "when present, and the bundled demo site."
)

CHUNK = 32


# ------------------------------------------------------------------------------ worker side


def hints_kwargs(feed: dict[str, Any]) -> dict[str, Any]:
    published = feed.get("published")
    return {
        "feed_title": feed.get("title"),
        "feed_published": datetime.fromisoformat(published) if published else None,
        "feed_author": feed.get("author"),
        "feed_agency_hint": feed.get("agency"),
        "default_tz": feed.get("timezone"),
        "country": feed.get("country"),
    }


def run_both(
    data: bytes, url: str, feed: dict[str, Any], candidates: bool = False
) -> dict[str, Any]:
    """Worker task: ours and bare trafilatura on one page, each timed alone; with
    ``candidates``, also every body candidate ours chooses from (not timed).

    Bare gets what the shared set's README baseline got: the page as a UTF-8 ``str``.
    """
    import trafilatura

    from pipeline.extract import candidate_bodies, extract_article

    html = data.decode("utf-8", errors="replace")
    t0 = time.perf_counter()
    bare = trafilatura.extract(html, include_comments=False) or ""
    t_bare = time.perf_counter() - t0
    t0 = time.perf_counter()
    ext = extract_article(data, url, **hints_kwargs(feed))
    t_ours = time.perf_counter() - t0
    try:
        # extensive=False: the default extensive date search can take 10+ s on a page
        meta = trafilatura.extract_metadata(html, default_url=url, extensive=False)
        bare_title, bare_date = meta.title, meta.date
    except Exception:  # metadata of the baseline is informative only
        bare_title, bare_date = None, None
    return {
        "ours": {
            "outcome": ext.outcome,
            "body": ext.body,
            "title": ext.title,
            "published_at": ext.published_at.isoformat() if ext.published_at else None,
            "date_source": ext.date_source,
            "date_flags": ext.date_flags,
            "language": ext.language,
            "extractor": ext.extractor,
            "agency": ext.agency,
            "error": ext.error,
            "seconds": t_ours,
        },
        "bare": {"body": bare, "title": bare_title, "published_at": bare_date, "seconds": t_bare},
        "candidates": (
            candidate_bodies(data, url, feed_title=feed.get("title")) if candidates else None
        ),
    }


def warm_up() -> None:
    """Load trafilatura, readability, htmldate and the language model once per worker, outside
    any page's time limit."""
    run_both(
        b"<html lang='en'><body><article><h1>Warm-up</h1><p>Warm-up text written to load the "
        b"extractors and the language model once per worker process.</p></article></body></html>",
        "https://warm-up.invalid/",
        {},
    )


# ---------------------------------------------------------------------------------- running


def evaluate(
    pages: Sequence[LabelledPage],
    *,
    workers: int = 2,
    timeout: float | None = None,
    progress: Callable[[str], None] | None = None,
    candidates: bool = False,
) -> Report:
    """Run both extractors on every page in bounded workers and score them; with
    ``candidates``, also score every body candidate alone and the per-page best of them."""
    from pipeline.run.pool import BoundedPool

    if timeout is None:
        timeout = ingestion_timeout()
    t0 = time.monotonic()
    results: list[PageResult] = []
    with BoundedPool(workers, initializer=warm_up) as pool:
        for start in range(0, len(pages), CHUNK):
            part = pages[start : start + CHUNK]
            args = [(p.path.read_bytes(), p.url, p.feed, candidates) for p in part]
            for page, outcome in zip(part, pool.map(run_both, args, timeout=timeout), strict=True):
                if outcome.ok and outcome.value is not None:
                    v = outcome.value
                    results.append(
                        PageResult(page, v["ours"], v["bare"], candidates=v["candidates"])
                    )
                else:
                    err = "timeout" if outcome.timed_out else (outcome.error or "failed")
                    results.append(PageResult(page, None, None, error=err))
            if progress:
                progress(
                    f"[eval extract] {len(results)}/{len(pages)} pages, "
                    f"{time.monotonic() - t0:.0f}s"
                )
    return build_report(results, time.monotonic() - t0)


def ingestion_timeout() -> float:
    """The per-page wall-clock limit ingestion uses (``NEWSFLOW_EXTRACT_TIMEOUT`` respected)."""
    from pipeline.settings import load_settings

    try:
        return load_settings(None).extract_timeout
    except NewsflowError:
        from pipeline.settings import Settings

        return Settings().extract_timeout


# --------------------------------------------------------------------------------- printing


def _f(x: float | None, digits: int = 4) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def format_report(report: Report) -> str:
    lines = []
    head = (
        f"{'subset':<18} {'side':<5} {'pages':>5} {'body':>5} {'bagP':>6} {'bagR':>6} "
        f"{'bagF1':>6} {'shP':>6} {'shR':>6} {'shF1':>6} {'empty':>5} {'title':>6} "
        f"{'titleN':>6} {'date':>6} {'lang':>6} {'outc':>6} {'ms/pg':>7} {'ratio':>5}"
    )
    lines.append(head)
    lines.append("-" * len(head))
    for sub in report.subsets:
        for side, s in (("ours", sub.ours), ("bare", sub.bare)):
            ratio = _f(sub.time_ratio, 2) if side == "ours" else ""
            lines.append(
                f"{sub.name[:18]:<18} {side:<5} {sub.n_pages:>5} {s.n_body:>5} "
                f"{_f(s.bag_p):>6} {_f(s.bag_r):>6} {_f(s.bag_f1):>6} {_f(s.sh_p):>6} "
                f"{_f(s.sh_r):>6} {_f(s.sh_f1):>6} {s.empty:>5} {_f(s.title_exact, 3):>6} "
                f"{_f(s.title_norm, 3):>6} {_f(s.date_acc, 3):>6} {_f(s.language_acc, 3):>6} "
                f"{_f(s.outcome_acc, 3):>6} "
                f"{_f(None if s.seconds_mean is None else 1000 * s.seconds_mean, 1):>7} "
                f"{ratio:>5}"
            )
        lines.append(
            f"{'':<18} delta shingle F1 {sub.ours.sh_f1 - sub.bare.sh_f1:+.4f}; extractors "
            + (", ".join(f"{k}={v}" for k, v in sorted(sub.extractors.items())) or "none")
            + "; outcomes "
            + ", ".join(f"{k}={v}" for k, v in sorted(sub.outcomes.items()))
            + (f"; {sub.failures} failed/timed out" if sub.failures else "")
        )
    lines.append(
        f"counts: title/date/lang/outcome over pages with that gold; ms/pg = mean wall time per "
        f"page inside the worker; {len(report.results)} pages in {report.seconds:.0f}s"
    )
    if any(sub.candidates for sub in report.subsets):
        lines.extend(["", *format_candidates(report)])
    return "\n".join(lines)


def format_candidates(report: Report) -> list[str]:
    """Per subset: each body candidate alone, the per-page best (oracle), ours and bare."""
    head = f"{'subset':<18} {'body candidate':<20} {'pages':>5} {'shP':>6} {'shR':>6} {'shF1':>6}"
    lines = [
        "body candidates, each finished (headline, boilerplate) like ours; "
        "oracle = the best candidate on each page:",
        head,
        "-" * len(head),
    ]
    for sub in report.subsets:
        rows = [(name, c.n, c.sh_p, c.sh_r, c.sh_f1) for name, c in sub.candidates.items()]
        rows += [
            (f"= {side}", s.n_body, s.sh_p, s.sh_r, s.sh_f1)
            for side, s in (("ours", sub.ours), ("bare", sub.bare))
        ]
        for name, n, p, r, f in rows:
            lines.append(f"{sub.name[:18]:<18} {name:<20} {n:>5} {p:>6.4f} {r:>6.4f} {f:>6.4f}")
    return lines


def worst_pages(report: Report, n: int) -> list[str]:
    rows = []
    for r in report.results:
        s = r.scores("ours")
        b = r.scores("bare") if r.bare else {}
        if "sh_p" in s:
            of = f1(s["sh_p"], s["sh_r"])
            bf = f1(b["sh_p"], b["sh_r"]) if b else 0.0
            rows.append((of, r.page.id, bf, (r.ours or {}).get("extractor")))
    rows.sort()
    return [f"{pid}: ours {of:.3f} ({ex}), bare {bf:.3f}" for of, pid, bf, ex in rows[:n]]


def _report_json(report: Report) -> dict[str, Any]:
    from dataclasses import asdict

    return {
        "subsets": [
            {
                **asdict(s),
                "time_ratio": s.time_ratio,
                "candidates": {
                    name: {**asdict(c), "sh_f1": c.sh_f1} for name, c in s.candidates.items()
                },
            }
            for s in report.subsets
        ],
        "pages": [
            {
                "id": r.page.id,
                "source": r.page.source,
                "error": r.error,
                "ours": r.scores("ours"),
                "bare": r.scores("bare") if r.bare else None,
                "extractor": (r.ours or {}).get("extractor"),
                "outcome": (r.ours or {}).get("outcome"),
                "candidates": (
                    {name: {"sh_p": p, "sh_r": q} for name, (p, q) in r.candidate_scores().items()}
                    if r.candidates is not None
                    else None
                ),
            }
            for r in report.results
        ],
        "seconds": report.seconds,
    }


# -------------------------------------------------------------------------------------- CLI


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data",
        action="append",
        metavar="DIR",
        help="a labelled set (gold.json + html/); repeatable. Default: tests/data/extraction "
        "and ../shared/eval/extraction when present, plus the demo site",
    )
    p.add_argument(
        "--source",
        action="append",
        metavar="TEXT",
        help="only pages whose source or id contains TEXT (repeatable), e.g. dragnet, readability",
    )
    p.add_argument("--limit", type=int, help="at most N pages, spread over the selection")
    p.add_argument("--no-demo", action="store_true", help="leave out the bundled demo pages")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument(
        "--timeout",
        type=float,
        help="wall-clock seconds per page (default: the ingestion limit, extract_timeout)",
    )
    p.add_argument("--worst", type=int, default=0, metavar="N", help="list the N worst pages")
    p.add_argument("--json", metavar="PATH", help="also write every figure, per page, as JSON")
    p.add_argument(
        "--candidates",
        action="store_true",
        help="also score every body candidate (trafilatura fast and full, readability, "
        "baseline, JSON-LD) alone, and the best of them per page: the ceiling of choosing",
    )


def run(args: argparse.Namespace) -> int:
    dirs = [Path(d) for d in args.data] if args.data else default_datasets()
    pages: list[LabelledPage] = []
    for d in dirs:
        pages.extend(load_dataset(d))
    if not args.no_demo and not args.data:
        pages.extend(load_demo_site())
    pages = select_pages(pages, args.source or (), args.limit)
    if not pages:
        raise NewsflowError("no labelled pages selected (check --data/--source)")
    if args.workers < 1:
        raise NewsflowError("--workers must be at least 1")

    def progress(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    progress(f"[eval extract] {len(pages)} pages from {', '.join(map(str, dirs)) or 'demo'}")
    report = evaluate(
        pages,
        workers=args.workers,
        timeout=args.timeout,
        progress=progress,
        candidates=args.candidates,
    )
    print(format_report(report))
    if args.worst:
        print(f"\n{args.worst} lowest shingle F1 (ours):")
        for line in worst_pages(report, args.worst):
            print("  " + line)
    if args.json:
        Path(args.json).write_text(
            json.dumps(_report_json(report), indent=1, default=str), encoding="utf-8"
        )
    return 0
