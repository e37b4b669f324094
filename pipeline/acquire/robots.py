"""robots.txt: fetched once per origin, parsed with Protego, failures explained, never fatal.

Why failures allow: RFC 9309 lets a crawler assume "disallow all" on a 5xx, but a news site with a
flaky robots.txt should still have its feed read, at most once per run per URL and at the host's
politeness delay. 4xx means "no robots.txt", which allows everything (as the RFC says).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import httpx
from protego import Protego

__all__ = [
    "MAX_CRAWL_DELAY",
    "ROBOTS_MAX_BYTES",
    "ROBOTS_MAX_REDIRECTS",
    "RobotsCache",
    "origin",
    "robots_token",
]

MAX_CRAWL_DELAY = 30.0
"""A robots.txt Crawl-delay above this is clamped: one host must not stall a worker for long."""
ROBOTS_MAX_BYTES = 512_000  # RFC 9309 asks crawlers to parse at least 500 KiB
ROBOTS_MAX_REDIRECTS = 5  # RFC 9309: follow at least five


class _Fetched(Protocol):
    outcome: str
    status_code: int | None
    content: bytes | None
    error: str | None


def robots_token(user_agent: str) -> str:
    """The product token robots.txt groups are matched on: 'newsflow' in 'newsflow/0.1 (...)'."""
    first = user_agent.strip().split(None, 1)[0] if user_agent.strip() else "newsflow"
    return first.split("/", 1)[0] or "newsflow"


def origin(url: httpx.URL) -> str:
    return f"{url.scheme}://{url.netloc.decode('ascii')}"


class RobotsCache:
    """Per-origin robots.txt verdicts and per-host Crawl-delays for one fetcher.

    ``load`` fetches a robots.txt URL (through the same guard, without robots checks) and
    returns a fetch result; it is called at most once per origin.
    """

    def __init__(self, user_agent: str, load: Callable[[str], _Fetched]) -> None:
        self.token = robots_token(user_agent)
        self._load = load
        self._parsers: dict[str, Protego | None] = {}
        self.crawl_delay: dict[str, float] = {}
        self.notes: dict[str, str] = {}
        """Per origin, how its robots.txt was obtained ('ok', 'none (HTTP 404)', 'unavailable
        (...); allowing'): kept for diagnostics since a failure there is not a fetch outcome."""

    def allowed(self, url: httpx.URL) -> bool:
        key = origin(url)
        if key not in self._parsers:
            self._parsers[key] = self._fetch(url, key)
        parser = self._parsers[key]
        return True if parser is None else parser.can_fetch(str(url), self.token)

    def _fetch(self, url: httpx.URL, key: str) -> Protego | None:
        res = self._load(str(url.copy_with(path="/robots.txt", query=None, fragment=None)))
        if res.outcome == "ok" and res.content is not None:
            text = res.content.decode("utf-8", errors="replace").lstrip("\ufeff")
            parser = Protego.parse(text)
            delay = parser.crawl_delay(self.token)
            if delay:
                self.crawl_delay[url.host] = min(float(delay), MAX_CRAWL_DELAY)
            self.notes[key] = "ok"
            return parser
        if res.outcome == "http_error" and res.status_code and 400 <= res.status_code < 500:
            self.notes[key] = f"none (HTTP {res.status_code})"
        else:
            self.notes[key] = f"unavailable ({res.error or res.outcome}); allowing"
        return None
