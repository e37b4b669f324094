"""A multi-host web on loopback for benchmarks and tests: many "hosts", their feeds and pages.

Why: the frontier's claims (hosts fetched at once, each host polite on its own, a stuck host
holding up nobody, one conditional request per unchanged feed) can only be checked against many
hosts that log what they were asked and when. Each host is its own HTTP/1.1 server on
127.0.0.1 with its own port and a name (``h07.farm.test``) that the pipeline maps to 127.0.0.1
with the ``resolve`` setting, so hosts are told apart by name and by ``host:port``.

Farms (issue 12 benchmarks, issue 13 hostile cases):

* ``real``: the 313 real pages of ``../shared/eval/extraction/html`` (read in place) spread over
  10 hosts, one RSS feed per host listing them.
* ``uneven``: ~1,000 generated articles over ~25 hosts of Zipf-like sizes.
* ``quiet``: 1,000 feeds on 100 hosts; every feed answers 304 to a matching ``If-None-Match``.
* ``hostile``: a healthy host beside hosts that hang, drip, answer 429 + Retry-After, or 500.

    .venv/bin/python benchmarks/webfarm.py uneven --out /tmp/farm --delay 1

serves the farm until Ctrl-C and writes ``/tmp/farm/FEEDS.yaml`` for ``newsflow run``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import yaml

FEED_CHUNK = 100  # items per feed; a bigger host gets several feeds
Behaviour = str  # "hang" | "drip" | "429" | "500" | "slow"


@dataclass
class HostSpec:
    """One host: its pages (bytes, or a file read per request) and feeds (lists of page paths)."""

    name: str
    pages: dict[str, bytes | Path] = field(default_factory=dict)
    feeds: dict[str, list[str]] = field(default_factory=dict)
    behaviours: dict[str, Behaviour] = field(default_factory=dict)  # path -> behaviour
    robots: str | None = None  # robots.txt body; None answers 404
    latency: float = 0.0  # seconds added to every answer
    retry_after: int = 2  # for "429"
    full_text: bool = False  # feeds carry each page's HTML in content:encoded
    cache_control: str | None = None  # Cache-Control header on feed answers


@dataclass(frozen=True)
class Hit:
    """One request as the server saw it: which host, path, when, and the answer."""

    host: str
    path: str
    start: float
    end: float
    status: int
    conditional: bool


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, farm: WebFarm, spec: HostSpec) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.farm = farm
        self.spec = spec

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client closing an idle keep-alive connection is normal, not an error to print."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so connection reuse is real
    # headers and body go out in two writes; with Nagle on, the body waits ~40 ms for the
    # client's delayed ACK on every keep-alive response
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        start = time.monotonic()
        self.server.farm.begin(self.server.spec.name, self.path)
        status = 0
        try:
            status = self._route()
        except (BrokenPipeError, ConnectionResetError):
            status = status or 499  # the client hung up
        finally:
            farm = self.server.farm
            farm.record(
                Hit(
                    self.server.spec.name,
                    self.path,
                    start,
                    time.monotonic(),
                    status,
                    bool(
                        self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since")
                    ),
                )
            )

    def _send(self, status: int, body: bytes = b"", ctype: str = "text/html", **hdr: str) -> int:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in hdr.items():
            self.send_header(k.replace("_", "-"), v)
        self.end_headers()
        self.wfile.write(body)
        return status

    def _route(self) -> int:
        spec, farm = self.server.spec, self.server.farm
        path = self.path.split("?", 1)[0]
        if spec.latency:
            farm.closing.wait(spec.latency)
        behaviour = spec.behaviours.get(path)
        if behaviour:
            return self._hostile(behaviour, spec)
        if path == "/robots.txt":
            if spec.robots is None:
                return self._send(404, b"no robots.txt", "text/plain")
            return self._send(200, spec.robots.encode(), "text/plain")
        if path in spec.feeds:
            body = farm.feed_xml(spec, path)
            etag = _etag(body)
            extra = {"Cache_Control": spec.cache_control} if spec.cache_control else {}
            if self.headers.get("If-None-Match") == etag:
                return self._send(304, b"", "application/rss+xml", ETag=etag, **extra)
            return self._send(200, body, "application/rss+xml; charset=utf-8", ETag=etag, **extra)
        page = spec.pages.get(path)
        if page is None:
            return self._send(404, b"not found")
        body = page.read_bytes() if isinstance(page, Path) else page
        return self._send(200, body, "text/html; charset=utf-8")

    def _hostile(self, behaviour: Behaviour, spec: HostSpec) -> int:
        closing = self.server.farm.closing
        if behaviour == "hang":  # headers never come
            closing.wait(3600)
            return 0
        if behaviour == "drip":  # headers, then a byte every half second
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            while not closing.wait(0.5):
                self.wfile.write(b"x")
                self.wfile.flush()
            return 200
        if behaviour == "429":
            return self._send(429, b"slow down", Retry_After=str(spec.retry_after))
        if behaviour == "500":
            return self._send(500, b"oops")
        raise ValueError(f"unknown behaviour {behaviour!r}")


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:16] + '"'


class WebFarm:
    """Serve ``hosts`` on loopback; a context manager. ``hits`` is what every host was asked."""

    def __init__(self, hosts: list[HostSpec]) -> None:
        self.hosts = {h.name: h for h in hosts}
        self.closing = threading.Event()
        self.hits: list[Hit] = []  # finished requests
        self.started: list[tuple[str, str]] = []  # (host, path) of every request, on arrival
        self._lock = threading.Lock()
        self._servers: dict[str, _Server] = {}

    def __enter__(self) -> WebFarm:
        for spec in self.hosts.values():
            srv = _Server(self, spec)
            self._servers[spec.name] = srv
            threading.Thread(
                target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
            ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closing.set()
        stoppers = [threading.Thread(target=s.shutdown) for s in self._servers.values()]
        for t in stoppers:
            t.start()
        for t in stoppers:
            t.join()
        for s in self._servers.values():
            s.server_close()

    # -- addresses

    def port(self, host: str) -> int:
        return self._servers[host].server_address[1]

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.port(host)}{path}"

    def resolve(self) -> dict[str, str]:
        """The ``resolve`` setting that maps every farm host name to 127.0.0.1."""
        return {name: "127.0.0.1" for name in self.hosts}

    def feeds(self) -> list[tuple[str, str, str]]:
        """(feed id, host, path) of every feed, host by host."""
        return [
            (f"{spec.name.split('.')[0]}-{path.strip('/').removesuffix('.xml')}", spec.name, path)
            for spec in self.hosts.values()
            for path in spec.feeds
        ]

    def feed_urls(self) -> list[tuple[str, str]]:
        """(feed id, URL) of every feed, host by host."""
        return [(fid, self.url(host, path)) for fid, host, path in self.feeds()]

    def feed_xml(self, spec: HostSpec, path: str) -> bytes:
        items = []
        for i, page in enumerate(spec.feeds[path]):
            when = time.strftime(
                "%a, %d %b %Y %H:%M:%S +0000", time.gmtime(1_780_000_000 - 3600 * i)
            )
            body = ""
            if spec.full_text and page in spec.pages:
                html = spec.pages[page]
                html = html.read_bytes() if isinstance(html, Path) else html
                text = escape(html.decode("utf-8", "replace"))
                body = f"<content:encoded>{text}</content:encoded>"
            items.append(
                f"<item><title>{escape(spec.name)} story {escape(page)}</title>"
                f"<link>{escape(self.url(spec.name, page))}</link><pubDate>{when}</pubDate>"
                f"{body}</item>"
            )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>{escape(spec.name)}</title><link>{self.url(spec.name, '/')}</link>"
            f"<ttl>15</ttl>{''.join(items)}</channel></rss>"
        ).encode()

    def etag(self, host: str, path: str) -> str:
        """The ETag the feed at ``path`` answers with (a client that sends it gets a 304)."""
        return _etag(self.feed_xml(self.hosts[host], path))

    # -- what the hosts saw

    def begin(self, host: str, path: str) -> None:
        with self._lock:
            self.started.append((host, path))

    def n_started(self, host: str, prefix: str = "") -> int:
        """Requests that reached ``host`` (finished or not) under ``prefix``."""
        with self._lock:
            return sum(1 for h, p in self.started if h == host and p.startswith(prefix))

    def record(self, hit: Hit) -> None:
        with self._lock:
            self.hits.append(hit)

    def hits_for(self, host: str | None = None, prefix: str = "") -> list[Hit]:
        """Finished requests. A handler records its hit after its last write, a moment after the
        client has the answer, so this first lets requests in flight finish (at most 1 s)."""
        deadline = time.monotonic() + 1.0
        while True:
            with self._lock:
                if len(self.hits) >= len(self.started) or time.monotonic() >= deadline:
                    return [
                        h
                        for h in self.hits
                        if (host is None or h.host == host) and h.path.startswith(prefix)
                    ]
            time.sleep(0.005)

    def max_overlap(self, host: str | None = None, slack: float = 0.05) -> int:
        """Most requests in progress at one moment (server side), on one host or on all.

        A hit's end is taken after its last byte is written, when the client may already have
        the answer and have sent its next request on another connection: ends count ``slack``
        seconds early, so that hand-over is not an overlap (a real one lasts a response's
        latency)."""
        events = []
        for h in self.hits_for(host):
            events += [(h.start, 1), (max(h.start, h.end - slack), -1)]
        peak = cur = 0
        for _, d in sorted(events, key=lambda e: (e[0], e[1])):
            cur += d
            peak = max(peak, cur)
        return peak

    def write_feeds_yaml(self, path: Path, **settings: Any) -> Path:
        """A FEEDS.yaml with every feed and the settings that make the farm reachable."""
        doc = {
            "settings": {"allow_private_hosts": True, "resolve": self.resolve(), **settings},
            "feeds": [{"id": fid, "url": url} for fid, url in self.feed_urls()],
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        return path


# ------------------------------------------------------------------------------------ farms

_WORDS = [
    "officials",
    "said",
    "the",
    "government",
    "minister",
    "council",
    "city",
    "region",
    "police",
    "court",
    "river",
    "army",
    "election",
    "vote",
    "talks",
    "ceasefire",
    "flood",
    "storm",
    "rain",
    "market",
    "prices",
    "trade",
    "port",
    "ships",
    "workers",
    "strike",
    "union",
    "hospital",
    "school",
    "report",
    "agency",
    "residents",
    "morning",
    "evening",
    "week",
    "capital",
    "province",
    "border",
    "bridge",
    "road",
    "train",
    "power",
    "water",
    "fire",
    "forest",
    "rescue",
    "families",
]


def article_html(host: int, n: int) -> bytes:
    """A distinct, realistic-looking article (~400 words) for host ``host``, number ``n``."""
    rng = random.Random(host * 1_000_003 + n)
    paras = "".join(
        "<p>" + " ".join(rng.choice(_WORDS) for _ in range(50)).capitalize() + ".</p>"
        for _ in range(8)
    )
    title = f"Story {n} from host {host}: {rng.choice(_WORDS)} {rng.choice(_WORDS)}"
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{title}</title><meta property='og:title' content='{title}'>"
        "<meta property='article:published_time' content='2026-06-01T10:00:00+00:00'></head>"
        "<body><nav><a href='/'>Home</a> <a href='/'>World</a></nav>"
        f"<main><article><h1>{title}</h1>{paras}</article></main>"
        "<footer>© 2026</footer></body></html>"
    ).encode()


def _chunk_feeds(pages: list[str], prefix: str = "/feed") -> dict[str, list[str]]:
    chunks = [pages[i : i + FEED_CHUNK] for i in range(0, len(pages), FEED_CHUNK)] or [[]]
    return {f"{prefix}-{k}.xml": c for k, c in enumerate(chunks)}


def uneven_sizes(total: int, n_hosts: int, skew: float = 0.9) -> list[int]:
    """Zipf-like host sizes summing to ``total`` (largest remainder rounding), largest first."""
    weights = [1 / (k + 1) ** skew for k in range(n_hosts)]
    raw = [total * w / sum(weights) for w in weights]
    sizes = [int(r) for r in raw]
    for i in sorted(range(n_hosts), key=lambda i: raw[i] - sizes[i], reverse=True):
        if sum(sizes) >= total:
            break
        sizes[i] += 1
    return sizes


def uneven_farm(n_articles: int = 1000, n_hosts: int = 25, skew: float = 0.9) -> list[HostSpec]:
    hosts = []
    for h, size in enumerate(uneven_sizes(n_articles, n_hosts, skew)):
        pages = {f"/a/{n}.html": article_html(h, n) for n in range(size)}
        hosts.append(HostSpec(f"h{h:03d}.farm.test", pages, _chunk_feeds(list(pages))))
    return hosts


def real_farm(html_dir: Path, n_hosts: int = 10) -> list[HostSpec]:
    """The real pages of ``html_dir`` (served from the files in place) over ``n_hosts`` hosts."""
    files = sorted(html_dir.glob("*.html"))
    if not files:
        raise FileNotFoundError(f"no *.html pages under {html_dir}")
    hosts = [HostSpec(f"r{h:02d}.farm.test") for h in range(n_hosts)]
    for i, f in enumerate(files):
        hosts[i % n_hosts].pages[f"/p/{f.stem}.html"] = f
    for spec in hosts:
        spec.feeds = _chunk_feeds(list(spec.pages))
    return hosts


def quiet_farm(n_feeds: int = 1000, n_hosts: int = 100, items: int = 5) -> list[HostSpec]:
    """Unchanged feeds: each lists ``items`` pages that a correct run never requests."""
    hosts = []
    for h in range(n_hosts):
        spec = HostSpec(f"q{h:03d}.farm.test")
        for k in range(h, n_feeds, n_hosts):
            paths = [f"/a/{k}-{n}.html" for n in range(items)]
            spec.pages.update({p: article_html(h, k * 100 + n) for n, p in enumerate(paths)})
            spec.feeds[f"/feed-{k}.xml"] = paths
        hosts.append(spec)
    return hosts


def hostile_farm(n_pages: int = 5) -> list[HostSpec]:
    """A healthy host plus one host per misbehaviour; each bad host has ``n_pages`` bad URLs."""
    healthy = HostSpec("ok.farm.test", {f"/a/{n}.html": article_html(0, n) for n in range(10)})
    healthy.feeds = _chunk_feeds(list(healthy.pages))
    hosts = [healthy]
    for behaviour in ("hang", "drip", "429", "500"):
        spec = HostSpec(f"{behaviour}.farm.test")
        paths = [f"/a/{n}.html" for n in range(n_pages)]
        spec.behaviours = dict.fromkeys(paths, behaviour)
        spec.feeds = {"/feed-0.xml": paths}
        hosts.append(spec)
    return hosts


def build(kind: str, *, html_dir: Path | None = None, scale: float = 1.0) -> list[HostSpec]:
    """The named farm; ``scale`` shrinks it for smoke runs (0.05 = 5 % of the articles)."""
    if kind == "real":
        if html_dir is None:
            from pipeline.paths import shared_path

            html_dir = shared_path("eval", "extraction", "html")
        if html_dir is None or not html_dir.is_dir():
            raise FileNotFoundError(
                "the real farm needs ../shared/eval/extraction/html (or --html-dir)"
            )
        return real_farm(html_dir)
    if kind == "uneven":
        return uneven_farm(max(25, round(1000 * scale)), 25)
    if kind == "quiet":
        return quiet_farm(max(100, round(1000 * scale)), 100)
    if kind == "hostile":
        return hostile_farm()
    raise ValueError(f"unknown farm {kind!r}; one of real, uneven, quiet, hostile")


@contextlib.contextmanager
def serve(hosts: list[HostSpec]) -> Iterator[WebFarm]:
    with WebFarm(hosts) as farm:
        yield farm


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("farm", choices=["real", "uneven", "quiet", "hostile"])
    ap.add_argument("--out", type=Path, required=True, help="where FEEDS.yaml is written")
    ap.add_argument("--delay", type=float, default=1.0, help="per_host_delay in FEEDS.yaml")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--html-dir", type=Path, default=None)
    args = ap.parse_args()
    hosts = build(args.farm, html_dir=args.html_dir, scale=args.scale)
    with serve(hosts) as farm:
        feeds = farm.write_feeds_yaml(
            args.out / "FEEDS.yaml",
            per_host_delay=args.delay,
            db_path=str(args.out / "newsflow.duckdb"),
        )
        n_pages = sum(len(h.pages) for h in hosts)
        print(f"{len(hosts)} hosts, {len(farm.feed_urls())} feeds, {n_pages} pages; {feeds}")
        print("serving until Ctrl-C")
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)


if __name__ == "__main__":
    main()
