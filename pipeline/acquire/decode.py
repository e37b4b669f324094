"""Response-body decoding with a hard output bound, and the header helpers that choose it.

Why our own decoder: httpx's decoders decompress a whole network chunk at once (a 64 KiB chunk of
a gzip bomb is ~64 MB); here every ``decompress`` call is given ``max_length``, so memory stays at
the size cap however well the body compresses.
"""

from __future__ import annotations

import time
import zlib
from email.utils import parsedate_to_datetime

import httpx

__all__ = ["BoundedDecoder", "DecodeError", "content_encoding", "media_type", "parse_retry_after"]


class DecodeError(Exception):
    """The body is not valid for its declared Content-Encoding."""


class BoundedDecoder:
    """gzip/deflate/identity decoding that never produces more than asked for per call."""

    def __init__(self, encoding: str) -> None:
        self.kind = encoding
        self._started = False
        self._d = self._new()

    def _new(self) -> zlib._Decompress | None:
        if self.kind == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        if self.kind == "deflate":
            return zlib.decompressobj(zlib.MAX_WBITS)
        return None

    def decode(self, data: bytes, limit: int) -> bytes:
        """Decode ``data``; returns at most ``limit`` (>= 1) bytes, stopping early at the limit."""
        if self._d is None:
            return data
        out = bytearray()
        buf = data
        while buf and len(out) < limit:
            try:
                chunk = self._d.decompress(buf, limit - len(out))
            except zlib.error as exc:
                if self.kind == "deflate" and not self._started:
                    # Some servers send raw deflate without the zlib wrapper (as httpx allows).
                    self._d = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._started = True
                    continue
                raise DecodeError(f"corrupt {self.kind} body: {exc}") from None
            self._started = True
            out += chunk
            if self._d.eof:
                rest = self._d.unused_data
                if self.kind == "gzip" and rest.strip(b"\x00"):
                    self._d = self._new()  # concatenated gzip members
                    buf = rest
                    continue
                break
            buf = self._d.unconsumed_tail
        return bytes(out)

    def flush(self) -> bytes:
        if self._d is None:
            return b""
        try:
            return self._d.flush()
        except zlib.error as exc:
            raise DecodeError(f"corrupt {self.kind} body: {exc}") from None


def content_encoding(headers: httpx.Headers) -> str | None:
    """The single supported Content-Encoding ('gzip', 'deflate', 'identity') or None if other."""
    values = [
        v.strip().lower()
        for raw in headers.get_list("content-encoding")
        for v in raw.split(",")
        if v.strip()
    ]
    values = [v for v in values if v != "identity"]
    if not values:
        return "identity"
    if len(values) == 1 and values[0] in ("gzip", "x-gzip"):
        return "gzip"
    if values == ["deflate"]:
        return "deflate"
    return None


def media_type(content_type: str | None) -> str | None:
    """``text/html; charset=x`` -> ``text/html``; None when absent or empty."""
    if not content_type:
        return None
    media = content_type.split(";", 1)[0].strip().lower()
    return media or None


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP-date; None if absent/garbled."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
