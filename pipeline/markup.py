"""Markup trees as plain text, one line per block: shared by page extraction and wire items.

Why one function: an article's body must read the same whether it came from a page or from an
agency's item (story fingerprints compare them), and the walk must be iterative so a hostile
document nested 100,000 deep cannot hit the recursion limit. Light on purpose (lxml only): wire
parsing imports it without the extraction stack.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree


def _lower(tag: Any) -> str:
    return tag.lower() if isinstance(tag, str) else ""


def block_text(
    root: Any,
    *,
    blocks: frozenset[str],
    no_text: frozenset[str],
    tag_of: Callable[[Any], str] = _lower,
    fold: bool = False,
) -> str:
    """A tree as text: a line break around every ``blocks`` element, nothing from inside
    ``no_text`` ones, whitespace collapsed. ``tag_of`` names an element (e.g. without its XML
    namespace); ``fold`` turns line breaks inside text into spaces (source wraps in wire items
    are not paragraph breaks).

    Iterative (``iterwalk``), so a hostile page nested 100,000 deep cannot hit the recursion
    limit. Shared by page extraction and wire items, which must read alike."""
    parts: list[str] = []
    skip = 0

    def text(value: str) -> str:
        return value.replace("\r", " ").replace("\n", " ") if fold else value

    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = tag_of(el.tag)
        if event == "start":
            if tag in no_text:
                skip += 1
            elif not skip:
                if tag in blocks:
                    parts.append("\n")
                if tag and el.text:
                    parts.append(text(el.text))
            continue
        if tag in no_text:
            skip -= 1
        elif not skip and tag in blocks:
            parts.append("\n")
        if not skip and el.tail and el is not root:
            parts.append(text(el.tail))
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)
