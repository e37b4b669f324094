"""The ``newsflow`` command line. Thin: parse arguments, call ``pipeline`` functions, print.

Heavy imports (trafilatura, dbt, Airflow) happen inside the subcommand that needs them, so
``newsflow extract`` and ``--help`` start fast. User mistakes exit non-zero with one line on
stderr; a traceback means a bug.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.errors import NewsflowError


def _progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _parse_day(value: str) -> datetime:
    """Accept YYYY-MM-DD or a full ISO timestamp; naive means UTC."""
    try:
        if len(value) == 10:
            d = date.fromisoformat(value)
            return datetime(d.year, d.month, d.day, tzinfo=UTC)
        ts = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date (YYYY-MM-DD or ISO-8601): {value!r}"
        ) from None
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def _settings(args: argparse.Namespace, **extra: Any):
    from pipeline.settings import load_settings

    overrides: dict[str, Any] = dict(extra)
    if getattr(args, "db", None):
        overrides["db_path"] = Path(args.db)
    if getattr(args, "allow_private_hosts", False):
        overrides["allow_private_hosts"] = True
    return load_settings(getattr(args, "feeds", None), **overrides)


def cmd_run(args: argparse.Namespace) -> int:
    from pipeline.ingest import run_pass

    settings = _settings(args)
    if not settings.feeds:
        raise NewsflowError("no feeds configured (pass --feeds FEEDS.yaml or set NEWSFLOW_FEEDS)")
    summary = run_pass(
        settings,
        feed_ids=args.feed or None,
        since=args.since,
        until=args.until,
        build=not args.no_models,
        progress=_progress,
    )
    loaded = summary.loaded
    print(
        f"run {summary.run_id}: polled {len(summary.polls)} feed(s), {summary.n_new} new URL(s); "
        f"loaded {loaded.get('articles', 0)} article(s); outcomes "
        + (", ".join(f"{k}={v}" for k, v in sorted(summary.fetch_outcomes.items())) or "none")
        + f"; {summary.seconds:.1f}s"
    )
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from pipeline.ingest import build_models

    settings = _settings(args)
    if not settings.db_path.exists():
        raise NewsflowError(f"{settings.db_path}: no such database file (run `newsflow run` first)")
    result = build_models(settings, full_refresh=args.full_refresh)
    print(_describe_models(result))
    return 0


def _describe_models(result: Any) -> str:
    nodes = getattr(result, "nodes", None)
    if nodes is None:
        return "models built"
    statuses: dict[str, int] = {}
    for n in nodes:
        statuses[str(n.status)] = statuses.get(str(n.status), 0) + 1
    return "dbt build: " + ", ".join(f"{k}={v}" for k, v in sorted(statuses.items()))


def _print_table(columns: list[str], rows: list[tuple], max_width: int = 60) -> None:
    def fmt(v: Any) -> str:
        s = "NULL" if v is None else str(v)
        s = s.replace("\n", " ")
        return s if len(s) <= max_width else s[: max_width - 1] + "…"

    cells = [[fmt(v) for v in row] for row in rows]
    widths = [len(c) for c in columns]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    print(" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in cells:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")


def run_query(db_path: Path, sql: str) -> tuple[list[str], list[tuple]]:
    import duckdb

    from pipeline.store import connect

    con = connect(db_path, read_only=True)
    try:
        try:
            cur = con.execute(sql)
        except duckdb.Error as exc:
            raise NewsflowError(f"query failed: {str(exc).splitlines()[0]}") from None
        if cur.description is None:
            return [], []
        return [d[0] for d in cur.description], cur.fetchall()
    finally:
        con.close()


def cmd_query(args: argparse.Namespace) -> int:
    from pipeline.snapshot import read_path

    settings = _settings(args)
    # The published snapshot by default: it opens while the pipeline writes, and its marts always
    # match its tables. --live reads the live file (fails while a writer holds it).
    path = read_path(settings.db_path, settings.data_dir, live=args.live)
    columns, rows = run_query(path, args.sql)
    if args.json:
        for row in rows:
            print(json.dumps(dict(zip(columns, row, strict=True)), default=str, ensure_ascii=False))
    else:
        _print_table(columns, rows)
    return 0


def _html_files(paths: Sequence[str]) -> list[Path]:
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(
                sorted(
                    q
                    for q in p.rglob("*")
                    if q.is_file() and q.suffix.lower() in (".html", ".htm", ".php", ".xhtml")
                )
            )
        elif p.is_file():
            out.append(p)
        else:
            raise NewsflowError(f"{p}: no such file or directory")
    return out


def cmd_extract(args: argparse.Namespace) -> int:
    from pipeline.analyze import analyze_page, extraction_record, warm_up
    from pipeline.workers import BoundedPool

    files = _html_files(args.paths)
    if args.url and len(files) != 1:
        raise NewsflowError(f"--url applies to a single file; got {len(files)} files")
    jobs = []
    for f in files:
        url = args.url or f.resolve().as_uri()
        jobs.append((f, url))
    # Batches keep memory flat for large directories; each page still has its own time limit.
    chunk = 64
    with BoundedPool(args.workers, initializer=warm_up) as pool:
        for start in range(0, len(jobs), chunk):
            part = jobs[start : start + chunk]
            argv = []
            errors: dict[int, str] = {}
            for i, (f, url) in enumerate(part):
                try:
                    argv.append((f.read_bytes(), url, {}))
                except OSError as exc:
                    errors[i] = f"cannot read: {exc.strerror}"
                    argv.append((b"", url, {}))
            results = pool.map(analyze_page, argv, timeout=args.timeout)
            for i, ((f, url), res) in enumerate(zip(part, results, strict=True)):
                record: dict[str, Any] = {"path": str(f), "url": url}
                if i in errors or not res.ok:
                    record.update(
                        outcome="extract_timeout" if res.timed_out else "parse_error",
                        error=errors.get(i) or res.error,
                        title=None,
                        body=None,
                        published_at=None,
                        language=None,
                        agency=None,
                        canonical_url=None,
                    )
                else:
                    record.update(extraction_record(res.value["extraction"]))
                    record.update(
                        places=[
                            {
                                k: p[k]
                                for k in ("place_name", "country_code", "admin1_code", "is_primary")
                            }
                            for p in res.value["places"]
                        ],
                    )
                print(json.dumps(record, ensure_ascii=False), flush=True)
            if len(jobs) > chunk:
                _progress(f"[extract] {min(start + chunk, len(jobs))}/{len(jobs)} files")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from pipeline.demo import serve, write_demo_feeds
    from pipeline.ingest import run_pass
    from pipeline.settings import load_settings

    workdir = Path(args.dir)
    db_path = workdir / "newsflow.duckdb"
    if not args.keep:
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
    with serve(port=args.port) as server:
        port = server.server_address[1]
        feeds_path = write_demo_feeds(workdir / "feeds.yaml", port)
        _progress(
            f"[demo] demo web serving on http://127.0.0.1:{port}/ (virtual hosts *.demo.test)"
        )
        settings = load_settings(feeds_path, db_path=db_path)
        summary = run_pass(settings, progress=_progress)
        print()
        print(f"Demo run {summary.run_id} finished in {summary.seconds:.1f}s.")
        cols, rows = run_query(
            db_path,
            "SELECT (SELECT count(*) FROM articles) AS articles,"
            " (SELECT count(*) FROM stories) AS stories,"
            " (SELECT count(*) FROM stories WHERE article_count > 1) AS syndicated_stories,"
            " (SELECT count(*) FROM fetch_log WHERE outcome <> 'ok') AS failed_or_skipped_fetches",
        )
        _print_table(cols, rows)
        print("\nTop regions by day (marts.daily_region, country level):")
        cols, rows = run_query(
            db_path,
            "SELECT day, region_code, region_name, n_articles, n_stories, n_outlets "
            "FROM marts.daily_region WHERE region_level = 'country' "
            "ORDER BY day, n_stories DESC, region_code LIMIT 15",
        )
        _print_table(cols, rows)
        print("\nFetch outcomes (fetch_log):")
        cols, rows = run_query(
            db_path, "SELECT outcome, count(*) AS n FROM fetch_log GROUP BY ALL ORDER BY n DESC"
        )
        _print_table(cols, rows)
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
        if args.serve:
            print(f"\nServing the demo web until Ctrl-C; feeds config: {feeds_path}")
            with contextlib.suppress(KeyboardInterrupt):
                threading_event_wait()
    return 0


def threading_event_wait() -> None:
    import threading

    threading.Event().wait()


# Subcommands that live in their own modules. Each module exposes COMMAND (its name), HELP (one
# line), add_arguments(parser) and run(args) -> int, and keeps heavy imports inside run(), so
# `newsflow --help` stays fast. A module not present in this build is simply not offered.
_COMMAND_MODULES = (
    "pipeline.commands.places",
    "pipeline.commands.reextract",
    "pipeline.commands.report",
    "pipeline.commands.airflow_local",
)
_EVAL_MODULES = (
    "pipeline.evaluation.extraction",
    "pipeline.evaluation.dedup",
    "pipeline.evaluation.geo",
    "pipeline.evaluation.dates",
)


def _plugin_modules(names: Sequence[str]) -> list[Any]:
    import importlib

    out = []
    for name in names:
        try:
            out.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return out


def _add_plugins(sub: Any, modules: Sequence[Any]) -> None:
    for mod in modules:
        p = sub.add_parser(
            mod.COMMAND, help=mod.HELP, description=getattr(mod, "DESCRIPTION", mod.HELP)
        )
        mod.add_arguments(p)
        p.set_defaults(func=mod.run)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsflow",
        description="News-ingestion ETL: feeds -> articles -> stories -> places -> DuckDB -> marts.",
    )
    parser.add_argument("--version", action="version", version=f"newsflow {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def db_args(p: argparse.ArgumentParser, feeds_required: bool = False) -> None:
        p.add_argument(
            "--feeds",
            metavar="FEEDS.yaml",
            default=os.environ.get("NEWSFLOW_FEEDS"),
            required=feeds_required and not os.environ.get("NEWSFLOW_FEEDS"),
            help="feeds registry (env NEWSFLOW_FEEDS)",
        )
        p.add_argument("--db", metavar="PATH.duckdb", help="DuckDB file (env NEWSFLOW_DB_PATH)")

    p = sub.add_parser(
        "run",
        help="one complete pass: poll, fetch, extract, dedupe, load, models",
        description="Poll every feed, fetch new articles, extract, dedupe, load into "
        "DuckDB and rebuild the SQL models. Exit 0 when the pass completed, even if "
        "some items failed (their outcomes are recorded in fetch_log/feed_polls).",
    )
    db_args(p, feeds_required=True)
    p.add_argument(
        "--allow-private-hosts",
        action="store_true",
        help="allow loopback/private addresses (demo and tests; env NEWSFLOW_ALLOW_PRIVATE_HOSTS)",
    )
    p.add_argument("--feed", action="append", metavar="ID", help="only this feed (repeatable)")
    p.add_argument(
        "--since", type=_parse_day, help="only entries published on/after this date (UTC)"
    )
    p.add_argument("--until", type=_parse_day, help="only entries published before this date (UTC)")
    p.add_argument("--no-models", action="store_true", help="skip the dbt build")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser(
        "demo",
        help="serve the bundled demo web on loopback and run the pipeline on it",
        description="Serve the bundled offline demo site on 127.0.0.1, run one pass "
        "into DIR/newsflow.duckdb (fresh each time unless --keep), print a summary.",
    )
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
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "models",
        help="rebuild the SQL models (dbt build) only",
        description="Run `dbt build` on the project in sql/ against the DB file.",
    )
    db_args(p)
    p.add_argument(
        "--full-refresh", action="store_true", help="rebuild incremental models from scratch"
    )
    p.set_defaults(func=cmd_models)

    p = sub.add_parser(
        "query",
        help="run one SQL query against the DB and print a table",
        description="Run SQL read-only against the DB's published snapshot "
        "(<data>/snapshot/<db file>, refreshed after every models build, readable while the "
        "pipeline writes), or against the live file when there is no snapshot or with --live.",
    )
    db_args(p)
    p.add_argument("sql", help='the SQL to run, e.g. "FROM marts.daily_region LIMIT 10"')
    p.add_argument("--json", action="store_true", help="print JSON Lines instead of a table")
    p.add_argument(
        "--live",
        action="store_true",
        help="query the live DB file instead of the snapshot (fails while a writer holds it)",
    )
    p.set_defaults(func=cmd_query)

    p = sub.add_parser(
        "extract",
        help="extract saved HTML pages offline (JSON Lines out)",
        description="Run the pipeline's own extraction on saved HTML files or "
        "directories and print one JSON object per page.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="HTML files or directories")
    p.add_argument(
        "--url", help="the page's original URL (single file only): resolves relative links"
    )
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument(
        "--timeout", type=float, default=20.0, help="wall-clock seconds per page (default 20)"
    )
    p.set_defaults(func=cmd_extract)

    _add_plugins(sub, _plugin_modules(_COMMAND_MODULES))
    evals = _plugin_modules(_EVAL_MODULES)
    if evals:
        p = sub.add_parser(
            "eval",
            help="score the pipeline on labelled data",
            description="Evaluate a pipeline stage against labelled data and print its figures.",
        )
        _add_plugins(p.add_subparsers(dest="eval_command", metavar="WHAT", required=True), evals)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except NewsflowError as exc:
        print(f"newsflow: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("newsflow: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
