"""``newsflow eval WHAT``: score a pipeline stage against labelled data and print its figures.

Each scorer in ``pipeline.evaluation`` is a subcommand module of its own (COMMAND, HELP,
add_arguments, run); one not present in this build is simply not offered.
"""

from __future__ import annotations

import argparse

from pipeline.cli.subcommands import add_commands, optional_modules

COMMAND = "eval"
HELP = "score the pipeline on labelled data"
DESCRIPTION = "Evaluate a pipeline stage against labelled data and print its figures."
SCORERS = (
    "pipeline.evaluation.extraction",
    "pipeline.evaluation.dedup",
    "pipeline.evaluation.geo",
    "pipeline.evaluation.dates",
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="eval_command", metavar="WHAT", required=True)
    add_commands(sub, optional_modules(SCORERS), dest="score")


def run(args: argparse.Namespace) -> int:
    """Run the scorer chosen as WHAT."""
    return args.score(args)
