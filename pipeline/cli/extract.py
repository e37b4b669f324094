"""``newsflow extract``: the pipeline's own extraction on saved HTML pages, JSON Lines out.

Each page runs in the bounded worker pool with its own wall-clock limit, exactly as ingestion
runs it, so a page that hangs the parser costs ``--timeout`` seconds and an ``extract_timeout``
line, not the whole command.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.cli.common import progress
from pipeline.errors import NewsflowError
from pipeline.outcomes import UrlOutcome

COMMAND = "extract"
HELP = "extract saved HTML pages offline (JSON Lines out)"
DESCRIPTION = (
    "Run the pipeline's own extraction on saved HTML files or "
    "directories and print one JSON object per page."
)
HTML_SUFFIXES = (".html", ".htm", ".php", ".xhtml")
CHUNK = 64  # pages per pool.map: keeps memory flat for large directories
PLACE_KEYS = ("place_name", "country_code", "admin1_code", "is_primary")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="HTML files or directories")
    p.add_argument(
        "--url", help="the page's original URL (single file only): resolves relative links"
    )
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument(
        "--timeout", type=float, default=20.0, help="wall-clock seconds per page (default 20)"
    )


def html_files(paths: Sequence[str]) -> list[Path]:
    """The files named, and the HTML files under the directories named, in a stable order."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(
                sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in HTML_SUFFIXES)
            )
        elif p.is_file():
            out.append(p)
        else:
            raise NewsflowError(f"{p}: no such file or directory")
    return out


def _failure(res: Any, error: str | None) -> dict[str, Any]:
    return {
        "outcome": UrlOutcome.EXTRACT_TIMEOUT if res.timed_out else UrlOutcome.PARSE_ERROR,
        "error": error or res.error,
        "title": None,
        "body": None,
        "published_at": None,
        "language": None,
        "agency": None,
        "canonical_url": None,
    }


def _success(value: dict[str, Any]) -> dict[str, Any]:
    from pipeline.run.page import extraction_record

    record = extraction_record(value["extraction"])
    record["places"] = [{k: p[k] for k in PLACE_KEYS} for p in value["places"]]
    return record


def _extract_chunk(pool: Any, part: list[tuple[Path, str]], timeout: float) -> None:
    """Extract one chunk of (file, url) jobs and print a JSON line per page, in order."""
    from pipeline.run.page import analyze_page

    argv = []
    errors: dict[int, str] = {}
    for i, (f, url) in enumerate(part):
        try:
            argv.append((f.read_bytes(), url, {}))
        except OSError as exc:
            errors[i] = f"cannot read: {exc.strerror}"
            argv.append((b"", url, {}))
    results = pool.map(analyze_page, argv, timeout=timeout)
    for i, ((f, url), res) in enumerate(zip(part, results, strict=True)):
        record: dict[str, Any] = {"path": str(f), "url": url}
        if i in errors or not res.ok:
            record.update(_failure(res, errors.get(i)))
        else:
            record.update(_success(res.value))
        print(json.dumps(record, ensure_ascii=False), flush=True)


def run(args: argparse.Namespace) -> int:
    from pipeline.run.page import warm_up
    from pipeline.run.pool import BoundedPool

    files = html_files(args.paths)
    if args.url and len(files) != 1:
        raise NewsflowError(f"--url applies to a single file; got {len(files)} files")
    jobs = [(f, args.url or f.resolve().as_uri()) for f in files]
    with BoundedPool(args.workers, initializer=warm_up) as pool:
        for start in range(0, len(jobs), CHUNK):
            _extract_chunk(pool, jobs[start : start + CHUNK], args.timeout)
            if len(jobs) > CHUNK:
                progress(f"[extract] {min(start + CHUNK, len(jobs))}/{len(jobs)} files")
    return 0
