"""The figures of `newsflow eval extract`: body, title, date, language and outcome scores per
page, summarised per labelled set and source (the metrics are defined in
:mod:`pipeline.evaluation.extraction`'s docstring)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from pipeline.evaluation.extraction_data import LabelledPage, short_source

_SHINGLE_TOKEN = re.compile(r"\w+")


def bag_scores(pred: str, gold: str) -> tuple[float, float, float]:
    """(P, R, F1) of whitespace-token multisets; an empty side scores 0."""
    p_tokens, g_tokens = Counter(pred.split()), Counter(gold.split())
    if not p_tokens or not g_tokens:
        return 0.0, 0.0, 0.0
    overlap = sum((p_tokens & g_tokens).values())
    p, r = overlap / sum(p_tokens.values()), overlap / sum(g_tokens.values())
    return p, r, f1(p, r)


def f1(p: float, r: float) -> float:
    """Harmonic mean of precision and recall (0 when both are 0)."""
    return 2 * p * r / (p + r) if p + r else 0.0


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _SHINGLE_TOKEN.findall(text)
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def shingle_scores(pred: str, gold: str) -> tuple[float, float]:
    """(P, R) of 4-gram shingle multisets; no shingle on either side scores (0, 0)."""
    p_sh, g_sh = shingles(pred), shingles(gold)
    if not p_sh or not g_sh:
        return 0.0, 0.0
    tp = sum((p_sh & g_sh).values())
    return tp / sum(p_sh.values()), tp / sum(g_sh.values())


_PUNCT = re.compile(r"[\W_]+")


def normalise_title(title: str | None) -> str:
    text = unicodedata.normalize("NFKC", title or "").casefold()
    return " ".join(_PUNCT.sub(" ", text).split())


def utc_day(value: str | datetime | None) -> date | None:
    """UTC calendar day of an ISO-8601 value; a bare date is taken as that UTC day."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        text = str(value).strip()
        if len(text) == 10:
            try:
                return date.fromisoformat(text)
            except ValueError:
                return None
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).date()


@dataclass
class PageResult:
    page: LabelledPage
    ours: dict[str, Any] | None
    bare: dict[str, Any] | None
    error: str | None = None
    candidates: dict[str, str] | None = None  # extractor -> finished body (``--candidates``)

    def candidate_scores(self) -> dict[str, tuple[float, float]]:
        """Shingle (P, R) of each body candidate against the gold body (empty without
        ``--candidates``)."""
        gold = self.page.body or ""
        return {name: shingle_scores(body, gold) for name, body in (self.candidates or {}).items()}

    def scores(self, side: str) -> dict[str, Any]:
        """Per-page figures for one side ("ours" or "bare")."""
        res = getattr(self, side) or {}
        g = self.page
        out: dict[str, Any] = {}
        pred = res.get("body") or ""
        if g.body and g.outcome == "ok":
            bp, br, bf = bag_scores(pred, g.body)
            sp, sr = shingle_scores(pred, g.body)
            out.update(bag_p=bp, bag_r=br, bag_f1=bf, sh_p=sp, sh_r=sr, empty=not pred.strip())
        if g.title:
            out["title_exact"] = (res.get("title") or "") == g.title
            out["title_norm"] = normalise_title(res.get("title")) == normalise_title(g.title)
        if g.published:
            out["date_ok"] = utc_day(res.get("published_at")) == utc_day(g.published)
        if g.language and side == "ours":
            out["language_ok"] = res.get("language") == g.language
        if side == "ours":
            out["outcome_ok"] = res.get("outcome", "timeout") == g.outcome
        if "seconds" in res:
            out["seconds"] = res["seconds"]
        return out


@dataclass
class SideSummary:
    n_body: int = 0
    bag_p: float = 0.0
    bag_r: float = 0.0
    bag_f1: float = 0.0
    sh_p: float = 0.0
    sh_r: float = 0.0
    sh_f1: float = 0.0
    empty: int = 0
    n_title: int = 0
    title_exact: float | None = None
    title_norm: float | None = None
    n_date: int = 0
    date_acc: float | None = None
    n_language: int = 0
    language_acc: float | None = None
    n_outcome: int = 0
    outcome_acc: float | None = None
    seconds_mean: float | None = None


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def summarise_side(results: Sequence[PageResult], side: str) -> SideSummary:
    per = [r.scores(side) for r in results]
    s = SideSummary()
    body = [p for p in per if "sh_p" in p]
    s.n_body = len(body)
    if body:
        for key in ("bag_p", "bag_r", "bag_f1", "sh_p", "sh_r"):
            setattr(s, key, sum(p[key] for p in body) / len(body))
        s.sh_f1 = f1(s.sh_p, s.sh_r)
        s.empty = sum(1 for p in body if p["empty"])
    titles = [p for p in per if "title_exact" in p]
    s.n_title = len(titles)
    s.title_exact = _mean([float(p["title_exact"]) for p in titles])
    s.title_norm = _mean([float(p["title_norm"]) for p in titles])
    dates = [float(p["date_ok"]) for p in per if "date_ok" in p]
    s.n_date, s.date_acc = len(dates), _mean(dates)
    langs = [float(p["language_ok"]) for p in per if "language_ok" in p]
    s.n_language, s.language_acc = len(langs), _mean(langs)
    outcomes = [float(p["outcome_ok"]) for p in per if "outcome_ok" in p]
    s.n_outcome, s.outcome_acc = len(outcomes), _mean(outcomes)
    s.seconds_mean = _mean([p["seconds"] for p in per if "seconds" in p])
    return s


@dataclass
class CandidateScore:
    """Shingle P/R/F1 of one body candidate alone (or of the per-page best: ``oracle``) over
    ``n`` pages; F1 of the averaged P and R, like the headline figure."""

    n: int
    sh_p: float
    sh_r: float

    @property
    def sh_f1(self) -> float:
        return f1(self.sh_p, self.sh_r)

    @classmethod
    def of(cls, pages: Sequence[tuple[float, float]]) -> CandidateScore:
        """From per-page (P, R): macro-averaged, like the headline figure."""
        return cls(
            len(pages), sum(p for p, _ in pages) / len(pages), sum(r for _, r in pages) / len(pages)
        )


ORACLE = "oracle"


def summarise_candidates(results: Sequence[PageResult]) -> dict[str, CandidateScore]:
    """Each candidate extractor scored alone on the pages where it gave a candidate, and
    ``oracle``: on every body-scored page, the candidate with the best shingle F1 there (the
    ceiling of any rule that picks one candidate per page). Empty without ``--candidates``."""
    per_name: dict[str, list[tuple[float, float]]] = {}
    oracle: list[tuple[float, float]] = []
    for r in results:
        if not (r.page.body and r.page.outcome == "ok"):
            continue
        scored = r.candidate_scores()
        if not scored:
            continue
        for name, pr in scored.items():
            per_name.setdefault(name, []).append(pr)
        oracle.append(max(scored.values(), key=lambda pr: f1(*pr)))
    out = {name: CandidateScore.of(v) for name, v in sorted(per_name.items())}
    if oracle:
        out[ORACLE] = CandidateScore.of(oracle)
    return out


@dataclass
class SubsetReport:
    name: str
    n_pages: int
    ours: SideSummary
    bare: SideSummary
    extractors: dict[str, int]
    outcomes: dict[str, int]
    failures: int
    candidates: dict[str, CandidateScore] = field(default_factory=dict)

    @property
    def time_ratio(self) -> float | None:
        if self.ours.seconds_mean is None or not self.bare.seconds_mean:
            return None
        return self.ours.seconds_mean / self.bare.seconds_mean


@dataclass
class Report:
    subsets: list[SubsetReport]
    results: list[PageResult]
    seconds: float

    def subset(self, name: str) -> SubsetReport:
        for s in self.subsets:
            if s.name == name:
                return s
        raise KeyError(name)


def summarise(results: Sequence[PageResult], name: str) -> SubsetReport:
    ok = [r for r in results if r.ours is not None]
    return SubsetReport(
        name=name,
        n_pages=len(results),
        ours=summarise_side(results, "ours"),
        bare=summarise_side(ok, "bare"),
        extractors=dict(Counter(r.ours["extractor"] for r in ok if r.ours.get("body"))),
        outcomes=dict(Counter((r.ours or {}).get("outcome", "failed") for r in results)),
        failures=len(results) - len(ok),
        candidates=summarise_candidates(ok),
    )


def build_report(results: Sequence[PageResult], seconds: float = 0.0) -> Report:
    """Per labelled set: one subset per source, then "<set> ALL" when the set has several."""
    groups: dict[str, dict[str, list[PageResult]]] = {}
    for r in results:
        by_source = groups.setdefault(r.page.group or "pages", {})
        by_source.setdefault(short_source(r.page.source), []).append(r)
    subsets = []
    for group, by_source in groups.items():
        subsets.extend(summarise(rs, name) for name, rs in sorted(by_source.items()))
        if len(by_source) > 1:
            subsets.append(summarise([r for rs in by_source.values() for r in rs], f"{group} ALL"))
    return Report(subsets=subsets, results=list(results), seconds=seconds)
