"""The offline demo web's server: the small news web in ``site/``, served on loopback.

Each demo outlet is a virtual host (``ledger.demo.test`` ...) served by one threaded HTTP server
on 127.0.0.1; the pipeline reaches them through the ``resolve`` setting (like curl --resolve), so
URLs, outlets and dedup behave as with real sites. The server honours conditional GETs (ETag and
Last-Modified), so a second poll of an unchanged feed is a cheap 304, as with real publishers.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import mimetypes
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

# The site sits beside this module in the checkout (``tools/demo/site``); it is not in the wheel.
DEMO_ROOT = Path(__file__).resolve().parent / "site"
# Served Last-Modified for every demo file: fixed, so validators are stable across restarts.
_LAST_MODIFIED = email.utils.formatdate(1772582400, usegmt=True)  # 2026-03-04T00:00:00Z
_TYPES = {
    ".rss": "application/rss+xml; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".php": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


def demo_hosts(root: Path = DEMO_ROOT) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.is_dir() and p.name.endswith(".test"))


def _resolve_file(root: Path, host: str, path: str) -> Path | None:
    site = (root / host).resolve()
    if not host or host not in demo_hosts(root):
        return None
    rel = unquote(path).lstrip("/")
    candidate = (site / rel).resolve()
    if candidate != site and site not in candidate.parents:
        return None  # path traversal
    if candidate.is_dir() or path.endswith("/") or rel == "":
        for index in ("index.xml", "index.html"):
            if (candidate / index).is_file():
                return candidate / index
        return None
    return candidate if candidate.is_file() else None


def make_handler(root: Path) -> type[BaseHTTPRequestHandler]:
    class DemoHandler(BaseHTTPRequestHandler):
        server_version = "newsflow-demo/1"
        # Headers and body go out in two writes; with Nagle on, a keep-alive client's delayed
        # ACK stalls every response ~40 ms on loopback.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:
            return  # quiet: the pipeline's own log says what was fetched

        def do_GET(self) -> None:
            host = (self.headers.get("Host") or "").split(":")[0].lower()
            port = self.server.server_address[1]
            path = urlsplit(self.path).path
            file = _resolve_file(root, host, path)
            if file is None:
                body = b"<html><body><h1>404 Not Found</h1></body></html>"
                self.send_response(404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            data = file.read_bytes().replace(b"{{PORT}}", str(port).encode())
            etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag or (
                self.headers.get("If-None-Match") is None
                and self.headers.get("If-Modified-Since") == _LAST_MODIFIED
            ):
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            ctype = _TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "text/plain"
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", _LAST_MODIFIED)
            self.end_headers()
            self.wfile.write(data)

    return DemoHandler


@contextlib.contextmanager
def serve(root: Path = DEMO_ROOT, port: int = 0) -> Iterator[ThreadingHTTPServer]:
    """Serve the demo web on 127.0.0.1 (``port`` 0 = any free port) for the ``with`` block."""
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(root))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="newsflow-demo", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def write_demo_feeds(
    dest: Path, port: int, root: Path = DEMO_ROOT, *, wire: bool = False, **settings: object
) -> Path:
    """Write the demo feeds registry for a server on ``port``: feeds + resolve map + loopback.

    ``wire=True`` adds the demo wire (issue 15): a ninjs endpoint on wire.demo.test whose items
    update, correct and kill one another, and a NewsML-G2 drop folder (``wire-inbox/`` beside
    ``dest``, filled once from ``site/wire-drop/``) with an update, a kill, an embargo and a
    malformed file. Off by default, so the page feeds' demo figures stay what they were."""
    import yaml

    doc = yaml.safe_load(
        (root / "feeds.yaml").read_text(encoding="utf-8").replace("{{PORT}}", str(port))
    )
    if wire:
        doc["feeds"] += wire_feeds(dest.parent / "wire-inbox", port, root)
    block = {
        "allow_private_hosts": True,
        "resolve": {host: "127.0.0.1" for host in demo_hosts(root)},
        "per_host_delay": 0.05,
        "max_retries": 1,
        "backoff_base": 0.1,
    }
    block.update(settings)
    doc["settings"] = {**block, **(doc.get("settings") or {})}
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return dest


def wire_feeds(inbox: Path, port: int, root: Path = DEMO_ROOT) -> list[dict[str, object]]:
    """The demo wire's two feeds; the drop folder is filled from ``site/wire-drop`` the first
    time (a run moves the files into its ``archive/`` and ``rejected/``)."""
    import shutil

    if not inbox.exists():
        inbox.mkdir(parents=True)
        for path in sorted((root / "wire-drop").iterdir()):
            shutil.copy(path, inbox / path.name)
    return [
        {
            "id": "wire-ninjs",
            "url": f"http://wire.demo.test:{port}/api/items.json",
            "name": "Demo Wire Desk, ninjs API",
            "country": "FR",
            "format": "ninjs",
            "validate": "warn",  # the demo runs without IPTC's schemas (../shared)
        },
        {
            "id": "wire-drop",
            "url": f"dir://{inbox.resolve()}",
            "name": "Demo Reuters drop folder (NewsML-G2)",
            "country": "KE",
        },
    ]
