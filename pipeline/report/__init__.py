"""A self-contained HTML report of what was ingested: charts and tables from the marts.

Why HTML with Vega-Lite (built with altair) and the JavaScript inlined: analysts would rather look
than read, the file must open anywhere (a laptop on a train, an intranet without a CDN), and the
charts stay interactive (tooltips) instead of being flat images. The Vega, Vega-Lite and
vega-embed bundle comes from ``vl-convert-python``, which ships it, so writing a report needs no
network either. Charts render as SVG.

Why a region table and a region × day heat grid rather than a world map: a map needs country
shapes (TopoJSON) that no installed package ships for offline use; the table says the same
thing, with exact numbers, and the grid shows when each region was in the news.

Sections: an overview, stories per day by region (country of each article's primary place),
regions, the most-syndicated stories with the outlets that carried them, agency share, and ingest
health (polls and fetches by outcome). The data comes from ``marts.*`` (and the core tables for
the per-story detail); point it at the published snapshot to report while the pipeline writes.

Three steps, one module each: :mod:`.collect` (queries), :mod:`.charts` (Vega-Lite specs),
:mod:`.html` (the page); :func:`write_report` runs them and writes the file atomically.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import NewsflowError
from pipeline.report.charts import build_charts
from pipeline.report.collect import ReportData, check_tables, collect
from pipeline.report.html import render_html

__all__ = [
    "ReportData",
    "ReportSummary",
    "build_charts",
    "collect",
    "render_html",
    "report_path",
    "write_report",
]


@dataclass(frozen=True)
class ReportSummary:
    """What :func:`write_report` wrote (the CLI's line, the DAG task's XCom)."""

    path: Path
    source: Path
    charts: list[str] = field(default_factory=list)
    articles: int = 0
    stories: int = 0
    n_bytes: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "source": str(self.source),
            "charts": list(self.charts),
            "articles": self.articles,
            "stories": self.stories,
            "bytes": self.n_bytes,
        }


def report_path(db_path: Path, data_dir: Path | None = None) -> Path:
    """Where the pipeline keeps the report it regenerates: ``<data dir>/report.html``."""
    return Path(data_dir or Path(db_path).parent) / "report.html"


def read_report_data(db_path: Path) -> ReportData:
    """Everything the report shows, from ``db_path`` opened read-only (checked first)."""
    from pipeline.storage.db import connect

    con = connect(db_path, read_only=True)
    try:
        check_tables(con, db_path)
        return collect(con)
    finally:
        con.close()


def _write_atomically(out: Path, page: str) -> None:
    """Temp file + rename: a reader never sees half a report, a failure leaves no debris."""
    tmp: str | None = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(page)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except OSError as exc:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
        raise NewsflowError(f"{out}: cannot write report ({exc.strerror})") from None


def write_report(db_path: Path, out: Path, *, title: str | None = None) -> ReportSummary:
    """Read ``db_path`` (read-only) and write the report to ``out`` (atomically replaced).

    ``db_path`` may be the live file (it must not be held by a writer) or a published snapshot.
    """
    db_path, out = Path(db_path), Path(out)
    data = read_report_data(db_path)
    charts = build_charts(data)
    page = render_html(
        data, charts, source=db_path, title=title or f"newsflow report: {db_path.stem}"
    )
    _write_atomically(out, page)
    return ReportSummary(
        path=out,
        source=db_path,
        charts=sorted(charts),
        articles=int(data.overview.get("articles") or 0),
        stories=int(data.overview.get("stories") or 0),
        n_bytes=len(page.encode("utf-8")),
    )
