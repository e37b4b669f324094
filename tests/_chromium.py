"""Headless Chromium for the tests that look at pages (the HTML report, the Airflow UI).

Playwright drives Debian's ``/usr/bin/chromium`` (``scripts/ci-system-deps.sh`` installs it);
Playwright's own browser download is never used. Tests call :func:`require_chromium` first and
skip, with the reason, where either piece is missing. Screenshots go to ``$NEWSFLOW_SCREENSHOTS``
when that is set (``NEWSFLOW_SCREENSHOTS=docs/img`` refreshes the README's pictures).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright adds --headless and --user-data-dir itself (headless=True, a temp profile).
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def require_chromium() -> str:
    """The Chromium binary, or skip the test with a reason a person can act on."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("the playwright package is not installed (dev dependency)")
    path = chromium_path()
    if path is None:
        pytest.skip(
            "no chromium binary (run scripts/ci-system-deps.sh, or apt-get install chromium)"
        )
    return path


@contextlib.contextmanager
def browser() -> Iterator[Any]:
    """A Playwright Chromium browser with its own throw-away profile; closed on exit."""
    from playwright.sync_api import sync_playwright

    executable = require_chromium()
    profile = tempfile.mkdtemp(prefix="newsflow-chromium-")
    try:
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile,
                executable_path=executable,
                headless=True,
                args=LAUNCH_ARGS,
                viewport={"width": 1400, "height": 900},
            )
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def save_screenshot(page: Any, name: str, tmp_path: Path, *, full_page: bool = True) -> Path:
    """Screenshot to ``tmp_path`` (always) and to ``$NEWSFLOW_SCREENSHOTS`` (when set)."""
    out = tmp_path / name
    page.screenshot(path=str(out), full_page=full_page)
    target = os.environ.get("NEWSFLOW_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out, Path(target) / name)
    assert out.stat().st_size > 1000, f"{name}: empty screenshot"
    return out
