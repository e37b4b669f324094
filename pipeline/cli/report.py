"""``newsflow report``: write the self-contained HTML report of what was ingested.

The logic lives in :mod:`pipeline.report`; this module only parses arguments and picks the file
to read: the published snapshot by default (it opens while the pipeline writes, and its marts
match its tables), the live file with ``--live`` or when no snapshot exists.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.cli.common import add_db_arguments, add_live_argument, readable_db

COMMAND = "report"
HELP = "write a self-contained HTML report (charts and tables) from the marts"
DESCRIPTION = (
    "Write an HTML report from the marts: stories per day by region, a region table, the "
    "most-syndicated stories and the outlets that ran them, agency share, and ingest health by "
    "outcome. The file has everything inlined (Vega-Lite charts, no network needed to open it). "
    "Reads the DB's published snapshot unless --live."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_db_arguments(p, feeds_for="db_path/data_dir settings")
    p.add_argument(
        "--out",
        metavar="report.html",
        default="report.html",
        help="where to write the report (default: report.html)",
    )
    p.add_argument("--title", help="page title (default: 'newsflow report: <db name>')")
    add_live_argument(p, "read")


def run(args: argparse.Namespace) -> int:
    from pipeline.report import write_report

    summary = write_report(readable_db(args), Path(args.out), title=args.title)
    print(
        f"wrote {summary.path} ({summary.n_bytes / 1e6:.1f} MB, {len(summary.charts)} chart(s), "
        f"{summary.articles} article(s), {summary.stories} stor"
        f"{'y' if summary.stories == 1 else 'ies'}) from {summary.source}"
    )
    return 0
