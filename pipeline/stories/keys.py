"""Article keys: the BIGINT the story index stores for an article id."""

from __future__ import annotations

import hashlib
import re

_HEX16 = re.compile(r"^[0-9a-f]{16}$")
_OFFSET = 1 << 63


def article_key(article_id: str) -> int:
    """A signed 64-bit key for an article id (ids are 16-hex URL hashes: the key is that number,
    shifted into BIGINT range; other ids are hashed)."""
    if _HEX16.match(article_id):
        v = int(article_id, 16)
    else:
        v = int.from_bytes(hashlib.blake2b(article_id.encode(), digest_size=8).digest(), "big")
    return v - _OFFSET
