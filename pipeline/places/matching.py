"""Matching: the gazetteer names in a text, with the rules that keep persons and words out."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from itertools import accumulate, compress
from operator import itemgetter
from typing import NamedTuple

from pipeline.places.gazetteer import (
    _Index,
    _Name,
    _Place,
)
from pipeline.places.names import (
    _CALENDAR,
    _CONTINUATION,
    _DATELINE,
    _FUNCTION_WORDS,
    _FUZZY_MIN_LEN,
    _HONORIFICS,
    _INSTITUTION,
    _LEAD_CHARS,
    _NOT_GUESSED,
    _QUALIFIERS,
    _SENTENCE_END,
    _SMALL_CITY,
    _SUFFIXES,
    _WORD,
    _fold,
    _skeletons,
)

# --- matching --------------------------------------------------------------------------------


@dataclass(slots=True)
class _Mention:
    key: tuple[str, ...]
    names: tuple[_Name, ...]
    start: int
    end: int
    surface: str
    in_title: bool
    in_dateline: bool
    in_lead: bool
    fuzzy: bool = False  # a near-miss spelling (see _fuzzy_names), not a gazetteer name
    located: bool = False  # after "in", "across", "in the", "in southern"...: a place, not a person


class _Scan(NamedTuple):
    mentions: list[_Mention]
    rejected: set[tuple[str, ...]]  # names seen in a run of capitalised words
    surnames: set[tuple[str, ...]]  # ... right after a first name or honorific
    unknown: list[_Mention]  # capitalised words the gazetteer lacks that could be a place


class _Tokens:
    """Word tokens of one text, with the lazily computed facts the matching rules ask about."""

    def __init__(self, text: str) -> None:
        self.text = text
        # One regex pass for tokens and gaps (the pattern costs ~40 ns a character, so a
        # second pass was ~5% of tagging): [gap, word, gap, word, ..., gap].
        parts = _WORD_AND_GAP.split(text)
        self.words: list[str] = parts[1::2]
        self.gaps: list[str] = parts[0::2]  # gaps[j]: the text just before token j
        self.folded: list[str | None] = [None] * len(self.words)  # filled as asked for
        # Offsets summed in C: the running length after gap j is where token j starts.
        starts = list(accumulate(map(len, parts)))[0::2]
        del starts[len(self.words) :]
        self.starts: list[int] = starts
        self._lower: set[str] | None = None

    def fold(self, j: int) -> str:
        f = self.folded[j]
        if f is None:
            f = self.folded[j] = _fold(self.words[j])
        return f

    def gap(self, j: int) -> str:
        """The text between token j-1 and token j."""
        return self.gaps[j]

    def start(self, j: int) -> int:
        """Character offset of token j."""
        return self.starts[j]

    def capitalised_indices(self) -> list[int]:
        """Indices of the tokens starting with a capital: the only ones a name can start at."""
        return list(
            compress(range(len(self.words)), map(str.isupper, map(itemgetter(0), self.words)))
        )

    def capitalised(self, j: int) -> bool:
        """Capitalised like a proper name (not an acronym such as "UN")."""
        t = self.words[j]
        return t[0].isupper() and not (len(t) > 1 and t.isupper())

    def after_locative(self, j: int, *, loose: bool = False) -> bool:
        """Does token j follow a locative preposition ("in Victoria", "across Canada") or
        "<place word> of" ("the state of Victoria")?
        ``loose``: also with an article or a direction between ("in the Philippines", "to
        southern Sudan")."""
        if j == 0 or self.gaps[j] != " ":
            return False
        prev = self.words[j - 1]
        if prev in _LOCATIVES:
            return True
        if j == 1 or self.gaps[j - 1] != " ":
            return False
        before = self.words[j - 2]
        if prev == "of" and before in _PLACE_WORDS:  # "the state of Victoria"
            return True
        return loose and prev in _BETWEEN and before in _LOCATIVES

    def starts_sentence(self, j: int) -> bool:
        return j == 0 or not _SENTENCE_END.isdisjoint(self.gaps[j])

    def common_word(self, j: int) -> bool:
        """Is token j an ordinary word capitalised only because it starts a sentence ("In",
        "Across")? Yes if it is a function word or the text also has it in lower case."""
        word = self.words[j].lower()
        return word in _FUNCTION_WORDS or word in self.lower_words()

    def lower_words(self) -> set[str]:
        """The words the text writes in lower case (computed once)."""
        if self._lower is None:
            self._lower = set(filter(str.islower, self.words))
        return self._lower

    def guessable(self, j: int, in_dl: bool) -> bool:
        """Could token j, which the gazetteer lacks, be a misspelt place ("Kersen")? Only a
        capitalised word of 5+ letters that is not an ordinary word (the text never has it in
        lower case, it is no function word); the caller also checks it is not part of a person's
        or an organisation's name."""
        word = self.words[j]
        if len(word) < _FUZZY_MIN_LEN or not word.isalpha() or not word[0].isupper():
            return False
        if not (self.capitalised(j) or in_dl):
            return False
        folded = self.fold(j)
        if folded in _NOT_GUESSED:
            return False
        lower = self.lower_words()
        return folded not in lower and word.lower() not in lower

    def case_ok(self, caps: tuple[str, ...], i: int, in_dl: bool) -> bool:
        """Does the text's capitalisation at token i fit the name's (see _case_fits)?"""
        return _case_fits(caps, self.words[i : i + len(caps)], in_dl)

    def joins(self, j: int) -> bool:
        """Can the gap before token j sit inside a multi-word name ("St. Louis", "Ivano-Frankivsk")?"""
        gap = self.gap(j)
        return gap in (" ", "-", "'", "’") or (len(self.words[j - 1]) <= 3 and gap in (".", ". "))

    def person_role(
        self, i: int, j: int, after_place: bool, *, names: tuple[_Name, ...] = ()
    ) -> str | None:
        """Is the match tokens[i:j] part of a run of capitalised words, i.e. a person or an
        organisation? "surname" when a first name or honorific precedes it ("Michael Jordan",
        "Mr. Jordan"), "name" when a capitalised word follows ("Paris Hilton", "New York
        Times"), else None."""
        gap = self.gaps[i]
        if i > 0 and not after_place and (gap == " " or gap == ". "):
            prev = self.fold(i - 1)
            if prev in _HONORIFICS:
                return "surname"
            if (
                gap == " "
                and self.capitalised(i - 1)
                and prev not in _QUALIFIERS
                and (not self.starts_sentence(i - 1) or not self.common_word(i - 1))
            ):
                return "surname"
        if (
            j < len(self.words)
            and self.gaps[j] == " "
            and self.capitalised(j)
            and self.fold(j) not in _CONTINUATION
            and not (self.fold(j) in _INSTITUTION and _unit_names(names))
        ):
            return "name"
        if (  # "Georgia May Jagger": a month is a middle name when a capitalised word follows
            j + 1 < len(self.words)
            and self.fold(j) in _CALENDAR
            and self.gap(j) == " "
            and self.gap(j + 1) == " "
            and self.capitalised(j + 1)
            and self.fold(j + 1) not in _CONTINUATION
        ):
            return "name"
        return None


_DATELINE_END = re.compile(r"[-—–:]\s")  # every _DATELINE match ends with one of these
_WORD_AND_GAP = re.compile(f"({_WORD.pattern})")  # split() keeps the tokens too
_LOCATIVES = frozenset(
    ["in", "at", "near", "across", "throughout", "outside", "inside", "into", "from", "to"]
)
# "<word> of X" names a place X: "the state of Victoria", "the town of Pangandaran".
_PLACE_WORDS = frozenset(
    [
        "state",
        "province",
        "region",
        "city",
        "town",
        "village",
        "county",
        "district",
        "capital",
        "island",
        "suburb",
    ]
)
# Words that may sit between a locative preposition and a place ("in the Philippines", "in
# southern Sudan"): the article and the lower-case directions.
_BETWEEN = frozenset({"the"} | {w for w in _QUALIFIERS if w not in _CALENDAR})


def _case_fits(caps: tuple[str, ...], tokens: list[str] | tuple[str, ...], in_dl: bool) -> bool:
    """Does the capitalisation of ``tokens`` fit a name's ``caps``? All-caps text is a name
    only in datelines ("KHERSON, Ukraine") or when the name is all caps itself ("US")."""
    for c, t in zip(caps, tokens, strict=False):
        if c == "l":
            continue
        if not t[0].isupper():
            return False
        shouting = len(t) > 1 and t.isupper()
        if (c == "A" and not shouting) or (c == "U" and shouting and not in_dl):
            return False
    return True


class _WordFacts(NamedTuple):
    """What a capitalised word means to the scan wherever it stands (see _word_facts)."""

    key: tuple[str, ...]  # (folded word,)
    longest: int  # tokens of the longest gazetteer name starting with it; 0: none does
    guessable: bool  # 5+ letters, no function word: may be a misspelt place (_sounds_like)
    names: tuple[_Name, ...] | None  # its one-word readings
    fit: tuple[_Name, ...]  # ... whose capitals it fits outside a dateline


@functools.lru_cache(maxsize=8192)
def _word_facts(idx: _Index, word: str) -> _WordFacts:
    """Folding, the first-token lookup, the near-miss pre-test and the case filter of one
    word, once per process (per index) rather than once per occurrence: an article has ~50
    capitalised words, and names, weekdays and sentence openers recur in every article. Only
    facts of the word itself are kept; whatever depends on its neighbours is left to the scan.
    Bounded: a worker's capitalised vocabulary keeps growing."""
    folded = _fold(word)
    key = (folded,)
    longest = idx.longest.get(folded, 0)
    guessable = len(word) >= _FUZZY_MIN_LEN and word.isalpha() and folded not in _NOT_GUESSED
    names = idx.lookup(key) if longest else None
    return _WordFacts(key, longest, guessable, names, _fitting(names, word, False))


@functools.lru_cache(maxsize=8192)
def _sounds_like(idx: _Index, folded: str) -> bool:
    """Could a word the gazetteer lacks matter as a near miss? Only if it names something or
    a big city shares its consonant skeleton (asked only of guessable words, and late:
    skeletons are the costly part of a word's first sight)."""
    return (folded,) in idx.names or not idx.fuzzy.keys().isdisjoint(_skeletons(folded))


def _fitting(names: tuple[_Name, ...] | None, word: str, in_dl: bool) -> tuple[_Name, ...]:
    """The readings of a one-word name whose capitals ``word`` fits."""
    if not names:
        return ()
    if len(names) == 1:
        return names if _case_fits(names[0].caps, (word,), in_dl) else ()
    fits = {caps: _case_fits(caps, (word,), in_dl) for caps in {nm.caps for nm in names}}
    return tuple(nm for nm in names if fits[nm.caps])


def _unit_names(names: tuple[_Name, ...]) -> bool:
    """Does the spelling name a country or a subdivision (which may name an institution)?"""
    return any(nm.place.kind in ("country", "admin1") for nm in names)


def _small_town(p: _Place) -> bool:
    return p.kind == "city" and p.population < _SMALL_CITY


def _word_like(tk: _Tokens, i: int, key: tuple[str, ...]) -> bool:
    """Is this one-word match more likely a word than a small town? A function or office word
    ("Congress", "Over"), a word starting a sentence that the text also has in lower case
    ("Many", "Based"), or one or two letters ("D")."""
    if len(key) != 1:
        return False
    word = key[0]
    return len(word) <= 2 or word in _NOT_GUESSED or (tk.starts_sentence(i) and tk.common_word(i))


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _subdivision_for(
    idx: _Index, key: tuple[str, ...], names: tuple[_Name, ...]
) -> tuple[_Name, ...]:
    """Resolve "<key> region/oblast/..." to subdivisions of the countries ``names`` are in."""
    ccs = tuple(dict.fromkeys(n.place.country_code for n in names if n.place.country_code))
    return _subdivisions_named(idx, key, ccs)


@functools.lru_cache(maxsize=4096)  # "Kherson region" recurs from article to article
def _subdivisions_named(
    idx: _Index, key: tuple[str, ...], countries: tuple[str, ...]
) -> tuple[_Name, ...]:
    """Subdivisions of ``countries`` that "<key> region/oblast/..." names.

    An exact stem wins ("sao paulo" state); otherwise the one subdivision sharing the longest
    prefix, at least half the name ("kherson" ~ "khersonska oblast", "zaporizhzhia" ~
    "zaporizka oblast"): pycountry spells most oblasts as adjectives.
    """
    x = " ".join(key)
    need = max(4, len(x) // 2 + 1)
    out: list[_Place] = []
    for cc in countries:
        subs = idx.subdivisions.get(cc, ())
        exact = [p for stem, p in subs if stem == x]
        if exact:
            out.extend(exact)
            continue
        scored = [(_common_prefix(x, stem), p) for stem, p in subs]
        best = max((s for s, _ in scored), default=0)
        winners = [p for s, p in scored if s == best]
        if best >= need and len(winners) == 1:
            out.append(winners[0])
    return tuple(_Name(p, False, ()) for p in out)


def _longest_hit(
    idx: _Index, tk: _Tokens, i: int, facts: _WordFacts, in_dl: bool
) -> tuple[tuple[str, ...], tuple[_Name, ...]] | None:
    """The longest gazetteer name starting at token i whose capitals fit the text. Mostly
    the word alone (its cached facts); the token-by-token search only when the next word
    goes on to a longer name ("New York", "The Hague")."""
    j = i + 1
    if facts.longest > 1 and j < len(tk.words) and tk.joins(j):
        two = (facts.key[0], tk.fold(j))
        if two in idx.prefixes or two in idx.names:
            return _longest_multi(idx, tk, i, facts.longest, in_dl)
    names = _fitting(facts.names, tk.words[i], True) if in_dl else facts.fit  # datelines: rare
    return (facts.key, names) if names else None


def _longest_multi(
    idx: _Index, tk: _Tokens, i: int, longest: int, in_dl: bool
) -> tuple[tuple[str, ...], tuple[_Name, ...]] | None:
    """:func:`_longest_hit` token by token, for names of two words or more."""
    key = (tk.fold(i),)
    keys = [key]  # the candidate keys, shortest first
    if longest > 1:
        n, prefixes, names_of = len(tk.words), idx.prefixes, idx.names
        while len(key) < longest and i + len(key) < n and tk.joins(i + len(key)):
            key = (*key, tk.fold(i + len(key)))
            if key not in prefixes and key not in names_of:
                break  # "The Government": no name goes on like that
            keys.append(key)
    for key in reversed(keys):
        names = idx.lookup(key)
        if not names:
            continue
        if len(names) == 1:
            if tk.case_ok(names[0].caps, i, in_dl):
                return key, names
            continue
        fits = {caps: tk.case_ok(caps, i, in_dl) for caps in {nm.caps for nm in names}}
        names = tuple(nm for nm in names if fits[nm.caps])
        if names:
            return key, names
    return None


def _readings_here(
    tk: _Tokens,
    i: int,
    key: tuple[str, ...],
    names: tuple[_Name, ...],
    in_dl: bool,
    *,
    after_place: bool,
) -> tuple[_Name, ...]:
    """The readings this position allows: an abbreviation only right after "X, " ("Athens,
    Ga.") or in a dateline; no small town where the word looks like a word ("Many")."""
    if not (in_dl or (after_place and tk.gap(i) == ", ")) and any(nm.qualifier for nm in names):
        names = tuple(nm for nm in names if not nm.qualifier)
    if not in_dl and _word_like(tk, i, key):
        names = tuple(nm for nm in names if not _small_town(nm.place))
    return names


def _with_suffix(
    idx: _Index, tk: _Tokens, key: tuple[str, ...], names: tuple[_Name, ...], j: int
) -> tuple[_Name, ...] | None:
    """The subdivision "<key> region/oblast/..." names, when the next word is such a suffix."""
    if (
        j < len(tk.words)
        and tk.gap(j) == " "
        and tk.fold(j) in _SUFFIXES
        and any(nm.place.kind in ("city", "admin1", "region") for nm in names)
    ):
        return _subdivision_for(idx, key, names) or None
    return None


def _guess(
    idx: _Index,
    tk: _Tokens,
    i: int,
    out: _Scan,
    *,
    in_title: bool,
    sentence_case: bool,
    dateline: tuple[int, int] | None,
    lead: tuple[int, int],
) -> None:
    """Record token i, which the gazetteer lacks, as a possible misspelt place, or as part
    of a person's or organisation's name ("Anthony Blinken": "Blinken" alone later is him).
    Only for sentence-case text and a word that may be a misspelt place (``guessable`` in
    its _WordFacts, and _sounds_like: most capitalised unknown words never get here)."""
    word = tk.words[i]
    start = tk.start(i)
    in_dl = dateline is not None and dateline[0] <= start < dateline[1]
    if not tk.guessable(i, in_dl):
        return
    if i + 1 < len(tk.words) and tk.gap(i + 1) == " " and tk.fold(i + 1) in _SUFFIXES:
        return  # "the Kansai region" names a region, never a misspelt city
    role = tk.person_role(i, i + 1, after_place=False)
    if role is not None:
        (out.surnames if role == "surname" else out.rejected).add((tk.fold(i),))
        return
    out.unknown.append(
        _Mention(
            key=(tk.fold(i),),
            names=(),
            start=start,
            end=start + len(word),
            surface=word,
            in_title=in_title,
            in_dateline=in_dl,
            in_lead=lead[0] <= start < lead[1],
            fuzzy=True,
        )
    )


def _scan(
    idx: _Index,
    text: str,
    *,
    in_title: bool,
    sentence_case: bool,
    dateline: tuple[int, int] | None = None,
    lead: tuple[int, int] = (0, 0),
) -> _Scan:
    """All gazetteer mentions in ``text``, longest match first, and the names rejected as
    (parts of) persons' or organisations' names."""
    tk = _Tokens(text)
    words = tk.words
    out = _Scan([], set(), set(), [])
    mentions, rejected, surnames = out.mentions, out.rejected, out.surnames
    last_end = -1  # index of the last token of the previous accepted mention

    def guess(i: int, facts: _WordFacts) -> None:
        if sentence_case and facts.guessable and _sounds_like(idx, facts.key[0]):
            _guess(idx, tk, i, out, in_title=in_title, sentence_case=sentence_case,
                   dateline=dateline, lead=lead)  # fmt: skip

    nxt = 0  # the first token not inside an accepted mention
    starts, folded = tk.starts, tk.folded  # the loop's hot lookups
    for i in tk.capitalised_indices():
        if i < nxt:
            continue
        facts = _word_facts(idx, words[i])
        folded[i] = facts.key[0]
        if not facts.longest:
            guess(i, facts)
            continue
        start = starts[i]
        in_dl = dateline is not None and dateline[0] <= start < dateline[1]
        hit = _longest_hit(idx, tk, i, facts, in_dl)
        if hit is None:
            guess(i, facts)
            continue
        key, names = hit
        names = _readings_here(tk, i, key, names, in_dl, after_place=last_end == i - 1)
        if not names:
            continue
        j = i + len(key)
        located = tk.after_locative(i, loose=True)
        admit = located and key[0] not in _CALENDAR and tk.after_locative(i)  # "in Victoria"
        stop = key in idx.stoplist and not in_dl and not admit
        sub = _with_suffix(idx, tk, key, names, j)
        if sub is not None:
            key, names, j, stop = (*key, tk.fold(j)), sub, j + 1, False
        if stop:
            continue
        check = sentence_case and not in_dl and any(nm.place.kind != "demonym" for nm in names)
        role = tk.person_role(i, j, after_place=last_end == i - 1, names=names) if check else None
        if role is not None:
            rejected.add(key)
            if role == "surname":
                surnames.add(key)
            continue
        end = starts[j - 1] + len(words[j - 1])
        mentions.append(
            _Mention(
                key=key,
                names=names,
                start=start,
                end=end,
                surface=text[start:end],
                in_title=in_title,
                in_dateline=in_dl,
                in_lead=lead[0] <= start < lead[1],
                located=located,
            )
        )
        last_end = j - 1
        nxt = j
    return out


def _dateline_and_lead(text: str) -> tuple[tuple[int, int] | None, tuple[int, int]]:
    """Span of the dateline's place ("KYIV, Ukraine" in "KYIV, Ukraine, March 3 (Reuters) -")
    and of the lead paragraph. Short leading lines ("Published", kickers) are skipped."""
    start = 0
    for line in text.splitlines(keepends=True):
        if len(line.split(None, 6)) >= 6:  # six words or more, without splitting them all
            start += len(line) - len(line.lstrip())
            break
        start += len(line)
    else:
        start = 0
    lead = (start, start + _LEAD_CHARS)
    end = min(len(text), start + 150)
    # The dateline pattern backtracks a lot; a dateline needs its dash or colon (the only
    # part of the pattern that is rare in prose), so without one there is no need to try.
    m = _DATELINE.match(text, start, end) if _DATELINE_END.search(text, start, end) else None
    if m:
        place = m.group("place")
        if (
            place[0].isupper()
            and len(place) <= 60
            and (m["agency"] or m["date"] or place.split(",")[0].isupper())  # "ATHENS, Ga. —"
        ):
            return (m.start("place"), m.end("place")), lead
    return None, lead


def _is_title_case(title: str) -> bool:
    words = [w for w in _WORD.findall(title)[1:] if len(w) >= 4 and w.isalpha()]
    return len(words) >= 2 and sum(w[0].isupper() for w in words) >= 0.6 * len(words)
