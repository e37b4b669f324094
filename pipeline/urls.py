"""Moved to :mod:`pipeline.acquire.urls`; this shim keeps old imports working until the merge."""

from pipeline.acquire.urls import *  # noqa: F403
from pipeline.acquire.urls import (  # noqa: F401
    article_id,
    canonicalize_url,
    is_tracking_param,
    outlet,
    resolve_link,
    url_hash,
)
