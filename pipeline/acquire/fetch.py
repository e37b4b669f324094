"""HTTP fetching that is safe to point at the open web: guarded, bounded, polite, and total.

Why this is more than ``httpx.get``: feed and article URLs come from third parties. A feed can
link to ``http://169.254.169.254/`` (cloud metadata), a host can resolve to 10.0.0.1, a page can
drip one byte a second forever or gzip-bomb us, and a busy host must not be hammered. So:

* **SSRF guard** (:mod:`pipeline.acquire.guard`). We resolve the host ourselves
  (``settings.resolve`` overrides first, like ``curl --resolve``), refuse loopback/private/
  link-local/multicast/reserved/unspecified and other non-global addresses (IPv4, IPv6, and IPv4
  embedded in IPv6) unless ``allow_private_hosts`` allows them (all, or an allowlist of hosts,
  ``host:port`` and CIDRs), then connect *to the checked IP* while sending the real ``Host``
  header (and, for https, the ``sni_hostname`` extension so certificate verification uses the
  real name). Pinning the IP defeats DNS rebinding between check and connect. Redirects are
  followed by hand so every hop goes through the guard (and robots.txt) again.
* **Bounds.** Connect/read timeouts, a wall-clock ``request_deadline`` per attempt that also
  covers body streaming, and a size cap per kind on the *decoded* body. We decode gzip/deflate
  ourselves with a bounded output size, so a gzip bomb costs at most the cap in memory.
* **Politeness.** An honest User-Agent, a minimum delay between hits to the same host
  (``per_host_delay``, raised to the host's robots.txt ``Crawl-delay`` up to 30 s), and
  robots.txt honoured when ``respect_robots``.
* **Totality.** ``Fetcher.fetch`` never raises for network, HTTP or input problems; each ends
  as a :class:`FetchResult` with an ``outcome`` and a one-line ``error``, so a run records it
  in ``fetch_log``/``feed_polls`` and moves on. Only a bug in this module raises.

One ``Fetcher`` per worker thread; it is not thread-safe (host timers, robots cache, and the
connection pool are per instance).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import httpx

from pipeline.acquire.decode import (
    BoundedDecoder,
    DecodeError,
    content_encoding,
    media_type,
    parse_retry_after,
)
from pipeline.acquire.guard import (
    Blocked,
    Guard,
    HostPolicy,
    IPAddress,
    Unresolvable,
    ip_block_reason,
    is_public_ip,
)
from pipeline.acquire.robots import ROBOTS_MAX_BYTES, ROBOTS_MAX_REDIRECTS, RobotsCache, origin
from pipeline.outcomes import FETCH_OUTCOMES
from pipeline.settings import Settings

__all__ = [
    "OUTCOMES",
    "FetchResult",
    "Fetcher",
    "IPAddress",
    "Kind",
    "ip_block_reason",
    "is_public_ip",
]

Kind = Literal["feed", "page"]

OUTCOMES: tuple[str, ...] = tuple(sorted(FETCH_OUTCOMES))
"""What :meth:`Fetcher.fetch` may return (the HTTP-level outcomes of :mod:`pipeline.outcomes`)."""

RETRY_AFTER_CAP = 30.0
"""Longest Retry-After we wait for. A host asking for more gets no retry in this run: sleeping a
worker for minutes is worse than trying again next schedule."""
MAX_BACKOFF = 30.0

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_ACCEPT = {
    "feed": (
        "application/rss+xml, application/atom+xml, application/feed+json;q=0.9, "
        "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
    ),
    "page": "text/html, application/xhtml+xml;q=0.9, */*;q=0.1",
    "robots": "text/plain, */*;q=0.1",
}
_PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_NEVER_FEED_PREFIXES = ("image/", "audio/", "video/", "font/", "application/pdf")
# Headers a caller's extra_headers may not override: they carry the pinning and our decoder's
# contract with the server.
_PROTECTED_HEADERS = frozenset(
    {"host", "accept-encoding", "content-length", "transfer-encoding", "connection"}
)


# --------------------------------------------------------------------------- result


@dataclass
class FetchResult:
    """What happened to one fetch. ``outcome`` is one of :data:`OUTCOMES`.

    ``final_url`` is the URL of the last response received (after redirects), None if no
    response came back. ``content`` is the decoded body for ``ok`` only. ``content_type`` is the
    media type without parameters, lowercased; ``encoding`` is the Content-Type charset if the
    server sent one. ``duration_ms`` covers the whole call including retries, back-off and
    politeness waits. ``n_bytes`` counts decoded body bytes read (for ``too_large``, how far we
    got before stopping).
    """

    url: str
    final_url: str | None
    outcome: str
    status_code: int | None
    content: bytes | None
    content_type: str | None
    encoding: str | None
    etag: str | None
    last_modified: str | None
    duration_ms: int
    attempts: int
    n_bytes: int
    error: str | None
    # Freshness headers of the last response, for adaptive polling (pipeline.acquire.schedule).
    cache_control: str | None = None
    expires: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


@dataclass
class _Attempt:
    """One attempt's result plus what the retry loop needs to know."""

    result: FetchResult
    retryable: bool = False
    retry_after: float | None = None


def _result(url: str, outcome: str, error: str | None = None, **kw: object) -> FetchResult:
    fields: dict[str, object] = {
        "final_url": None,
        "status_code": None,
        "content": None,
        "content_type": None,
        "encoding": None,
        "etag": None,
        "last_modified": None,
        "duration_ms": 0,
        "attempts": 0,
        "n_bytes": 0,
    }
    fields.update(kw)
    return FetchResult(url=url, outcome=outcome, error=error, **fields)  # type: ignore[arg-type]


def _fail(url: str, outcome: str, error: str, *, retry: bool = False, **kw: object) -> _Attempt:
    """A failed attempt; ``retry`` when another attempt may succeed (timeouts, 5xx)."""
    return _Attempt(_result(url, outcome, error, **kw), retryable=retry)


def _refuse_content(kind: str, media: object, headers: httpx.Headers) -> tuple[str, str] | None:
    """(outcome, reason) when a 2xx body is not worth reading: wrong type or unknown encoding."""
    if isinstance(media, str):
        if kind == "page" and media not in _PAGE_TYPES:
            return "unsupported_content", f"not an HTML page: {media}"
        if kind == "feed" and media.startswith(_NEVER_FEED_PREFIXES):
            return "unsupported_content", f"not a feed: {media}"
    if content_encoding(headers) is None:
        return (
            "unsupported_content",
            f"unsupported Content-Encoding {headers.get('content-encoding')!r}",
        )
    return None


def _redirect_target(
    url: str,
    current: httpx.URL,
    status: int,
    location: str,
    seen: set[str],
    hops: int,
    max_redirects: int,
) -> httpx.URL | _Attempt:
    """Where a redirect leads, or the outcome that ends the chain (bad Location, loop, too many)."""
    here = str(current)
    try:
        nxt = current.join(location.strip())
    except (httpx.InvalidURL, ValueError) as exc:
        return _Attempt(
            _result(
                url,
                "http_error",
                f"HTTP {status} with an invalid Location {location!r}: {exc}",
                final_url=here,
                status_code=status,
            )
        )
    if str(nxt.copy_with(fragment=None)) in seen:
        return _Attempt(
            _result(
                url,
                "redirect_loop",
                f"redirect loop: {here} -> {nxt} was already visited",
                final_url=here,
                status_code=status,
            )
        )
    if hops > max_redirects:
        return _Attempt(
            _result(
                url,
                "redirect_loop",
                f"too many redirects (more than {max_redirects}); last to {nxt}",
                final_url=here,
                status_code=status,
            )
        )
    return nxt


# --------------------------------------------------------------------------- fetcher


class Fetcher:
    """Synchronous, guarded HTTP fetcher; one per worker, used as a context manager.

    ``sleep``, ``clock`` and ``rng`` are injectable so tests can check politeness and back-off
    without waiting. ``ip_policy`` maps an address to a block reason (None = allowed) and
    replaces :func:`ip_block_reason` as the classifier; ``settings.allow_private_hosts`` (True or
    an allowlist) applies on top of it, see :mod:`pipeline.acquire.guard`. ``verify`` is passed
    to httpx (a path or SSLContext for a private CA).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        ip_policy: Callable[[IPAddress], str | None] | None = None,
        verify: object = True,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._guard = Guard(settings.resolve, HostPolicy(settings.allow_private_hosts, ip_policy))
        self._last_hit: dict[str, float] = {}
        self._robots = RobotsCache(settings.user_agent, self._fetch_robots)
        self._client = httpx.Client(
            follow_redirects=False,
            trust_env=False,  # a proxy from the environment would bypass the IP pinning
            verify=verify,  # type: ignore[arg-type]
            headers={"User-Agent": settings.user_agent},
        )

    # -- lifecycle

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    @property
    def robots_notes(self) -> dict[str, str]:
        """Per origin, how its robots.txt was obtained (diagnostics, not an outcome)."""
        return self._robots.notes

    # -- public

    def fetch(
        self,
        url: str,
        *,
        kind: Kind,
        etag: str | None = None,
        last_modified: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> FetchResult:
        """GET ``url`` as a feed or a page; every failure comes back as an outcome.

        Retries (up to ``max_retries`` extra attempts, exponential back-off with jitter) on 5xx,
        429 (honouring Retry-After up to 30 s; longer means no retry), connect timeouts and
        connection errors. A host that connected and then stalled (read timeout, a body dripping
        past the deadline) is not retried in this run: the URL's timeout is transient, so a later
        run tries it again. Each attempt has its own ``request_deadline``, so the worst case is
        about ``(max_retries + 1) * request_deadline`` plus back-off.
        """
        if kind not in ("feed", "page"):
            raise ValueError(f"kind must be 'feed' or 'page', got {kind!r}")
        start = self._clock()
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        extra = {
            k: v for k, v in (extra_headers or {}).items() if k.lower() not in _PROTECTED_HEADERS
        }
        attempts = 0
        while True:
            attempts += 1
            att = self._chain(
                url,
                kind=kind,
                headers=headers,
                extra_headers=extra,
                max_redirects=self.settings.max_redirects,
                check_robots=self.settings.respect_robots,
            )
            if not att.retryable or attempts > self.settings.max_retries:
                break
            delay = self._retry_delay(attempts, att.retry_after)
            if delay is None:
                break
            self._sleep(delay)
        res = att.result
        res.attempts = attempts
        res.duration_ms = round((self._clock() - start) * 1000)
        if res.outcome == "not_modified":
            res.etag = res.etag or etag
            res.last_modified = res.last_modified or last_modified
        return res

    # -- retry policy

    def _retry_delay(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait before the next attempt, or None to give up (Retry-After too long)."""
        if retry_after is not None:
            return retry_after if retry_after <= RETRY_AFTER_CAP else None
        base = self.settings.backoff_base * (2 ** (attempt - 1))
        return min(MAX_BACKOFF, base * (0.5 + self._rng.random()))

    # -- politeness

    def _wait_for_host(self, host: str) -> None:
        last = self._last_hit.get(host)
        if last is None:
            return
        gap = max(self.settings.per_host_delay, self._robots.crawl_delay.get(host, 0.0))
        wait = last + gap - self._clock()
        if wait > 0:
            self._sleep(wait)

    def _fetch_robots(self, robots_url: str) -> FetchResult:
        return self._chain(
            robots_url,
            kind="robots",
            headers={},
            extra_headers={},
            max_redirects=ROBOTS_MAX_REDIRECTS,
            check_robots=False,
        ).result

    # -- one attempt: a redirect chain

    def _chain(
        self,
        url: str,
        *,
        kind: str,
        headers: Mapping[str, str],
        extra_headers: Mapping[str, str],
        max_redirects: int,
        check_robots: bool,
    ) -> _Attempt:
        """Follow ``url``'s redirects by hand, each hop guarded, within one request deadline."""
        deadline = self._clock() + self.settings.request_deadline
        try:
            current = httpx.URL(url.strip())
        except (httpx.InvalidURL, TypeError) as exc:
            return _Attempt(_result(url, "blocked", f"invalid URL: {exc}"))
        first_host = current.host
        seen: set[str] = set()
        final_url: str | None = None
        hops = 0
        while True:
            seen.add(str(current.copy_with(fragment=None)))
            paused = self._clock()
            refused = self._admit(url, current, final_url, hops, check_robots)
            if isinstance(refused, _Attempt):
                return refused
            hop_headers = {"Accept": _ACCEPT[kind], **headers}
            if current.host == first_host:
                hop_headers.update(extra_headers)
            self._wait_for_host(current.host)
            # Time spent on robots.txt and politeness waits is not the server's slowness, so
            # it extends this attempt's deadline instead of eating it.
            deadline += self._clock() - paused
            outcome = self._hop(url, current, refused, kind, hop_headers, deadline)
            if isinstance(outcome, _Attempt):
                return outcome
            status, location = outcome
            final_url = str(current)
            hops += 1
            nxt = _redirect_target(url, current, status, location, seen, hops, max_redirects)
            if isinstance(nxt, _Attempt):
                return nxt
            current = nxt

    def _admit(
        self,
        url: str,
        current: httpx.URL,
        final_url: str | None,
        hops: int,
        check_robots: bool,
    ) -> IPAddress | _Attempt:
        """The address this hop may connect to, or why it may not (scheme, guard, robots)."""
        if current.scheme not in ("http", "https") or not current.host:
            what = "redirect to" if hops else "URL"
            return _Attempt(
                _result(
                    url,
                    "blocked",
                    f"only http(s) URLs are fetched; {what} {str(current)!r}",
                    final_url=final_url,
                )
            )
        port = current.port or (443 if current.scheme == "https" else 80)
        try:
            ip = self._guard.pin(current.host, port)
        except Blocked as exc:
            return _fail(url, "blocked", str(exc), final_url=final_url)
        except Unresolvable as exc:
            return _fail(url, "network_error", str(exc), retry=exc.transient, final_url=final_url)
        if check_robots and not self._robots.allowed(current):
            return _Attempt(
                _result(
                    url,
                    "robots_disallowed",
                    f"robots.txt of {origin(current)} disallows {str(current)!r} "
                    f"for {self._robots.token!r}",
                    final_url=final_url,
                )
            )
        return ip

    def _hop(
        self,
        url: str,
        current: httpx.URL,
        ip: IPAddress,
        kind: str,
        headers: Mapping[str, str],
        deadline: float,
    ) -> _Attempt | tuple[int, str]:
        """One request to ``current`` connected to ``ip``. Returns a redirect or a final result."""
        s = self.settings
        remaining = deadline - self._clock()
        here = str(current)
        if remaining <= 0:
            why = f"request deadline of {s.request_deadline:g}s exceeded"
            return _fail(url, "timeout", why, retry=True)
        timeout = httpx.Timeout(
            connect=min(s.connect_timeout, remaining),
            read=min(s.read_timeout, remaining),
            write=min(s.read_timeout, remaining),
            pool=min(s.connect_timeout, remaining),
        )
        req_headers = {
            "User-Agent": s.user_agent,
            "Accept-Encoding": "gzip, deflate",
            **headers,
            "Host": current.netloc.decode("ascii"),
        }
        extensions: dict[str, object] = {}
        if current.scheme == "https":
            extensions["sni_hostname"] = current.host
        request = self._client.build_request(
            "GET",
            current.copy_with(host=str(ip)),
            headers=req_headers,
            timeout=timeout,
            extensions=extensions,
        )
        try:
            try:
                response = self._client.send(request, stream=True)
            except httpx.TimeoutException as exc:
                # Connected, then silent for read_timeout: not asked again this run (a retry
                # costs the same wait); the next run retries. Connect timeouts are retried.
                retry = isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout)
                return _fail(url, "timeout", f"{type(exc).__name__} on {here}: {exc}", retry=retry)
            except httpx.TransportError as exc:
                why = f"{type(exc).__name__} on {here}: {exc}"
                return _fail(url, "network_error", why, retry=True)
            try:
                return self._handle_response(url, current, kind, response, deadline)
            finally:
                response.close()
        finally:
            self._last_hit[current.host] = self._clock()

    def _handle_response(
        self,
        url: str,
        current: httpx.URL,
        kind: str,
        response: httpx.Response,
        deadline: float,
    ) -> _Attempt | tuple[int, str]:
        """Judge the status and headers; read the body only when it may be kept."""
        status = response.status_code
        here = str(current)
        h = response.headers
        common: dict[str, object] = {
            "final_url": here,
            "status_code": status,
            "content_type": media_type(h.get("content-type")),
            "encoding": (response.charset_encoding or "").strip().lower() or None,
            "etag": h.get("etag"),
            "last_modified": h.get("last-modified"),
            "cache_control": h.get("cache-control"),
            "expires": h.get("expires"),
        }
        if status in _REDIRECT_STATUSES:
            location = h.get("location")
            if location and location.strip():
                return status, location
            return _fail(url, "http_error", f"HTTP {status} without Location", **common)
        if status == 304:
            return _Attempt(_result(url, "not_modified", None, **common))
        if status == 429 or status >= 500:
            return _Attempt(
                _result(url, "http_error", f"HTTP {status} from {here}", **common),
                retryable=True,
                retry_after=parse_retry_after(h.get("retry-after")),
            )
        if not 200 <= status < 300:
            return _fail(url, "http_error", f"HTTP {status} from {here}", **common)
        refusal = _refuse_content(kind, common["content_type"], h)
        if refusal is not None:
            return _fail(url, refusal[0], refusal[1], **common)
        s = self.settings
        cap = {"feed": s.max_feed_bytes, "page": s.max_page_bytes}.get(kind, ROBOTS_MAX_BYTES)
        declared = h.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > cap:
            # For a compressed body this is the compressed size; decoded would be larger still.
            why = f"Content-Length {int(declared)} exceeds the {kind} cap of {cap} bytes"
            return _fail(url, "too_large", why, **common)
        encoding = content_encoding(h) or "identity"
        return self._read_body(url, kind, response, encoding, cap, deadline, common)

    def _read_body(
        self,
        url: str,
        kind: str,
        response: httpx.Response,
        encoding: str,
        cap: int,
        deadline: float,
        common: dict[str, object],
    ) -> _Attempt:
        """Stream and decode the body within the deadline and the decoded-size cap."""
        decoder = BoundedDecoder(encoding)
        chunks: list[bytes] = []
        total = 0
        too_large = f"body exceeds the {kind} cap of {cap} bytes (decoded)"
        try:
            for raw in response.iter_raw():
                if self._clock() > deadline:
                    why = (
                        f"request deadline of {self.settings.request_deadline:g}s exceeded "
                        f"while reading the body ({total} bytes so far)"
                    )
                    # Not retried this run: the host drips, and a retry would cost the whole
                    # deadline again; the timeout is transient, so a later run retries the URL.
                    return _fail(url, "timeout", why, n_bytes=total, **common)
                out = decoder.decode(raw, cap - total + 1)
                total += len(out)
                if total > cap:
                    return _fail(url, "too_large", too_large, n_bytes=total, **common)
                chunks.append(out)
            tail = decoder.flush()
        except httpx.TimeoutException as exc:
            why = f"{type(exc).__name__} while reading the body: {exc}"
            return _fail(url, "timeout", why, n_bytes=total, **common)
        except httpx.TransportError as exc:
            why = f"{type(exc).__name__} while reading the body: {exc}"
            return _fail(url, "network_error", why, retry=True, n_bytes=total, **common)
        except DecodeError as exc:
            return _fail(url, "network_error", str(exc), n_bytes=total, **common)
        total += len(tail)
        if total > cap:
            return _fail(url, "too_large", too_large, n_bytes=total, **common)
        chunks.append(tail)
        body = b"".join(chunks)
        return _Attempt(_result(url, "ok", None, content=body, n_bytes=len(body), **common))
