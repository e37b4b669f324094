"""The extract stage: one fetched HTML page to an article record (body, title, date, language,
agency).

A pure function of (HTML, URL, feed entry facts): no network, no database, no processes. The
caller runs it in a wall-clock-limited worker pool, so it must never raise for bad input: bytes
that are not HTML come back as ``outcome="parse_error"``, pages without a story as
``"empty_extract"``, subscriber teasers as ``"paywalled"`` and cookie/consent interstitials as
``"consent_wall"`` (a teaser or a consent notice stored as the article would be counted, deduped
and place-tagged as if it were the story).

Modules, in the order a page goes through them: :mod:`~pipeline.extract.html` (decode, parse,
render text), :mod:`~pipeline.extract.metadata` (what the page says about itself),
:mod:`~pipeline.extract.body` (candidate bodies and the choice), :mod:`~pipeline.extract.title`,
:mod:`~pipeline.extract.boilerplate` (line cleaning), :mod:`~pipeline.extract.agency`,
:mod:`~pipeline.extract.dates`, :mod:`~pipeline.extract.walls` (paywalls, consent walls) and
:mod:`~pipeline.extract.article` (:func:`extract_article`, which runs them all).

Choices and why (figures: ``newsflow eval extract``, ``benchmarks/RESULTS.md``):

- Body (:func:`choose_body`): trafilatura in fast mode (its own readability/justext comparison is
  skipped, we run a comparison we can see and record), favouring recall, without comments,
  images or links (layout tables are unwrapped into paragraphs, data tables dropped). Then a
  second opinion from a different algorithm: readability (trafilatura's maintained fork of readability-lxml, which scores DOM nodes by text density
  rather than by trafilatura's rules). When the two agree (4-gram shingle F1 >=
  ``AGREEMENT_F1``) and the trafilatura text is not implausibly short (``MIN_BODY_WORDS``), it
  is kept: that is the common case and costs one readability pass. Otherwise a third candidate
  is brought in (the page's JSON-LD ``articleBody`` when it has one, else trafilatura's baseline:
  ``<article>`` / all paragraphs) and the candidate that agrees most with the others wins (the
  medoid by shingle F1; ties go to trafilatura, then readability, jsonld, baseline). Majority
  agreement between independent extractors is how a wrong pick (a sidebar, a comment thread, a
  press release appended to the story) is outvoted without per-site rules. ``extractor`` records
  the winner. Then :func:`~pipeline.extract.boilerplate.clean_body`, and the headline is dropped when it
  opens the body (the title is its own column).
- Title (:func:`choose_title`): ``og:title``, then JSON-LD ``headline``, then the page ``<h1>``,
  then the feed's title, then ``<title>``; a candidate that is only the site's name is skipped
  and site-name suffixes (" | The Daily Ledger") are stripped from each.
- Date (see :func:`~pipeline.extract.dates.choose_date`): the page's own published date
  (JSON-LD, meta, microdata) when it carries a time zone and agrees with the feed's date within
  ``DATE_AGREEMENT``; otherwise the feed's date; then any page date; then a date in the URL or
  the canonical URL; then htmldate's reading of the markup and text (fast search, then its
  extensive search over the page's dated lines), never when the page stated an impossible
  date and never a bare year. ``date_source`` says which (``page``, ``feed``, ``url``,
  ``htmldate``). Timestamps without an offset are read in ``default_tz`` (the feed's configured
  zone), else the outlet's zone when its country has exactly one (``country``), else UTC.
  ``published_at`` is UTC; ``published_offset_minutes`` keeps the offset the source wrote, so
  the publisher's own day can be counted. Dates in the future (beyond ``FUTURE_SLACK``), before
  ``MIN_DATE`` or more than ``MAX_FEED_GAP`` before the feed's date are not used and are
  *flagged* (``date_flags``), as is a page date that disagrees with the feed. Figures:
  ``newsflow eval dates``.
- Language: py3langid on the body, ISO 639-1, or the page's declared language (``<html lang>``,
  ``og:locale``) when the identifier is unsure.
- Agency: :func:`~pipeline.extract.agency.detect_agency` over body, credit lines and author fields.
- Walls (:func:`detect_wall`): a short body on a page that declares restricted access
  (JSON-LD ``isAccessibleForFree: false``, ``article:content_tier``) or shows a subscription
  prompt is ``paywalled``; no story on a page with a consent manager or consent text is
  ``consent_wall``.
"""

from pipeline.extract.article import (
    EXTRACTOR,
    EXTRACTOR_VERSION,
    Extraction,
    candidate_bodies,
    extract_article,
)
from pipeline.extract.body import EXTRACTORS, Candidate, consensus, shingle_f1, text_shingles
from pipeline.extract.dates import (
    choose_date,
    country_timezone,
    naive_date_zone,
    parse_datetime,
    url_date,
)
from pipeline.extract.html import count_words, decode_html, html_text
from pipeline.outcomes import ExtractOutcome

OUTCOMES = tuple(ExtractOutcome)

__all__ = [
    "EXTRACTOR",
    "EXTRACTORS",
    "EXTRACTOR_VERSION",
    "OUTCOMES",
    "Candidate",
    "ExtractOutcome",
    "Extraction",
    "candidate_bodies",
    "choose_date",
    "consensus",
    "count_words",
    "country_timezone",
    "decode_html",
    "extract_article",
    "html_text",
    "naive_date_zone",
    "parse_datetime",
    "shingle_f1",
    "text_shingles",
    "url_date",
]
