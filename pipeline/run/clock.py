"""Run ids and the clock every stage stamps its rows with."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

Progress = Callable[[str], None]


def quiet(_: str) -> None:
    """A progress callback that prints nothing."""
    return None


def now() -> datetime:
    return datetime.now(UTC)


def new_run_id(at: datetime | None = None) -> str:
    """Sortable and unique: batch directories sort by creation time through it."""
    at = at or now()
    return f"{at:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"
