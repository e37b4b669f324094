"""HTTP fetching that is safe to point at the open web: guarded, bounded, polite, and total.

Why this is more than ``httpx.get``: feed and article URLs come from third parties. A feed can
link to ``http://169.254.169.254/`` (cloud metadata), a host can resolve to 10.0.0.1, a page can
drip one byte a second forever or gzip-bomb us, and a busy host must not be hammered. So:

* **SSRF guard.** We resolve the host ourselves (``settings.resolve`` overrides first, like
  ``curl --resolve``), refuse loopback/private/link-local/multicast/reserved/unspecified and
  other non-global addresses (IPv4, IPv6, and IPv4 embedded in IPv6) unless
  ``allow_private_hosts``, then connect *to the checked IP* while sending the real ``Host``
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

import ipaddress
import random
import socket
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Literal

import httpx
from protego import Protego

from pipeline.errors import ConfigError
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

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Kind = Literal["feed", "page"]

OUTCOMES: tuple[str, ...] = (
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
)

RETRY_AFTER_CAP = 30.0
"""Longest Retry-After we wait for. A host asking for more gets no retry in this run: sleeping a
worker for minutes is worse than trying again next schedule."""
MAX_BACKOFF = 30.0
MAX_CRAWL_DELAY = 30.0
"""A robots.txt Crawl-delay above this is clamped: one host must not stall a worker for long."""
ROBOTS_MAX_BYTES = 512_000  # RFC 9309 asks crawlers to parse at least 500 KiB
ROBOTS_MAX_REDIRECTS = 5  # RFC 9309: follow at least five

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
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


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

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


# --------------------------------------------------------------------------- IP guard


def ip_block_reason(ip: str | IPAddress) -> str | None:
    """Why connecting to ``ip`` would reach something non-public, or None if it is public.

    IPv4 embedded in IPv6 (IPv4-mapped ``::ffff:a.b.c.d``, 6to4, Teredo, NAT64) is judged by the
    embedded IPv4, because that is where the packets end up.
    """
    if isinstance(ip, str):
        ip = ipaddress.ip_address(ip)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            inner = ip_block_reason(ip.ipv4_mapped)
            return f"IPv4-mapped {inner}" if inner else None
        if ip in _NAT64:
            # DNS64 on IPv6-only networks synthesises these for every public IPv4 host; the
            # packets go to the embedded address.
            inner = ip_block_reason(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
            return f"NAT64 {inner}" if inner else None
        embedded: list[ipaddress.IPv4Address] = []
        if ip.sixtofour is not None:
            embedded.append(ip.sixtofour)
        if ip.teredo is not None:
            embedded.extend(ip.teredo)
        for v4 in embedded:
            inner = ip_block_reason(v4)
            if inner:
                return f"IPv6 embedding a {inner}"
    checks = (
        ("is_unspecified", "unspecified address"),
        ("is_loopback", "loopback address"),
        ("is_link_local", "link-local address"),
        ("is_multicast", "multicast address"),
        ("is_private", "private address"),
        ("is_reserved", "reserved address"),
        ("is_site_local", "site-local address"),
    )
    for attr, reason in checks:
        if getattr(ip, attr, False):
            return reason
    if not ip.is_global:
        return "non-global address"
    return None


def is_public_ip(ip: str | IPAddress) -> bool:
    """True if the SSRF guard lets a fetch connect to ``ip`` (with private hosts disallowed)."""
    return ip_block_reason(ip) is None


# --------------------------------------------------------------------------- body decoding


class _DecodeError(Exception):
    pass


class _BoundedDecoder:
    """gzip/deflate/identity decoding that never produces more than asked for per call.

    httpx's own decoders decompress a whole network chunk at once (a 64 KiB chunk of a bomb is
    ~64 MB); here every ``decompress`` call is given ``max_length``, so memory stays at the cap.
    """

    def __init__(self, encoding: str) -> None:
        self.kind = encoding
        self._started = False
        self._d = self._new()

    def _new(self) -> zlib._Decompress | None:
        if self.kind == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        if self.kind == "deflate":
            return zlib.decompressobj(zlib.MAX_WBITS)
        return None

    def decode(self, data: bytes, limit: int) -> bytes:
        """Decode ``data``; returns at most ``limit`` (>= 1) bytes, stopping early at the limit."""
        if self._d is None:
            return data
        out = bytearray()
        buf = data
        while buf and len(out) < limit:
            try:
                chunk = self._d.decompress(buf, limit - len(out))
            except zlib.error as exc:
                if self.kind == "deflate" and not self._started:
                    # Some servers send raw deflate without the zlib wrapper (as httpx allows).
                    self._d = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._started = True
                    continue
                raise _DecodeError(f"corrupt {self.kind} body: {exc}") from None
            self._started = True
            out += chunk
            if self._d.eof:
                rest = self._d.unused_data
                if self.kind == "gzip" and rest.strip(b"\x00"):
                    self._d = self._new()  # concatenated gzip members
                    buf = rest
                    continue
                break
            buf = self._d.unconsumed_tail
        return bytes(out)

    def flush(self) -> bytes:
        if self._d is None:
            return b""
        try:
            return self._d.flush()
        except zlib.error as exc:
            raise _DecodeError(f"corrupt {self.kind} body: {exc}") from None


# --------------------------------------------------------------------------- helpers


def _parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP-date; None if absent/garbled."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _media_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    media = content_type.split(";", 1)[0].strip().lower()
    return media or None


def _content_encoding(headers: httpx.Headers) -> str | None:
    """The single supported Content-Encoding ('gzip', 'deflate', 'identity') or None if other."""
    values = [
        v.strip().lower()
        for raw in headers.get_list("content-encoding")
        for v in raw.split(",")
        if v.strip()
    ]
    values = [v for v in values if v != "identity"]
    if not values:
        return "identity"
    if len(values) == 1 and values[0] in ("gzip", "x-gzip"):
        return "gzip"
    if values == ["deflate"]:
        return "deflate"
    return None


def _robots_token(user_agent: str) -> str:
    """The product token robots.txt groups are matched on: 'newsflow' in 'newsflow/0.1 (...)'."""
    first = user_agent.strip().split(None, 1)[0] if user_agent.strip() else "newsflow"
    return first.split("/", 1)[0] or "newsflow"


def _origin(url: httpx.URL) -> str:
    return f"{url.scheme}://{url.netloc.decode('ascii')}"


class _Blocked(Exception):
    pass


class _Unresolvable(Exception):
    def __init__(self, message: str, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


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


# --------------------------------------------------------------------------- fetcher


class Fetcher:
    """Synchronous, guarded HTTP fetcher; one per worker, used as a context manager.

    ``sleep``, ``clock`` and ``rng`` are injectable so tests can check politeness and back-off
    without waiting. ``ip_policy`` maps an address to a block reason (None = allowed); it
    defaults to :func:`ip_block_reason`, or to allowing everything when
    ``settings.allow_private_hosts``. ``verify`` is passed to httpx (a path or SSLContext for a
    private CA).
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
        if ip_policy is not None:
            self._ip_policy = ip_policy
        elif settings.allow_private_hosts:
            self._ip_policy = lambda ip: None
        else:
            self._ip_policy = ip_block_reason
        self._resolve_map: dict[str, IPAddress] = {}
        for host, addr in settings.resolve.items():
            try:
                self._resolve_map[host.strip().lower().rstrip(".")] = ipaddress.ip_address(
                    addr.strip().strip("[]")
                )
            except ValueError:
                raise ConfigError(f"resolve: {host!r} -> {addr!r} is not an IP address") from None
        self._last_hit: dict[str, float] = {}
        self._crawl_delay: dict[str, float] = {}
        self._robots: dict[str, Protego | None] = {}
        self.robots_notes: dict[str, str] = {}
        """Per origin, how its robots.txt was obtained ('ok', 'none (HTTP 404)', 'unavailable
        (...); allowing'): kept for diagnostics since a failure there is not a fetch outcome."""
        self._robots_token = _robots_token(settings.user_agent)
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
        429 (honouring Retry-After up to 30 s; longer means no retry), timeouts and connection
        errors. Each attempt has its own ``request_deadline``, so the worst case is about
        ``(max_retries + 1) * request_deadline`` plus back-off.
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

    # -- guard

    def _resolve(self, host: str, port: int) -> list[IPAddress]:
        key = host.lower().rstrip(".")
        if key in self._resolve_map:
            return [self._resolve_map[key]]
        try:
            return [ipaddress.ip_address(key)]
        except ValueError:
            pass
        try:
            infos = socket.getaddrinfo(key, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            transient = exc.errno == socket.EAI_AGAIN
            raise _Unresolvable(
                f"cannot resolve host {host!r}: {exc.strerror}", transient
            ) from None
        except (UnicodeError, OSError) as exc:
            raise _Unresolvable(f"cannot resolve host {host!r}: {exc}", False) from None
        out: list[IPAddress] = []
        for _family, _type, _proto, _canon, sockaddr in infos:
            ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            if ip not in out:
                out.append(ip)
        if not out:
            raise _Unresolvable(f"cannot resolve host {host!r}: no addresses", True)
        return out

    def _pin(self, url: httpx.URL) -> IPAddress:
        """Resolve and check every address of the URL's host; return the one to connect to."""
        port = url.port or (443 if url.scheme == "https" else 80)
        addrs = self._resolve(url.host, port)
        for ip in addrs:
            reason = self._ip_policy(ip)
            if reason:
                raise _Blocked(
                    f"refusing {url.host!r}: it resolves to {ip} ({reason}); "
                    "set allow_private_hosts to fetch private addresses"
                )
        return addrs[0]

    # -- politeness

    def _wait_for_host(self, host: str) -> None:
        last = self._last_hit.get(host)
        if last is None:
            return
        gap = max(self.settings.per_host_delay, self._crawl_delay.get(host, 0.0))
        wait = last + gap - self._clock()
        if wait > 0:
            self._sleep(wait)

    def _robots_allowed(self, url: httpx.URL) -> bool:
        origin = _origin(url)
        if origin not in self._robots:
            self._robots[origin] = self._load_robots(url, origin)
        parser = self._robots[origin]
        if parser is None:
            return True
        return parser.can_fetch(str(url), self._robots_token)

    def _load_robots(self, url: httpx.URL, origin: str) -> Protego | None:
        """Fetch and parse robots.txt once per origin.

        4xx (no robots.txt) allows everything, as RFC 9309 says. 5xx, timeouts and network
        errors also allow (RFC 9309 would assume 'disallow all' for a 5xx): a news site with a
        flaky robots.txt still has its feed fetched, at most once per run per URL and at
        ``per_host_delay``; the reason is kept in :attr:`robots_notes`.
        """
        robots_url = url.copy_with(path="/robots.txt", query=None, fragment=None)
        att = self._chain(
            str(robots_url),
            kind="robots",
            headers={},
            extra_headers={},
            max_redirects=ROBOTS_MAX_REDIRECTS,
            check_robots=False,
        )
        res = att.result
        if res.outcome == "ok" and res.content is not None:
            text = res.content.decode("utf-8", errors="replace").lstrip("\ufeff")
            parser = Protego.parse(text)
            delay = parser.crawl_delay(self._robots_token)
            if delay:
                self._crawl_delay[url.host] = min(float(delay), MAX_CRAWL_DELAY)
            self.robots_notes[origin] = "ok"
            return parser
        if res.outcome == "http_error" and res.status_code and 400 <= res.status_code < 500:
            self.robots_notes[origin] = f"none (HTTP {res.status_code})"
        else:
            why = res.error or res.outcome
            self.robots_notes[origin] = f"unavailable ({why}); allowing"
        return None

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
            seen.add(str(current.copy_with(fragment=None)))
            try:
                ip = self._pin(current)
            except _Blocked as exc:
                return _Attempt(_result(url, "blocked", str(exc), final_url=final_url))
            except _Unresolvable as exc:
                return _Attempt(
                    _result(url, "network_error", str(exc), final_url=final_url),
                    retryable=exc.transient,
                )
            # Time spent on robots.txt and politeness waits is not the server's slowness, so
            # it extends this attempt's deadline instead of eating it.
            paused = self._clock()
            if check_robots and not self._robots_allowed(current):
                return _Attempt(
                    _result(
                        url,
                        "robots_disallowed",
                        f"robots.txt of {_origin(current)} disallows {str(current)!r} "
                        f"for {self._robots_token!r}",
                        final_url=final_url,
                    )
                )
            hop_headers = {"Accept": _ACCEPT[kind], **headers}
            if current.host == first_host:
                hop_headers.update(extra_headers)
            self._wait_for_host(current.host)
            deadline += self._clock() - paused
            outcome = self._hop(url, current, ip, kind, hop_headers, deadline)
            if isinstance(outcome, _Attempt):
                return outcome
            # a redirect: outcome is (status, location)
            status, location = outcome
            final_url = str(current)
            try:
                nxt = current.join(location.strip())
            except (httpx.InvalidURL, ValueError) as exc:
                return _Attempt(
                    _result(
                        url,
                        "http_error",
                        f"HTTP {status} with an invalid Location {location!r}: {exc}",
                        final_url=final_url,
                        status_code=status,
                    )
                )
            if str(nxt.copy_with(fragment=None)) in seen:
                return _Attempt(
                    _result(
                        url,
                        "redirect_loop",
                        f"redirect loop: {final_url} -> {nxt} was already visited",
                        final_url=final_url,
                        status_code=status,
                    )
                )
            hops += 1
            if hops > max_redirects:
                return _Attempt(
                    _result(
                        url,
                        "redirect_loop",
                        f"too many redirects (more than {max_redirects}); last to {nxt}",
                        final_url=final_url,
                        status_code=status,
                    )
                )
            current = nxt

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
            return _Attempt(
                _result(url, "timeout", f"request deadline of {s.request_deadline:g}s exceeded"),
                retryable=True,
            )
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
                return _Attempt(
                    _result(url, "timeout", f"{type(exc).__name__} on {here}: {exc}"),
                    retryable=True,
                )
            except httpx.TransportError as exc:
                return _Attempt(
                    _result(url, "network_error", f"{type(exc).__name__} on {here}: {exc}"),
                    retryable=True,
                )
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
        s = self.settings
        status = response.status_code
        here = str(current)
        h = response.headers
        common: dict[str, object] = {
            "final_url": here,
            "status_code": status,
            "content_type": _media_type(h.get("content-type")),
            "encoding": (response.charset_encoding or "").strip().lower() or None,
            "etag": h.get("etag"),
            "last_modified": h.get("last-modified"),
        }
        if status in _REDIRECT_STATUSES:
            location = h.get("location")
            if location and location.strip():
                return status, location
            return _Attempt(_result(url, "http_error", f"HTTP {status} without Location", **common))
        if status == 304:
            return _Attempt(_result(url, "not_modified", None, **common))
        if status == 429 or status >= 500:
            return _Attempt(
                _result(url, "http_error", f"HTTP {status} from {here}", **common),
                retryable=True,
                retry_after=_parse_retry_after(h.get("retry-after")),
            )
        if not 200 <= status < 300:
            return _Attempt(_result(url, "http_error", f"HTTP {status} from {here}", **common))

        media = common["content_type"]
        if isinstance(media, str):
            if kind == "page" and media not in _PAGE_TYPES:
                return _Attempt(
                    _result(url, "unsupported_content", f"not an HTML page: {media}", **common)
                )
            if kind == "feed" and media.startswith(_NEVER_FEED_PREFIXES):
                return _Attempt(
                    _result(url, "unsupported_content", f"not a feed: {media}", **common)
                )
        encoding = _content_encoding(h)
        if encoding is None:
            return _Attempt(
                _result(
                    url,
                    "unsupported_content",
                    f"unsupported Content-Encoding {h.get('content-encoding')!r}",
                    **common,
                )
            )
        cap = {"feed": s.max_feed_bytes, "page": s.max_page_bytes}.get(kind, ROBOTS_MAX_BYTES)
        declared = h.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > cap:
            # For a compressed body this is the compressed size; decoded would be larger still.
            return _Attempt(
                _result(
                    url,
                    "too_large",
                    f"Content-Length {int(declared)} exceeds the {kind} cap of {cap} bytes",
                    **common,
                )
            )
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
        decoder = _BoundedDecoder(encoding)
        chunks: list[bytes] = []
        total = 0
        try:
            for raw in response.iter_raw():
                if self._clock() > deadline:
                    return _Attempt(
                        _result(
                            url,
                            "timeout",
                            f"request deadline of {self.settings.request_deadline:g}s exceeded "
                            f"while reading the body ({total} bytes so far)",
                            n_bytes=total,
                            **common,
                        ),
                        retryable=True,
                    )
                out = decoder.decode(raw, cap - total + 1)
                total += len(out)
                if total > cap:
                    return _Attempt(
                        _result(
                            url,
                            "too_large",
                            f"body exceeds the {kind} cap of {cap} bytes (decoded)",
                            n_bytes=total,
                            **common,
                        )
                    )
                chunks.append(out)
            tail = decoder.flush()
        except httpx.TimeoutException as exc:
            return _Attempt(
                _result(
                    url,
                    "timeout",
                    f"{type(exc).__name__} while reading the body: {exc}",
                    n_bytes=total,
                    **common,
                ),
                retryable=True,
            )
        except httpx.TransportError as exc:
            return _Attempt(
                _result(
                    url,
                    "network_error",
                    f"{type(exc).__name__} while reading the body: {exc}",
                    n_bytes=total,
                    **common,
                ),
                retryable=True,
            )
        except _DecodeError as exc:
            return _Attempt(_result(url, "network_error", str(exc), n_bytes=total, **common))
        total += len(tail)
        if total > cap:
            return _Attempt(
                _result(
                    url,
                    "too_large",
                    f"body exceeds the {kind} cap of {cap} bytes (decoded)",
                    n_bytes=total,
                    **common,
                )
            )
        chunks.append(tail)
        body = b"".join(chunks)
        return _Attempt(_result(url, "ok", None, content=body, n_bytes=len(body), **common))
