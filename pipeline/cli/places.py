"""``newsflow places``: the pipeline's place tagger on texts, for users and for evaluation.

Why a command of its own: the tags in ``article_places`` come from ``pipeline.places``, and a user
auditing a tag, or a script scoring the tagger, should get exactly what the pipeline would have
stored, without a feed, a fetch or a database. Input is JSON Lines (one article per line,
``{"id", "text", "title"?, "publisher_country"?, "home_admin1"?, "dateline"?, "located"?}``);
output is one JSON line per input line, in the same order::

    {"id": ..., "tagger_version": ...,
     "primary": {"country_code", "admin1_code", "name", "geonameid", "how"} | null,
     "places": [{"name", "start", "end", "field", "country_code", "admin1_code",
                 "canonical_name", "geonameid", "kind", "confidence", "how"}, ...]}

``how`` says why a name was read as that place (qualifier, dateline, coherence, home_prior,
country_name, population, unique): what an analyst auditing a tag needs. A continent or other
world region ("West Africa") is listed with ``kind`` "world_region" and an empty
``country_code``: it is never the primary and not stored in ``article_places``.

``places`` lists every mention (offsets into ``text``, or into ``title`` when ``field`` is
"title"); ``primary.name`` is the gazetteer name of the article's primary place. The gazetteer
index is loaded once per call (from the user cache when possible, see ``pipeline.places``), so one
call tags thousands of texts.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Iterator
from typing import IO, Any

from pipeline.errors import NewsflowError

COMMAND = "places"
HELP = "tag places in JSON Lines texts with the pipeline's tagger"
DESCRIPTION = (
    "Read JSON Lines {id, text, title?, publisher_country?, home_admin1?, dateline?, located?} "
    "from FILE (or stdin with '-') and "
    "write one JSON line per text: its primary place and every place mention, with ISO 3166-1 "
    "country and ISO 3166-2 admin-1 codes."
)


_OPTIONAL_STRINGS = ("title", "publisher_country", "home_admin1", "dateline", "located")
_ISO_3166_2 = re.compile(r"[A-Z]{2}-[A-Z0-9]{1,3}")


class PlacesInputError(NewsflowError):
    """A line of the input is not a JSON object with a string ``text``."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", nargs="?", default="-", metavar="FILE", help="JSON Lines input ('-': stdin)"
    )
    parser.add_argument(
        "--publisher-country",
        metavar="CC",
        help="ISO 3166-1 alpha-2 of the publisher for lines that do not give one (the home "
        "prior for same-named places; never a tag by itself)",
    )
    parser.add_argument(
        "--home-admin1",
        metavar="CODE",
        help="ISO 3166-2 home region of a local publisher (e.g. US-LA) for lines that do not "
        "give one",
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
        for key in _OPTIONAL_STRINGS:
            value = item.get(key)
            if value is not None and not isinstance(value, str):
                raise PlacesInputError(f"{source}:{n}: '{key}' must be a string or null")
        code = item.get("home_admin1")
        if code and not _ISO_3166_2.fullmatch(code.strip().upper()):
            raise PlacesInputError(f"{source}:{n}: 'home_admin1' must be ISO 3166-2, e.g. US-LA")
        yield item


def tag_item(
    item: dict[str, Any], publisher_country: str | None = None, home_admin1: str | None = None
) -> dict[str, Any]:
    """The output object for one input object."""
    from pipeline.places import TAGGER_VERSION, tag_article

    tagging = tag_article(
        item["text"],
        item.get("title"),
        publisher_country=item.get("publisher_country") or publisher_country,
        home_admin1=item.get("home_admin1") or home_admin1,
        dateline=item.get("dateline"),
        located=item.get("located"),
    )
    p = tagging.primary
    return {
        "id": item.get("id"),
        "tagger_version": TAGGER_VERSION,
        "primary": None
        if p is None
        else {
            "country_code": p.country_code,
            "admin1_code": p.admin1_code,
            "name": p.canonical_name,
            "geonameid": p.geonameid,
            "how": p.how,
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
                "how": m.how,
            }
            for m in tagging.mentions
        ],
    }


def tag_stream(
    lines: Iterable[str],
    out: IO[str],
    *,
    source: str = "<stdin>",
    publisher: str | None = None,
    home_admin1: str | None = None,
) -> int:
    """Tag every input line and write its output line; returns the number of texts tagged."""
    n = 0
    for item in read_items(lines, source):
        out.write(json.dumps(tag_item(item, publisher, home_admin1), ensure_ascii=False) + "\n")
        n += 1
    return n


def run(args: argparse.Namespace) -> int:
    publisher = args.publisher_country.upper() if args.publisher_country else None
    home = args.home_admin1.strip().upper() if args.home_admin1 else None
    if home and not _ISO_3166_2.fullmatch(home):
        raise PlacesInputError(
            f"--home-admin1 {args.home_admin1!r}: expected ISO 3166-2, e.g. US-LA"
        )
    if args.file == "-":
        tag_stream(sys.stdin, sys.stdout, publisher=publisher, home_admin1=home)
        return 0
    try:
        fh = open(args.file, encoding="utf-8")  # noqa: SIM115 - closed below, errors mapped
    except OSError as exc:
        raise PlacesInputError(f"{args.file}: cannot read ({exc.strerror})") from None
    with fh:
        try:
            tag_stream(fh, sys.stdout, source=args.file, publisher=publisher, home_admin1=home)
        except UnicodeDecodeError:
            raise PlacesInputError(f"{args.file}: not UTF-8 text") from None
    return 0
