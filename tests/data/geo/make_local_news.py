"""Generate ``local_news.jsonl``: short local-news texts with hand-written gold places.

Why hand-written: the tagger's hardest cases are local papers (small towns, counties, parishes,
state abbreviations, namesakes of famous cities, articles that never name their own state),
and no shippable set labels them. Every article in ``local_news.marked.jsonl`` was written for
this set (none is copied from a real paper) and each place is marked where it occurs,
``[Name|CODE]``, with CODE an ISO 3166-2 unit ("US-TX": country and admin-1) or an ISO 3166-1
country ("FR": a country or a place with no admin-1 in the gold). The generator strips the marks and records the
spans, so offsets are exact by construction.

Gold conventions: literal toponyms only (towns, counties, states, countries, regions);
demonyms ("Texan"), street and building names and places inside organisation names are not
mentions. The primary place is where the story happens: its country and admin-1, or None for
an article that names no place. ``home_admin1`` is the paper's home state when it is a local
paper, as a FEEDS.yaml entry would give it.

Regenerate (a test checks the committed file equals a fresh generation)::

    .venv/bin/python tests/data/geo/make_local_news.py
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("local_news.jsonl")
_MARK = re.compile(r"\[([^\[\]|]+)\|([A-Z]{2}(?:-[A-Z0-9]{1,3})?)\]")

SOURCE = Path(__file__).with_name("local_news.marked.jsonl")


def articles() -> list[dict[str, Any]]:
    """The hand-written source: one JSON object per line, {id, publisher_country,
    home_admin1, title, text (marked up), primary ("CC" | "CC-XX" | null)}."""
    lines = SOURCE.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def parse(marked: str) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and the gold mentions of a marked-up string."""
    out: list[str] = []
    mentions: list[dict[str, Any]] = []
    pos = 0
    length = 0
    for m in _MARK.finditer(marked):
        out.append(marked[pos : m.start()])
        length += m.start() - pos
        name, code = m.group(1), m.group(2)
        cc, _, sub = code.partition("-")
        mentions.append({"name": name, "start": length, "end": length + len(name),
                         "country_code": cc, "admin1_code": code if sub else None})  # fmt: skip
        out.append(name)
        length += len(name)
        pos = m.end()
    out.append(marked[pos:])
    text = "".join(out)
    if "[" in text or "]" in text:
        raise ValueError(f"unparsed mark in {marked!r}")
    return text, mentions


def build() -> list[dict[str, Any]]:
    items = []
    for a in articles():
        text, mentions = parse(a["text"])
        t_text, t_mentions = parse(a["title"]) if a["title"] else (None, [])
        primary = a["primary"]
        gold_mentions = [{**m, "field": "title"} for m in t_mentions]
        gold_mentions += [{**m, "field": "text"} for m in mentions]
        items.append({"id": a["id"], "publisher_country": a["publisher_country"],
                      "home_admin1": a["home_admin1"], "title": t_text, "text": text,
                      "gold": {"primary_country": primary.split("-")[0] if primary else None,
                               "primary_admin1": primary if primary and "-" in primary else None,
                               "mentions": gold_mentions}})  # fmt: skip
    return items


def render() -> str:
    return "".join(json.dumps(it, ensure_ascii=False, sort_keys=True) + "\n" for it in build())


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {len(articles())} articles to {OUT}", file=sys.stderr)
