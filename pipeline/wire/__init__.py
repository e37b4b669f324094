"""Wire-service items (IPTC ninjs, NewsML-G2, NITF): parsing, drop folders and version logic.

Entry point: :func:`parse_items` turns one delivery (bytes) into :class:`ItemResult` records,
each a :class:`WireItem` or a recorded rejection.
"""

from pipeline.wire.detect import parse_items
from pipeline.wire.items import ItemResult, Subject, WireItem

__all__ = ["ItemResult", "Subject", "WireItem", "parse_items"]
