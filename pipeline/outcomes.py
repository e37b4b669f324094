"""The outcome vocabulary: every value a recorded ``outcome`` column may hold, in one place.

Why one module: code writes these values, the report groups by them, and the dbt models test
them with ``accepted_values``; a test checks that the dbt YAML lists exactly these members, so a
new outcome is added here once and every other place is checked against it.

One enum per recorded column: ``feed_polls.outcome`` (:class:`PollOutcome`), ``fetch_log.outcome``
(:class:`UrlOutcome`, which covers the fetch and the extraction of one URL) and, for wire items
and drop-folder files, :class:`ItemOutcome`. The fetcher's own results are the HTTP-level subset
(:data:`FETCH_OUTCOMES`), shared by polls and page fetches.
"""

from __future__ import annotations

from enum import StrEnum


class UrlOutcome(StrEnum):
    """What happened to one URL of a feed (``fetch_log.outcome``)."""

    OK = "ok"
    DUPLICATE = "duplicate"  # the same article is already stored (or listed twice)
    HTTP_ERROR = "http_error"
    TIMEOUT = "timeout"
    NETWORK_ERROR = "network_error"
    TOO_LARGE = "too_large"
    BLOCKED = "blocked"  # SSRF guard or non-http(s) URL
    ROBOTS_DISALLOWED = "robots_disallowed"
    REDIRECT_LOOP = "redirect_loop"
    UNSUPPORTED_CONTENT = "unsupported_content"
    PARSE_ERROR = "parse_error"
    EMPTY_EXTRACT = "empty_extract"
    EXTRACT_TIMEOUT = "extract_timeout"
    PAYWALLED = "paywalled"  # a subscriber teaser, not stored as the article
    CONSENT_WALL = "consent_wall"  # a cookie/consent interstitial instead of the story
    DEFERRED = "deferred"  # the host's failure budget ran out this run; retried next run


class PollOutcome(StrEnum):
    """What happened to one poll of one feed (``feed_polls.outcome``)."""

    OK = "ok"
    PARTIAL = "partial"  # some entries were salvaged from a feed that did not parse whole
    NOT_MODIFIED = "not_modified"
    HTTP_ERROR = "http_error"
    TIMEOUT = "timeout"
    NETWORK_ERROR = "network_error"
    TOO_LARGE = "too_large"
    BLOCKED = "blocked"
    ROBOTS_DISALLOWED = "robots_disallowed"
    REDIRECT_LOOP = "redirect_loop"
    UNSUPPORTED_CONTENT = "unsupported_content"
    PARSE_ERROR = "parse_error"
    DEFERRED = "deferred"
    UNAVAILABLE = "unavailable"  # a drop folder that is missing or unreadable


class ExtractOutcome(StrEnum):
    """What extraction made of one fetched page (a subset of :class:`UrlOutcome`)."""

    OK = "ok"
    EMPTY_EXTRACT = "empty_extract"
    PARSE_ERROR = "parse_error"
    PAYWALLED = "paywalled"
    CONSENT_WALL = "consent_wall"


class ItemOutcome(StrEnum):
    """What happened to one wire item (ninjs / NewsML-G2 / NITF) or one drop-folder file."""

    OK = "ok"  # a text item, loaded as (a new version of) an article
    UPDATED = "updated"  # a later version of a stored item: the article was updated in place
    OLDER_VERSION = "older_version"  # arrived after a later version: recorded, nothing changed
    DUPLICATE_VERSION = "duplicate_version"  # the same version delivered again
    KILLED = "killed"  # a kill / withdrawal (pubstatus canceled or withheld)
    NOT_TEXT = "not_text"  # picture, video, audio, event, planning, package, concept ...
    EMPTY_BODY = "empty_body"  # a text item without any text
    INVALID = "invalid"  # fails the format's schema (ninjs JSON Schema) or lacks an id
    PARSE_ERROR = "parse_error"  # not well-formed JSON/XML, or unsafe XML (entity declarations)
    UNSUPPORTED = "unsupported"  # well-formed, but not a wire item format we read
    TOO_LARGE = "too_large"  # a delivered file over max_item_bytes (rejected unread)


# The outcomes the fetcher itself returns (HTTP level); polls and page fetches share them.
FETCH_OUTCOMES: frozenset[str] = frozenset(
    {
        "ok",
        "not_modified",
        "http_error",
        "timeout",
        "too_large",
        "blocked",
        "robots_disallowed",
        "network_error",
        "redirect_loop",
        "unsupported_content",
    }
)

# URL outcomes after which the URL is not tried again. Transient ones (timeout, network_error,
# 5xx) are retried on later polls until max_attempts_per_url; ``deferred`` is not an attempt.
PERMANENT_URL_OUTCOMES: tuple[UrlOutcome, ...] = (
    UrlOutcome.OK,
    UrlOutcome.DUPLICATE,
    UrlOutcome.TOO_LARGE,
    UrlOutcome.BLOCKED,
    UrlOutcome.ROBOTS_DISALLOWED,
    UrlOutcome.PARSE_ERROR,
    UrlOutcome.EMPTY_EXTRACT,
    UrlOutcome.UNSUPPORTED_CONTENT,
    UrlOutcome.REDIRECT_LOOP,
    UrlOutcome.PAYWALLED,
    UrlOutcome.CONSENT_WALL,
)

assert set(UrlOutcome) >= set(ExtractOutcome)
assert set(UrlOutcome) >= FETCH_OUTCOMES - {"not_modified"}  # pages are never conditional
assert set(PollOutcome) >= FETCH_OUTCOMES
