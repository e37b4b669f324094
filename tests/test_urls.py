"""Canonical URLs, ids and outlets (pure functions, no network)."""

from __future__ import annotations

import re

import pytest

from pipeline.acquire.urls import (
    article_id,
    canonicalize_url,
    is_tracking_param,
    outlet,
    resolve_link,
    url_hash,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # tracking parameters go, real ones stay
        (
            "https://example.com/a?utm_source=rss&utm_medium=feed&id=42&fbclid=abc",
            "https://example.com/a?id=42",
        ),
        (
            "https://example.com/a?gclid=1&msclkid=2&mc_cid=3&mc_eid=4&_ga=5",
            "https://example.com/a",
        ),
        ("https://example.com/a?UTM_Campaign=x&p=2", "https://example.com/a?p=2"),
        ("https://example.com/a?ref=home&igshid=z", "https://example.com/a?ref=home"),
        # fragment, scheme/host case, default ports, userinfo
        ("HTTPS://News.Example.COM/Story/One#comments", "https://news.example.com/Story/One"),
        ("http://example.com:80/x", "http://example.com/x"),
        ("https://example.com:443/x", "https://example.com/x"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("http://user:secret@example.com/x", "http://example.com/x"),
        # parameter order, empty query, empty path, trailing host dot
        ("https://example.com/a?b=2&a=1&c=", "https://example.com/a?a=1&b=2&c="),
        ("https://example.com/a?", "https://example.com/a"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com./a", "https://example.com/a"),
        # percent-encoding normalised, path case kept
        ("https://example.com/caf%c3%a9/%7euser", "https://example.com/caf%C3%A9/~user"),
        ("https://example.com/a b?q=x y", "https://example.com/a%20b?q=x+y"),
        # IDN host to punycode, IPv6 literal
        ("https://bücher.example/ü", "https://xn--bcher-kva.example/%C3%BC"),
        ("http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x"),
        ("  https://example.com/padded  ", "https://example.com/padded"),
    ],
)
def test_canonicalize_url(raw: str, expected: str) -> None:
    assert canonicalize_url(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "HTTP://Example.COM:80/a%7eb/C?b=2&a=1&utm_source=x#frag",
        "https://bücher.example/ü?x=ä&utm_term=1",
        "https://example.com/a%2Fb?x=%2f&y=a%20b&z=a+b",
        "http://[::1]:8080/?",
        "https://example.com/a?b&a=&c=%",
    ],
)
def test_canonicalize_is_idempotent(raw: str) -> None:
    once = canonicalize_url(raw)
    assert canonicalize_url(once) == once


def test_equivalent_spellings_share_one_id() -> None:
    a = "HTTPS://www.Example.com:443/news/1?b=2&a=1&utm_source=twitter#top"
    b = "https://www.example.com/news/1?a=1&b=2"
    assert canonicalize_url(a) == canonicalize_url(b)
    assert url_hash(a) == url_hash(b) == article_id(canonicalize_url(b))
    assert re.fullmatch(r"[0-9a-f]{16}", url_hash(a))
    # www. is kept in the URL: it can be a different server
    assert url_hash(b) != url_hash("https://example.com/news/1?a=1&b=2")
    # a real parameter changes the identity
    assert url_hash(b) != url_hash("https://www.example.com/news/1?a=1&b=3")


@pytest.mark.parametrize(
    ("bad", "needle"),
    [
        ("ftp://example.com/file", "not an http(s) URL"),
        ("mailto:desk@example.com", "not an http(s) URL"),
        ("/relative/path", "relative"),
        ("http://", "no host"),
        ("https:///path-only", "no host"),
        ("http://example.com:99999/", "malformed"),
        ("", "empty"),
    ],
)
def test_canonicalize_rejects_with_reason(bad: str, needle: str) -> None:
    with pytest.raises(ValueError, match=re.escape(needle)):
        canonicalize_url(bad)
    with pytest.raises(ValueError):
        url_hash(bad)


def test_tracking_param_list_is_conservative() -> None:
    assert is_tracking_param("utm_content")
    assert is_tracking_param("FBCLID")
    for real in ("id", "p", "page", "ref", "q", "article", "utm"):
        assert not is_tracking_param(real), real


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.example.com/a", "example.com"),
        ("https://example.com:8443/a", "example.com"),
        ("http://WWW.News.Example.co.uk/a", "news.example.co.uk"),
        ("https://www2.example.com/", "www2.example.com"),
        ("https://wwwexample.com/", "wwwexample.com"),
    ],
)
def test_outlet(url: str, expected: str) -> None:
    assert outlet(url) == expected


def test_resolve_link() -> None:
    base = "https://example.com/world/story.html"
    assert resolve_link(base, "/world/story?utm_source=x") == "https://example.com/world/story"
    assert resolve_link(base, "other.html#x") == "https://example.com/world/other.html"
    assert resolve_link(base, "//cdn.example.net/a") == "https://cdn.example.net/a"
    assert resolve_link(base, "https://Other.example/A") == "https://other.example/A"
    for junk in (None, "", "   ", "javascript:void(0)", "mailto:x@example.com", "data:,x"):
        assert resolve_link(base, junk) is None, junk
    assert resolve_link(base, "http://[::1") is None
