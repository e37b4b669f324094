"""Paywalls and consent walls: a subscriber teaser or a cookie notice must not be stored as the
story (it would be counted, deduplicated and place-tagged as if it were one)."""

from __future__ import annotations

import re
from collections import Counter

from lxml import html as lxml_html

from pipeline.extract.html import count_words, html_text
from pipeline.extract.metadata import PageMeta
from pipeline.outcomes import ExtractOutcome

TEASER_MAX_WORDS = 150
CONSENT_SHARE = 0.5


_PAYWALL_TEXT = re.compile(
    r"subscribe\s+(?:now\s+|today\s+)?to\s+(?:continue|keep)\s+reading"
    r"|to\s+(?:continue|keep)\s+reading,?\s+(?:please\s+)?(?:subscribe|sign\s+in|log\s+in|register|become\s+a)"
    r"|(?:this|the\s+rest\s+of\s+this|the\s+full)\s+(?:article|story|content|piece)\s+is\s+(?:only\s+)?"
    r"(?:available\s+|reserved\s+|exclusive(?:ly)?\s+)?(?:to|for)\s+(?:our\s+)?(?:paying\s+|digital\s+)?"
    r"(?:subscribers|members|premium)"
    r"|\bsubscribers?[- ]only\b|\bexclusive\s+to\s+subscribers\b"
    r"|you(?:'|’)ve\s+(?:reached|used)\s+(?:your|all\s+(?:of\s+)?your)\s+(?:\w+\s+)?(?:free\s+)?"
    r"(?:articles?|stor(?:y|ies))"
    r"|become\s+a\s+(?:subscriber|member)\s+to\s+(?:read|continue|unlock)"
    r"|unlock\s+(?:this|the\s+full)\s+(?:article|story)"
    r"|(?:subscribe|sign\s+up|register)\s+(?:now\s+|today\s+)?(?:for\s+free\s+)?to\s+(?:read|unlock)\s+"
    r"(?:the\s+full|this|the\s+rest)"
    r"|abonnez-vous\s+pour\s+(?:lire|poursuivre)|réservé\s+aux\s+abonnés"
    r"|(?:nur|exklusiv)\s+für\s+abonnenten|jetzt\s+weiterlesen\s+mit"
    r"|suscr[íi]bete\s+para\s+(?:seguir|continuar)|exclusivo\s+para\s+suscriptores"
    r"|riservato\s+agli\s+abbonati",
    re.I,
)
# Consent-management markup: the ids/classes of consent platforms and generic cookie dialogs.
_CONSENT_MARKUP = re.compile(
    r"consent|cookie|gdpr|(?:^|[\s_-])cmp(?:$|[\s_-])|onetrust|didomi|sp_message|qc-cmp|cookiebot"
    r"|truste|usercentrics|sourcepoint|privacy[-_]?(?:wall|notice|manager)",
    re.I,
)
_CONSENT_TEXT = re.compile(
    r"\b(?:we|our\s+partners|this\s+(?:web)?site)\b[^.]{0,80}?\buses?\s+cookies"
    r"|\bcookie\s+(?:settings|preferences|policy|consent)|\bconsent\s+to\s+(?:the\s+use\s+of\s+)?cookies"
    r"|\baccept\s+(?:all\s+)?cookies|\bbefore\s+you\s+continue\b|\bwe\s+value\s+your\s+privacy"
    r"|\byour\s+privacy\s+choices|\blegitimate\s+interest"
    r"|nous\s+utilisons\s+des\s+cookies|wir\s+verwenden\s+cookies|utilizamos\s+cookies"
    r"|utilizziamo\s+(?:i\s+)?cookie",
    re.I,
)
_CONSENT_WORDS = re.compile(
    r"cookie|consent|partners?\b|privacy|personal\s+data|tracking|vendors?\b|legitimate\s+interest"
    r"|advertis|datenschutz|einwilligung|consentement|confidentialit|privacidad|gdpr|rgpd",
    re.I,
)
_MAX_SCAN_CHARS = 300_000


def _visible_text(tree: lxml_html.HtmlElement) -> str:
    """The page's text without scripts and styles, whitespace collapsed (first 300,000 chars)."""
    return " ".join(html_text(tree)[:_MAX_SCAN_CHARS].split())


def consent_share(body: str) -> float:
    """Share of the body's words on lines that talk about cookies, consent, partners, privacy."""
    total = count_words(body)
    if not total:
        return 0.0
    hits = sum(count_words(line) for line in body.splitlines() if _CONSENT_WORDS.search(line))
    return hits / total


def _consent_markup(tree: lxml_html.HtmlElement) -> str | None:
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        for attr in ("id", "class"):
            value = el.get(attr)
            if value and _CONSENT_MARKUP.search(value):
                return f'<{el.tag} {attr}="{value[:60]}">'
    return None


def detect_wall(
    tree: lxml_html.HtmlElement, page: PageMeta, body: str, word_count: int
) -> tuple[ExtractOutcome, str] | None:
    """(``"paywalled"`` | ``"consent_wall"``, why) when the page shows a wall instead of the story.

    Only a short body (under ``TEASER_MAX_WORDS``) can be a wall: a page that declares a paywall
    but still carries the whole story (served to crawlers, or metered) is an article.

    - ``paywalled``: the page declares restricted access (JSON-LD ``isAccessibleForFree: false``,
      ``article:content_tier`` locked/metered) or shows a subscription prompt ("Subscribe to
      continue reading", "réservé aux abonnés", ...).
    - ``consent_wall``: a consent platform's markup or consent text is on the page, and the body
      is empty or mostly consent talk (``CONSENT_SHARE`` of its words). A short story next to an
      ordinary cookie banner stays a (short) article.
    """
    if word_count >= TEASER_MAX_WORDS:
        return None
    text = _visible_text(tree)
    if page.restricted:
        return (
            ExtractOutcome.PAYWALLED,
            f"page declares restricted access; body has {word_count} words",
        )
    m = _PAYWALL_TEXT.search(text)
    if m:
        return (
            ExtractOutcome.PAYWALLED,
            f"subscription prompt {m.group(0)!r}; body has {word_count} words",
        )
    if word_count == 0 or consent_share(body) >= CONSENT_SHARE:
        m = _CONSENT_TEXT.search(text)
        signal = f"consent text {m.group(0)!r}" if m else _consent_markup(tree)
        if signal:
            return ExtractOutcome.CONSENT_WALL, f"{signal}; no story text"
    return None


# A body of which at least this share of words is the page's link text is a list of links
# (a section front, a navigation block, a link farm), not a story.
LINK_BODY_SHARE = 0.8
_TOKEN = re.compile(r"\w+")


def link_list(tree: lxml_html.HtmlElement, body: str) -> str | None:
    """Why ``body`` is link text rather than a story, or None. The body's words are matched
    against the words of the page's ``<a>`` elements (as a multiset, so a story that quotes one
    link's words keeps them once); a body mostly covered by them is not an article."""
    words = _TOKEN.findall(body.lower())
    if not words:
        return None
    anchors: Counter[str] = Counter()
    for a in tree.iter("a"):
        anchors.update(_TOKEN.findall(a.text_content().lower()))
    if not anchors:
        return None
    covered = sum((Counter(words) & anchors).values())
    share = covered / len(words)
    if share < LINK_BODY_SHARE:
        return None
    return f"the body is link text ({share:.0%} of its words are the page's links), not a story"
