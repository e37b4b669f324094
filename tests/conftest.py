"""Fixtures shared across the test modules. Plain helpers live in ``helpers.py`` and typed row
factories in ``rows.py`` (both importable from any test module)."""

from __future__ import annotations

import pytest

from pipeline.paths import shared_path

SEED_FILE = ("seed", "000_bf42b40397eba4d4.txt")


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The real AFP dispatch in ``../shared/seed`` (skips where the shared folder is absent)."""
    path = shared_path(*SEED_FILE)
    if path is None or not path.is_file():
        pytest.skip("../shared/seed is not here (a user's clone): the seed dispatch test needs it")
    return path.read_text(encoding="utf-8")
