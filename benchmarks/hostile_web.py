"""A misbehaving web on loopback, beside healthy feeds: the fault-injection cases of issue 13.

Why a separate server and not more behaviours in ``webfarm``: most cases are about what one
response looks like (a body that never ends, a gzip bomb, an entity bomb, a cut-off feed), and
one virtual-host server on 127.0.0.1 serves them all, told apart by the Host header. A second
server on 127.0.0.2 plays "another private address": the pipeline runs with
``allow_private_hosts: [127.0.0.1]``, so nothing may ever connect there, and the server counts
every connection it accepts to prove it.

Every case is a :class:`Case`: the feed or page URL that triggers it, the outcome the pipeline
must record, and (for feeds whose entries are healthy) the article URLs that must still arrive.
``tests/test_hostile.py`` asserts them; ``benchmarks/bench_hostile.py`` times them.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import yaml

FORBIDDEN_IP = "127.0.0.2"  # "a second private address": never allowed, never to be reached
PUBDATE = "Mon, 01 Jun 2026 10:00:00 +0000"
_TEXT = (
    "officials said the council met on tuesday to discuss the flood defences along the river "
    "where residents had asked for new barriers after the storm damaged homes and roads"
)
WORDS = tuple(_TEXT.split(" "))


def article_html(key: str, n: int = 8, charset: str | None = "utf-8", extra: str = "") -> str:
    """A distinct article of ~8 paragraphs whose words depend on ``key``."""
    seed = sum(map(ord, key))
    paras = "".join(
        "<p>"
        + " ".join(WORDS[(seed + i * 7 + j * 3) % len(WORDS)] for j in range(45)).capitalize()
        + f" ({key} {i}).</p>"
        for i in range(n)
    )
    meta = f"<meta charset='{charset}'>" if charset else ""
    return (
        f"<!DOCTYPE html><html><head>{meta}<title>Report {key}</title>"
        f"<meta property='og:title' content='Report {key}'>"
        "<meta property='article:published_time' content='2026-06-01T10:00:00+00:00'></head>"
        f"<body><main><article><h1>Report {key}</h1>{extra}{paras}</article></main>"
        "</body></html>"
    )


def rss(base: str, links: list[str], title: str = "feed", author: str | None = None) -> bytes:
    items = "".join(
        f"<item><title>{escape(title)} {i}</title><link>{escape(base + link)}</link>"
        f"<pubDate>{PUBDATE}</pubDate>"
        + (f"<author>{escape(author)}</author>" if author else "")
        + "</item>"
        for i, link in enumerate(links)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>{escape(base)}/</link>{items}</channel></rss>"
    ).encode()


@dataclass(frozen=True)
class Case:
    """One misbehaviour: where it is, what the pipeline must record, what must still arrive."""

    name: str
    kind: str  # "feed" (a feed_polls outcome) or "page" (a fetch_log outcome)
    host: str
    path: str
    expected: tuple[str, ...]  # acceptable outcomes (most cases have exactly one)
    healthy: tuple[str, ...] = ()  # paths on ``host`` of articles that must be stored
    note: str = ""
    known_bug: str = ""  # what the pipeline gets wrong today (the test is a strict xfail)


# Page cases are listed by one feed (``list.hostile.test/feed.xml``); feed cases are feeds.
CASES: tuple[Case, ...] = (
    Case("hang", "page", "hang.hostile.test", "/a", ("timeout",), note="headers never come"),
    Case("drip", "page", "drip.hostile.test", "/a", ("timeout",), note="a byte per 0.5 s"),
    Case("endless", "page", "endless.hostile.test", "/a", ("too_large",), note="body never ends"),
    Case("gzip-bomb", "page", "bomb.hostile.test", "/a", ("too_large",), note="1 GB of zeros"),
    Case("redirect-loop", "page", "loop.hostile.test", "/a", ("redirect_loop",)),
    Case(
        "redirect-private",
        "page",
        "priv.hostile.test",
        "/a",
        ("blocked",),
        note="302 to another private address (only 127.0.0.1 allowed)",
    ),
    Case("robots-disallowed", "page", "robots.hostile.test", "/private/a", ("robots_disallowed",)),
    Case(
        "crawl-delay",
        "page",
        "robots.hostile.test",
        "/ok/1",
        ("ok",),
        healthy=("/ok/1", "/ok/2"),
        note="robots.txt Crawl-delay: 1, honoured",
    ),
    Case("429-retry-after", "page", "t429.hostile.test", "/a", ("http_error",), note="honoured"),
    Case(
        "429-retry-after-long",
        "page",
        "t429long.hostile.test",
        "/a",
        ("http_error",),
        note="Retry-After: 3600, capped: no wait, no retry",
    ),
    Case("500", "page", "e500.hostile.test", "/a", ("http_error",)),
    Case(
        "flapping-500",
        "page",
        "flap.hostile.test",
        "/a",
        ("ok",),
        healthy=("/a",),
        note="500 then 200: the retry gets it",
    ),
    Case("404", "page", "e404.hostile.test", "/a", ("http_error",)),
    Case("empty-200", "page", "empty.hostile.test", "/a", ("empty_extract", "parse_error")),
    Case("tls-error", "page", "tls.hostile.test", "/a", ("network_error",), note="https, no TLS"),
    Case(
        "wrong-charset",
        "page",
        "charset.hostile.test",
        "/wrong",
        ("ok",),
        healthy=("/wrong",),
        note="cp1252 bytes, header says utf-8",
    ),
    Case(
        "no-charset",
        "page",
        "charset.hostile.test",
        "/none",
        ("ok",),
        healthy=("/none",),
        note="cp1252 bytes, no charset anywhere",
    ),
    Case(
        "many-links",
        "page",
        "links.hostile.test",
        "/a",
        ("extract_timeout", "empty_extract"),
        note="250,000 links: cut at extract_timeout, or read as the link list it is",
    ),
    Case("extracts-to-nothing", "page", "nothing.hostile.test", "/a", ("empty_extract",)),
    Case(
        "navigation-only",
        "page",
        "nothing.hostile.test",
        "/nav",
        ("empty_extract",),
        note="a section front: 20 links, no text",
    ),
    Case("feed-hang", "feed", "hang.hostile.test", "/feed.xml", ("timeout",)),
    Case(
        "feed-redos-author",
        "feed",
        "redos.hostile.test",
        "/feed.xml",
        ("ok", "partial"),
        healthy=("/r/1", "/r/2"),
        note="ReDoS-shaped author emails",
    ),
    Case(
        "feed-entities",
        "feed",
        "entity.hostile.test",
        "/feed.xml",
        ("ok", "parse_error", "partial"),
        note="billion laughs: entities left unexpanded",
    ),
    Case(
        "feed-is-html",
        "feed",
        "htmlfeed.hostile.test",
        "/feed.xml",
        ("unsupported_content", "parse_error"),
    ),
    Case(
        "feed-truncated",
        "feed",
        "trunc.hostile.test",
        "/feed.xml",
        ("ok", "partial"),
        healthy=("/t/1", "/t/2"),
        note="cut in the middle of the third item",
    ),
    Case("feed-empty", "feed", "emptyfeed.hostile.test", "/feed.xml", ("parse_error",)),
    Case("feed-429", "feed", "t429.hostile.test", "/feed.xml", ("http_error",)),
    Case("feed-500", "feed", "e500.hostile.test", "/feed.xml", ("http_error",)),
    Case("feed-404", "feed", "e404.hostile.test", "/feed.xml", ("http_error",)),
    Case("feed-gzip-bomb", "feed", "bomb.hostile.test", "/feed.xml", ("too_large",)),
)
HEALTHY_HOSTS = ("good-a.hostile.test", "good-b.hostile.test")
N_HEALTHY = 5  # articles per healthy host
LIST_HOST = "list.hostile.test"


def gzip_bomb(megabytes: int = 200) -> bytes:
    """``megabytes`` MB of zeros, gzipped (~1/1000 of that): far past every size cap."""
    buf = io.BytesIO()
    chunk = b"\0" * (1 << 20)
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as gz:
        for _ in range(megabytes):
            gz.write(chunk)
    return buf.getvalue()


_REDOS_AUTHOR = "a" * 5000 + "@" + "a." * 3000 + "!"  # email-shaped, backtracking bait
_ENTITY_FEED = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ).replace("&lol0;", "&lol;")
    + ']><rss version="2.0"><channel><title>&lol9;</title></channel></rss>'
).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, web: HostileWeb, ip: str) -> None:
        super().__init__((ip, 0), _Handler)
        self.web = web

    def get_request(self) -> Any:
        conn = super().get_request()
        self.web.count_connection(self.server_address[0])
        return conn

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # clients hanging up on a hostile answer is the point


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        path = self.path.split("?", 1)[0]
        web = self.server.web
        web.record(host, path)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            web.answer(self, host, path)

    def send(self, status: int, body: bytes = b"", ctype: str = "text/html", **hdr: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in hdr.items():
            self.send_header(k.replace("_", "-"), v)
        self.end_headers()
        self.wfile.write(body)


@dataclass
class HostileWeb:
    """Serve the healthy and hostile hosts on 127.0.0.1 (+ the forbidden 127.0.0.2); a context
    manager. ``hits`` holds (host, path, monotonic time) of every request."""

    with_hostile: bool = True
    only: frozenset[str] | None = None  # serve just these cases (by name); None: all
    hits: list[tuple[str, str, float]] = field(default_factory=list)
    connections: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.closing = threading.Event()
        self._servers: list[_Server] = []
        self.flaps: Counter[str] = Counter()
        self.bomb = gzip_bomb() if self.with_hostile else b""

    def __enter__(self) -> HostileWeb:
        for ip in ("127.0.0.1", FORBIDDEN_IP):
            srv = _Server(self, ip)
            self._servers.append(srv)
            threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1},
                             daemon=True).start()  # fmt: skip
        return self

    def __exit__(self, *exc: object) -> None:
        self.closing.set()
        for s in self._servers:
            s.shutdown()
            s.server_close()

    @property
    def port(self) -> int:
        return self._servers[0].server_address[1]

    @property
    def forbidden_port(self) -> int:
        return self._servers[1].server_address[1]

    def base(self, host: str, scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}"

    def record(self, host: str, path: str) -> None:
        with self._lock:
            self.hits.append((host, path, time.monotonic()))

    def count_connection(self, ip: str) -> None:
        with self._lock:
            self.connections[ip] += 1

    def hits_for(self, host: str, path: str | None = None) -> list[float]:
        with self._lock:
            return [t for h, p, t in self.hits if h == host and (path is None or p == path)]

    # -- the registry

    def cases(self) -> tuple[Case, ...]:
        if not self.with_hostile:
            return ()
        return tuple(c for c in CASES if self.only is None or c.name in self.only)

    def healthy_urls(self) -> list[str]:
        """Every article URL a run must store (healthy hosts, healthy entries of hostile ones)."""
        urls = [f"{self.base(h)}/news/{n}" for h in HEALTHY_HOSTS for n in range(1, N_HEALTHY + 1)]
        for case in self.cases():
            urls += [self.base(case.host) + p for p in case.healthy]
        return sorted(set(urls))

    def case_url(self, case: Case) -> str:
        return self.base(case.host, "https" if case.name == "tls-error" else "http") + case.path

    def feeds(self) -> list[dict[str, str]]:
        feeds = [{"id": h.split(".")[0], "url": f"{self.base(h)}/feed.xml"} for h in HEALTHY_HOSTS]
        if any(c.kind == "page" for c in self.cases()):
            feeds.append({"id": "hostile-pages", "url": f"{self.base(LIST_HOST)}/feed.xml"})
        if self.with_hostile:
            feeds += [
                {"id": c.name, "url": self.case_url(c)} for c in self.cases() if c.kind == "feed"
            ]
        return feeds

    def write_feeds_yaml(self, path: Path, **settings: Any) -> Path:
        hosts = {h for h in HEALTHY_HOSTS} | {c.host for c in CASES} | {LIST_HOST}
        doc = {
            "settings": {
                "allow_private_hosts": ["127.0.0.1"],
                "resolve": dict.fromkeys(sorted(hosts), "127.0.0.1"),
                **settings,
            },
            "feeds": self.feeds(),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        return path

    # -- the answers

    def answer(self, h: _Handler, host: str, path: str) -> None:
        if h.server.server_address[0] == FORBIDDEN_IP:
            return h.send(200, article_html("forbidden").encode())
        if host in HEALTHY_HOSTS:
            return self._healthy(h, host, path)
        if host == LIST_HOST and path == "/feed.xml":
            cases = [c for c in self.cases() if c.kind == "page"]
            links = [self.case_url(c) for c in cases]
            links += [self.base(c.host) + p for c in cases for p in c.healthy if p != c.path]
            return h.send(200, rss("", links, "hostile pages"), "application/rss+xml")
        return self._hostile(h, host, path)

    def _healthy(self, h: _Handler, host: str, path: str) -> None:
        if path == "/feed.xml":
            links = [f"/news/{n}" for n in range(1, N_HEALTHY + 1)]
            return h.send(200, rss(self.base(host), links, host), "application/rss+xml")
        if path.startswith("/news/"):
            return h.send(200, article_html(host + path).encode(), "text/html; charset=utf-8")
        return h.send(404, b"not found")

    def _never_ending(self, h: _Handler, name: str) -> None:
        """Answers that never finish: no headers, a dripping body, or a body without end."""
        if name == "hang":
            self.closing.wait(3600)
            return
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        if name == "drip":
            h.send_header("Content-Length", "1000000")
            h.end_headers()
            while not self.closing.wait(0.5):
                h.wfile.write(b"x")
                h.wfile.flush()
            return
        h.end_headers()  # no length: the body ends when the connection does, i.e. never
        h.close_connection = True
        chunk = b"<p>" + b"more " * 2000 + b"</p>"
        while not self.closing.is_set():
            h.wfile.write(chunk)

    def _hostile(self, h: _Handler, host: str, path: str) -> None:
        name = host.split(".")[0]
        if path == "/robots.txt":
            if name == "robots":
                return h.send(200, b"User-agent: *\nDisallow: /private/\nCrawl-delay: 1\n",
                              "text/plain")  # fmt: skip
            return h.send(404, b"", "text/plain")
        if name in ("hang", "drip", "endless"):
            return self._never_ending(h, name)
        if name == "bomb":
            ctype = "application/rss+xml" if path == "/feed.xml" else "text/html"
            return h.send(200, self.bomb, ctype, Content_Encoding="gzip")
        if name == "loop":
            return h.send(302, b"", Location=self.base(host) + ("/b" if path == "/a" else "/a"))
        if name == "priv":
            return h.send(302, b"", Location=f"http://{FORBIDDEN_IP}:{self.forbidden_port}/x")
        if name == "robots":
            return h.send(200, article_html(host + path).encode(), "text/html; charset=utf-8")
        if name == "t429":
            return h.send(429, b"slow down", Retry_After="1")
        if name == "t429long":
            return h.send(429, b"slow down", Retry_After="3600")
        if name == "e500":
            return h.send(500, b"oops")
        if name == "e404":
            return h.send(404, b"not found")
        if name == "flap":
            with self._lock:
                self.flaps[path] += 1
                n = self.flaps[path]
            if n % 2:
                return h.send(500, b"oops")
            return h.send(200, article_html(host + path).encode(), "text/html; charset=utf-8")
        if name == "empty":
            return h.send(200, b"", "text/html; charset=utf-8")
        if name == "charset":
            body = article_html(host + path, charset=None, extra="<p>Café déjà vu, naïve.</p>")
            ctype = "text/html; charset=utf-8" if path == "/wrong" else "text/html"
            return h.send(200, body.encode("cp1252"), ctype)
        if name == "links":
            links = "<a href=#>x</a>" * 250_000  # 3.75 MB: under the default 5 MB page cap
            body = f"<html><head><title>Links</title></head><body><div>{links}</div></body></html>"
            return h.send(200, body.encode(), "text/html; charset=utf-8")
        if name == "nothing" and path == "/nav":
            body = (
                "<!DOCTYPE html><html><head><title>Home</title></head><body><nav>"
                + "".join(f"<a href='/s/{i}'>Section {i}</a>" for i in range(20))
                + "</nav></body></html>"
            )
            return h.send(200, body.encode(), "text/html; charset=utf-8")
        if name == "nothing":  # a script-rendered shell: valid HTML, no text at all
            body = (
                "<!DOCTYPE html><html><head><title>Loading</title>"
                "<script src='/app.js'></script></head><body><div id='root'></div></body></html>"
            )
            return h.send(200, body.encode(), "text/html; charset=utf-8")
        if name == "redos":
            if path == "/feed.xml":
                body = rss(self.base(host), ["/r/1", "/r/2"], "redos", author=_REDOS_AUTHOR)
                return h.send(200, body, "application/rss+xml")
            return h.send(200, article_html(host + path).encode(), "text/html; charset=utf-8")
        if name == "entity":
            return h.send(200, _ENTITY_FEED, "application/rss+xml")
        if name == "htmlfeed":
            return h.send(200, article_html("not a feed").encode(), "text/html; charset=utf-8")
        if name == "trunc":
            if path == "/feed.xml":
                whole = rss(self.base(host), ["/t/1", "/t/2", "/t/3"], "trunc")
                cut = whole.index(b"<item>", whole.index(b"/t/2")) + 30
                return h.send(200, whole[:cut], "application/rss+xml")
            return h.send(200, article_html(host + path).encode(), "text/html; charset=utf-8")
        if name == "emptyfeed":
            return h.send(200, b"", "application/rss+xml")
        return h.send(404, b"not found")
