"""Moved to :mod:`pipeline.places` (issue 14); this shim keeps old imports working until merge."""

from pipeline.places import *  # noqa: F403
from pipeline.places import (  # noqa: F401
    TAGGER_VERSION,
    PlaceMention,
    PlaceTag,
    Tagging,
    countries_mentioned,
    tag_article,
    tag_places,
    warm_index,
)
