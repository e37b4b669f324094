"""The labelled pages behind `newsflow eval extract`: our own set, the shared dev set and the
demo site, found through :mod:`pipeline.paths` (the checkout and ``../shared``), never through
``parents[N]``.

``gold.json`` maps an id to ``{"body", "source", "url"}`` plus, optionally, ``title``,
``published`` (ISO-8601; a bare ``YYYY-MM-DD`` is a UTC day), ``language`` (ISO 639-1),
``outcome`` (expected ``Extraction.outcome``, default ``ok``) and ``feed``. A ``null`` body means
"no gold body" (the page is only scored on what it has gold for).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import NewsflowError
from pipeline.paths import checkout_path, shared_path

OWN_SET = checkout_path("tests", "data", "extraction")  # None when run from a wheel
SHARED_SET = shared_path("eval", "extraction")  # None when there is no shared folder
DEMO_SOURCE = "demo-site"


@dataclass
class LabelledPage:
    id: str
    source: str
    path: Path
    url: str
    body: str | None
    title: str | None = None
    published: str | None = None
    language: str | None = None
    outcome: str = "ok"
    feed: dict[str, Any] = field(default_factory=dict)
    group: str = ""  # the labelled set it belongs to: "own", "dev-set", "demo-site", ...


def dataset_name(directory: Path) -> str:
    resolved = Path(directory).resolve()
    if OWN_SET is not None and resolved == OWN_SET.resolve():
        return "own"
    if SHARED_SET is not None and resolved == SHARED_SET.resolve():
        return "dev-set"
    return Path(directory).name


def read_gold(directory: Path, what: str) -> dict[str, Any]:
    """A set's ``gold.json`` (id -> gold record); a NewsflowError naming the file otherwise."""
    gold_path = Path(directory) / "gold.json"
    try:
        return json.loads(gold_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NewsflowError(f"{directory}: not {what} (no gold.json)") from None
    except (OSError, ValueError) as exc:
        raise NewsflowError(f"{gold_path}: unreadable ({exc})") from None


def load_dataset(directory: Path) -> list[LabelledPage]:
    """Pages of one labelled set (``gold.json`` + ``html/<id>.html``), in id order."""
    directory = Path(directory)
    group = dataset_name(directory)
    gold = read_gold(directory, "a labelled set")
    pages = []
    for pid in sorted(gold):
        g = gold[pid]
        path = directory / "html" / f"{pid}.html"
        if not path.is_file():
            raise NewsflowError(f"{directory}: gold id {pid!r} has no html/{pid}.html")
        pages.append(
            LabelledPage(
                id=pid,
                source=str(g.get("source") or directory.name),
                path=path,
                url=g.get("url") or f"https://example.invalid/{pid}",
                body=g.get("body"),
                title=g.get("title"),
                published=g.get("published"),
                language=g.get("language"),
                outcome=g.get("outcome") or "ok",
                feed=dict(g.get("feed") or {}),
                group=group,
            )
        )
    return pages


def load_demo_site() -> list[LabelledPage]:
    """The bundled demo articles, scored on title and published day (their MANIFEST has no
    gold body)."""
    import yaml

    from pipeline.paths import checkout_path, require

    site = require(checkout_path("tools", "demo", "site"), "the demo site", "run from a checkout")
    manifest = yaml.safe_load((site / "MANIFEST.yaml").read_text(encoding="utf-8"))
    pages: list[LabelledPage] = []
    seen: set[str] = set()
    for entry in manifest.get("entries", []):
        path_part = entry.get("canonical_path")
        if entry.get("outcome") != "ok" or not path_part or path_part in seen:
            continue
        seen.add(path_part)
        local = site / entry["outlet"] / path_part.lstrip("/")
        if path_part.endswith("/"):
            local = local / "index.html"
        if not local.is_file():
            continue
        pages.append(
            LabelledPage(
                id=f"demo-{entry['outlet'].split('.')[0]}-{Path(path_part.rstrip('/')).stem}",
                source=DEMO_SOURCE,
                path=local,
                url=f"http://{entry['outlet']}{path_part}",
                body=None,
                title=entry.get("title"),
                published=entry.get("published"),
                group=DEMO_SOURCE,
            )
        )
    return pages


def default_datasets() -> list[Path]:
    """Our own set and the shared dev set, where present."""
    return [p for p in (OWN_SET, SHARED_SET) if p is not None and (p / "gold.json").is_file()]


def short_source(source: str) -> str:
    """'dragnet-2012 (seomoz/dragnet_data)' -> 'dragnet-2012'."""
    return source.split(" (")[0].strip()


def select_pages(
    pages: Iterable[LabelledPage], sources: Sequence[str] = (), limit: int | None = None
) -> list[LabelledPage]:
    """Pages whose source or id contains any of ``sources`` (all when empty); the first
    ``limit`` of them, spread evenly over the set rather than its first ids."""
    chosen = [p for p in pages if not sources or any(s in p.source or s in p.id for s in sources)]
    if limit is not None and 0 < limit < len(chosen):
        step = len(chosen) / limit
        chosen = [chosen[int(i * step)] for i in range(limit)]
    return chosen
