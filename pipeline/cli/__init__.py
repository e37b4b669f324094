"""The ``newsflow`` command line. Thin: parse arguments, call ``pipeline`` functions, print.

One module per subcommand (``run``, ``demo``, ``models``, ``query``, ``extract``, ``reextract``,
``report``, ``airflow``, ``eval``), put together by :mod:`pipeline.cli.parser`. Heavy imports
(trafilatura, dbt, Airflow) happen inside the subcommand that needs them, so ``newsflow
extract`` and ``--help`` start fast. User mistakes exit non-zero with one line on stderr; a
traceback means a bug.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from pipeline.cli.parser import build_parser
from pipeline.errors import NewsflowError

__all__ = ["build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """``newsflow`` itself: the exit code (0 ok, 1 a user or environment error, 130 Ctrl-C)."""
    args = build_parser().parse_args(argv)
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
