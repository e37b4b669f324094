"""``newsflow models``: rebuild the SQL models (``dbt build``) on the DB file, nothing else."""

from __future__ import annotations

import argparse
from typing import Any

from pipeline.cli.common import add_db_arguments, require_db, settings_from_args

COMMAND = "models"
HELP = "rebuild the SQL models (dbt build) only"
DESCRIPTION = "Run `dbt build` on the project in sql/ against the DB file."


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_db_arguments(p)
    p.add_argument(
        "--full-refresh", action="store_true", help="rebuild incremental models from scratch"
    )


def describe(result: Any) -> str:
    """dbt's node statuses counted, e.g. ``dbt build: success=31``."""
    nodes = getattr(result, "nodes", None)
    if nodes is None:
        return "models built"
    statuses: dict[str, int] = {}
    for n in nodes:
        statuses[str(n.status)] = statuses.get(str(n.status), 0) + 1
    return "dbt build: " + ", ".join(f"{k}={v}" for k, v in sorted(statuses.items()))


def run(args: argparse.Namespace) -> int:
    from pipeline.run.passes import build_models

    settings = settings_from_args(args)
    require_db(settings)
    result = build_models(settings, full_refresh=args.full_refresh)
    print(describe(result))
    return 0
