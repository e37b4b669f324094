"""Words, folding and spellings: what the gazetteer and the scanner agree on.

Why one module: the index is built with the same folding and word lists the text scan
uses, so a name indexed is a name found.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# --- constants -------------------------------------------------------------------------------

_TOWN = 15_000  # below this a town needs evidence at admin-1 level, not just its country
_COHERENT = 0.5  # admin-1 votes from the article's other places that settle a reading
_COHERENT_COUNTRY = 0.75  # country votes that outweigh population (a cluster of US towns)
_SMALL_CITY = 100_000  # below this a city needs its country supported (or a dateline)
_ALT_MIN_POP = 100_000  # alternate names are indexed only for cities at least this big
_POP_GUARD = 5  # support may overrule population only within this factor
_LEAD_CHARS = 400  # the lead paragraph, where a story names its place
_TITLE_WEIGHT = 5.0  # a headline place outweighs a few body mentions
_DATELINE_WEIGHT = 5.0
_SPECIFIC_SHARE = 0.4  # a city/subdivision is primary if it scores this share of its country
_FUZZY_MIN_POP = 50_000  # cities a near-miss spelling may resolve to
_FUZZY_MIN_LEN = 5  # letters in a near-miss token
_FUZZY_MIN_CONSONANTS = 3  # consonant classes in its skeleton ("Kyiv" is too short to guess at)
_FUZZY_MIN_SIMILARITY = 0.8  # rapidfuzz normalized Indel similarity of the class strings
_FUZZY_MIN_LETTERS = 0.55  # ... and of the letters ("zaporojie" ~ "zaporizhzhya": 0.57)

_WORD = re.compile(r"[^\W_]+")
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
    "court embassy consulate airport port county district region oblast province state city "
    "council commission commissioners aldermen selectmen school schools fire sheriff board "
    "prefecture governorate krai kray strip peninsula"
)
# Institutions named after their place ("California Department of Public Health", "US
# Centers for Disease Control", "New Zealand Department of Conservation"): the place is still
# named, and it says where the story is.
# Only after a country's or a subdivision's name: inside an organisation's name a town is
# usually a word ("Food and Drug Administration": not Drug, India).
_INSTITUTION = _words(
    "department departments agency agencies administration centers centres center centre "
    "bureau office health environmental federal food energy secretary treasury national"
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
    "how why last next earlier later today yesterday now and but or nor not no however "
    "therefore moreover instead still already despite based according"
)
# Words a subdivision name may not consist of alone (GeoNames "Eastern", "Coast", "Capital").
_GENERIC = (
    _QUALIFIERS
    | _TYPE_WORDS
    | _words(
        "capital central coast coastal islands island lakes lake upper lower federal district city "
        "territory territories municipality of the and region province national special sea river "
        "valley mountain mountains highlands lowlands plateau"
    )
)
_HONORIFICS = _words("mr mrs ms dr gen lt col sgt capt cpt prof rev sir dame")
# Never guessed at as a misspelt place, whatever their spelling resembles.
_NOT_GUESSED = _FUNCTION_WORDS | _CONTINUATION | _QUALIFIERS | _HONORIFICS | _GENERIC
_SENTENCE_END = frozenset(".!?:;\"“”‘’'([—–-\n")

_CAPS_LENIENCY = "lUA"  # any case < capitalised < all caps
_KIND_ORDER = {"country": 0, "city": 1, "admin1": 2, "region": 3, "admin2": 4, "world_region": 5}
_BASE_CONFIDENCE = {"country": 0.9, "admin1": 0.85, "region": 0.85, "city": 0.8, "admin2": 0.8}
_BASE_CONFIDENCE["world_region"] = 0.9  # "Africa": a continent's name is rarely anything else
# Confidence by resolution reason (PlaceTag.how).
_HOW_FACTOR = {"unique": 1.0, "qualifier": 1.0, "dateline": 1.0, "coherence": 0.9}
_HOW_FACTOR |= {"country_name": 0.9, "home_prior": 0.8, "population": 0.7}
_FUZZY_FACTOR = 0.75  # a near-miss spelling is a guess, however well the context supports it

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_AGENCY = (
    r"(?:Reuters|AP|AFP|Bloomberg|dpa|DPA|Xinhua|UPI|ANI|PTI|IANS|EFE|ANSA|Kyodo|Yonhap|TASS|"
    r"Interfax|Anadolu)"
)
_DL_WORDS = r"[^\W\d_]+(?:[ .'’-]+[^\W\d_]+)*"
_DATELINE = re.compile(
    rf"(?P<place>{_DL_WORDS}(?:, {_DL_WORDS}){{0,2}})\.?"  # "ATHENS, Ga." "ROME, N.Y."
    rf"(?P<date>,? {_MONTH} \d{{1,2}}(?:, \d{{4}})?)?"
    rf"(?P<agency> ?\({_AGENCY}\))?"
    r"[ \t]*(?:--|[-—–:])\s"
)


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
    """The name news uses for a subdivision: "Saha, Respublika" -> "saha", "Moscow Oblast" ->
    "moscow", "Nordrhein-Westfalen" -> "nordrhein westfalen" (tokens as the text scan sees them).
    """
    name = name.split("[")[0].split(",")[0]
    words = _WORD.findall(_fold(name))
    while len(words) > 1 and words[-1] in _TYPE_WORDS:
        words.pop()
    return " ".join(words)


def _generic_words(stem: str) -> bool:
    """Is a subdivision name made only of generic words ("Eastern", "Capital", "Coast")? GeoNames
    names like that would tag every "eastern" in the news, so they are not indexed."""
    return all(w in _GENERIC for w in stem.split())


# --- fuzzy matching: transliteration variants -------------------------------------------------
#
# Why a consonant skeleton and not plain edit distance: the same city comes out of machine
# translation as Kherson, Kersen and Gershon, or Zaporizhzhia, Zaporozhye and Zaporojie. Edit
# distance calls "Gershon" far from "Kherson" (3 edits in 7 letters), but the sounds are the
# same: transliterations disagree on vowels, on how to write one sound (kh/h/ch/g, zh/j/z,
# sh/sch/s, ts/tz/c), and on voicing (g/k, z/s, b/p, d/t). A skeleton keeps one class per
# consonant sound and drops vowels; cities sharing a text token's skeleton are candidates, and a
# similarity over the class string (vowels kept, as two classes) ranks them.

_DIGRAPHS = (
    ("shch", "S"), ("tsch", "S"), ("sch", "S"), ("tch", "S"), ("sh", "S"), ("zh", "S"),
    ("ch", "S"), ("ts", "S"), ("tz", "S"), ("cz", "S"), ("sz", "S"), ("kh", "K"), ("gh", "K"),
    ("ph", "F"), ("th", "T"), ("dh", "T"), ("ck", "K"), ("qu", "K"),
)  # fmt: skip
_LETTER_CLASS = str.maketrans("bpdtgkqcxhszjfvwlrmnaoueiy", "PPTTKKKKKKSSSFFFLRMNAAAEEE")


# Both are cached: every article's unknown capitalised words go through them, and the same
# words (names of people, organisations) recur from article to article.
@functools.lru_cache(maxsize=16384)
def _phonetic(word: str) -> str:
    """Class string of a folded word: "kherson" -> "KERSAN", "gershon" -> "KERSAN"."""
    w = word.replace(" ", "")
    for a, b in _DIGRAPHS:
        w = w.replace(a, b)
    out: list[str] = []
    for ch in w.translate(_LETTER_CLASS):
        if not ch.isupper():
            continue  # digits and anything the table does not know
        if out and out[-1] == ch:
            continue
        out.append(ch)
    return "".join(out)


_REPEATS = re.compile(r"(.)\1+")


@functools.lru_cache(maxsize=16384)
def _skeletons(word: str) -> frozenset[str]:
    """Consonant skeletons of a folded word (vowels dropped): "kherson" -> {"KRSN"}. "ch" is
    read both as "sh" and as "kh" (Chernihiv, Cherson), so a word has up to two."""
    out = set()
    for w in {word, word.replace("ch", "kh")}:
        skel = _phonetic(w).replace("A", "").replace("E", "")  # the two vowel classes
        skel = _REPEATS.sub(r"\1", skel)
        if len(skel) >= _FUZZY_MIN_CONSONANTS:
            out.add(skel)
    return frozenset(out)
