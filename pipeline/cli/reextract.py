"""``newsflow reextract``: rebuild stored articles from their raw HTML with the current extractor.

The work is :func:`pipeline.run.reextract.reextract` (also the ``news_reextract`` DAG's task); this
module parses arguments, prints the change report and, like ``newsflow run``, rebuilds the SQL
models afterwards unless told not to.
"""

from __future__ import annotations

import argparse
import json

from pipeline.cli.common import add_db_arguments, progress, require_db, settings_from_args
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
    add_db_arguments(p, feeds_for="each feed's agency, time zone and country")
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
    from pipeline.run.reextract import format_report, reextract

    settings = settings_from_args(args)
    require_db(settings)
    if args.limit is not None and args.limit < 1:
        raise NewsflowError("--limit must be at least 1")

    report = reextract(settings, only_stale=not args.all, limit=args.limit, progress=progress)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, default=str))
    else:
        print(format_report(report))
    if report.updated and not args.no_models:
        from pipeline.run.passes import build_models

        progress("[models] dbt build ...")
        build_models(settings)
        progress("[models] done")
    return 0
