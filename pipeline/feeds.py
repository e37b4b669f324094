"""Moved to :mod:`pipeline.acquire.feeds`; this shim keeps old imports working until the merge."""

from pipeline.acquire.feeds import *  # noqa: F403
from pipeline.acquire.feeds import FeedEntry, ParsedFeed, parse_feed  # noqa: F401
