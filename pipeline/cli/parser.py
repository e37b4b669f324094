"""The ``newsflow`` argument parser: one subcommand per module, in the order ``--help`` lists them.

Each module is a subcommand (see :mod:`pipeline.cli.subcommands`); importing them is cheap,
because every heavy import (trafilatura, dbt, Airflow) waits inside the command's ``run()``.
"""

from __future__ import annotations

import argparse

import pipeline.cli.airflow as airflow
import pipeline.cli.demo as demo
import pipeline.cli.eval as evaluate
import pipeline.cli.extract as extract
import pipeline.cli.models as models
import pipeline.cli.places as places
import pipeline.cli.query as query
import pipeline.cli.reextract as reextract
import pipeline.cli.report as report
import pipeline.cli.run as run
from pipeline import __version__
from pipeline.cli.subcommands import add_commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsflow",
        description="News-ingestion ETL: feeds -> articles -> stories -> places -> DuckDB -> marts.",
    )
    parser.add_argument("--version", action="version", version=f"newsflow {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_commands(
        sub,
        [
            run,
            demo,
            models,
            query,
            extract,
            places,
            reextract,
            report,
            airflow,
            evaluate,
        ],
    )
    return parser
