"""``newsflow reextract``: rebuild stored articles from their raw HTML with the current extractor.

The work is :func:`pipeline.reextract.reextract` (also the ``news_reextract`` DAG's task); this
module parses arguments, prints the change report and, like ``newsflow run``, rebuilds the SQL
models afterwards unless told not to.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from pipeline.cli.common import progress
from pipeline.errors import NewsflowError

COMMAND = "reextract"
HELP = "re-extract stored articles from their raw HTML and report what changed"
DESCRIPTION = (
    "Run the current extractor over the raw HTML kept in raw_pages (nothing is fetched) and "
    "update the articles: by default only those extracted by an older extractor version "
    "(--stale), or every stored article (--all). Prints how many bodies, titles, dates, "
    "agencies, languages and place sets changed, with examples; then rebuilds the SQL models."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--feeds",
        metavar="FEEDS.yaml",
        default=os.environ.get("NEWSFLOW_FEEDS"),
        help="feeds registry, for each feed's agency, time zone and country (env NEWSFLOW_FEEDS)",
    )
    p.add_argument("--db", metavar="PATH.duckdb", help="DuckDB file (env NEWSFLOW_DB_PATH)")
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--stale",
        dest="all",
        action="store_false",
        help="only articles extracted by an older extractor version (default)",
    )
    which.add_argument("--all", dest="all", action="store_true", help="every stored article")
    p.set_defaults(all=False)
    p.add_argument("--limit", type=int, metavar="N", help="at most N articles (a trial run)")
    p.add_argument("--no-models", action="store_true", help="skip the dbt build afterwards")
    p.add_argument("--json", action="store_true", help="print the report as JSON")


def run(args: argparse.Namespace) -> int:
    from pipeline.reextract import format_report, reextract
    from pipeline.settings import load_settings

    overrides = {"db_path": Path(args.db)} if args.db else {}
    settings = load_settings(args.feeds, **overrides)
    if not settings.db_path.exists():
        raise NewsflowError(f"{settings.db_path}: no such database file (run `newsflow run` first)")
    if args.limit is not None and args.limit < 1:
        raise NewsflowError("--limit must be at least 1")

    report = reextract(settings, only_stale=not args.all, limit=args.limit, progress=progress)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, default=str))
    else:
        print(format_report(report))
    if report.updated and not args.no_models:
        from pipeline.ingest import build_models

        progress("[models] dbt build ...")
        build_models(settings)
        progress("[models] done")
    return 0
