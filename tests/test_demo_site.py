"""Consistency checks for the bundled offline demo site (tools/demo/site).

The end-to-end tests assert the pipeline's output against MANIFEST.yaml, so the manifest itself must
agree with the feeds and files it describes; these tests catch a feed edited without the manifest
(or the reverse) before it shows up as a confusing pipeline failure.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import lxml.etree
import lxml.html
import pytest
import yaml

from tools.demo import DEMO_ROOT

SITE = DEMO_ROOT
PORT = "8765"
HOST_RE = re.compile(r"^[a-z]+\.demo\.test$")


def _load(name: str) -> dict:
    return yaml.safe_load((SITE / name).read_text(encoding="utf-8").replace("{{PORT}}", PORT))


def _resolve(url: str) -> Path | None:
    """Map a URL to the file the demo server would send, mirroring its rules (None: 404)."""
    parts = urlsplit(url)
    assert parts.hostname and HOST_RE.match(parts.hostname), url
    assert str(parts.port) == PORT, f"absolute URL without the {{{{PORT}}}} template: {url}"
    root = SITE / parts.hostname
    rel = parts.path.lstrip("/")
    if rel == "" or rel.endswith("/"):
        for index in ("index.xml", "index.html"):
            if (root / rel / index).is_file():
                return root / rel / index
        return None
    return root / rel if (root / rel).is_file() else None


def _served(path: Path) -> bytes:
    return path.read_bytes().replace(b"{{PORT}}", PORT.encode())


FEEDS = _load("feeds.yaml")["feeds"]
MANIFEST = _load("MANIFEST.yaml")


def _parsed_feeds() -> dict[str, feedparser.FeedParserDict]:
    out = {}
    for feed in FEEDS:
        path = _resolve(feed["url"])
        assert path is not None, f"feed {feed['id']} has no file"
        out[feed["id"]] = feedparser.parse(_served(path))
    return out


PARSED = _parsed_feeds()


@pytest.mark.parametrize("feed", FEEDS, ids=lambda f: f["id"])
def test_feed_is_well_formed(feed: dict) -> None:
    raw = _served(_resolve(feed["url"]))
    lxml.etree.fromstring(raw)  # strict XML, not just feedparser's tolerance
    parsed = feedparser.parse(raw)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version in ("rss20", "atom10")
    assert parsed.entries
    for entry in parsed.entries:
        assert entry.get("title") and entry.get("link") and entry.get("id")
        assert entry.get("published_parsed"), entry.link


def test_manifest_lists_exactly_the_feed_entries() -> None:
    in_feeds = sorted((fid, e.link) for fid, p in PARSED.items() for e in p.entries)
    in_manifest = sorted((e["feed_id"], e["link"]) for e in MANIFEST["entries"])
    assert in_manifest == in_feeds


@pytest.mark.parametrize("entry", MANIFEST["entries"], ids=lambda e: e["link"].split(":", 2)[2])
def test_entry_resolves_or_is_expected_404(entry: dict) -> None:
    page = _resolve(entry["link"])
    if entry["outcome"] == "http_error":
        assert entry["status"] == 404 and page is None
        return
    assert entry["outcome"] == "ok" and page is not None, entry["link"]
    assert urlsplit(entry["canonical_url"]).path == entry["canonical_path"]
    assert _resolve(entry["canonical_url"]) is not None
    doc = lxml.html.fromstring(_served(page))
    canonical = doc.xpath('//link[@rel="canonical"]/@href')
    if canonical:
        assert canonical == [entry["canonical_url"]]
    else:  # no canonical link: the article is stored under the feed link minus its query
        assert entry["canonical_url"] == entry["link"].split("?", 1)[0]
    assert doc.findtext(".//title").startswith(entry["title"] + " ")
    assert doc.xpath("string(//h1)").strip() == entry["title"]


@pytest.mark.parametrize("entry", MANIFEST["entries"], ids=lambda e: e["link"].split(":", 2)[2])
def test_entry_title_and_date_agree_with_feed(entry: dict) -> None:
    (fe,) = [e for e in PARSED[entry["feed_id"]].entries if e.link == entry["link"]]
    title = entry["title"] if entry["outcome"] == "ok" else entry["feed_title"]
    published = entry["published"] if entry["outcome"] == "ok" else entry["feed_published"]
    assert fe.title == title
    assert datetime(*fe.published_parsed[:6], tzinfo=UTC) == datetime.fromisoformat(published)


def _body(url: str) -> list[str]:
    doc = lxml.html.fromstring(_served(_resolve(url)))
    article = doc.xpath("//article")[0]
    body = article.xpath(
        './/div[contains(@class, "body") or contains(@class, "content")]|'
        './/section[contains(@class, "body")]'
    )[0]
    return [p.text_content() for p in body.iter("p")]


def test_copies_of_a_story_carry_identical_bodies() -> None:
    by_story: dict[str, set[str]] = {}
    for e in MANIFEST["entries"]:
        if e["outcome"] == "ok":
            by_story.setdefault(e["story"], set()).add(e["canonical_url"])
    seed = SITE.parent.parent.parent / "shared" / "seed" / "000_bf42b40397eba4d4.txt"
    for story, urls in by_story.items():
        bodies = {tuple(_body(u)) for u in urls}
        assert len(bodies) == 1, story
        if story.startswith("kherson") and seed.is_file():
            assert list(bodies.pop()) == seed.read_text(encoding="utf-8").splitlines()


def test_totals_match_by_construction() -> None:
    entries = MANIFEST["entries"]
    ok = [e for e in entries if e["outcome"] == "ok"]
    assert MANIFEST["totals"] == {
        "feeds": len(FEEDS),
        "feed_entries": sum(len(p.entries) for p in PARSED.values()),
        "distinct_articles": len({e["canonical_url"] for e in ok}),
        "stories": len({e["story"] for e in ok}),
        "expected_404s": sum(_resolve(e["link"]) is None for e in entries),
    }
    assert {e["feed_id"] for e in entries} == {f["id"] for f in FEEDS}


def test_every_file_parses_and_uses_port_template() -> None:
    """Absolute links to demo hosts must carry {{PORT}}, or they would point off the server."""
    files = [p for p in SITE.rglob("*") if p.is_file()]
    for path in files:
        text = path.read_text(encoding="utf-8")
        for url in re.findall(r"https?://[^\s\"'<>)]+", text):
            host = urlsplit(url).hostname or ""
            if host.endswith("demo.test"):
                assert url.startswith(f"http://{host}:{{{{PORT}}}}/"), (path, url)
        if path.suffix in (".html", ".php"):
            doc = lxml.html.fromstring(_served(path))
            assert doc.findtext(".//title"), path
    assert sum(p.suffix in (".html", ".php") for p in files) >= 12
