"""``newsflow run``: one complete pass (poll, fetch, extract, dedupe, load, models)."""

from __future__ import annotations

import argparse
from typing import Any

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
    p.add_argument(
        "--all",
        dest="poll_all",
        action="store_true",
        help="poll every feed now, not only those adaptive polling says are due",
    )
    p.add_argument(
        "--progress",
        choices=("auto", "live", "plain", "off"),
        default="auto",
        help="live table on a terminal (auto), plain lines every 10 s, or none",
    )


def run(args: argparse.Namespace) -> int:
    from pipeline.run.passes import run_pass

    settings = settings_from_args(args)
    if not settings.feeds:
        raise NewsflowError("no feeds configured (pass --feeds FEEDS.yaml or set NEWSFLOW_FEEDS)")
    with _progress(getattr(args, "progress", "auto")) as live:
        say = live.note if live is not None and live.live else progress
        summary = run_pass(
            settings,
            feed_ids=args.feed or None,
            since=args.since,
            until=args.until,
            build=not args.no_models,
            progress=say,
            poll_all=getattr(args, "poll_all", False),
            live=live,
        )
    loaded = summary.loaded
    print(
        f"run {summary.run_id}: polled {len(summary.polls)} feed(s), {summary.n_new} new URL(s); "
        f"loaded {loaded.get('articles', 0)} article(s); outcomes "
        + (", ".join(f"{k}={v}" for k, v in sorted(summary.fetch_outcomes.items())) or "none")
        + f"; {summary.seconds:.1f}s"
        + (f"; {len(summary.polls)} of {summary.n_feeds} feed(s) were due" if
           len(summary.polls) < summary.n_feeds else "")
    )  # fmt: skip
    if summary.stopped:
        print("stopped by a signal: finished work was loaded, the rest is deferred to the next run")
        return 130
    return 0


def _progress(mode: str) -> Any:
    """The run's progress display (a context manager yielding RunProgress, or None)."""
    import contextlib
    import sys

    from pipeline.run.progress import RunProgress

    if mode == "off":
        return contextlib.nullcontext(None)
    live = {"auto": None, "live": True, "plain": False}[mode]
    return RunProgress(live=live, stream=sys.stderr)
