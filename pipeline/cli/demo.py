"""``newsflow demo``: serve the offline demo web on loopback, run one pass on it, summarise.

The demo web is tooling from the checkout (``tools/demo``), loaded when the command runs; from
an installed wheel without a checkout the command says which path it needs.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import threading
from pathlib import Path

from pipeline.cli.common import print_table, progress, run_query
from pipeline.cli.tooling import load_tool

COMMAND = "demo"
HELP = "serve the bundled demo web on loopback and run the pipeline on it"
DESCRIPTION = (
    "Serve the bundled offline demo site on 127.0.0.1, run one pass "
    "into DIR/newsflow.duckdb (fresh each time unless --keep), print a summary."
)

_TOTALS = (
    "SELECT (SELECT count(*) FROM articles) AS articles,"
    " (SELECT count(*) FROM stories) AS stories,"
    " (SELECT count(*) FROM stories WHERE article_count > 1) AS syndicated_stories,"
    " (SELECT count(*) FROM fetch_log WHERE outcome <> 'ok') AS failed_or_skipped_fetches"
)
_TOP_REGIONS = (
    "SELECT day, region_code, region_name, n_articles, n_stories, n_outlets "
    "FROM marts.daily_region WHERE region_level = 'country' "
    "ORDER BY day, n_stories DESC, region_code LIMIT 15"
)
_FETCH_OUTCOMES = "SELECT outcome, count(*) AS n FROM fetch_log GROUP BY ALL ORDER BY n DESC"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--dir", default="demo-data", help="where the demo DB and state go (default: demo-data)"
    )
    p.add_argument(
        "--port", type=int, default=0, help="port for the demo web (default: any free port)"
    )
    p.add_argument(
        "--keep", action="store_true", help="keep the previous demo DB (shows idempotence)"
    )
    p.add_argument("--serve", action="store_true", help="keep serving the demo web after the run")
    p.add_argument(
        "--wire",
        action="store_true",
        help="add the demo wire: a ninjs endpoint and a NewsML-G2 drop folder whose items "
        "update, correct, embargo and kill one another",
    )


def _reset(workdir: Path, db_path: Path) -> None:
    """Remove the previous demo's DB, WAL, state and staging (nothing else in ``workdir``)."""
    for p in (
        db_path,
        db_path.with_name(db_path.name + ".wal"),
        workdir / "state",
        workdir / "staging",
    ):
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


def _print_summary(db_path: Path) -> None:
    print_table(*run_query(db_path, _TOTALS))
    print("\nTop regions by day (marts.daily_region, country level):")
    print_table(*run_query(db_path, _TOP_REGIONS))
    print("\nFetch outcomes (fetch_log):")
    print_table(*run_query(db_path, _FETCH_OUTCOMES))


def _print_how_to_query(db_path: Path) -> None:
    script = Path(sys.executable).with_name("newsflow")
    exe = (
        "newsflow"
        if shutil.which("newsflow")
        else (str(script) if script.exists() else f"{sys.executable} -m pipeline")
    )
    print(
        "\nQuery it yourself:\n"
        f'  {exe} query --db {db_path} "SELECT title, agency, story_id FROM articles"\n'
        f"  python -c \"import duckdb; print(duckdb.connect('{db_path}', read_only=True)"
        ".sql('FROM marts.daily_agency'))\""
    )


def run(args: argparse.Namespace) -> int:
    from pipeline.run.passes import run_pass
    from pipeline.settings import load_settings

    demo = load_tool("demo", COMMAND)
    workdir = Path(args.dir)
    db_path = workdir / "newsflow.duckdb"
    if not args.keep:
        _reset(workdir, db_path)
    with demo.serve(port=args.port) as server:
        port = server.server_address[1]
        feeds_path = demo.write_demo_feeds(workdir / "feeds.yaml", port, wire=args.wire)
        progress(f"[demo] demo web serving on http://127.0.0.1:{port}/ (virtual hosts *.demo.test)")
        settings = load_settings(feeds_path, db_path=db_path)
        summary = run_pass(settings, progress=progress)
        print()
        print(f"Demo run {summary.run_id} finished in {summary.seconds:.1f}s.")
        _print_summary(db_path)
        _print_how_to_query(db_path)
        if args.serve:
            print(f"\nServing the demo web until Ctrl-C; feeds config: {feeds_path}")
            with contextlib.suppress(KeyboardInterrupt):
                threading.Event().wait()
    return 0
