"""Article identity and story identity: when are two articles *the same report*?

Two different questions, kept apart on purpose:

- *Same article*: one canonical URL (see ``pipeline.acquire.urls``). Enforced by ``articles.article_id``.
- *Same story*: the same report carried by several articles. A wire dispatch is republished by
  dozens of outlets under new headlines, cut after a few paragraphs, lightly copy-edited, inside
  different page chrome. Counting each copy as news inflates every number downstream, so
  ``story_id`` groups them. This module holds the pure rules; ``pipeline.stories.index`` applies
  them incrementally inside the loader's transaction.

The similarity notion (and why)
-------------------------------
Bodies are folded (Unicode NFKC, accents stripped, case-folded, punctuation dropped) and cut into
word 5-shingles (character 5-grams in Chinese and Japanese, written without spaces); the first ``MAX_SHINGLES`` distinct shingles in text order are *the text* (about
a thousand words: enough for any news report, and a prefix, so truncation stays comparable). The
*lede* is the first ``LEDE_SHINGLES`` distinct shingles (about the first 35 words).

Two articles are the same report when either

1. **near-duplicate**: Jaccard(shingles) >= ``JACCARD_MIN``. Covers verbatim copies, new
   headlines (the headline is not in the body), different chrome (a few extra lines), light
   copy-editing: re-spelling a name that occurs four times changes about twenty shingles, dropping
   a sentence about thirty, out of hundreds; or
2. **truncated copy**: containment of the shorter in the longer >= ``CONTAINMENT_MIN`` *and* their
   ledes agree (lede Jaccard >= ``LEDE_MIN``). A copy cut after three of ten paragraphs has a
   Jaccard of only 0.3, but it is almost entirely contained in the original and starts like it:
   truncation keeps a *prefix*. The lede condition is what stops a long round-up or live page that
   quotes a whole dispatch further down from swallowing it (and then bridging unrelated stories),
   and what keeps apart two reports that share a paragraph. The thresholds allow for a copy that
   is both cut and edited: in a 45-word, two-paragraph cut, one re-spelt name and a stripped
   dateline cost about ten of its forty shingles (containment ~0.75) and about half of its lede.

Different reports on the same event by the same agency share vocabulary, names, sometimes a quoted
paragraph or a boilerplate background paragraph ("Russia launched its full-scale invasion ..."):
one shared paragraph out of five is a Jaccard near 0.1 and a containment near 0.2; even two shared
paragraphs of five stay near 0.3 and 0.5. And their ledes differ (lede Jaccard near 0), which is
the margin the containment rule relies on. ``newsflow eval dedup`` prints the figures on our
labelled set, hard negatives included.

Candidates come from MinHash LSH on the shingles (36 bands of 3 rows: a pair at Jaccard 0.5 is a
candidate with probability 0.99, one at 0.05 with 0.005) and on the lede (8 bands of 2 rows: a
truncated copy shares the lede exactly). Every candidate pair is then verified on the exact
shingle sets above, so LSH only decides *what to compare*, never *what matches*.

Stories in time
---------------
Only articles whose story clocks (``published_at``, else ``fetched_at``) are at most the window
``W`` (``story_window_days``, default 7) apart are compared. Matching pairs link articles into
*clusters* (connected components). A story may not span more than ``W``: a cluster is cut in time
order (by ``(clock, article_id)``): its first article anchors a story, every later article joins
the current story while it is within ``W`` of the anchor, and the first one beyond starts the next
story (see :func:`split_stories`). Daily bulletins that reuse yesterday's text therefore cannot
chain into a months-long "story".

Both steps are functions of the *set* of articles, not of the order they arrived in, and the story
id is derived from the anchor (``st_`` + the anchor's ``article_id``), so loading the same articles
in any order and any batching, or rebuilding from scratch, gives the same stories with the same
ids. The price: when an article published *before* a story's first article arrives late, it
becomes the anchor and the story is re-keyed (its members are rewritten in the same transaction).
When a new article bridges two clusters, they merge; the merged cluster is cut again by the same
rule, so the surviving id is that of the earliest article.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import numpy as np

# --------------------------------------------------------------------------------------------
# Parameters. Changing the shingling or LSH ones changes stored fingerprints: bump
# FINGERPRINT_VERSION. The story index records FINGERPRINT_VERSION and story_method() (which names
# the thresholds and the window); when either differs, the loader rebuilds the index from the
# stored bodies, so stored stories always follow the rule in force.

FINGERPRINT_VERSION = "nd1"
SHINGLE_WORDS = 5
MAX_SHINGLES = 1024
LEDE_SHINGLES = 32
FULL_BANDS, FULL_ROWS = 36, 3
LEDE_BANDS, LEDE_ROWS = 8, 2
N_BAND_KEYS = FULL_BANDS + LEDE_BANDS

JACCARD_MIN = 0.5
CONTAINMENT_MIN = 0.7
LEDE_MIN = 0.4
MIN_CONTAINED_SHINGLES = 12  # a containment match needs this many shingles in the shorter text

DEFAULT_WINDOW = timedelta(days=7)


def story_method(window: timedelta = DEFAULT_WINDOW) -> str:
    """What ``stories.method`` records: the rule and its parameters."""
    days = window.total_seconds() / 86400
    return (
        f"near_dup/{FINGERPRINT_VERSION}:k={SHINGLE_WORDS},j>={JACCARD_MIN},"
        f"c>={CONTAINMENT_MIN}+lede>={LEDE_MIN},window={days:g}d"
    )


# --------------------------------------------------------------------------------------------
# Exact identity (kept: content_hash is a stored column)

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalize_body(text: str) -> str:
    """Fold a body to the words that make up the report, for hashing."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    return " ".join(_NON_WORD.sub(" ", text).split())


def content_hash(text: str) -> str:
    """Stable 16-hex digest of the normalised body (64 bits: collisions need ~4e9 bodies)."""
    return hashlib.sha256(normalize_body(text).encode("utf-8")).hexdigest()[:16]


def story_id_for(anchor_article_id: str) -> str:
    """A story's key: derived from its first article, so the same partition has the same ids."""
    return f"st_{anchor_article_id}"


# --------------------------------------------------------------------------------------------
# Shingles and MinHash

# Han and kana are written without spaces: each character is a token there (so a shingle is a
# 5-character n-gram); everything else is split into words.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(f"[{_CJK}]|[^\\W{_CJK}]+", re.UNICODE)
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def _rng_u64(seed: int, n: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2**63, size=n, dtype=np.uint64) * np.uint64(
        2
    ) + np.uint64(1)  # odd: multiply-shift hashing needs odd multipliers


# Fixed seeds: fingerprints must be identical in every process and every release of this version.
_SHINGLE_MULT = _rng_u64(20260301, SHINGLE_WORDS)
_FULL_A = _rng_u64(20260302, FULL_BANDS * FULL_ROWS)
_FULL_B = _rng_u64(20260303, FULL_BANDS * FULL_ROWS)
_LEDE_A = _rng_u64(20260304, LEDE_BANDS * LEDE_ROWS)
_LEDE_B = _rng_u64(20260305, LEDE_BANDS * LEDE_ROWS)
_BAND_SEED = _rng_u64(20260306, N_BAND_KEYS)

_token_cache: dict[str, int] = {}


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads structured 64-bit values over all bits (vectorised)."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _token_hashes(tokens: list[str]) -> np.ndarray:
    """Stable 64-bit hash per token (blake2b, memoised: news vocabulary is small)."""
    vals = list(map(_token_cache.get, tokens))
    if None in vals:
        if len(_token_cache) > 2_000_000:
            _token_cache.clear()
        for i, (tok, v) in enumerate(zip(tokens, vals, strict=True)):
            if v is None:
                v = int.from_bytes(
                    hashlib.blake2b(tok.encode("utf-8"), digest_size=8).digest(), "little"
                )
                _token_cache[tok] = v
                vals[i] = v
    return np.array(vals, dtype=np.uint64)


def shingle_tokens(text: str) -> list[str]:
    """The words shingles are made of: NFKC, accents stripped, case-folded, punctuation dropped.

    Accents go because copy desks disagree on them (São Paulo / Sao Paulo); punctuation and quote
    style because they are house style, not the report. Chinese and Japanese characters are one
    token each.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
        text = unicodedata.normalize("NFC", _COMBINING.sub("", text))  # recompose kana
    return _WORD.findall(text.casefold())


def shingle_hashes(text: str) -> np.ndarray:
    """64-bit hashes of the distinct word shingles, in order of first occurrence, capped."""
    tokens = shingle_tokens(text)
    if not tokens:
        return np.zeros(0, dtype=np.uint64)
    return shingle_hashes_of_tokens(_token_hashes(tokens))


def shingle_hashes_of_tokens(th: np.ndarray) -> np.ndarray:
    """:func:`shingle_hashes` from per-token 64-bit hashes (benchmarks feed these directly)."""
    if len(th) == 0:
        return np.zeros(0, dtype=np.uint64)
    k = min(SHINGLE_WORDS, len(th))
    n = len(th) - k + 1
    acc = np.zeros(n, dtype=np.uint64)
    for j in range(k):
        acc = acc + th[j : j + n] * _SHINGLE_MULT[j]  # wraps mod 2**64, as intended
    h = _mix(acc + np.uint64(k))
    _, first = np.unique(h, return_index=True)
    first.sort()
    return h[first[:MAX_SHINGLES]]


def _minhash(h: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Multiply-shift MinHash: one 32-bit minimum per (a, b) pair."""
    if len(h) == 0:
        return np.full(len(a), np.uint64(0xFFFFFFFF), dtype=np.uint64)
    return ((h[:, None] * a[None, :] + b[None, :]) >> np.uint64(32)).min(axis=0)


def _band_keys(sig: np.ndarray, rows: int, seeds: np.ndarray) -> np.ndarray:
    bands = sig.reshape(-1, rows)
    x = seeds.copy()
    for r in range(rows):
        x = _mix(x ^ bands[:, r])
    return x


@dataclass(frozen=True)
class Fingerprint:
    """What the story index stores per article: exact sets for verification, LSH band keys for
    candidate lookup. ``shingles`` and ``lede`` are sorted distinct 32-bit values."""

    shingles: tuple[int, ...]
    lede: tuple[int, ...]
    band_keys: tuple[int, ...]  # signed 64-bit (DuckDB BIGINT)
    version: str = FINGERPRINT_VERSION

    def to_columns(self) -> dict[str, object]:
        """The staged columns (``pipeline.storage.staging`` articles table)."""
        return {
            "fingerprint_version": self.version,
            "fp_shingles": list(self.shingles),
            "fp_lede": list(self.lede),
            "fp_band_keys": list(self.band_keys),
        }


def fingerprint(text: str) -> Fingerprint:
    """Fingerprint one body. Deterministic across processes (no Python ``hash``)."""
    return fingerprint_of_shingles(shingle_hashes(text))


def fingerprint_of_shingles(h: np.ndarray) -> Fingerprint:
    """The fingerprint of a body's :func:`shingle_hashes`."""
    lede = h[:LEDE_SHINGLES]
    full_sig = _minhash(h, _FULL_A, _FULL_B)
    lede_sig = _minhash(lede, _LEDE_A, _LEDE_B)
    keys = np.concatenate(
        [
            _band_keys(full_sig, FULL_ROWS, _BAND_SEED[:FULL_BANDS]),
            _band_keys(lede_sig, LEDE_ROWS, _BAND_SEED[FULL_BANDS:]),
        ]
    )
    return Fingerprint(
        shingles=tuple(np.unique((h >> np.uint64(32)).astype(np.uint32)).tolist()),
        lede=tuple(np.unique((lede >> np.uint64(32)).astype(np.uint32)).tolist()),
        band_keys=tuple(keys.view(np.int64).tolist()),
    )


def fingerprint_from_columns(row: dict) -> Fingerprint | None:
    """A staged fingerprint, or None when absent or of another version (then recompute)."""
    if row.get("fingerprint_version") != FINGERPRINT_VERSION:
        return None
    sh, lede, keys = row.get("fp_shingles"), row.get("fp_lede"), row.get("fp_band_keys")
    if sh is None or lede is None or keys is None or len(keys) != N_BAND_KEYS:
        return None
    return Fingerprint(tuple(sh), tuple(lede), tuple(keys))


# --------------------------------------------------------------------------------------------
# Verification


@dataclass(frozen=True)
class Similarity:
    jaccard: float
    containment: float  # of the shorter text in the longer
    lede_jaccard: float

    @property
    def rule(self) -> str | None:
        """'near_duplicate', 'truncation' or None (not the same report)."""
        if self.jaccard >= JACCARD_MIN:
            return "near_duplicate"
        if self.containment >= CONTAINMENT_MIN and self.lede_jaccard >= LEDE_MIN:
            return "truncation"
        return None


def _jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a and not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def similarity(
    a_shingles: frozenset[int],
    a_lede: frozenset[int],
    b_shingles: frozenset[int],
    b_lede: frozenset[int],
) -> Similarity:
    inter = len(a_shingles & b_shingles)
    union = len(a_shingles) + len(b_shingles) - inter
    small = min(len(a_shingles), len(b_shingles))
    return Similarity(
        jaccard=inter / union if union else 0.0,
        containment=inter / small if small >= MIN_CONTAINED_SHINGLES else 0.0,
        lede_jaccard=_jaccard(a_lede, b_lede),
    )


def same_report(a: Fingerprint, b: Fingerprint) -> bool:
    """The verification rule on two fingerprints (see the module docstring)."""
    return (
        similarity(
            frozenset(a.shingles), frozenset(a.lede), frozenset(b.shingles), frozenset(b.lede)
        ).rule
        is not None
    )


# --------------------------------------------------------------------------------------------
# Stories in time

Clock = TypeVar("Clock", datetime, int)


def split_stories(
    members: Sequence[tuple[Clock, str]],
    window: Any,
    *,
    open_anchor: tuple[Clock, str] | None = None,
) -> list[str]:
    """Anchor article id for each member of a cluster (``members`` sorted by (clock, id)).

    Clocks are datetimes with a timedelta ``window``, or epoch microseconds with an int one.

    The first member anchors a story; each following member joins it while within ``window`` of
    the anchor, else anchors the next story. ``open_anchor`` resumes the scan in the middle of a
    cluster (the anchor of the story open just before ``members[0]``), which is how the loader
    recomputes only the tail of a cluster that gained a late member.
    """
    out: list[str] = []
    anchor = open_anchor
    for ts, aid in members:
        if anchor is None or ts - anchor[0] > window:
            anchor = (ts, aid)
        out.append(anchor[1])
    return out


# --------------------------------------------------------------------------------------------
# Agency of a story, and what each copy inherits

# Evidence that names the agency as author of the copy; 'phrase' only says it contributed.
STRONG_EVIDENCE = frozenset(
    {"credit_line", "dateline", "byline", "meta_author", "feed_author", "feed_hint"}
)
INHERITED = "story"  # agency_evidence of an agency a copy got from its story

SYNDICATION_VALUES = ("original", "wire", "mixed", "copy")


@dataclass(frozen=True)
class Member:
    """One article of a story as the story rules see it (own = detected on the page itself)."""

    article_id: str
    ts: datetime | int
    outlet: str
    own_agency: str | None
    own_evidence: str | None


def story_agency(members: Iterable[Member]) -> tuple[str | None, bool]:
    """(agency, strong) for a story, from its members' *own* evidence.

    The agency named by the most members with strong evidence wins; without strong evidence, the
    one named by most 'phrase' members ("with AFP"). Ties go to the agency whose first naming
    member is earliest. No member naming one gives None: an outlet's own story stays NULL.
    """
    ordered = sorted(members, key=lambda m: (m.ts, m.article_id))
    for strong in (True, False):
        named = [
            m.own_agency
            for m in ordered
            if m.own_agency and (m.own_evidence in STRONG_EVIDENCE) == strong
        ]
        if named:
            counts = Counter(named)
            best = max(counts.values())
            return next(a for a in named if counts[a] == best), strong
    return None, False


def member_attribution(
    member: Member, anchor_outlet: str, agency: str | None, strong: bool
) -> tuple[str | None, str | None, str]:
    """(agency, agency_evidence, syndication) written to ``articles`` for one member.

    - Own evidence is kept (a contrary signal beats the story's agency): 'wire' for strong
      evidence, 'mixed' for a 'phrase' ("with AFP": the outlet's story with agency material).
    - No own evidence, story has an agency: inherited, evidence 'story'; 'wire' when the story's
      agency rests on strong evidence.
    - Otherwise the article is the outlet's own reporting ('original') or a republished copy of
      another outlet's ('copy', when its outlet is not the story's first outlet).
    """
    if member.own_agency:
        kind = "wire" if member.own_evidence in STRONG_EVIDENCE else "mixed"
        return member.own_agency, member.own_evidence, kind
    copy = "copy" if member.outlet != anchor_outlet else "original"
    if agency:
        return agency, INHERITED, "wire" if strong else copy
    return None, None, copy


def is_syndicated(syndication: str | None) -> bool:
    """Copy the outlet did not write: agency copy or another outlet's report."""
    return syndication in ("wire", "copy")
