"""`newsflow eval dates`: the pipeline's page date against bare htmldate, same pages, same run.

Why side by side: ``htmldate.find_date(html, original_date=True)`` is the strongest open baseline
for a page's publication day (and was developed on the shared set), so our date earns its extra
rules only by matching or beating it on the same pages, measured the same way.

The set (``../shared/eval/dates`` beside the checkout, or ``--data DIR``): ``gold.json`` maps an
id to ``{"url", "date"}`` (the publication day in the publisher's calendar) and ``html/<id>.html.gz``
holds the page. Ours runs as ingestion would on a page with no feed entry and no URL
(``extract_article(html, "")``); bare htmldate gets the page decoded as UTF-8 with replacement,
as the set's README baseline did.

Scoring: bare htmldate's day is right when it equals the gold day. Ours is a UTC timestamp
(``published_at``), right when some zone from UTC-12 to UTC+14 puts it on the gold day (the
set's rule: we keep UTC, the gold is local). ``no date`` counts pages without any date;
``undated where bare dated`` counts pages where bare htmldate gave a date and ours gave none.
Where ours also knows the publisher's offset (``published_offset_minutes``), the local day is
scored strictly as well.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pipeline.errors import NewsflowError
from pipeline.evaluation.extraction_data import read_gold

COMMAND = "dates"
HELP = "score page publication dates against bare htmldate on date-annotated pages"
DESCRIPTION = (
    "Run the pipeline's extraction (no feed date, no URL) and bare htmldate.find_date("
    "original_date=True) on the same date-annotated pages in the same worker processes; print "
    "accuracy, the no-date rates and a breakdown by date_source. Default data: "
    "../shared/eval/dates beside the checkout."
)
CHUNK = 32
EARLIEST_ZONE = timedelta(hours=-12)
LATEST_ZONE = timedelta(hours=14)


@dataclass(frozen=True)
class DatedPage:
    id: str
    path: Path
    url: str
    gold: date


def default_set() -> Path:
    """The shared dev set, or a clear error naming the path it needs."""
    from pipeline.paths import checkout_dir, require, shared_path

    path = shared_path("eval", "dates")
    root = checkout_dir()
    if path is None and root is not None:  # no shared folder: name where it is expected
        path = root.parent / "shared" / "eval" / "dates"
    return require(
        path,
        "the page-date set (gold.json + html/<id>.html.gz)",
        "pass --data DIR or set NEWSFLOW_SHARED to the folder that holds eval/dates",
    )


def load_set(directory: Path) -> list[DatedPage]:
    """Pages of a date set, in id order; a malformed set is a NewsflowError naming the file."""
    directory = Path(directory)
    gold_path = directory / "gold.json"
    gold = read_gold(directory, "a date set")
    pages = []
    for pid in sorted(gold):
        entry = gold[pid]
        path = directory / "html" / f"{pid}.html.gz"
        if not path.is_file():
            raise NewsflowError(f"{directory}: gold id {pid!r} has no html/{pid}.html.gz")
        try:
            day = date.fromisoformat(str(entry["date"]))
        except (KeyError, TypeError, ValueError):
            raise NewsflowError(f"{gold_path}: {pid!r} has no YYYY-MM-DD date") from None
        pages.append(DatedPage(pid, path, str(entry.get("url") or ""), day))
    return pages


# ------------------------------------------------------------------------------ worker side


def run_both(data: bytes) -> dict[str, Any]:
    """Worker task: ours (no feed, no URL) and bare htmldate on one page, each timed alone."""
    import htmldate

    from pipeline.extract import extract_article

    html = data.decode("utf-8", errors="replace")
    t0 = time.perf_counter()
    try:
        bare = htmldate.find_date(html, original_date=True)
    except Exception:  # the baseline failing on a page is a "no date", as a user would see
        bare = None
    t_bare = time.perf_counter() - t0
    t0 = time.perf_counter()
    ext = extract_article(data, "")
    t_ours = time.perf_counter() - t0
    return {
        "published_at": ext.published_at.isoformat() if ext.published_at else None,
        "offset": ext.published_offset_minutes,
        "source": ext.date_source,
        "flags": ext.date_flags,
        "bare": bare,
        "seconds": t_ours,
        "bare_seconds": t_bare,
    }


def warm_up() -> None:
    """Load trafilatura, htmldate and the language model once per worker."""
    run_both(b"<html><body><article><p>Warm-up, 4 March 2026.</p></article></body></html>")


# ------------------------------------------------------------------------------- scoring


def utc_right(published_at: str | None, gold: date) -> bool:
    """Does some zone from UTC-12 to UTC+14 put this UTC timestamp on the gold day?"""
    if not published_at:
        return False
    dt = datetime.fromisoformat(published_at)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    dt = dt.astimezone(UTC).replace(tzinfo=None)
    return (dt + EARLIEST_ZONE).date() <= gold <= (dt + LATEST_ZONE).date()


def local_day(published_at: str | None, offset: int | None) -> date | None:
    """The publisher's calendar day, when the offset is known."""
    if not published_at or offset is None:
        return None
    dt = datetime.fromisoformat(published_at).astimezone(UTC).replace(tzinfo=None)
    return (dt + timedelta(minutes=offset)).date()


@dataclass
class PageResult:
    page: DatedPage
    value: dict[str, Any] | None  # run_both's answer; None when the worker failed or timed out
    error: str | None = None

    @property
    def ours(self) -> str | None:
        return (self.value or {}).get("published_at")

    @property
    def bare(self) -> str | None:
        return (self.value or {}).get("bare")

    @property
    def source(self) -> str:
        if self.value is None:
            return "failed"
        return self.value.get("source") or "none"

    @property
    def ours_right(self) -> bool:
        return utc_right(self.ours, self.page.gold)

    @property
    def bare_right(self) -> bool:
        return bool(self.bare) and self.bare == self.page.gold.isoformat()


@dataclass
class Report:
    n: int
    ours_acc: float
    bare_acc: float
    ours_undated: int
    bare_undated: int
    undated_where_bare_dated: int
    bare_dated: int
    local_known: int
    local_acc: float | None
    by_source: dict[str, tuple[int, float, float]]  # source -> (pages, ours acc, bare acc)
    ours_ms: float | None
    bare_ms: float | None
    failures: int
    seconds: float
    results: list[PageResult]


def _rate(k: int, n: int) -> float:
    return k / n if n else 0.0


def build_report(results: Sequence[PageResult], seconds: float = 0.0) -> Report:
    n = len(results)
    local = [
        (local_day(r.ours, (r.value or {}).get("offset")), r.page.gold)
        for r in results
        if r.ours and (r.value or {}).get("offset") is not None
    ]
    groups: dict[str, list[PageResult]] = {}
    for r in results:
        groups.setdefault(r.source, []).append(r)
    by_source = {
        s: (
            len(rs),
            _rate(sum(r.ours_right for r in rs), len(rs)),
            _rate(sum(r.bare_right for r in rs), len(rs)),
        )
        for s, rs in sorted(groups.items(), key=lambda kv: -len(kv[1]))
    }
    timed = [r.value for r in results if r.value is not None]
    return Report(
        n=n,
        ours_acc=_rate(sum(r.ours_right for r in results), n),
        bare_acc=_rate(sum(r.bare_right for r in results), n),
        ours_undated=sum(1 for r in results if not r.ours),
        bare_undated=sum(1 for r in results if not r.bare),
        undated_where_bare_dated=sum(1 for r in results if r.bare and not r.ours),
        bare_dated=sum(1 for r in results if r.bare),
        local_known=len(local),
        local_acc=_rate(sum(a == b for a, b in local), len(local)) if local else None,
        by_source=by_source,
        ours_ms=1000 * sum(v["seconds"] for v in timed) / len(timed) if timed else None,
        bare_ms=1000 * sum(v["bare_seconds"] for v in timed) / len(timed) if timed else None,
        failures=sum(1 for r in results if r.value is None),
        seconds=seconds,
        results=list(results),
    )


# ---------------------------------------------------------------------------------- running


def evaluate(
    pages: Sequence[DatedPage], *, workers: int = 2, timeout: float | None = None, progress=None
) -> Report:
    """Both sides on every page in bounded workers (the ingestion time limit per page)."""
    from pipeline.evaluation.extraction import ingestion_timeout
    from pipeline.run.pool import BoundedPool

    timeout = ingestion_timeout() if timeout is None else timeout
    t0 = time.monotonic()
    results: list[PageResult] = []
    with BoundedPool(workers, initializer=warm_up) as pool:
        for start in range(0, len(pages), CHUNK):
            part = pages[start : start + CHUNK]
            args = [(gzip.decompress(p.path.read_bytes()),) for p in part]
            for page, out in zip(part, pool.map(run_both, args, timeout=timeout), strict=True):
                if out.ok and out.value is not None:
                    results.append(PageResult(page, out.value))
                else:
                    err = "timeout" if out.timed_out else (out.error or "failed")
                    results.append(PageResult(page, None, err))
            if progress:
                progress(f"[eval dates] {len(results)}/{len(pages)} pages")
    return build_report(results, time.monotonic() - t0)


# --------------------------------------------------------------------------------- printing


def format_report(rep: Report) -> str:
    def pct(k: int, n: int) -> str:
        return f"{k:>4}/{n:<4} ({_rate(k, n):.3f})"

    ms = (
        f"{rep.ours_ms:.1f} vs {rep.bare_ms:.1f} ms/page (ours = whole extract_article)"
        if rep.ours_ms is not None and rep.bare_ms is not None
        else "-"
    )
    lines = [
        f"{rep.n} pages, no feed date, no URL; {rep.seconds:.0f}s"
        + (f"; {rep.failures} failed/timed out" if rep.failures else ""),
        f"{'':<28} {'ours':>18} {'bare htmldate':>18}",
        f"{'accuracy':<28} {rep.ours_acc:>18.3f} {rep.bare_acc:>18.3f}",
        f"{'no date':<28} {pct(rep.ours_undated, rep.n):>18} {pct(rep.bare_undated, rep.n):>18}",
        f"{'no date where bare has one':<28} "
        f"{pct(rep.undated_where_bare_dated, rep.bare_dated):>18}",
        f"{'time':<28} {ms}",
    ]
    if rep.local_acc is not None:
        lines.append(
            f"local day exact where ours knows the offset: {rep.local_acc:.3f} "
            f"on {rep.local_known} pages"
        )
    lines.append(f"{'date_source':<16} {'pages':>5} {'ours acc':>9} {'bare acc':>9}")
    for source, (n, ours, bare) in rep.by_source.items():
        lines.append(f"{source:<16} {n:>5} {ours:>9.3f} {bare:>9.3f}")
    return "\n".join(lines)


def wrong_pages(rep: Report, n: int) -> list[str]:
    rows = [r for r in rep.results if not r.ours_right]
    return [
        f"{r.page.id}: gold {r.page.gold} ours {r.ours} ({r.source}, "
        f"{(r.value or {}).get('flags') or '-'}) bare {r.bare}"
        for r in rows[:n]
    ]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", metavar="DIR", help="a date set (default ../shared/eval/dates)")
    p.add_argument("--limit", type=int, help="at most N pages, spread over the set")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--timeout", type=float, help="seconds per page (default: extract_timeout)")
    p.add_argument("--wrong", type=int, default=0, metavar="N", help="list N pages ours got wrong")
    p.add_argument("--json", metavar="PATH", help="also write every page's answers as JSON")


def run(args: argparse.Namespace) -> int:
    directory = Path(args.data) if args.data else default_set()
    pages = load_set(directory)
    if args.limit is not None and 0 < args.limit < len(pages):
        step = len(pages) / args.limit
        pages = [pages[int(i * step)] for i in range(args.limit)]
    if args.workers < 1:
        raise NewsflowError("--workers must be at least 1")

    def progress(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    progress(f"[eval dates] {len(pages)} pages from {directory}")
    rep = evaluate(pages, workers=args.workers, timeout=args.timeout, progress=progress)
    print(format_report(rep))
    if args.wrong:
        print(f"\nfirst {args.wrong} pages ours got wrong:")
        print("\n".join("  " + line for line in wrong_pages(rep, args.wrong)))
    if args.json:
        rows = [
            {"id": r.page.id, "gold": r.page.gold.isoformat(), "error": r.error, **(r.value or {})}
            for r in rep.results
        ]
        Path(args.json).write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0
