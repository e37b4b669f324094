"""How a subcommand module plugs into the parser.

A subcommand module exposes ``COMMAND`` (its name), ``HELP`` (one line), optionally
``DESCRIPTION``, ``add_arguments(parser)`` and ``run(args) -> int``, and keeps heavy imports
inside ``run()``, so building the parser (and ``newsflow --help``) stays fast.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence
from types import ModuleType
from typing import Any


def optional_modules(names: Sequence[str]) -> list[ModuleType]:
    """The named modules that exist in this build (a missing one is not offered, not an error)."""
    out = []
    for name in names:
        try:
            out.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return out


def add_commands(sub: Any, modules: Sequence[ModuleType], *, dest: str = "func") -> None:
    """One parser per module under ``sub``; the module's ``run`` is stored as ``args.<dest>``."""
    for mod in modules:
        p: argparse.ArgumentParser = sub.add_parser(
            mod.COMMAND, help=mod.HELP, description=getattr(mod, "DESCRIPTION", mod.HELP)
        )
        mod.add_arguments(p)
        p.set_defaults(**{dest: mod.run})
