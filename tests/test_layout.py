"""The tree stays readable: every module is on the README's layout map, no module over 600 lines,
and DAG files only wire tasks (their logic lives in ``pipeline/``)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIPELINE = ROOT / "pipeline"


def _modules() -> list[str]:
    return sorted(
        p.relative_to(ROOT).as_posix() for p in PIPELINE.rglob("*.py") if p.name != "__init__.py"
    )


def _layout_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Layout\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, "README.md has no '## Layout' section"
    return match.group(1)


def test_every_module_is_on_the_readme_layout_map() -> None:
    section = _layout_section()
    missing = []
    for module in _modules():
        name = module.rsplit("/", 1)[1]
        # a line of the map names the module file, inside its package's block
        if not re.search(rf"(^|\s){re.escape(name)}\s", section):
            missing.append(module)
    assert not missing, f"README layout map does not list: {missing}"


def test_no_module_over_600_lines() -> None:
    big = {m: n for m in _modules() if (n := (ROOT / m).read_text().count("\n")) > 600}
    assert not big, big


def test_long_functions_are_few() -> None:
    """At most three functions over 80 lines in pipeline/ (see the README for which and why)."""
    long = []
    for module in _modules():
        for node in ast.walk(ast.parse((ROOT / module).read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                size = node.end_lineno - node.lineno + 1
                if size > 80:
                    long.append(f"{module}:{node.name} ({size})")
    assert len(long) <= 3, long
