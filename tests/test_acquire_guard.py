"""The private-host allowlist against real loopback servers on 127.0.0.1 and 127.0.0.2.

Both addresses are loopback on Linux, so even a broken guard sends nothing off this machine.
Connections are counted at accept(): "zero connections" means the refused server never saw a
TCP handshake, not just no HTTP request.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from pipeline.acquire import guard
from pipeline.acquire.fetch import Fetcher
from pipeline.acquire.guard import HostPolicy, normalise_allowlist, parse_allow_entry
from pipeline.cli import build_parser
from pipeline.errors import ConfigError
from pipeline.settings import Settings, load_settings

pytestmark = pytest.mark.timeout(30)


class CountingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, addr: tuple[str, int]) -> None:
        self.connections = 0
        self.lock = threading.Lock()
        super().__init__(addr, _Handler)

    def verify_request(self, request: Any, client_address: Any) -> bool:
        with self.lock:
            self.connections += 1
        return True

    @property
    def base(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server: CountingServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/go?"):
            self.send_response(302)
            self.send_header("Location", self.path.split("?", 1)[1])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"<html><body><p>private feed server</p></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _serve(host: str) -> Iterator[CountingServer]:
    httpd = CountingServer((host, 0))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02})
    thread.daemon = True
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def one() -> Iterator[CountingServer]:
    yield from _serve("127.0.0.1")


@pytest.fixture
def two() -> Iterator[CountingServer]:
    yield from _serve("127.0.0.2")


def _fetcher(allow: Any, **kw: Any) -> Fetcher:
    return Fetcher(
        Settings(
            allow_private_hosts=allow,
            respect_robots=False,
            per_host_delay=0.0,
            max_retries=0,
            request_deadline=3.0,
            **kw,
        )
    )


def test_allowed_host_redirecting_to_another_private_address_is_blocked(
    one: CountingServer, two: CountingServer
) -> None:
    port = one.server_address[1]
    with _fetcher(f"127.0.0.1:{port}") as f:
        direct = f.fetch(f"{one.base}/feed", kind="page")
        hop = f.fetch(f"{one.base}/go?{two.base}/secret", kind="page")
        straight = f.fetch(f"{two.base}/secret", kind="page")
    assert direct.outcome == "ok", direct
    assert hop.outcome == "blocked", hop
    assert "127.0.0.2" in (hop.error or "") and "allow_private_hosts" in (hop.error or "")
    assert hop.final_url == f"{one.base}/go?{two.base}/secret"
    assert straight.outcome == "blocked"
    assert two.connections == 0
    assert one.connections == 2


def test_port_matters_same_address_other_port_is_blocked(one: CountingServer) -> None:
    other = CountingServer(("127.0.0.1", 0))
    try:
        with _fetcher(f"127.0.0.1:{other.server_address[1]}") as f:
            res = f.fetch(f"{one.base}/feed", kind="page")
        assert res.outcome == "blocked" and f"port {one.server_address[1]}" in (res.error or "")
        assert one.connections == 0
    finally:
        other.server_close()


def test_cidr_entry_allows_both_loopback_servers(one: CountingServer, two: CountingServer) -> None:
    with _fetcher("127.0.0.0/30") as f:
        res = f.fetch(f"{one.base}/go?{two.base}/secret", kind="page")
    assert res.outcome == "ok" and res.final_url == f"{two.base}/secret"
    assert one.connections == 1 and two.connections == 1


def test_hostname_entry_allows_that_name_only(one: CountingServer) -> None:
    port = one.server_address[1]
    resolve = {"feeds.internal": "127.0.0.1", "admin.internal": "127.0.0.1"}
    with _fetcher(["feeds.internal"], resolve=resolve) as f:
        ok = f.fetch(f"http://feeds.internal:{port}/feed", kind="page")
        hop = f.fetch(
            f"http://feeds.internal:{port}/go?http://admin.internal:{port}/x", kind="page"
        )
    assert ok.outcome == "ok"
    assert hop.outcome == "blocked" and "admin.internal" in (hop.error or "")
    assert one.connections == 2  # the feed and the redirecting hop; never admin.internal


def test_public_addresses_are_unaffected_by_the_allowlist() -> None:
    policy = HostPolicy(["10.0.0.0/24"])
    assert (
        policy.block_reason("example.org", guard.ipaddress.ip_address("93.184.215.14"), 80) is None
    )
    assert policy.block_reason("x", guard.ipaddress.ip_address("10.0.0.7"), 80) is None
    assert policy.block_reason("x", guard.ipaddress.ip_address("::ffff:10.0.0.7"), 80) is None
    assert policy.block_reason("x", guard.ipaddress.ip_address("10.0.1.7"), 80)
    assert policy.block_reason("x", guard.ipaddress.ip_address("169.254.169.254"), 80)


def test_bare_true_allows_every_private_address_and_says_so(
    one: CountingServer, two: CountingServer, caplog: pytest.LogCaptureFixture
) -> None:
    guard._warn_allow_all.cache_clear()
    with caplog.at_level(logging.WARNING, logger="pipeline.acquire.guard"), _fetcher(True) as f:
        res = f.fetch(f"{one.base}/go?{two.base}/secret", kind="page")
    assert res.outcome == "ok"
    assert any("every private" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("127.0.0.1:8080", ("127.0.0.1/32", None, 8080)),
        ("10.0.0.0/24", ("10.0.0.0/24", None, None)),
        ("10.0.0.5/24", ("10.0.0.0/24", None, None)),
        ("Feeds.Internal", (None, "feeds.internal", None)),
        ("feeds.internal:8443", (None, "feeds.internal", 8443)),
        ("fd00::/8", ("fd00::/8", None, None)),
        ("[fd00::1]:80", ("fd00::1/128", None, 80)),
    ],
)
def test_parse_allow_entry(entry: str, expected: tuple[Any, Any, Any]) -> None:
    got = parse_allow_entry(entry)
    assert (str(got.network) if got.network else None, got.host, got.port) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("127.0.0.1:0", "port must be"),
        ("feeds.internal:http", "port must be"),
        ("http://feeds.internal/", "not a URL"),
        ("10.0.0.0/33", "not a host"),
        ("bad_host!", "not a host"),
        ("[fd00::1", "unbalanced"),
    ],
)
def test_bad_entries_fail_at_startup_with_the_entry_named(value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(environ={"NEWSFLOW_ALLOW_PRIVATE_HOSTS": value})


def test_setting_forms_from_env_config_and_cli(tmp_path: Any) -> None:
    assert normalise_allowlist("1") is True and normalise_allowlist("false") is False
    env = {"NEWSFLOW_ALLOW_PRIVATE_HOSTS": "127.0.0.1:8080, 10.0.0.0/24 feeds.internal"}
    assert load_settings(environ=env).allow_private_hosts == [
        "127.0.0.1:8080",
        "10.0.0.0/24",
        "feeds.internal",
    ]
    cfg = tmp_path / "feeds.yaml"
    cfg.write_text("feeds: []\nsettings:\n  allow_private_hosts: [10.1.2.3, 'feeds.internal:81']\n")
    assert load_settings(cfg, environ={}).allow_private_hosts == ["10.1.2.3", "feeds.internal:81"]
    parser = build_parser()
    bare = parser.parse_args(["run", "--feeds", str(cfg), "--allow-private-hosts"])
    listed = parser.parse_args(
        ["run", "--feeds", str(cfg), "--allow-private-hosts", "127.0.0.1:8080,feeds.internal"]
    )
    assert bare.allow_private_hosts is True
    assert listed.allow_private_hosts == "127.0.0.1:8080,feeds.internal"
    none = parser.parse_args(["run", "--feeds", str(cfg)])
    assert not none.allow_private_hosts
