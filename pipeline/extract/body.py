"""The story's text: candidate bodies from independent extractors, and the choice among them.

trafilatura (fast), readability, the page's JSON-LD ``articleBody`` and trafilatura's baseline
are compared by 4-gram shingle agreement; see :func:`choose_body` and the package docstring.
"""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from collections.abc import Sequence
from copy import deepcopy
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import trafilatura
from lxml import etree
from lxml import html as lxml_html
from trafilatura.xml import xmltotxt

from pipeline.extract.html import CJK_CHAR, CJK_RUN, count_words, html_text
from pipeline.extract.metadata import PageMeta

# Values of ``Extraction.extractor`` (and ``articles.extractor``): which candidate won the body.
EXTRACTORS = ("trafilatura", "trafilatura+fallback", "readability", "jsonld", "baseline")
MIN_BODY_WORDS = 20
AGREEMENT_F1 = 0.8
DUMP_MIN_WORDS = 40
DUMP_MAX_LINES = 2
SHINGLE_SIZE = 4


_BLOCKS = {"p", "head", "list", "quote", "table"}


def _cell_blocks(cell: Any) -> list[Any]:
    """A table cell's contents as top-level blocks: loose text becomes <p>, in document order."""
    blocks: list[Any] = []
    for text, child in [(cell.text, None), *((c.tail, c) for c in list(cell))]:
        if child is not None:
            child.tail = None
            blocks.append(child)
        if text and text.strip():
            para = etree.Element("p")
            para.text = text
            blocks.append(para)
    return blocks


def _unwrap_layout_tables(body: Any) -> None:
    """Replace tables used for layout (one cell per row, or cells holding paragraphs) by their
    contents, so the story inside keeps its paragraphs instead of becoming one "| ... |" row;
    drop data tables (several plain cells per row): on news pages they are market tickers,
    sports tables and fact boxes, and cell text without its grid reads as noise. Innermost
    tables first."""
    for table in reversed(list(body.iter("table"))):
        parent = table.getparent()
        if parent is None:
            continue
        rows = table.findall("row")
        if any(len(r.findall("cell")) > 1 for r in rows) and not any(
            child.tag in _BLOCKS for cell in table.iter("cell") for child in cell
        ):
            at = parent.index(table)
            if table.tail and table.tail.strip():
                para = etree.Element("p")
                para.text = table.tail
                parent[at : at + 1] = [para]
            else:
                parent.remove(table)
            continue
        blocks = [block for cell in table.iter("cell") for block in _cell_blocks(cell)]
        if table.tail and table.tail.strip():
            blocks.append(etree.Element("p"))
            blocks[-1].text = table.tail
        at = parent.index(table)
        parent[at : at + 1] = blocks


_SOURCE_NEWLINES = re.compile(r"\s*\n\s*")


def _body_text(doc: Any) -> str:
    """One line per block. trafilatura's ``.text`` keeps the page source's hard line wraps inside
    a paragraph, which would split sentences across lines and defeat line-level cleaning; so
    fold newlines inside text nodes into spaces and render the tree again (``<br>`` stays a
    break)."""
    if doc is None:
        return ""
    if doc.body is None:
        return doc.text or ""
    _unwrap_layout_tables(doc.body)
    for el in doc.body.iter():
        if el.text:
            el.text = _SOURCE_NEWLINES.sub(" ", el.text)
        if el.tail:
            el.tail = _SOURCE_NEWLINES.sub(" ", el.tail)
    return xmltotxt(doc.body, False)


_TOKEN = re.compile(r"\w+")
_CJK_PIECES = re.compile(CJK_CHAR + "|(?:(?!" + CJK_CHAR + r")\w)+")


def text_shingles(text: str) -> Counter[tuple[str, ...]]:
    """4-word shingles, the unit of agreement (and of the evaluation's body score). Chinese and
    Japanese runs are split into characters, since they carry no spaces between words."""
    tokens = _TOKEN.findall(text)
    if CJK_RUN.search(text):
        tokens = [piece for tok in tokens for piece in _CJK_PIECES.findall(tok)]
    return Counter(zip(*(tokens[i:] for i in range(SHINGLE_SIZE)), strict=False))


def shingle_f1(a: Counter, b: Counter) -> float:
    """F1 of two shingle multisets (0 when either is empty): how much two texts agree."""
    if not a or not b:
        return 0.0
    overlap = sum((a & b).values())
    if not overlap:
        return 0.0
    p, r = overlap / sum(a.values()), overlap / sum(b.values())
    return 2 * p * r / (p + r)


@dataclass
class Candidate:
    extractor: str  # one of EXTRACTORS
    text: str

    @cached_property
    def words(self) -> int:
        return count_words(self.text)

    @cached_property
    def shingles(self) -> Counter[tuple[str, ...]]:
        return text_shingles(self.text)


def trafilatura_candidate(tree: lxml_html.HtmlElement, url: str, *, fast: bool = True) -> Candidate:
    """trafilatura, recall-leaning, no comments, images or links. Tables are read so that a
    story laid out in a table is found; :func:`_body_text` unwraps layout tables and drops data
    tables. ``fast`` skips trafilatura's internal fallbacks (readability, justext, baseline
    rescue): we run our own comparison, visibly, and ask for trafilatura's full cascade only
    when the fast result looks like a dump (see :func:`choose_body`)."""
    doc = trafilatura.bare_extraction(
        tree,
        url=url or None,
        fast=fast,
        favor_recall=True,
        with_metadata=False,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
    )
    return Candidate("trafilatura" if fast else "trafilatura+fallback", _body_text(doc))


def readability_candidate(tree: lxml_html.HtmlElement) -> Candidate:
    """readability (trafilatura's maintained fork of readability-lxml): scores nodes by text and
    link density, an algorithm independent of trafilatura's rules. Nodes whose class or id says
    "comment" are among the ones it discards as unlikely. It mutates its input: a copy."""
    from trafilatura.external import try_readability

    summary = try_readability(deepcopy(tree))
    return Candidate("readability", html_text(summary) if summary is not None else "")


def jsonld_candidate(bodies: Sequence[str]) -> Candidate | None:
    """The publisher's own JSON-LD ``articleBody`` (the longest, when several). Some sites put
    markup in it: rendered as text."""
    if not bodies:
        return None
    text = max(bodies, key=len)
    if "<" in text and re.search(r"</?[a-zA-Z][^>]*>", text):
        with contextlib.suppress(etree.ParserError, ValueError):
            text = html_text(lxml_html.fragment_fromstring(text, create_parent="div"))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return Candidate("jsonld", "\n".join(line for line in lines if line))


def baseline_candidate(tree: lxml_html.HtmlElement) -> Candidate:
    """trafilatura's baseline: the ``<article>`` element(s), else every paragraph.

    Its ``<article>`` tier returns each article as one run of text, headline, byline and
    paragraphs glued into a single line, which defeats line cleaning and the headline drop when
    this candidate wins. So an article's text is rendered again one line per block, and that
    rendering is used only when it holds exactly the same words."""
    body, _, _ = trafilatura.baseline(tree)  # copies its input
    lines = [" ".join(" ".join(el.itertext()).split()) for el in body]
    blocks = _article_blocks(tree) if any(lines) else {}
    out = [blocks.get(line, line) for line in lines if line]
    return Candidate("baseline", "\n".join(out))


def _article_blocks(tree: lxml_html.HtmlElement) -> dict[str, str]:
    """Outermost ``<article>`` elements, cleaned as the baseline cleans them, keyed by their
    text on one line and valued by the same text one line per block."""
    articles = tree.xpath(".//article[not(ancestor::article)]")
    if not articles:
        return {}
    from trafilatura.baseline import basic_cleaning

    out: dict[str, str] = {}
    for article in articles:
        rendered = html_text(basic_cleaning(deepcopy(article)))
        out[" ".join(rendered.split())] = rendered
    return out


def consensus(candidates: Sequence[Candidate]) -> Candidate:
    """Pick among disagreeing candidates (in preference order), ignoring empty ones.

    - one non-empty candidate: that one;
    - two: the first, unless it is implausibly short (under ``MIN_BODY_WORDS``) and the other
      is not: two opinions cannot outvote each other, so the preferred extractor stands;
    - three or more: the medoid, the candidate with the largest summed shingle F1 against the
      others (ties to the earlier one). When two agree the third is outvoted; when a short
      candidate is the common core of two long ones that disagree, the core wins.
    """
    voters = [c for c in candidates if c.words]
    if not voters:
        return candidates[0]
    if len(voters) == 1:
        return voters[0]
    if len(voters) == 2:
        a, b = voters
        return b if a.words < MIN_BODY_WORDS <= b.words else a
    best, best_score = voters[0], -1.0
    for c in voters:
        score = sum(shingle_f1(c.shingles, o.shingles) for o in voters if o is not c)
        if score > best_score + 1e-9:
            best, best_score = c, score
    return best


def _looks_like_dump(c: Candidate) -> bool:
    """trafilatura's fast mode falls back to "wild text" on pages it cannot structure: the whole
    page's text (navigation, teasers, story) in one or two lines. Real stories come in
    paragraphs, so a long text in at most ``DUMP_MAX_LINES`` lines is treated as a dump."""
    return c.words >= DUMP_MIN_WORDS and c.text.count("\n") < DUMP_MAX_LINES


def choose_body(tree: lxml_html.HtmlElement, url: str, page: PageMeta) -> Candidate:
    """The page's main text, before line cleaning; see the module docstring for the rule."""
    first = trafilatura_candidate(tree, url)
    declared = jsonld_candidate(page.article_bodies or [])
    if first.words < MIN_BODY_WORDS or _looks_like_dump(first):
        if declared is not None and declared.words >= MIN_BODY_WORDS:
            first, declared = declared, None
        else:
            first = trafilatura_candidate(tree, url, fast=False)
    second = readability_candidate(tree)
    if first.words >= MIN_BODY_WORDS and (
        not second.words or shingle_f1(first.shingles, second.shingles) >= AGREEMENT_F1
    ):
        return first
    third = declared or baseline_candidate(tree)
    return consensus([first, second, third])
