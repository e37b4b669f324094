"""The publication time: page metadata, htmldate, the feed's date and the URL, reconciled.

Pure functions of strings and datetimes (plus htmldate on a parsed tree), so the rules can be
tested without pages; :func:`choose_date` documents the order.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from email.utils import parsedate_to_datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import htmldate
from lxml import html as lxml_html

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


def parse_datetime(value: str) -> tuple[datetime, bool] | None:
    """(datetime, had an explicit offset) from ISO 8601 or RFC 2822 text, or None."""
    value = value.strip()
    if not value or len(value) > 100:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        try:
            dt = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            if not _HAS_YEAR.search(value):  # dateutil fills a missing year/month from today
                return None
            try:
                import warnings

                from dateutil import parser as du

                with warnings.catch_warnings():  # "tzname EDT identified but not understood"
                    warnings.simplefilter("ignore")
                    dt = du.parse(value)
            except (ValueError, OverflowError, TypeError):
                return None
    return dt, dt.tzinfo is not None and dt.utcoffset() is not None


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
    source: str | None  # "page" | "feed" | "url"
    flags: list[str]  # e.g. ["page_future", "page_feed_disagree"]


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


def choose_date(
    page_dates: Sequence[str],
    feed_published: datetime | None,
    urls: Sequence[str | None],
    *,
    default_tz: str | None = None,
    country: str | None = None,
    now: datetime | None = None,
) -> DateChoice:
    """The article's publication time (UTC), where it came from, and what looked wrong.

    1. the first possible page date with an explicit offset, if the feed has no date or the
       two agree within ``DATE_AGREEMENT`` (the page knows the minute; the feed confirms the day);
    2. else the feed's date (a page date that disagrees is usually a modified date or a template
       default: flagged ``page_feed_disagree``);
    3. else the first possible page date without an offset;
    4. else a date in the URL (midnight).
    Naive values are read in :func:`naive_date_zone`. Impossible values are skipped and flagged
    ``<kind>_future`` (beyond ``FUTURE_SLACK`` from now), ``<kind>_too_old`` (before
    ``MIN_DATE``) or ``<kind>_before_feed`` (more than ``MAX_FEED_GAP`` before the feed's date),
    where kind is ``page``, ``feed`` or ``url``.
    """
    tz = naive_date_zone(default_tz, country)
    now = now or datetime.now(UTC)
    flags: list[str] = []
    feed = _localise(feed_published, tz) if feed_published else None
    if feed is not None and not _check(feed, "feed", now, None, flags):
        feed = None
    aware: datetime | None = None
    naive: datetime | None = None
    for raw in page_dates:
        parsed = parse_datetime(raw)
        if parsed is None:
            continue
        dt = _localise(parsed[0], tz)
        if not _check(dt, "page", now, feed, flags):
            continue
        if parsed[1]:
            aware = aware or dt
        else:
            naive = naive or dt
    flags = list(dict.fromkeys(flags))
    if aware and (feed is None or abs(aware - feed) <= DATE_AGREEMENT):
        return DateChoice(aware, "page", flags)
    if feed:
        if aware:
            flags.append("page_feed_disagree")
        return DateChoice(feed, "feed", flags)
    if naive:
        return DateChoice(naive, "page", flags)
    for u in urls:
        d = url_date(u)
        if d:
            dt = _localise(datetime(d.year, d.month, d.day), tz)
            if _check(dt, "url", now, None, flags):
                return DateChoice(dt, "url", flags)
    return DateChoice(None, None, list(dict.fromkeys(flags)))


def choose_published(
    page_dates: list[str],
    feed_published: datetime | None,
    urls: list[str | None],
    *,
    default_tz: str | None = None,
    now: datetime | None = None,
) -> tuple[datetime | None, str | None]:
    """(published_at, date_source) of :func:`choose_date`, without the flags."""
    c = choose_date(page_dates, feed_published, urls, default_tz=default_tz, now=now)
    return c.published_at, c.source


def htmldate_guess(tree: lxml_html.HtmlElement) -> str | None:
    """htmldate's markup-only guess (day precision). url="" keeps it from reading the URL: the
    URL is our last resort, not part of the page's own claim."""
    try:
        return htmldate.find_date(
            tree, extensive_search=False, original_date=True, url="", outputformat="%Y-%m-%d"
        )
    except Exception:  # htmldate is best-effort; a failure there must not fail the page
        LOGGER.debug("htmldate failed", exc_info=True)
        return None
