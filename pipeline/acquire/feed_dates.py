"""Feed entry dates read from their raw strings, checked, and resolved per feed.

Why not feedparser's parsed dates alone: it reads a real Indian feed's ``02-03-2014  00:56:28``
as 2002-03-20 and treats every zone-less time as UTC, silently. Here every raw date is read again:

* numeric ``DD-MM-YYYY`` / ``MM-DD-YYYY`` dates are ordered **per feed**, from the evidence of all
  its entries (a first field above 12 proves day-first, a second field above 12 month-first);
  without evidence the publisher's country decides and the entry is flagged ambiguous;
* a date only feedparser could read is kept only when its year is a year written in the string;
* a time without an offset is read in the feed's ``timezone``, else its country's single zone
  (:func:`pipeline.extract.naive_date_zone`), else UTC with a flag;
* the publisher's own UTC offset is kept (``offset_minutes``) when the string gives one.

Flags (comma-joined into ``date_flags``): ``feed_date_ambiguous``, ``feed_date_year_mismatch``
(the date was dropped), ``feed_date_no_zone``, ``feed_date_unparsed`` (a string nobody could
read). Pure functions: strings in, dates out.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime

__all__ = [
    "AMBIGUOUS",
    "NO_ZONE",
    "UNPARSED",
    "YEAR_MISMATCH",
    "FeedDate",
    "day_first_for_feed",
    "resolve_feed_dates",
]

AMBIGUOUS = "feed_date_ambiguous"
YEAR_MISMATCH = "feed_date_year_mismatch"
NO_ZONE = "feed_date_no_zone"
UNPARSED = "feed_date_unparsed"
_DOUBTFUL = frozenset({AMBIGUOUS, YEAR_MISMATCH, UNPARSED})

# Where month/day/year is the written convention (a default only: a feed's own dates decide).
_MONTH_FIRST_COUNTRIES = frozenset({"US", "PH", "FM", "MH", "PW", "BZ", "AS", "GU", "MP", "PR"})
_FIXED_ZONES = {
    "z": 0,
    "ut": 0,
    "utc": 0,
    "gmt": 0,
    "est": -300,
    "edt": -240,
    "cst": -360,
    "cdt": -300,
    "mst": -420,
    "mdt": -360,
    "pst": -480,
    "pdt": -420,
}
_DATEUTIL_ZONES = {name.upper(): minutes * 60 for name, minutes in _FIXED_ZONES.items()}
_TIME = (
    r"(?:[T\s,]+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?(?:\.\d+)?\s*(?P<ap>[AaPp]\.?[Mm]\.?)?)?"
    r"\s*(?P<zone>[+-]\d{2}:?\d{2}|[A-Za-z]{1,5})?\s*$"
)
_NUMERIC_DMY = re.compile(
    r"^\s*(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})" + _TIME
)
_NUMERIC_YMD = re.compile(
    r"^\s*(?P<y>\d{4})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<a>\d{1,2})" + _TIME
)
_RFC822 = re.compile(r"^\s*(?:[A-Za-z]{2,9}\.?,?\s*)?\d{1,2}\s+[A-Za-z]{3,9}\.?\s+\d{2,4}\s")
_MONTH_NAME = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\b", re.IGNORECASE
)
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


@dataclass(frozen=True)
class FeedDate:
    """One entry's date: ISO-8601 UTC (or None), the publisher's offset, and doubts."""

    published: str | None = None
    offset_minutes: int | None = None
    flags: tuple[str, ...] = ()

    @property
    def trusted(self) -> bool:
        """A date to rank entries by: present and without a doubt about which day it is."""
        return self.published is not None and not _DOUBTFUL.intersection(self.flags)

    @property
    def date_flags(self) -> str | None:
        return ",".join(self.flags) or None


@dataclass(frozen=True)
class _Reading:
    local: datetime  # naive when the string gave no offset
    ambiguous: bool = False
    publisher_offset: bool = True  # False for RFC 2822 '-0000': UTC, the publisher's zone unknown


# --------------------------------------------------------------------------- per feed


def day_first_for_feed(raws: Sequence[str | None]) -> bool | None:
    """Whether this feed's numeric dates are day-first: True, False, or None when the entries
    prove nothing (both fields <= 12 everywhere, or contradicting each other)."""
    day_first = month_first = False
    for raw in raws:
        m = _NUMERIC_DMY.match(raw or "")
        if not m:
            continue
        a, b = int(m["a"]), int(m["b"])
        day_first |= a > 12 >= b
        month_first |= b > 12 >= a
    if day_first != month_first:
        return day_first
    return None


def resolve_feed_dates(
    raws: Sequence[str | None],
    fallbacks: Sequence[datetime | None] = (),
    *,
    timezone_name: str | None = None,
    country: str | None = None,
) -> list[FeedDate]:
    """One FeedDate per raw string. ``fallbacks`` are feedparser's readings (aware, UTC), used
    only for strings our readers do not understand, and only when their year is in the string."""
    evidence = day_first_for_feed(raws)
    default_day_first = (country or "").upper() not in _MONTH_FIRST_COUNTRIES
    zone = _NaiveZone(timezone_name, country)
    out: list[FeedDate] = []
    for i, raw in enumerate(raws):
        fallback = fallbacks[i] if i < len(fallbacks) else None
        day_first = default_day_first if evidence is None else evidence
        out.append(_resolve_one(raw, fallback, day_first, evidence is None, zone))
    return out


class _NaiveZone:
    """The zone for times written without an offset, looked up on first need only (most feeds
    write offsets, and the lookup imports the extraction stage)."""

    def __init__(self, timezone_name: str | None, country: str | None) -> None:
        self._args = (timezone_name, country)
        self._zone: tuple[tzinfo, bool] | None = None

    def get(self) -> tuple[tzinfo, bool]:
        """(zone, whether it is the publisher's rather than a UTC fallback)."""
        if self._zone is None:
            from pipeline.extract import country_timezone, naive_date_zone

            name, country = self._args
            known = bool(name) or country_timezone(country) is not None
            self._zone = (naive_date_zone(name, country), known)
        return self._zone


def _resolve_one(
    raw: str | None,
    fallback: datetime | None,
    day_first: bool,
    unproven: bool,
    naive_zone: _NaiveZone,
) -> FeedDate:
    text = " ".join((raw or "").split())[:100]
    if not text:
        return FeedDate(_iso(fallback)) if fallback else FeedDate()
    reading = _read(text, day_first, unproven)
    if reading is None:
        return _from_fallback(text, fallback)
    flags = [AMBIGUOUS] if reading.ambiguous else []
    local = reading.local
    offset = local.utcoffset()
    if offset is None:
        zone, zone_known = naive_zone.get()
        local = local.replace(tzinfo=zone)
        if not zone_known:
            flags.append(NO_ZONE)
    minutes = None
    if offset is not None and reading.publisher_offset:
        minutes = int(offset.total_seconds() // 60)
    return FeedDate(_iso(local), minutes, tuple(flags))


def _from_fallback(text: str, fallback: datetime | None) -> FeedDate:
    """feedparser's reading, kept only when the string's own year agrees with it."""
    if fallback is None:
        return FeedDate(flags=(UNPARSED,))
    years = {int(y) for y in _YEAR.findall(text)}
    near = {(fallback - timedelta(hours=14)).year, (fallback + timedelta(hours=14)).year}
    if years and not years & near:
        return FeedDate(flags=(YEAR_MISMATCH,))
    return FeedDate(_iso(fallback))


def _iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    return dt.astimezone(UTC).replace(microsecond=0).isoformat()


# --------------------------------------------------------------------------- readers


def _read(text: str, day_first: bool, unproven: bool) -> _Reading | None:
    """Our reading of one string, or None when it is not a form we read with certainty."""
    for reader in (_read_numeric, _read_iso, _read_rfc822, _read_textual):
        try:
            got = reader(text, day_first, unproven)
        except (ValueError, OverflowError):
            got = None
        if got is not None:
            return got
    return None


def _read_numeric(text: str, day_first: bool, unproven: bool) -> _Reading | None:
    m = _NUMERIC_DMY.match(text)
    ymd = m is None
    if ymd:
        m = _NUMERIC_YMD.match(text)
        if m is None or "T" in text:  # ISO with a 'T' is _read_iso's
            return None
    a, b = int(m["a"]), int(m["b"])
    if ymd:
        day, month, ambiguous = a, b, False
    elif a > 12 or b > 12:  # only one reading is a date
        day, month = (a, b) if a > 12 else (b, a)
        ambiguous = False
    else:
        day, month = (a, b) if day_first else (b, a)
        ambiguous = unproven and a != b
    hour, minute, second = int(m["h"] or 0), int(m["mi"] or 0), int(m["s"] or 0)
    if m["ap"]:
        hour = hour % 12 + (12 if m["ap"].lower().startswith("p") else 0)
    local = datetime(int(m["y"]), month, day, hour, minute, second, tzinfo=_zone(m["zone"]))
    return _Reading(local, ambiguous)


def _zone(token: str | None) -> tzinfo | None:
    """A fixed offset for ``+05:30``/``-0400``/``GMT``/``EST``; None for none or unknown names
    (``IST`` is India, Ireland or Israel: the feed's zone decides)."""
    if not token:
        return None
    if token[0] in "+-":
        digits = token[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + int(digits[2:])
        return timezone(timedelta(minutes=-minutes if token[0] == "-" else minutes))
    known = _FIXED_ZONES.get(token.lower())
    return None if known is None else timezone(timedelta(minutes=known))


def _read_iso(text: str, day_first: bool, unproven: bool) -> _Reading | None:
    if not re.match(r"^\d{4}-\d{2}-\d{2}", text):
        return None
    return _Reading(datetime.fromisoformat(text.replace(" Z", "Z")))


def _read_rfc822(text: str, day_first: bool, unproven: bool) -> _Reading | None:
    """RFC 822/2822 (RSS pubDate). '-0000' and unknown zone names come back naive."""
    if not _RFC822.match(text) or re.search(r"\b[AaPp]\.?[Mm]\b", text):
        return None
    dt = parsedate_to_datetime(text)
    if dt.tzinfo is None and re.search(r"\s-0000$", text):  # UTC, local zone not disclosed
        return _Reading(dt.replace(tzinfo=UTC), publisher_offset=False)
    return _Reading(dt)


def _read_textual(text: str, day_first: bool, unproven: bool) -> _Reading | None:
    """'Thursday, March 3, 2026 9:30 PM EST': a month name leaves no day/month doubt."""
    if not _MONTH_NAME.search(text) or not _YEAR.search(text):
        return None
    from dateutil import parser as du

    with warnings.catch_warnings():  # "tzname IST identified but not understood"
        warnings.simplefilter("ignore")
        dt = du.parse(text, default=datetime(1900, 1, 1), tzinfos=_DATEUTIL_ZONES)
    if str(dt.year) not in text:
        return None
    return _Reading(dt)
