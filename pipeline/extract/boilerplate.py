"""Remove line-level news boilerplate that extraction lets through, and split off credit lines.

Why line-level and pattern-by-pattern: trafilatura finds the main text block, but inside it wire
copy carries labels ("Published"), sign-offs ("(AFP)", "— Reuters", "(Reporting by ...; Editing
by ...)"), promos ("Read more: ...", "Sign up for our newsletter") and picture credits. They are
not the story: they skew word counts, content hashes and near-duplicate detection (the same AFP
dispatch with and without "Advertisement" must hash the same). Credit lines are kept aside in
``credits`` because they are the best evidence of which agency wrote the copy
(:func:`pipeline.extract.agency.detect_agency`).

Conservative by construction: a line is dropped only when the *whole line* matches a known
shape, so a sentence that merely starts with "Published", "Share" or "Advertisement" stays.
Short lines such as subheads ("Talks") are copy and stay. Credit shapes are only looked for at
the end of the text (after the last paragraph), where wire services put them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline.extract.agency import find_agency, image_credit_pattern


@dataclass
class CleanResult:
    body: str
    credits: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Boilerplate anywhere in the text (whole-line matches)

# Words a "Published ..." / "Updated ..." label may carry besides digits: months, days, times,
# zones, relative times. Anything else means the line is a sentence and stays.
_DATE_VOCABULARY = """
january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec
monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun
am pm a m p on at the of st nd rd th z t h hrs
gmt utc bst cet cest eet eest est edt cst cdt mst mdt pst pdt ist jst kst aest aedt msk hkt sgt
et ct mt pt
wat cat eat ago just now today yesterday hour hours min mins minute minutes sec second seconds
day days week weeks month months year years updated published modified last first posted
janvier février mars avril mai juin juillet août septembre octobre novembre décembre à h
januar februar märz april juni juli oktober dezember uhr um
enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre de las
gennaio febbraio aprile maggio giugno luglio settembre ottobre dicembre alle ore
janeiro fevereiro março maio junho julho setembro outubro novembro dezembro às
januari februari maart mei augustus oktober om uur
"""
# A line that is nothing but a date or time ("4 March 2026", "2026年3月4日 20時00分").
_BARE_DATE = re.compile(r"^[\d\s,.:/|·•()+\-–年月日時分秒]*\d[\d\s,.:/|·•()+\-–年月日時分秒]*$")
_DATE_WORDS = frozenset(_DATE_VOCABULARY.split())
_DATE_LABEL = re.compile(
    r"^(?:last\s+updated|first\s+published|last\s+modified|published|updated|posted|modified"
    r"|publié|mis\s+à\s+jour|veröffentlicht|aktualisiert|publicado|actualizado|pubblicato"
    r"|aggiornato|atualizado|gepubliceerd|bijgewerkt)"
    r"(?:\s+(?:on|le|am|el|il|a|op|em))?\s*:?\s*(?P<rest>.*)$",
    re.I,
)

_PUNCT_TAIL = r"\s*[:.…»›>|-]*\s*"
_LABELS = re.compile(
    r"^(?:read\s+more|read\s+next|read\s+also|also\s+read|see\s+also|more\s+on\s+this\s+story"
    r"|related(?:\s+(?:articles?|stories|content|coverage|news|links|topics))?|recommended"
    r"|you\s+may\s+also\s+like|most\s+(?:read|popular|viewed)|top\s+stories"
    r"|advertisement|advertising|sponsored(?:\s+content)?|ad"
    r"|(?:story|article)\s+continues\s+(?:below|after)(?:\s+(?:this\s+)?advertisement)?"
    r"|continue\s+reading(?:\s+below)?|scroll\s+(?:down\s+)?to\s+continue(?:\s+with\s+content)?"
    r"|advertisement\s*[-–—]\s*scroll\s+to\s+continue(?:\s+with\s+content)?"
    r"|share(?:\s+(?:this|the))?(?:\s+(?:article|story|page|post))?(?:\s+(?:on|via)\s+\w+)?"
    r"|share\s+via|copy\s+link|link\s+copied|tweet|e-?mail|print|facebook|twitter|whatsapp"
    r"|linkedin|reddit|telegram|pinterest|messenger|flipboard|follow\s+us(?:\s+on\s+\w+)?"
    r"|\d+\s+comments?|comments?|listen\s+to\s+(?:this\s+)?article(?:\s+\d+\s+min(?:utes?|s)?)?"
    r"|\d+\s+min(?:ute)?s?\s+read|reading\s+time\s*:?\s*\d+\s+min(?:ute)?s?"
    r"|newsletter|ends|end|-\s*ends?\s*-|\(end\)|-30-|#{3}"
    r"|(?:accept|reject|allow|decline)(?:\s+all)?(?:\s+cookies)?|manage\s+(?:cookie\s+)?(?:preferences|settings|consent)"
    r"|cookie\s+(?:settings|policy|preferences|notice)"
    r"|topics|tags|related\s+topics|more\s+stories"
    rf"){_PUNCT_TAIL}$",
    re.I,
)
# "Read more: <other headline>" - the label says the rest is a link to another article.
_LABEL_COLON = re.compile(
    r"^(?:read\s+more|read\s+next|read\s+also|also\s+read|see\s+also|related|more|watch|listen"
    r"|(?:à\s+)?lire\s+aussi|voir\s+aussi|lesen\s+sie\s+auch|mehr\s+zum\s+thema|auch\s+interessant"
    r"|lea\s+también|lee\s+también|le\s+puede\s+interesar|leggi\s+anche|leia\s+também"
    r"|veja\s+também|lees\s+ook|関連記事"
    r"|recommended|topics|tags|filed\s+under|categories|photos?|videos?|gallery|slideshow"
    r"|(?:in\s+)?pictures)\s*[:：]\s*\S.*$",
    re.I,
)
# Subscription prompts: an imperative at the start of the line ("Want ...?" may precede it).
_PROMPT = re.compile(
    r"^(?:[^.!?]{0,80}\?\s+)?(?:"
    r"(?:sign\s+up|register)\b.{0,200}\b(?:newsletters?|inbox|e-?mails?|alerts?|briefing|digest)\b"
    r"|(?:get|join|receive)\b.{0,200}\b(?:newsletters?|inbox)\b"
    r"|enter\s+your\s+e-?mail"
    r"|subscribe(?:\s+(?:now|today|here)|\s+to\b|\s+for\b|\s*[:.!]|$)"
    r"|already\s+(?:a\s+subscriber|have\s+an\s+account|registered)\b"
    r"|(?:download|get|install)\s+(?:the|our)\s+(?:[\w-]+\s+){0,2}app\b"
    r"|click\s+here\b)",
    re.I,
)
_PROMPT_MAX_WORDS = 35
# A row of sharing buttons rendered as text: "Share on Facebook Share on Twitter Email".
_SHARE_ROW = re.compile(
    r"^(?:(?:share|tweet|post|e-?mail|print|pin|save|copy\s+link|on|via|to|facebook|twitter|x"
    r"|whatsapp|linkedin|reddit|telegram|pinterest|messenger|flipboard|bluesky|threads|mastodon)"
    r"\b[\s,|/·•:]*){2,}$",
    re.I,
)
# Markup that leaked into the text (escaped HTML inside a script template or a textarea):
# two or more tags in one line is code, not prose.
_LEAKED_TAG = re.compile(
    r"</?(?:a|p|div|span|blockquote|br|img|strong|em|b|i|iframe|script|ul|li|h[1-6])\b[^<>]{0,300}>",
    re.I,
)
# "More from World", "More on Ukraine": a section teaser heading (title case, not a sentence).
_MORE_FROM = re.compile(
    r"^(?:More|MORE)\s+(?:from|on|in|FROM|ON|IN)\s+(?:the\s+)?[A-Z][\w&'’-]*(?:\s+[A-Z&][\w&'’-]*){0,3}"
    r"\s*[:.…»›>|-]*$"
)
# "Image caption, ..." (BBC-style accessibility labels): the label goes, the caption stays.
_CAPTION_LABEL = re.compile(r"^(?:image|media|video)\s+caption\s*[,:]\s*", re.I)
# Consent notices: the site talking about its own cookies.
_COOKIE_NOTICE = re.compile(
    r"^(?:[^.!?]{0,100}[.!?]\s+)?(?:we|this\s+(?:web\s*)?site|our\s+(?:web\s*)?site|[\w.-]+\.\w{2,})"
    r"\s+(?:and\s+our\s+partners\s+)?uses?\s+cookies\b",
    re.I,
)
_COOKIE_MAX_WORDS = 80
_IMAGE_CREDIT_MAX_WORDS = 20


@lru_cache(maxsize=1)
def _image_credit_res() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(whole line is an image credit, line ends in a bracketed image credit)."""
    credit = image_credit_pattern()
    return (
        re.compile(rf"^[(\[]?\s*(?:{credit})\s*[)\]]?\.?$"),
        # "(AP Photo/Evan Vucci)" closing a caption-like line: drop the credit, keep the line.
        re.compile(rf"\s*[(\[]\s*(?:{credit})\s*[)\]]\.?$"),
    )


def _is_date_label(line: str) -> bool:
    m = _DATE_LABEL.match(line)
    if not m:
        words = re.findall(r"[^\W\d_年月日時分秒]+", line)
        return (
            len(line.split()) <= 8
            and bool(re.search(r"\d", line))
            and all(w.lower() in _DATE_WORDS for w in words)
            and bool(_BARE_DATE.match(re.sub(r"[^\W\d_年月日時分秒]+", " ", line)))
        )
    words = re.findall(r"[^\W\d_]+", m.group("rest"))
    return len(line.split()) <= 16 and all(w.lower() in _DATE_WORDS for w in words)


def _is_boilerplate(line: str) -> bool:
    n_words = len(line.split())
    return bool(
        _is_date_label(line)
        or _LABELS.match(line)
        or (_LABEL_COLON.match(line) and n_words <= 30)
        or (_PROMPT.match(line) and n_words <= _PROMPT_MAX_WORDS)
        or (_COOKIE_NOTICE.match(line) and n_words <= _COOKIE_MAX_WORDS)
        or (_image_credit_res()[0].match(line) and n_words <= _IMAGE_CREDIT_MAX_WORDS)
        or (_SHARE_ROW.match(line) and n_words <= 20)
        or _MORE_FROM.match(line)
        or len(_LEAKED_TAG.findall(line)) >= 2
    )


# ---------------------------------------------------------------------------------------------
# Credit lines at the end of the text

# "Source: AFP", "With AFP", "With inputs from PTI", "By Reuters": a prefix, then only names.
_CREDIT_PREFIX = re.compile(
    r"^(?:(?:with\s+)?inputs?\s+from|sources?|text|credits?|via|by|courtesy\s+of|with)"
    r"\s*:?\s+(?P<rest>\S.*)$",
    re.I,
)
# AFP, AFP/mb, dpa/AFP, AFP and Reuters, (Laughter): at most four short tokens.
_TOKENS = re.compile(r"^[\w.&'’-]+(?:(?:\s*[/,&]\s*|\s+and\s+)[\w.&'’-]+){0,3}$", re.I)
_AGENCIES_LINE = re.compile(r"^(?:(?:[\w'’]+\s+)?staff\s+and\s+)?(?:news\s+)?agencies$", re.I)
_WRAPPED = re.compile(r"^[(\[]\s*(?P<inner>[^()\[\]]{1,400}?)\s*[)\]]\.?$")
_DASHED = re.compile(r"^(?:—|–|-{1,2})\s*(?P<inner>[^—–]{1,80}?)\s*(?:—|–|-{1,2})?$")
_CREDIT_SENTENCE = re.compile(
    r"^(?:(?:additional\s+)?reporting|writing|editing|compiled|translated|produced)"
    r"(?:\s+and\s+\w+)?\s+by\b"
    r"|\bcontributed\s+(?:reporting\s+)?(?:to\s+this\s+(?:report|story|article)|reporting)\W*$"
    r"|^this\s+(?:story|article|report)\s+(?:was|is|has(?:\s+not)?\s+been)\s+(?:\w+\s+){0,3}?"
    r"(?:written|produced|compiled|edited|published|generated|translated|sourced)\b",
    re.I,
)
_COPYRIGHT = re.compile(r"^(?:copyright\b|©|\(c\)\s)", re.I)
# Syndication/licence notices closing a page ("This dispatch is republished ... under licence.
# All rights reserved ..."): rights boilerplate, not copy and not a credit. Only at the end.
_RIGHTS = re.compile(
    r"\ball\s+rights\s+reserved\b|\b(?:re)?published\b.{0,80}\bunder\s+licen[cs]e\b"
    r"|\b(?:republished|reproduced|syndicated)\s+(?:with|by)\s+(?:the\s+)?permission\b",
    re.I,
)
_RIGHTS_MAX_WORDS = 40
_CREDIT_MAX_WORDS = 8
_CREDIT_SENTENCE_MAX_WORDS = 60
# A credit glued to the last paragraph: '... days to come.” (AFP)' or '... said. — Reuters'.
_GLUED = re.compile(
    r"(?<=[.!?…\"”’»)])(?P<credit>\s*(?:[(\[][^()\[\]\n]{1,60}[)\]]|(?:—|–|--)\s*[^—–\n]{1,40}))$"
)
_GLUED_BEFORE_STOP = re.compile(r"(?P<credit>\s+[(\[][^()\[\]\n]{1,60}[)\]])(?P<stop>[.!?])$")


def _is_credit_inner(inner: str, *, marked: bool) -> bool:
    """Is this (the inside of) a credit line?

    ``marked``: the line was wrapped in parentheses or led by a dash, the credit conventions; only
    then may a short credit name no agency ("(Laughter)", "(AFP/mb)"-like shapes).
    """
    inner = inner.strip()
    n_words = len(inner.split())
    if n_words == 0:
        return False
    if _CREDIT_SENTENCE.search(inner) or _COPYRIGHT.match(inner):
        return n_words <= _CREDIT_SENTENCE_MAX_WORDS
    if n_words > _CREDIT_MAX_WORDS:
        return False
    m = _CREDIT_PREFIX.match(inner)
    rest = (m.group("rest") if m else inner).rstrip(".").strip()
    if _AGENCIES_LINE.match(rest):
        return True
    return _TOKENS.match(rest) is not None and (marked or find_agency(rest) is not None)


def _is_credit(line: str) -> bool:
    for pattern in (_WRAPPED, _DASHED):
        m = pattern.match(line)
        if m:
            return _is_credit_inner(m.group("inner"), marked=True)
    return _is_credit_inner(line, marked=False)


def _split_glued(line: str) -> tuple[str, str] | None:
    """(paragraph, credit) if the paragraph ends in a credit naming a source, else None."""
    m = _GLUED.search(line)
    if m:
        credit = m.group("credit").strip()
        inner = credit.strip("()[]—–- ")
        if _is_credit_inner(inner, marked=True) and _names_source(inner):
            return line[: m.start()].rstrip(), credit
    m = _GLUED_BEFORE_STOP.search(line)
    if m:
        credit = m.group("credit").strip()
        inner = credit.strip("()[] ")
        if _is_credit_inner(inner, marked=True) and find_agency(inner):
            return line[: m.start()] + m.group("stop"), credit
    return None


def _names_source(text: str) -> bool:
    return find_agency(text) is not None or _AGENCIES_LINE.match(_strip_prefix(text)) is not None


def _strip_prefix(text: str) -> str:
    m = _CREDIT_PREFIX.match(text)
    return m.group("rest") if m else text


def clean_body(text: str) -> CleanResult:
    """Drop boilerplate lines anywhere, then peel credit lines (and a glued credit) off the end.

    ``body`` keeps one line per paragraph, whitespace-normalised; ``credits`` are in document
    order; ``removed`` lists every other dropped line or fragment, for debugging.
    """
    credits: list[str] = []
    removed: list[str] = []
    kept: list[str] = []
    for raw in text.splitlines():
        line = _CAPTION_LABEL.sub("", " ".join(raw.split()))
        if not line:
            continue
        if _is_boilerplate(line):
            removed.append(line)
            continue
        m = _image_credit_res()[1].search(line)
        if m and m.start() > 0:
            removed.append(line[m.start() :].strip())
            line = line[: m.start()].rstrip()
        kept.append(line)

    tail: list[str] = []
    while kept:
        last = kept[-1]
        if _is_credit(last):
            tail.append(kept.pop())
            continue
        if _RIGHTS.search(last) and len(last.split()) <= _RIGHTS_MAX_WORDS:
            removed.append(kept.pop())
            continue
        glued = _split_glued(last)
        if glued is None or not glued[0]:
            break
        kept[-1], credit = glued
        tail.append(credit)
    credits.extend(reversed(tail))
    return CleanResult(body="\n".join(kept), credits=credits, removed=removed)
