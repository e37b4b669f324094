"""Where tooling finds data that does not ship in the wheel: the checkout and ``../shared``.

Why one module: evaluation sets, the demo web and the local-Airflow launcher live in the
repository (``tests/data/``, ``tools/``), not in the installed package, and the shared evaluation
data sits beside the checkout. Every caller asks here instead of guessing with
``Path(__file__).parents[N]``, and a user running from an installed wheel gets one clear message
naming the path that is missing and the setting that overrides it.

Overrides: ``NEWSFLOW_CHECKOUT`` (the repository root) and ``NEWSFLOW_SHARED`` (the shared data
folder, by default ``<checkout>/../shared``).
"""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.errors import ConfigError

_MARKER = 'name = "newsflow"'


def _is_checkout(path: Path) -> bool:
    project = path / "pyproject.toml"
    try:
        return project.is_file() and _MARKER in project.read_text(encoding="utf-8")
    except OSError:
        return False


def checkout_dir() -> Path | None:
    """The repository root this package runs from (an editable install), or None (a wheel)."""
    env = os.environ.get("NEWSFLOW_CHECKOUT")
    if env:
        return Path(env).resolve()
    for parent in Path(__file__).resolve().parents:
        if _is_checkout(parent):
            return parent
    return None


def shared_dir() -> Path | None:
    """The shared evaluation/seed data folder, or None when there is none."""
    env = os.environ.get("NEWSFLOW_SHARED")
    if env:
        return Path(env).resolve()
    root = checkout_dir()
    if root is None:
        return None
    shared = root.parent / "shared"
    return shared if shared.is_dir() else None


def shared_path(*parts: str) -> Path | None:
    """A path inside the shared folder, or None when the folder is absent."""
    base = shared_dir()
    return None if base is None else base.joinpath(*parts)


def checkout_path(*parts: str) -> Path | None:
    """A path inside the checkout (``tests/data/...``, ``tools/...``), or None from a wheel."""
    root = checkout_dir()
    return None if root is None else root.joinpath(*parts)


def require(path: Path | None, what: str, hint: str) -> Path:
    """``path`` if it exists; else a ConfigError naming what is needed and how to provide it."""
    if path is not None and path.exists():
        return path
    where = str(path) if path is not None else "a newsflow checkout"
    raise ConfigError(f"{what} not found at {where}; {hint}")
