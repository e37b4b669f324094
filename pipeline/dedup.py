"""Article identity and story identity.

Two different questions, kept apart on purpose:
- *Same article*: one canonical URL (see ``pipeline.urls``). Enforced by ``articles.article_id``.
- *Same story*: the same report carried by several articles. This first cut says two articles are
  the same story when their normalised bodies are identical; ``story_id`` is an opaque key so a
  near-duplicate clusterer can replace this rule without changing the tables (``stories.method``
  records which rule assigned the cluster).

Normalisation folds what differs between verbatim copies but is not the report: Unicode form,
case, quotes and dashes, whitespace and punctuation.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

STORY_METHOD = "exact_body"

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalize_body(text: str) -> str:
    """Fold a body to the words that make up the report, for hashing."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    return " ".join(_NON_WORD.sub(" ", text).split())


def content_hash(text: str) -> str:
    """Stable 16-hex digest of the normalised body (64 bits: collisions need ~4e9 bodies)."""
    return hashlib.sha256(normalize_body(text).encode("utf-8")).hexdigest()[:16]


def story_id_for(content_hash_: str) -> str:
    """Story key of the first cut: derived from content alone, so any load order gives the same
    partition and the same ids."""
    return f"st_{content_hash_}"
