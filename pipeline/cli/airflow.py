"""``newsflow airflow``: start a local Airflow with this project's DAGs (and the demo web).

The launcher is developer tooling from the checkout (``tools/airflow_local``), loaded when the
command runs; from an installed wheel without a checkout the command says which path it needs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.cli.tooling import load_tool

COMMAND = "airflow"
HELP = "start a local Airflow (UI, scheduler, DAG processor) with the DAGs and the demo web"
DESCRIPTION = (
    "Start Airflow 3 locally (api-server with the UI, scheduler with the LocalExecutor, "
    "dag-processor, triggerer; SQLite metadata DB under DIR/airflow) with this project's DAGs. "
    "Without --feeds it serves the bundled demo web on loopback and uses a demo feeds file. "
    "Prints the UI URL and the login, triggers one news_ingest run (unless --no-trigger), and "
    "runs until Ctrl-C, which stops every process it started."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--dir",
        default="airflow-demo",
        help="where Airflow's home and the data go (default: airflow-demo)",
    )
    p.add_argument(
        "--port", type=int, default=8080, help="UI/API port on 127.0.0.1 (default 8080; 0 = any)"
    )
    p.add_argument(
        "--feeds",
        metavar="FEEDS.yaml",
        help="your feeds registry instead of the demo web (then nothing is served locally)",
    )
    p.add_argument(
        "--db", metavar="PATH.duckdb", help="DuckDB file (default: DIR/data/newsflow.duckdb)"
    )
    p.add_argument(
        "--demo-port", type=int, default=0, help="port of the demo web (default: any free port)"
    )
    p.add_argument(
        "--schedule",
        help="news_ingest schedule, e.g. '*/15 * * * *' (default: 'none' for the demo, the "
        "feeds file's setting with --feeds)",
    )
    p.add_argument("--dags", metavar="DIR", help="DAGs folder (default: this checkout's dags/)")
    p.add_argument("--password", help="the admin password (default: generated once, then kept)")
    p.add_argument(
        "--no-trigger", action="store_true", help="do not trigger a first news_ingest run"
    )
    p.add_argument(
        "--fresh",
        action="store_true",
        help="start from scratch: delete DIR/airflow, DIR/data and DIR/feeds.yaml first",
    )


def run(args: argparse.Namespace) -> int:
    launcher = load_tool("airflow_local", COMMAND)
    return launcher.launch(
        Path(args.dir),
        port=args.port,
        feeds=Path(args.feeds) if args.feeds else None,
        db_path=Path(args.db) if args.db else None,
        demo_port=args.demo_port,
        schedule=args.schedule,
        dags_dir=Path(args.dags) if args.dags else None,
        password=args.password,
        trigger=not args.no_trigger,
        fresh=args.fresh,
    )
