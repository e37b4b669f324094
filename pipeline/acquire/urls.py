"""URL canonicalisation and identity: one article, one URL, one id.

Why: the same article reaches us as ``HTTP://Example.com:80/a?utm_source=rss&b=2&a=1#top`` from
one feed and ``http://example.com/a?a=1&b=2`` from another. Deduplication, ``article_id`` and the
``url_aliases`` table all key on the canonical form, so it must be deterministic and idempotent
(``canonicalize_url(canonicalize_url(u)) == canonicalize_url(u)``). Everything here is pure: no
network, no DNS.

What canonicalisation does (and deliberately does not do):

* lowercases scheme and host, converts IDN hosts to punycode, drops a trailing dot on the host;
* drops default ports (``:80`` for http, ``:443`` for https), the fragment and any userinfo
  (credentials must never end up in the database);
* removes well-known *tracking* query parameters only (``utm_*``, ``fbclid``, ``gclid`` ...).
  Site-specific parameters such as ``id`` or ``p`` select content and are kept; so is ``ref``,
  which some CMSs use for real;
* sorts the remaining query parameters and normalises percent-encoding (via w3lib, which is
  what Scrapy uses for request fingerprints), and strips an empty ``?``;
* keeps the path's case (paths are case-sensitive on most servers) and keeps ``www.``:
  ``www.example.com`` and ``example.com`` can be different servers. They are the same *outlet*
  though, see :func:`outlet`.
"""

from __future__ import annotations

import hashlib
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as _w3lib_canonicalize

__all__ = [
    "TRACKING_PARAMS",
    "TRACKING_PREFIXES",
    "article_id",
    "canonicalize_url",
    "is_tracking_param",
    "outlet",
    "resolve_link",
    "url_hash",
]

_DEFAULT_PORTS = {"http": 80, "https": 443}

# Parameters that only identify a click, campaign or mailing, never content. Matched on the
# lowercased, unquoted key. Kept short on purpose: a false positive here merges two different
# pages into one article.
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "fbclid",  # Facebook
        "gclid",  # Google Ads
        "gclsrc",
        "dclid",  # Google Display
        "gbraid",
        "wbraid",
        "msclkid",  # Microsoft Ads
        "yclid",  # Yandex
        "twclid",  # X/Twitter
        "ttclid",  # TikTok
        "li_fat_id",  # LinkedIn
        "igshid",  # Instagram
        "mc_cid",  # Mailchimp
        "mc_eid",
        "_ga",  # Google Analytics cross-domain
        "_gl",
        "_hsenc",  # HubSpot
        "_hsmi",
        "mkt_tok",  # Marketo
        "oly_anon_id",  # Omeda
        "oly_enc_id",
        "vero_id",  # Vero
        "ref_src",  # Twitter embeds
        "ref_url",
    }
)
TRACKING_PREFIXES: tuple[str, ...] = ("utm_",)


def is_tracking_param(key: str) -> bool:
    """True if a query parameter name is a well-known click/campaign tracker."""
    k = unquote_plus(key).strip().lower()
    return k in TRACKING_PARAMS or k.startswith(TRACKING_PREFIXES)


def _split_checked(url: str) -> tuple[str, str, str, str, str]:
    """urlsplit plus the checks every public function needs; raises ValueError with the reason."""
    if not isinstance(url, str):
        raise ValueError(f"URL must be a string, got {type(url).__name__}")
    raw = url.strip()
    if not raw:
        raise ValueError("empty URL")
    try:
        parts = urlsplit(raw)
        _ = parts.port  # parses and validates the port
    except ValueError as exc:
        raise ValueError(f"malformed URL {raw!r}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        shown = f"{scheme!r}" if scheme else "none (relative URL?)"
        raise ValueError(f"not an http(s) URL {raw!r}: scheme is {shown}")
    if not parts.hostname or not parts.hostname.strip("."):
        raise ValueError(f"URL has no host: {raw!r}")
    return scheme, parts.netloc, parts.path, parts.query, parts.fragment


def _strip_tracking(query: str) -> str:
    """Drop tracking parameters, keeping every other piece byte-for-byte (w3lib sorts later)."""
    if not query:
        return ""
    kept = [p for p in query.split("&") if p and not is_tracking_param(p.split("=", 1)[0])]
    return "&".join(kept)


def canonicalize_url(url: str) -> str:
    """The one canonical spelling of an http(s) URL; see the module docstring for the rules.

    Raises ValueError (with the URL and the reason) for non-http(s), relative or hostless URLs.
    """
    scheme, netloc, path, query, _fragment = _split_checked(url)
    # userinfo is dropped before w3lib sees the URL; the fragment is dropped by w3lib.
    host_port = netloc.rpartition("@")[2]
    pre = urlunsplit((scheme, host_port, path, _strip_tracking(query), ""))
    canon = _w3lib_canonicalize(pre, keep_blank_values=True, keep_fragments=False)
    parts = urlsplit(canon)
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ValueError(f"URL has no host: {url.strip()!r}")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port
    netloc_out = host if port is None or port == _DEFAULT_PORTS[parts.scheme] else f"{host}:{port}"
    return urlunsplit((parts.scheme, netloc_out, parts.path or "/", parts.query, ""))


def url_hash(url: str) -> str:
    """First 16 hex chars (64 bits) of sha256 over the canonical URL.

    Why 64 bits: ids stay short and readable in SQL while collisions stay negligible. By the
    birthday bound the chance of any collision among n URLs is about n²/2⁶⁵: ~3e-8 for a
    million URLs, ~3e-6 for ten million, ~3e-4 for a hundred million. Raises ValueError like
    :func:`canonicalize_url`.
    """
    return hashlib.sha256(canonicalize_url(url).encode("utf-8")).hexdigest()[:16]


def article_id(canonical_url: str) -> str:
    """Stable article id: the url_hash of the article's canonical URL."""
    return url_hash(canonical_url)


def outlet(url: str) -> str:
    """The publishing outlet of a URL: the canonical host without port and without ``www.``.

    ``https://WWW.Example.com:8443/x`` -> ``example.com``. Used to count distinct outlets per
    story, where ``www.example.com`` and ``example.com`` are the same publisher.
    """
    host = urlsplit(canonicalize_url(url)).hostname or ""
    return host.removeprefix("www.")


def resolve_link(base: str, href: str | None) -> str | None:
    """Resolve a link found in a page (e.g. ``<link rel=canonical>``) against the page URL.

    Returns the canonical absolute http(s) URL, or None when the link is empty, not http(s)
    (``javascript:``, ``mailto:``, ``data:``...), hostless or malformed. Never raises: page
    markup is untrusted input.
    """
    if not href or not href.strip():
        return None
    try:
        joined = urljoin(base.strip(), href.strip())
        return canonicalize_url(joined)
    except ValueError:
        return None
