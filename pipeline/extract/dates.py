"""The publication time: page metadata, htmldate, the feed's date and the URL, reconciled.

Pure functions of strings and datetimes (plus htmldate on a parsed tree), so the rules can be
tested without pages; :func:`choose_date` documents the order.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from email.utils import parsedate_to_datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import htmldate
from lxml import html as lxml_html
from lxml.html import builder as E

from pipeline.extract.html import html_text

LOGGER = logging.getLogger(__name__)

DATE_AGREEMENT = timedelta(days=2)
FUTURE_SLACK = timedelta(days=1)
MIN_DATE = datetime(1995, 1, 1, tzinfo=UTC)
MAX_FEED_GAP = timedelta(days=3653)  # "decades before the feed item": ten years is already wrong


def _zone(name: str | None) -> tzinfo | None:
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            LOGGER.warning("unknown time zone %r, reading naive dates as UTC", name)
    return None


@lru_cache(maxsize=1)
def _country_zones() -> dict[str, list[str]]:
    """ISO 3166-1 alpha-2 -> IANA zones, from the tz database's own ``zone.tab`` (shipped by
    the ``tzdata`` package, or the system's zoneinfo directory)."""
    text = None
    try:
        from importlib.resources import files

        text = (files("tzdata") / "zoneinfo" / "zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        for path in ("/usr/share/zoneinfo/zone.tab", "/usr/lib/zoneinfo/zone.tab"):
            try:
                text = Path(path).read_text(encoding="utf-8")
                break
            except OSError:
                continue
    zones: dict[str, list[str]] = {}
    for line in (text or "").splitlines():
        if line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) >= 3:
            zones.setdefault(cols[0].upper(), []).append(cols[2].strip())
    return zones


def country_timezone(country: str | None) -> str | None:
    """The zone of a country that has exactly one (FR -> Europe/Paris); None for countries that
    span several (US, RU, BR, AU ...), where guessing would put some outlets hours off."""
    zones = _country_zones().get((country or "").upper(), [])
    return zones[0] if len(zones) == 1 else None


def naive_date_zone(default_tz: str | None, country: str | None = None) -> tzinfo:
    """Where a timestamp without an offset is read: the feed's configured zone, else the outlet's
    country's single zone, else UTC."""
    return _zone(default_tz) or _zone(country_timezone(country)) or UTC


_HAS_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
# Two defaults that differ in year, month and day: a field dateutil took from the default
# rather than from the text shows up as a difference between the two parses.
_DEFAULTS = (datetime(2001, 1, 1), datetime(2002, 2, 2))


def _dateutil_parse(value: str) -> datetime | None:
    """dateutil's reading of free text, or None when the text lacks the year, month or day.

    dateutil silently fills missing fields from its default (today, unless told otherwise), so
    "2006" would become 2006 with today's month and day: a made-up date.
    """
    if not _HAS_YEAR.search(value):
        return None
    import warnings

    from dateutil import parser as du

    try:
        with warnings.catch_warnings():  # "tzname EDT identified but not understood"
            warnings.simplefilter("ignore")
            a, b = (du.parse(value, default=d) for d in _DEFAULTS)
    except (ValueError, OverflowError, TypeError):
        return None
    return a if a.date() == b.date() else None


def parse_datetime(value: str) -> tuple[datetime, bool] | None:
    """(datetime, had an explicit offset) from ISO 8601, RFC 2822 or other text that names a
    full day, or None."""
    value = value.strip()
    if not value or len(value) > 100:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        try:
            dt = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            parsed = _dateutil_parse(value)
            if parsed is None:
                return None
            dt = parsed
    return dt, dt.tzinfo is not None and dt.utcoffset() is not None


def offset_minutes(dt: datetime) -> int | None:
    """The UTC offset written with a timestamp, in minutes east of UTC; None when naive."""
    off = dt.utcoffset() if dt.tzinfo is not None else None
    return None if off is None else int(off.total_seconds() // 60)


def _localise(dt: datetime, tz: tzinfo) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        dt = dt.replace(tzinfo=tz)
    return dt.astimezone(UTC)


_URL_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?!\d)"
)


def url_date(url: str | None) -> date | None:
    """A /2026/03/04/ or 2026-03-04 date in a URL's path, or None."""
    if not url:
        return None
    m = _URL_DATE.search(urlsplit(url).path)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


@dataclass
class DateChoice:
    published_at: datetime | None  # UTC
    source: str | None  # "page" | "feed" | "url" | "htmldate"
    flags: list[str]  # e.g. ["page_future", "page_feed_disagree"]
    offset_minutes: int | None = None  # the publisher's UTC offset, when the source wrote one


@dataclass
class _PageClaims:
    """The page's own published dates that passed :func:`_check`, in page order."""

    aware: list[tuple[datetime, int | None]]  # (UTC, offset as written)
    naive: list[datetime]  # UTC, read in the naive-date zone
    impossible: bool  # some stated date was future/too old/far before the feed


def _check(dt: datetime, kind: str, now: datetime, feed: datetime | None, flags: list[str]) -> bool:
    """Is ``dt`` a possible publication time? If not, say why in ``flags``."""
    if dt > now + FUTURE_SLACK:
        flags.append(f"{kind}_future")
    elif dt < MIN_DATE:
        flags.append(f"{kind}_too_old")
    elif feed is not None and kind != "feed" and dt < feed - MAX_FEED_GAP:
        flags.append(f"{kind}_before_feed")
    else:
        return True
    return False


def _page_claims(
    page_dates: Sequence[str], tz: tzinfo, now: datetime, feed: datetime | None, flags: list[str]
) -> _PageClaims:
    claims = _PageClaims([], [], impossible=False)
    for raw in page_dates:
        parsed = parse_datetime(raw)
        if parsed is None:
            continue
        dt = _localise(parsed[0], tz)
        if not _check(dt, "page", now, feed, flags):
            claims.impossible = True
        elif parsed[1]:
            claims.aware.append((dt, offset_minutes(parsed[0])))
        else:
            claims.naive.append(dt)
    return claims


def _feed_choice(
    feed_published: datetime | None, tz: tzinfo, now: datetime, flags: list[str]
) -> DateChoice | None:
    """The feed's date, if possible. Feeds reach us normalised to UTC (feedparser), so the
    publisher's offset is known only when the caller passes a datetime in another zone."""
    if feed_published is None:
        return None
    feed = _localise(feed_published, tz)
    if not _check(feed, "feed", now, None, flags):
        return None
    offset = offset_minutes(feed_published)
    if feed_published.tzinfo is UTC or not offset:
        offset = None
    return DateChoice(feed, "feed", flags, offset)


def _url_choice(
    urls: Sequence[str | None], tz: tzinfo, now: datetime, flags: list[str]
) -> DateChoice | None:
    for u in urls:
        d = url_date(u)
        if d:
            dt = _localise(datetime(d.year, d.month, d.day), tz)
            if _check(dt, "url", now, None, flags):
                return DateChoice(dt, "url", flags)
    return None


def _guess_choice(
    guess: str | None, tz: tzinfo, now: datetime, feed: datetime | None, flags: list[str]
) -> DateChoice | None:
    """htmldate's day, unless impossible or a year in disguise: htmldate answers January 1st
    when all it found was a year (a copyright line, a lone "2016"), and a year is not a
    publication day (flagged ``htmldate_year_only``)."""
    parsed = parse_datetime(guess) if guess else None
    if parsed is None:
        return None
    if (parsed[0].month, parsed[0].day) == (1, 1):
        flags.append("htmldate_year_only")
        return None
    dt = _localise(parsed[0], tz)
    if not _check(dt, "htmldate", now, feed, flags):
        return None
    return DateChoice(dt, "htmldate", flags)


def choose_date(
    page_dates: Sequence[str],
    feed_published: datetime | None,
    urls: Sequence[str | None],
    *,
    default_tz: str | None = None,
    country: str | None = None,
    now: datetime | None = None,
    page_guess: Callable[[], str | None] | None = None,
) -> DateChoice:
    """The article's publication time (UTC), where it came from, and what looked wrong.

    1. the first possible page date with an explicit offset, if the feed has no date or the
       two agree within ``DATE_AGREEMENT`` (the page knows the minute; the feed confirms the day);
    2. else the feed's date (a page date that disagrees is usually a modified date or a template
       default: flagged ``page_feed_disagree``);
    3. else the first possible page date without an offset;
    4. else a date in the URL (midnight);
    5. else ``page_guess()`` (htmldate: the page's markup and text, day precision), asked only
       here and only when the page stated no impossible published date (htmldate would then
       fall back to the modified date, which is not a publication time); a January 1st from
       it is a year only and is not used.
    Naive values are read in :func:`naive_date_zone`. Impossible values are skipped and flagged
    ``<kind>_future`` (beyond ``FUTURE_SLACK`` from now), ``<kind>_too_old`` (before
    ``MIN_DATE``) or ``<kind>_before_feed`` (more than ``MAX_FEED_GAP`` before the feed's date),
    where kind is ``page``, ``feed``, ``url`` or ``htmldate``. ``offset_minutes`` is the UTC
    offset the chosen source wrote (page timestamps with an offset; a feed date passed in a
    zone other than UTC), else None.
    """
    tz = naive_date_zone(default_tz, country)
    now = now or datetime.now(UTC)
    flags: list[str] = []
    feed = _feed_choice(feed_published, tz, now, flags)
    feed_at = feed.published_at if feed else None
    claims = _page_claims(page_dates, tz, now, feed_at, flags)
    flags[:] = list(dict.fromkeys(flags))
    if claims.aware:
        at, offset = claims.aware[0]
        if feed_at is None or abs(at - feed_at) <= DATE_AGREEMENT:
            return DateChoice(at, "page", flags, offset)
        flags.append("page_feed_disagree")
    if feed:
        return feed
    if claims.naive:
        return DateChoice(claims.naive[0], "page", flags)
    choice = _url_choice(urls, tz, now, flags)
    if choice is None and page_guess is not None and not claims.impossible:
        choice = _guess_choice(page_guess(), tz, now, feed_at, flags)
    return choice or DateChoice(None, None, list(dict.fromkeys(flags)))


_DATED_LINES_MAX = 20
_DATED_LINE_CHARS = 300


def _dated_lines(tree: lxml_html.HtmlElement) -> lxml_html.HtmlElement | None:
    """The page's visible text lines that contain a year (at most ``_DATED_LINES_MAX``, each cut
    to ``_DATED_LINE_CHARS``), as a small document of paragraphs; None when there are none."""
    lines = []
    for line in html_text(tree).splitlines():
        line = line[:_DATED_LINE_CHARS]
        if _HAS_YEAR.search(line):
            lines.append(E.P(line))
            if len(lines) == _DATED_LINES_MAX:
                break
    return E.HTML(E.BODY(*lines)) if lines else None


def _htmldate(tree: lxml_html.HtmlElement, url: str | None, extensive: bool) -> str | None:
    try:
        return htmldate.find_date(
            tree,
            extensive_search=extensive,
            original_date=True,
            url=url,
            outputformat="%Y-%m-%d",
        )
    except Exception:  # htmldate is best-effort; a failure there must not fail the page
        LOGGER.debug("htmldate failed", exc_info=True)
        return None


def htmldate_guess(tree: lxml_html.HtmlElement, url: str | None = None) -> str | None:
    """htmldate's guess at the original publication day, in three steps of rising cost:

    1. its fast search of the page (markup, ``<time>``, dates in attributes and text patterns);
    2. else its extensive (free-text) search over the page's dated lines only (visible lines
       with a year): over a whole page, comment threads and listings send hundreds of segments
       through dateparser, seconds per page, for next to no gain;
    3. else, when no visible line has a year, its extensive search of the page's markup without
       its text (:func:`_markup_only`).
    Without ``url`` htmldate reads the page's canonical link, as it would on its own. Best
    effort: an htmldate failure is no date, never a failed page.
    """
    found = _htmldate(tree, url or None, extensive=False)
    if found:
        return found
    dated = _dated_lines(tree)
    if dated is not None:
        return _htmldate(dated, "", extensive=True)
    return _htmldate(_markup_only(tree), url or None, extensive=True)


def _markup_only(tree: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """A copy of the page without its text: what is left to date it are attributes (links,
    image sources, data attributes). The text has no year here, and year-less stamps ("on
    Tuesday July 24, @07:29") would each go through dateparser for a guess at the year."""
    bare = deepcopy(tree)
    for el in bare.iter():
        el.text = None
        el.tail = None
    return bare
