"""Near-miss spellings ("Kersen" for Kherson, a transliteration variant): resolved only against
the countries the rest of the article already supports, and only when exactly one city fits."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from pipeline.places.gazetteer import _Index, _Name, _Place
from pipeline.places.matching import _Mention
from pipeline.places.names import (
    _FUZZY_MIN_LETTERS,
    _FUZZY_MIN_SIMILARITY,
    _POP_GUARD,
    _WORD,
    _fold,
    _phonetic,
    _skeletons,
)

if TYPE_CHECKING:
    from pipeline.places.resolution import _Evidence


# Cached per index: the same unknown words (names of people, organisations) come back from
# article to article, mostly with the same leading countries.
@functools.lru_cache(maxsize=8192)
def _fuzzy_names(idx: _Index, word: str, supported: frozenset[str]) -> tuple[_Name, ...]:
    """The city a near-miss spelling stands for, if exactly one fits: same consonant skeleton,
    same first sound, class strings at least ``_FUZZY_MIN_SIMILARITY`` alike and letters at least
    ``_FUZZY_MIN_LETTERS`` alike, and in a country of ``supported``. A tie between cities is broken only by a 5x population lead."""
    from rapidfuzz.distance import Indel

    cands: dict[str, _Place] = {}
    for skel in _skeletons(word):
        for p in idx.fuzzy.get(skel, ()):
            if p.country_code in supported:
                cands[p.pid] = p
    if not cands:
        return ()
    sounds = {_phonetic(word), _phonetic(word.replace("ch", "kh"))}
    scored = []
    for p in cands.values():
        letters = "".join(_WORD.findall(_fold(p.name)))
        if Indel.normalized_similarity(word, letters) < _FUZZY_MIN_LETTERS:
            continue  # sounds alike only through the classes: "Kansai" is not "Honcho"
        target = _phonetic(letters)
        # same first sound (so "Bigger" is not "Obihiro"), then similar as a whole
        sim = max(
            (Indel.normalized_similarity(w, target) for w in sounds if w[:1] == target[:1]),
            default=0.0,
        )
        if sim >= _FUZZY_MIN_SIMILARITY:
            scored.append((sim, p.population, p))
    if not scored:
        return ()
    scored.sort(key=lambda t: (-t[0], -t[1]))
    best = scored[0]
    rivals = [t for t in scored[1:] if t[0] == best[0] and t[2].pid != best[2].pid]
    if any(t[1] * _POP_GUARD > best[1] for t in rivals):
        return ()
    return (_Name(best[2], True, ("U",)),)


def _fuzzy_mentions(idx: _Index, unknown: list[_Mention], ev: _Evidence) -> list[_Mention]:
    """Near-miss spellings resolved against the countries the article's places support: the
    article's leading countries, named by place mentions at least half as often as the
    best-supported one. A demonym alone is not enough ("Russian forces captured Kersen" names
    no place), nor are passing mentions of a country in a story about another (an article on
    Osaka that names Shanghai and China once does not make "Kansai" a Chinese city)."""
    places = {cc: n - ev.demonyms.get(cc, 0) for cc, n in ev.support.items()}
    top = max(places.values(), default=0)
    supported = frozenset(cc for cc, n in places.items() if n > 0 and 2 * n >= top)
    if not supported:
        return []
    out = []
    for m in unknown:
        names = _fuzzy_names(idx, m.key[0], supported)
        if names:
            m.names = names
            out.append(m)
    return out
