"""Moved to :mod:`pipeline.acquire.fetch`; this shim keeps old imports working until the merge."""

from pipeline.acquire.fetch import *  # noqa: F403
from pipeline.acquire.fetch import OUTCOMES, Fetcher, FetchResult  # noqa: F401
from pipeline.acquire.guard import ip_block_reason, is_public_ip  # noqa: F401
