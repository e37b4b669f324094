"""Load developer tooling (``tools/`` in the checkout) for the commands that drive it.

Why not ship it: the demo web and the local-Airflow launcher are for trying and developing the
pipeline, not for running it, so they live in the repository (``tools/``), outside the wheel.
``newsflow demo`` and ``newsflow airflow`` import them from the checkout found by
:mod:`pipeline.paths`: the ``tools`` folder is registered as the ``tools`` package (no
``sys.path`` change), so its modules import each other as usual. From an installed wheel without
a checkout, the command stops with one line naming the path it needs.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from pipeline.errors import ConfigError
from pipeline.paths import checkout_path

PACKAGE = "tools"


def load_tool(name: str, command: str) -> ModuleType:
    """``tools.<name>`` from the checkout, for ``newsflow <command>``."""
    folder = checkout_path(PACKAGE, name)
    if folder is None or not folder.is_dir():
        where = f"no {folder}" if folder else "this is an installed package without one"
        raise ConfigError(
            f"`newsflow {command}` needs {PACKAGE}/{name} from a newsflow checkout ({where}); "
            "run it from a clone of the repository, or set NEWSFLOW_CHECKOUT to one"
        )
    _register_package(folder.parent)
    return importlib.import_module(f"{PACKAGE}.{name}")


def _register_package(tools_dir: Path) -> None:
    """Make ``tools_dir`` the ``tools`` package, unless it already is (e.g. imported by tests)."""
    current = sys.modules.get(PACKAGE)
    if current is not None:
        paths = [Path(p).resolve() for p in getattr(current, "__path__", [])]
        if tools_dir.resolve() not in paths:
            raise ConfigError(
                f"another '{PACKAGE}' package ({', '.join(map(str, paths)) or current!r}) "
                f"is already imported; newsflow needs the one at {tools_dir}"
            )
        return
    spec = importlib.util.spec_from_file_location(
        PACKAGE, tools_dir / "__init__.py", submodule_search_locations=[str(tools_dir)]
    )
    if spec is None or spec.loader is None:  # pragma: no cover - a folder without __init__.py
        raise ConfigError(f"{tools_dir}: not a Python package (no __init__.py)")
    module = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[PACKAGE]
        raise
