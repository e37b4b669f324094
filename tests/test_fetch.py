"""Fetcher against a real HTTP server on 127.0.0.1, plus the pure IP-guard classifier.

Only loopback traffic: hosts like ``public.example`` are mapped to 127.0.0.1 with the
``resolve`` setting, and addresses the guard must refuse are loopback aliases (127.0.0.2/3) so
that even a broken guard would not send packets off this machine.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import ipaddress
import json
import socket
import ssl
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from pipeline.acquire.decode import BoundedDecoder, parse_retry_after
from pipeline.acquire.fetch import OUTCOMES, Fetcher, FetchResult
from pipeline.acquire.guard import ip_block_reason, is_public_ip
from pipeline.errors import ConfigError
from pipeline.settings import Settings

pytestmark = pytest.mark.timeout(30)

HTML = "<html><head><title>Café</title></head><body><p>Hello</p></body></html>"
BOMB_DECODED = 20_000_000


def _gzip_bomb() -> bytes:
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * 1_000_000
    parts = [comp.compress(block) for _ in range(BOMB_DECODED // len(block))]
    parts.append(comp.flush())
    return b"".join(parts)


BOMB = _gzip_bomb()


# --------------------------------------------------------------------------- test server


@dataclass
class ServerState:
    port: int = 0
    hits: dict[str, int] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    robots: bytes | int = 404  # body, or a status code
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, path: str) -> int:
        with self.lock:
            return self.hits.get(path, 0)

    def headers_for(self, path: str) -> list[dict[str, str]]:
        with self.lock:
            return [h for p, h in self.requests if p == path]


class Handler(BaseHTTPRequestHandler):
    state: ServerState  # set per server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(
        self, status: int, body: bytes = b"", ctype: str | None = "text/html", **headers: str
    ) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        if "Content_Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k.replace("_", "-"), v)
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str, status: int = 302) -> None:
        self._send(status, b"", Location=location)

    def do_GET(self) -> None:
        st = self.state
        path = self.path
        with st.lock:
            st.hits[path] = st.hits.get(path, 0) + 1
            n = st.hits[path]
            st.requests.append((path, {k.lower(): v for k, v in self.headers.items()}))
        base = f"http://127.0.0.1:{st.port}"
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # client hung up
            self._route(path, n, base)

    def _route(self, path: str, n: int, base: str) -> None:
        st = self.state
        if path == "/robots.txt":
            if isinstance(st.robots, int):
                self._send(st.robots, b"nope", "text/plain")
            else:
                self._send(200, st.robots, "text/plain")
        elif path in ("/ok", "/private/page", "/public/page"):
            self._send(200, HTML.encode("latin-1"), "text/html; charset=ISO-8859-1")
        elif path == "/echo":
            body = json.dumps({k.lower(): v for k, v in self.headers.items()}).encode()
            self._send(200, body, "text/html")
        elif path == "/no-type":
            self._send(200, b"<p>untyped</p>", None)
        elif path == "/missing":
            self._send(404, b"not here")
        elif path == "/flaky":
            self._send(500 if n == 1 else 200, b"<p>second time lucky</p>")
        elif path == "/down":
            self._send(503, b"down")
        elif path == "/busy":
            if n == 1:
                self._send(429, b"slow down", Retry_After="7")
            else:
                self._send(200, b"<p>thanks for waiting</p>")
        elif path == "/busy-long":
            self._send(429, b"come back tomorrow", Retry_After="3600")
        elif path == "/slow-headers":
            time.sleep(1.5)
            self._send(200, b"<p>late</p>")
        elif path == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(100):  # 1 byte / 30 ms: never a read timeout, always the deadline
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.03)
        elif path == "/huge":  # no Content-Length: only streaming can catch it
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            chunk = b"y" * 65536
            for _ in range(100):
                self.wfile.write(chunk)
        elif path == "/declared-huge":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(10**12))
            self.end_headers()
            self.wfile.write(b"z" * 1000)
            time.sleep(2)  # a client that waited for the body would time out
        elif path == "/lying-short":  # promises more than it sends, then hangs up
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "50000")
            self.end_headers()
            self.wfile.write(b"<p>only this</p>")
        elif path == "/lying-long":  # promises 12 bytes, sends megabytes
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "12")
            self.end_headers()
            self.wfile.write(b"<p>12 bytes" + b"!" * 2_000_000)
        elif path == "/gzip-bomb":
            self._send(200, BOMB, "text/html", Content_Encoding="gzip")
        elif path == "/gzip":
            self._send(200, gzip.compress(HTML.encode()), "text/html", Content_Encoding="gzip")
        elif path == "/deflate-raw":
            c = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
            body = c.compress(HTML.encode()) + c.flush()
            self._send(200, body, "text/html", Content_Encoding="deflate")
        elif path == "/brotli":
            self._send(200, b"\x8b\x03\x80hi\x03", "text/html", Content_Encoding="br")
        elif path.startswith("/chain/"):
            left = int(path.rsplit("/", 1)[1])
            self._redirect("/ok" if left == 0 else f"/chain/{left - 1}", 301 if left % 2 else 307)
        elif path == "/loop-a":
            self._redirect(f"{base}/loop-b")
        elif path == "/loop-b":
            self._redirect("/loop-a#again")
        elif path == "/to-loopback-alias":
            self._redirect(f"http://127.0.0.2:{st.port}/ok")
        elif path == "/to-internal-name":
            self._redirect(f"http://internal.example:{st.port}/ok")
        elif path == "/to-other-host":
            self._redirect(f"http://other.example:{st.port}/echo")
        elif path == "/to-ftp":
            self._redirect("ftp://files.example/x")
        elif path == "/to-private-path":
            self._redirect("/private/page")
        elif path == "/no-location":
            self._send(302, b"")
        elif path == "/etag":
            if self.headers.get("If-None-Match") == '"v1"':
                self._send(304, b"", None)
            else:
                self._send(
                    200,
                    b"<rss/>",
                    "application/rss+xml; charset=utf-8",
                    ETag='"v1"',
                    Last_Modified="Tue, 25 Nov 2025 10:00:00 GMT",
                )
        elif path == "/doc.pdf":
            self._send(200, b"%PDF-1.7 ...", "application/pdf")
        elif path == "/photo.jpg":
            self._send(200, b"\xff\xd8\xff", "image/jpeg")
        else:
            self._send(404, b"no route")


@pytest.fixture
def server() -> Iterator[ServerState]:
    state = ServerState()
    handler = type("BoundHandler", (Handler,), {"state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02})
    thread.daemon = True
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


class FakeTime:
    """Real monotonic time plus whatever the fetcher 'slept': politeness without waiting."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return time.monotonic() + self.offset

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.offset += seconds


BASE_SETTINGS: dict[str, Any] = {
    "connect_timeout": 1.0,
    "read_timeout": 1.0,
    "request_deadline": 2.0,
    "per_host_delay": 0.0,
    "max_retries": 0,
    "backoff_base": 0.1,
    "max_redirects": 5,
    "respect_robots": False,
    "allow_private_hosts": True,
    "max_page_bytes": 1_000_000,
    "max_feed_bytes": 1_000_000,
    "user_agent": "newsflow-test/9.9 (+https://example.org/bot)",
}


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make(fake_time: FakeTime) -> Iterator[Callable[..., Fetcher]]:
    made: list[Fetcher] = []

    def _make(ip_policy: Any = None, verify: Any = True, **overrides: Any) -> Fetcher:
        settings = Settings(**{**BASE_SETTINGS, **overrides})
        f = Fetcher(
            settings,
            sleep=fake_time.sleep,
            clock=fake_time.clock,
            ip_policy=ip_policy,
            verify=verify,
        )
        made.append(f)
        return f

    yield _make
    for f in made:
        f.close()


def _url(server: ServerState, path: str, host: str = "127.0.0.1") -> str:
    return f"http://{host}:{server.port}{path}"


def _check(res: FetchResult) -> None:
    """Invariants every result must satisfy."""
    assert res.outcome in OUTCOMES
    assert res.attempts >= 1
    assert res.duration_ms >= 0
    assert (res.error is None) == (res.outcome in ("ok", "not_modified"))
    if res.outcome != "ok":
        assert res.content is None


# --------------------------------------------------------------------------- basics


def test_ok_page_headers_and_charset(server: ServerState, make: Callable[..., Fetcher]) -> None:
    with make() as f:
        res = f.fetch(_url(server, "/ok"), kind="page")
    _check(res)
    assert res.outcome == "ok" and res.status_code == 200
    assert res.content == HTML.encode("latin-1")
    assert res.n_bytes == len(res.content)
    assert res.content_type == "text/html"
    assert res.encoding == "iso-8859-1"
    assert res.final_url == _url(server, "/ok")
    assert res.attempts == 1


def test_request_headers_per_kind(server: ServerState, make: Callable[..., Fetcher]) -> None:
    with make() as f:
        page = f.fetch(_url(server, "/echo"), kind="page", extra_headers={"X-Key": "k1"})
        feed = f.fetch(_url(server, "/echo"), kind="feed")
    sent_page = json.loads(page.content or b"")
    sent_feed = json.loads(feed.content or b"")
    assert sent_page["user-agent"] == BASE_SETTINGS["user_agent"]
    assert sent_page["accept"].startswith("text/html")
    assert "application/rss+xml" in sent_feed["accept"]
    assert sent_page["accept-encoding"] == "gzip, deflate"
    assert sent_page["x-key"] == "k1"
    assert "x-key" not in sent_feed
    assert "if-none-match" not in sent_page


def test_missing_content_type_is_accepted_for_pages(
    server: ServerState, make: Callable[..., Fetcher]
) -> None:
    with make() as f:
        res = f.fetch(_url(server, "/no-type"), kind="page")
    assert res.outcome == "ok" and res.content_type is None and res.encoding is None


def test_404_is_http_error_without_retry(
    server: ServerState, make: Callable[..., Fetcher], fake_time: FakeTime
) -> None:
    with make(max_retries=3) as f:
        res = f.fetch(_url(server, "/missing"), kind="page")
    _check(res)
    assert (res.outcome, res.status_code, res.attempts) == ("http_error", 404, 1)
    assert "404" in (res.error or "")
    assert server.count("/missing") == 1
    assert fake_time.sleeps == []


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("ftp://files.example/x", "only http(s)"),
        ("javascript:alert(1)", "only http(s)"),
        ("http://[::1", "invalid URL"),
    ],
)
def test_non_http_urls_are_refused(make: Callable[..., Fetcher], url: str, needle: str) -> None:
    with make() as f:
        res = f.fetch(url, kind="page")
    _check(res)
    assert res.outcome == "blocked" and needle in (res.error or "")


def test_bad_kind_is_a_bug(make: Callable[..., Fetcher]) -> None:
    with make() as f, pytest.raises(ValueError, match="kind"):
        f.fetch("http://127.0.0.1/", kind="robots")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- retries


def test_500_then_200_is_retried(
    server: ServerState, make: Callable[..., Fetcher], fake_time: FakeTime
) -> None:
    with make(max_retries=2, backoff_base=0.1) as f:
        res = f.fetch(_url(server, "/flaky"), kind="page")
    _check(res)
    assert (res.outcome, res.attempts, server.count("/flaky")) == ("ok", 2, 2)
    assert len(fake_time.sleeps) == 1 and 0.05 <= fake_time.sleeps[0] <= 0.15


def test_persistent_5xx_gives_up_after_max_retries_with_growing_backoff(
    server: ServerState, make: Callable[..., Fetcher], fake_time: FakeTime
) -> None:
    with make(max_retries=2, backoff_base=0.2) as f:
        res = f.fetch(_url(server, "/down"), kind="feed")
    _check(res)
    assert (res.outcome, res.status_code, res.attempts) == ("http_error", 503, 3)
    assert server.count("/down") == 3
    first, second = fake_time.sleeps
    assert 0.1 <= first <= 0.3 and 0.2 <= second <= 0.6


def test_429_honours_retry_after(
    server: ServerState, make: Callable[..., Fetcher], fake_time: FakeTime
) -> None:
    with make(max_retries=1) as f:
        res = f.fetch(_url(server, "/busy"), kind="page")
    assert (res.outcome, res.attempts) == ("ok", 2)
    assert fake_time.sleeps == [7.0]


def test_429_with_retry_after_beyond_cap_is_not_retried(
    server: ServerState, make: Callable[..., Fetcher], fake_time: FakeTime
) -> None:
    with make(max_retries=3) as f:
        res = f.fetch(_url(server, "/busy-long"), kind="page")
    assert (res.outcome, res.status_code, res.attempts) == ("http_error", 429, 1)
    assert fake_time.sleeps == []


def test_connection_refused_is_network_error_and_retried(make: Callable[..., Fetcher]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with make(max_retries=1) as f:
        res = f.fetch(f"http://127.0.0.1:{port}/", kind="page")
    _check(res)
    assert (res.outcome, res.attempts) == ("network_error", 2)
    assert "ConnectError" in (res.error or "")


def testparse_retry_after() -> None:
    now = dt.datetime(2025, 11, 25, 12, 0, tzinfo=dt.UTC).timestamp()
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after("Tue, 25 Nov 2025 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Tue, 25 Nov 2025 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


# --------------------------------------------------------------------------- limits


def test_slow_headers_hit_the_read_timeout(
    server: ServerState, make: Callable[..., Fetcher]
) -> None:
    with make(read_timeout=0.3) as f:
        t0 = time.monotonic()
        res = f.fetch(_url(server, "/slow-headers"), kind="page")
    _check(res)
    assert res.outcome == "timeout" and "ReadTimeout" in (res.error or "")
    assert time.monotonic() - t0 < 1.2


def test_slow_drip_body_hits_the_deadline_and_is_not_retried_this_run(
    server: ServerState, make: Callable[..., Fetcher]
) -> None:
    """A host that answers but drips would take the whole deadline again on a retry: the
    timeout is recorded (transient, so a later run tries the URL again) after one attempt."""
    with make(request_deadline=0.4, read_timeout=1.0, max_retries=1) as f:
        t0 = time.monotonic()
        res = f.fetch(_url(server, "/drip"), kind="page")
        elapsed = time.monotonic() - t0
    _check(res)
    assert res.outcome == "timeout" and "deadline" in (res.error or "")
    assert res.attempts == 1 and server.count("/drip") == 1
    assert 0 < res.n_bytes < 100
    assert elapsed < 1.2  # one attempt of ~0.4 s, not a drip of 3 s


def test_huge_streamed_body_is_cut_at_the_cap(
    server: ServerState, make: Callable[..., Fetcher]
) -> None:
    with make(max_page_bytes=200_000) as f:
        res = f.fetch(_url(server, "/huge"), kind="page")
    _check(res)
    assert res.outcome == "too_large" and "200000" in (res.error or "")
    assert 200_000 < res.n_bytes <= 200_000 + 65536


def test_size_cap_depends_on_kind(server: ServerState, make: Callable[..., Fetcher]) -> None:
    with make(max_page_bytes=200_000, max_feed_bytes=10_000_000) as f:
        assert f.fetch(_url(server, "/huge"), kind="feed").outcome == "ok"


def test_declared_content_length_over_cap_is_rejected_early(
    server: ServerState, make: Callable[..., Fetcher]
) -> None:
    with make(read_timeout=1.0, request_deadline=1.5) as f:
        t0 = time.monotonic()
        res = f.fetch(_url(server, "/declared-huge"), kind="page")
    _check(res)
    assert res.outcome == "too_large" and "Content-Length" in (res.error or "")
    assert res.n_bytes == 0
    assert time.monotonic() - t0 < 0.5


def test_body_shorter_than_content_length_is_a_network_error(
    server: ServerState, make: Callable[..., Fetcher]
) -> None:
    with make() as f:
        res = f.fetch(_url(server, "/lying-short"), kind="page")
    _check(res)
    assert res.outcome == "network_error" and "RemoteProtocolError" in (res.error or "")


def test_body_longer_than_content_length_is_truncated_to_it(
    server: ServerState, make: Callable[..., Fetcher]
) -> None:
    with make() as f:
        res = f.fetch(_url(server, "/lying-long"), kind="page")
    assert res.outcome == "ok" and res.content == b"<p>12 bytes!"


def test_gzip_and_raw_deflate_are_decoded(
    server: ServerState, make: Callable[..., Fetcher]
) -> None:
    with make() as f:
        gz = f.fetch(_url(server, "/gzip"), kind="page")
        df = f.fetch(_url(server, "/deflate-raw"), kind="page")
        br = f.fetch(_url(server, "/brotli"), kind="page")
    assert gz.outcome == "ok" and gz.content == HTML.encode()
    assert df.outcome == "ok" and df.content == HTML.encode()
    assert br.outcome == "unsupported_content" and "br" in (br.error or "")


def test_gzip_bomb_is_capped_on_decoded_size_without_inflating_it(
    server: ServerState, make: Callable[..., Fetcher]
) -> None:
    cap = 1_000_000
    assert len(BOMB) < cap < BOMB_DECODED  # the compressed size passes the early check
    with make(max_page_bytes=cap) as f:
        tracemalloc.start()
        try:
            res = f.fetch(_url(server, "/gzip-bomb"), kind="page")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    _check(res)
    assert res.outcome == "too_large" and "decoded" in (res.error or "")
    assert res.n_bytes == cap + 1
    assert peak < 6 * cap, f"peak {peak} bytes while decoding a gzip bomb"


def test_bounded_decoder_handles_concatenated_gzip_members() -> None:
    data = gzip.compress(b"one ") + gzip.compress(b"two")
    dec = BoundedDecoder("gzip")
    out = b"".join(dec.decode(data[i : i + 7], 1000) for i in range(0, len(data), 7))
    assert out + dec.flush() == b"one two"


# --------------------------------------------------------------------------- content type


def test_pdf_and_images_are_unsupported_pages(
    server: ServerState, make: Callable[..., Fetcher]
) -> None:
    with make() as f:
        pdf = f.fetch(_url(server, "/doc.pdf"), kind="page")
        jpg = f.fetch(_url(server, "/photo.jpg"), kind="feed")
        rss_as_page = f.fetch(_url(server, "/etag"), kind="page")
        rss_as_feed = f.fetch(_url(server, "/etag"), kind="feed")
    for res in (pdf, jpg, rss_as_page):
        _check(res)
        assert res.outcome == "unsupported_content", res
    assert pdf.content_type == "application/pdf" and "application/pdf" in (pdf.error or "")
    assert rss_as_feed.outcome == "ok" and rss_as_feed.encoding == "utf-8"


# --------------------------------------------------------------------------- redirects


def test_redirect_chain_is_followed(server: ServerState, make: Callable[..., Fetcher]) -> None:
    with make(max_redirects=5) as f:
        res = f.fetch(_url(server, "/chain/3"), kind="page")
    _check(res)
    assert res.outcome == "ok" and res.final_url == _url(server, "/ok")
    assert [server.count(f"/chain/{i}") for i in range(4)] == [1, 1, 1, 1]


def test_too_many_redirects(server: ServerState, make: Callable[..., Fetcher]) -> None:
    with make(max_redirects=2) as f:
        res = f.fetch(_url(server, "/chain/3"), kind="page")
    _check(res)
    assert res.outcome == "redirect_loop" and "too many redirects" in (res.error or "")
    assert server.count("/ok") == 0


def test_redirect_loop(server: ServerState, make: Callable[..., Fetcher]) -> None:
    with make(max_redirects=10) as f:
        res = f.fetch(_url(server, "/loop-a"), kind="page")
    _check(res)
    assert res.outcome == "redirect_loop" and "loop" in (res.error or "")
    assert server.count("/loop-a") == 1 and server.count("/loop-b") == 1


def test_redirect_to_non_http_and_without_location(
    server: ServerState, make: Callable[..., Fetcher]
) -> None:
    with make() as f:
        ftp = f.fetch(_url(server, "/to-ftp"), kind="page")
        bare = f.fetch(_url(server, "/no-location"), kind="page")
    assert ftp.outcome == "blocked" and "ftp://" in (ftp.error or "")
    assert ftp.final_url == _url(server, "/to-ftp")
    assert bare.outcome == "http_error" and "Location" in (bare.error or "")


def test_extra_headers_are_not_forwarded_to_another_host(
    server: ServerState, make: Callable[..., Fetcher]
) -> None:
    with make(resolve={"other.example": "127.0.0.1"}) as f:
        res = f.fetch(_url(server, "/to-other-host"), kind="page", extra_headers={"X-Key": "s"})
    assert res.outcome == "ok"
    assert res.final_url == _url(server, "/echo", host="other.example")
    sent = json.loads(res.content or b"")
    assert sent["host"] == f"other.example:{server.port}"
    assert "x-key" not in sent
    assert server.headers_for("/to-other-host")[0]["x-key"] == "s"


# --------------------------------------------------------------------------- SSRF guard


def test_resolve_map_pins_the_ip_and_keeps_the_host_header(
    server: ServerState, make: Callable[..., Fetcher]
) -> None:
    with make(resolve={"Public.Example": "127.0.0.1"}) as f:
        res = f.fetch(_url(server, "/echo", host="public.example"), kind="page")
    assert res.outcome == "ok"
    assert json.loads(res.content or b"")["host"] == f"public.example:{server.port}"
    assert res.final_url == _url(server, "/echo", host="public.example")


def test_private_addresses_are_blocked_before_any_traffic(
    server: ServerState, make: Callable[..., Fetcher]
) -> None:
    # The resolve map cannot smuggle a private address past the guard.
    with make(allow_private_hosts=False, resolve={"public.example": "127.0.0.1"}) as f:
        named = f.fetch(_url(server, "/ok", host="public.example"), kind="page")
        literal = f.fetch(_url(server, "/ok"), kind="feed")
        mapped = f.fetch(f"http://[::ffff:127.0.0.1]:{server.port}/ok", kind="page")
    for res in (named, literal, mapped):
        _check(res)
        assert res.outcome == "blocked" and res.attempts == 1, res
        assert "loopback" in (res.error or "") and "allow_private_hosts" in (res.error or "")
        assert res.final_url is None
    assert server.count("/ok") == 0


def _only_127_0_0_1(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Treat the test server's address as public, everything else as the real guard would."""
    return None if ip == ipaddress.ip_address("127.0.0.1") else ip_block_reason(ip)


@pytest.mark.parametrize("path", ["/to-loopback-alias", "/to-internal-name"])
def test_redirect_to_a_private_address_is_blocked(
    server: ServerState, make: Callable[..., Fetcher], path: str
) -> None:
    with make(
        allow_private_hosts=False,
        resolve={"public.example": "127.0.0.1", "internal.example": "127.0.0.3"},
        ip_policy=_only_127_0_0_1,
    ) as f:
        res = f.fetch(_url(server, path, host="public.example"), kind="page")
    _check(res)
    assert res.outcome == "blocked", res
    assert "127.0.0.2" in (res.error or "") or "127.0.0.3" in (res.error or "")
    assert res.final_url == _url(server, path, host="public.example")
    assert server.count("/ok") == 0


def test_bad_resolve_entry_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not an IP"):
        Fetcher(Settings(resolve={"a.example": "not-an-ip"}))


@pytest.mark.parametrize(
    "ip",
    [
        "10.0.0.1",
        "10.255.255.255",
        "172.16.0.1",
        "172.31.255.254",
        "192.168.1.1",
        "127.0.0.1",
        "127.1.2.3",
        "0.0.0.0",
        "169.254.169.254",
        "100.64.0.1",
        "224.0.0.251",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "2002:c0a8:0101::1",  # 6to4 wrapping 192.168.1.1
        "64:ff9b::a9fe:a9fe",  # NAT64 wrapping 169.254.169.254
    ],
)
def test_classifier_blocks_non_public(ip: str) -> None:
    assert ip_block_reason(ip) is not None
    assert not is_public_ip(ipaddress.ip_address(ip))


@pytest.mark.parametrize(
    "ip", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:1.1.1.1", "64:ff9b::808:808"]
)
def test_classifier_allows_public(ip: str) -> None:
    assert ip_block_reason(ip) is None and is_public_ip(ip)


def test_classifier_reasons_are_specific() -> None:
    assert ip_block_reason("169.254.169.254") == "link-local address"
    assert ip_block_reason("::ffff:127.0.0.1") == "IPv4-mapped loopback address"
    assert ip_block_reason("192.168.0.1") == "private address"


# --------------------------------------------------------------------------- politeness


def test_per_host_delay(
    server: ServerState, make: Callable[..., Fetcher], fake_time: FakeTime
) -> None:
    with make(per_host_delay=5.0, resolve={"other.example": "127.0.0.1"}) as f:
        assert f.fetch(_url(server, "/ok"), kind="page").outcome == "ok"
        assert fake_time.sleeps == []
        assert f.fetch(_url(server, "/ok", host="other.example"), kind="page").outcome == "ok"
        assert fake_time.sleeps == []  # another host: no wait
        assert f.fetch(_url(server, "/ok"), kind="page").outcome == "ok"
    assert len(fake_time.sleeps) == 1 and 4.0 < fake_time.sleeps[0] <= 5.0


def test_robots_txt_disallow_and_single_fetch(
    server: ServerState, make: Callable[..., Fetcher]
) -> None:
    server.robots = (
        b"User-agent: newsflow-test\nDisallow: /private\n\nUser-agent: *\nDisallow: /public\n"
    )
    with make(respect_robots=True) as f:
        blocked = f.fetch(_url(server, "/private/page"), kind="page")
        allowed = f.fetch(_url(server, "/public/page"), kind="page")
        via_redirect = f.fetch(_url(server, "/to-private-path"), kind="page")
        notes = dict(f.robots_notes)
    _check(blocked)
    assert blocked.outcome == "robots_disallowed" and "robots.txt" in (blocked.error or "")
    assert allowed.outcome == "ok"  # our group wins over '*'
    assert via_redirect.outcome == "robots_disallowed"  # every hop is checked
    assert server.count("/private/page") == 0
    assert server.count("/robots.txt") == 1
    assert notes == {f"http://127.0.0.1:{server.port}": "ok"}


def test_robots_crawl_delay_raises_the_host_delay(
    server: ServerState, make: Callable[..., Fetcher], fake_time: FakeTime
) -> None:
    server.robots = b"User-agent: *\nCrawl-delay: 3\n"
    with make(respect_robots=True, per_host_delay=0.0) as f:
        f.fetch(_url(server, "/ok"), kind="page")
        f.fetch(_url(server, "/ok"), kind="page")
    # robots.txt -> page 1 -> page 2: two waits of ~3 s
    assert len(fake_time.sleeps) == 2 and all(2.0 < s <= 3.0 for s in fake_time.sleeps)


@pytest.mark.parametrize(("status", "note"), [(404, "none (HTTP 404)"), (503, "unavailable")])
def test_robots_errors_allow_fetching(
    server: ServerState, make: Callable[..., Fetcher], status: int, note: str
) -> None:
    server.robots = status
    with make(respect_robots=True) as f:
        res = f.fetch(_url(server, "/private/page"), kind="page")
        assert res.outcome == "ok"
        assert next(iter(f.robots_notes.values())).startswith(note)


def test_robots_not_consulted_when_disabled(
    server: ServerState, make: Callable[..., Fetcher]
) -> None:
    server.robots = b"User-agent: *\nDisallow: /\n"
    with make(respect_robots=False) as f:
        assert f.fetch(_url(server, "/private/page"), kind="page").outcome == "ok"
    assert server.count("/robots.txt") == 0


# --------------------------------------------------------------------------- conditional GET


def test_etag_and_last_modified_round_trip(
    server: ServerState, make: Callable[..., Fetcher]
) -> None:
    with make() as f:
        first = f.fetch(_url(server, "/etag"), kind="feed")
        assert first.outcome == "ok" and first.etag == '"v1"'
        assert first.last_modified == "Tue, 25 Nov 2025 10:00:00 GMT"
        again = f.fetch(
            _url(server, "/etag"),
            kind="feed",
            etag=first.etag,
            last_modified=first.last_modified,
        )
    _check(again)
    assert (again.outcome, again.status_code, again.content) == ("not_modified", 304, None)
    assert again.etag == '"v1"' and again.last_modified == first.last_modified
    sent = server.headers_for("/etag")[-1]
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == "Tue, 25 Nov 2025 10:00:00 GMT"


# --------------------------------------------------------------------------- TLS with pinning


@pytest.fixture
def tls_server(tmp_path: Any) -> Iterator[tuple[int, str]]:
    """HTTPS on 127.0.0.1 with a self-signed certificate for 'public.example' only."""
    crypto = pytest.importorskip("cryptography")
    del crypto
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "public.example")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("public.example")]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    state = ServerState()
    handler = type("TLSHandler", (Handler,), {"state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_path, key_path)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02})
    thread.daemon = True
    thread.start()
    try:
        yield state.port, str(cert_path)
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_https_verifies_the_real_name_while_connecting_to_the_pinned_ip(
    tls_server: tuple[int, str], make: Callable[..., Fetcher]
) -> None:
    port, ca = tls_server
    verify = ssl.create_default_context(cafile=ca)
    resolve = {"public.example": "127.0.0.1", "impostor.example": "127.0.0.1"}
    with make(resolve=resolve, verify=verify) as f:
        good = f.fetch(f"https://public.example:{port}/echo", kind="page")
        bad = f.fetch(f"https://impostor.example:{port}/echo", kind="page")
    assert good.outcome == "ok", good
    assert json.loads(good.content or b"")["host"] == f"public.example:{port}"
    _check(bad)
    assert bad.outcome == "network_error" and "certificate" in (bad.error or "").lower()
