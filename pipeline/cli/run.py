"""``newsflow run``: one complete pass (poll, fetch, extract, dedupe, load, models)."""

from __future__ import annotations

import argparse

from pipeline.cli.common import add_db_arguments, parse_day, progress, settings_from_args
from pipeline.errors import NewsflowError

COMMAND = "run"
HELP = "one complete pass: poll, fetch, extract, dedupe, load, models"
DESCRIPTION = (
    "Poll every feed, fetch new articles, extract, dedupe, load into "
    "DuckDB and rebuild the SQL models. Exit 0 when the pass completed, even if "
    "some items failed (their outcomes are recorded in fetch_log/feed_polls)."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_db_arguments(p, feeds_required=True)
    p.add_argument(
        "--allow-private-hosts",
        nargs="?",
        const=True,
        metavar="HOSTS",
        help="allow these private addresses: hosts, host:port, CIDRs, comma-separated "
        "(e.g. 127.0.0.1:8080,10.0.0.0/24,feeds.internal); bare: every private address "
        "(demo and tests; env NEWSFLOW_ALLOW_PRIVATE_HOSTS)",
    )
    p.add_argument("--feed", action="append", metavar="ID", help="only this feed (repeatable)")
    p.add_argument(
        "--since", type=parse_day, help="only entries published on/after this date (UTC)"
    )
    p.add_argument("--until", type=parse_day, help="only entries published before this date (UTC)")
    p.add_argument("--no-models", action="store_true", help="skip the dbt build")


def run(args: argparse.Namespace) -> int:
    from pipeline.run.passes import run_pass

    settings = settings_from_args(args)
    if not settings.feeds:
        raise NewsflowError("no feeds configured (pass --feeds FEEDS.yaml or set NEWSFLOW_FEEDS)")
    summary = run_pass(
        settings,
        feed_ids=args.feed or None,
        since=args.since,
        until=args.until,
        build=not args.no_models,
        progress=progress,
    )
    loaded = summary.loaded
    print(
        f"run {summary.run_id}: polled {len(summary.polls)} feed(s), {summary.n_new} new URL(s); "
        f"loaded {loaded.get('articles', 0)} article(s); outcomes "
        + (", ".join(f"{k}={v}" for k, v in sorted(summary.fetch_outcomes.items())) or "none")
        + f"; {summary.seconds:.1f}s"
    )
    return 0
