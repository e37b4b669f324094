"""The headline: the first of ``og:title``, JSON-LD ``headline``, the page ``<h1>``, the feed's
title and ``<title>`` that is not just the site's name, with site-name suffixes stripped."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from pipeline.extract.html import norm_space
from pipeline.extract.metadata import PageMeta, site_key

_TITLE_SEP = re.compile(r"\s+(\||-|–|—|::|·|•|»|/)\s+")
_MAX_SUFFIX_WORDS = 5


def _host_key(url: str) -> str:
    """'www.dailyledger.co.uk' -> 'dailyledger': the label a site name usually echoes."""
    host = (urlsplit(url).hostname or "").lower()
    labels = [x for x in host.split(".") if x not in ("www", "m", "amp", "edition")]
    return max(labels[:-1] or labels or [""], key=len)


def strip_site_suffix(title: str, site_names: Sequence[str] = (), url: str = "") -> str:
    """Drop " | Site", " - Site" (and "Site | " prefixes) when the segment is the site's name.

    A trailing " | segment" of at most five words is dropped even when the name is unknown: the
    pipe is a site-name separator in practice, while " - " often belongs to the headline.
    """
    title = norm_space(title)
    keys = {k for k in (site_key(n) for n in site_names) if k}
    host = _host_key(url) if url else ""

    def is_site(segment: str) -> bool:
        k = site_key(segment)
        if not k:
            return False
        return k in keys or bool(host and len(segment.split()) <= 4 and k.startswith(host))

    while True:
        parts = _TITLE_SEP.split(title)  # [seg, sep, seg, sep, seg, ...]
        if len(parts) < 3:
            return title
        head, sep, last = " ".join(parts[:-2]), parts[-2], parts[-1]
        if is_site(last) or (
            sep == "|" and len(last.split()) <= _MAX_SUFFIX_WORDS and len(head.split()) >= 3
        ):
            title = head.strip()
            continue
        if is_site(parts[0]) and parts[1] in ("|", "-", "–", "—", "::", "»"):
            title = " ".join(parts[2:]).strip()
            continue
        return title


def choose_title(page: PageMeta, feed_title: str | None, url: str) -> tuple[str | None, str | None]:
    """The headline and where it came from (see the module docstring for the order).

    A candidate that is nothing but the site's name (an ``og:title`` of "The Daily Ledger" on
    every page) is skipped rather than stored as every article's title.
    """
    candidates = (
        ("og:title", page.og_title),
        ("jsonld", page.jsonld_headline),
        ("h1", page.h1),
        ("feed", feed_title),
        ("html_title", page.html_title),
    )
    site_keys = {k for k in map(site_key, page.site_names) if k}
    for source, raw in candidates:
        if not raw or not norm_space(raw) or site_key(raw) in site_keys:
            continue
        title = strip_site_suffix(raw, page.site_names, url)
        if title and site_key(title) not in site_keys:
            return title, source
    return None, None
