"""``newsflow places``: the pipeline's place tagger on texts, for users and for evaluation.

Why a command of its own: the tags in ``article_places`` come from ``pipeline.geo``, and a user
auditing a tag, or a script scoring the tagger, should get exactly what the pipeline would have
stored, without a feed, a fetch or a database. Input is JSON Lines (one article per line,
``{"id", "text", "title"?, "publisher_country"?}``); output is one JSON line per input line, in
the same order::

    {"id": ..., "primary": {"country_code", "admin1_code", "name", "geonameid"} | null,
     "places": [{"name", "start", "end", "field", "country_code", "admin1_code",
                 "canonical_name", "geonameid", "kind", "confidence"}, ...]}

``places`` lists every mention (offsets into ``text``, or into ``title`` when ``field`` is
"title"); ``primary.name`` is the gazetteer name of the article's primary place. The gazetteer
index is loaded once per call (from the user cache when possible, see ``pipeline.geo``), so one
call tags thousands of texts.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from typing import IO, Any

from pipeline.errors import NewsflowError

COMMAND = "places"
HELP = "tag places in JSON Lines texts with the pipeline's tagger"
DESCRIPTION = (
    "Read JSON Lines {id, text, title?, publisher_country?} from FILE (or stdin with '-') and "
    "write one JSON line per text: its primary place and every place mention, with ISO 3166-1 "
    "country and ISO 3166-2 admin-1 codes."
)


class PlacesInputError(NewsflowError):
    """A line of the input is not a JSON object with a string ``text``."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", nargs="?", default="-", metavar="FILE", help="JSON Lines input ('-': stdin)"
    )
    parser.add_argument(
        "--publisher-country",
        metavar="CC",
        help="ISO 3166-1 alpha-2 of the publisher for lines that do not give one (tie-breaks "
        "same-named places; never makes a story local)",
    )


def read_items(lines: Iterable[str], source: str = "<stdin>") -> Iterator[dict[str, Any]]:
    """Parsed input objects; blank lines are skipped, anything else malformed is an error that
    names the line (a silently skipped article would skew an evaluation)."""
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise PlacesInputError(f"{source}:{n}: not valid JSON ({exc.msg})") from None
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise PlacesInputError(f"{source}:{n}: expected an object with a string 'text'")
        title = item.get("title")
        if title is not None and not isinstance(title, str):
            raise PlacesInputError(f"{source}:{n}: 'title' must be a string or null")
        yield item


def tag_item(item: dict[str, Any], publisher_country: str | None = None) -> dict[str, Any]:
    """The output object for one input object."""
    from pipeline.places import tag_article

    tagging = tag_article(
        item["text"],
        item.get("title"),
        publisher_country=item.get("publisher_country") or publisher_country,
    )
    p = tagging.primary
    return {
        "id": item.get("id"),
        "primary": None
        if p is None
        else {
            "country_code": p.country_code,
            "admin1_code": p.admin1_code,
            "name": p.canonical_name,
            "geonameid": p.geonameid,
        },
        "places": [
            {
                "name": m.name,
                "start": m.start,
                "end": m.end,
                "field": m.field,
                "country_code": m.country_code,
                "admin1_code": m.admin1_code,
                "canonical_name": m.canonical_name,
                "geonameid": m.geonameid,
                "kind": m.kind,
                "confidence": m.confidence,
            }
            for m in tagging.mentions
        ],
    }


def tag_stream(
    lines: Iterable[str], out: IO[str], *, source: str = "<stdin>", publisher: str | None = None
) -> int:
    """Tag every input line and write its output line; returns the number of texts tagged."""
    n = 0
    for item in read_items(lines, source):
        out.write(json.dumps(tag_item(item, publisher), ensure_ascii=False) + "\n")
        n += 1
    return n


def run(args: argparse.Namespace) -> int:
    publisher = args.publisher_country.upper() if args.publisher_country else None
    if args.file == "-":
        tag_stream(sys.stdin, sys.stdout, publisher=publisher)
        return 0
    try:
        fh = open(args.file, encoding="utf-8")  # noqa: SIM115 - closed below, errors mapped
    except OSError as exc:
        raise PlacesInputError(f"{args.file}: cannot read ({exc.strerror})") from None
    with fh:
        try:
            tag_stream(fh, sys.stdout, source=args.file, publisher=publisher)
        except UnicodeDecodeError:
            raise PlacesInputError(f"{args.file}: not UTF-8 text") from None
    return 0
