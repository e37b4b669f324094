"""The command line as a user meets it: help everywhere, one-line errors, extract and query."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipeline.cli import build_parser, main
from tools.demo import DEMO_ROOT

NEWSFLOW = Path(sys.executable).with_name("newsflow")


def run(*args: str) -> subprocess.CompletedProcess:
    cmd = [str(NEWSFLOW)] if NEWSFLOW.exists() else [sys.executable, "-m", "pipeline"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=300)


def test_every_subcommand_has_help(capsys):
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in sub.choices:
        with pytest.raises(SystemExit) as exc:
            main([name, "--help"])
        assert exc.value.code == 0, name
        assert "usage: newsflow " + name in capsys.readouterr().out


def test_python_dash_m_works_and_help_does_not_import_airflow():
    code = "import sys, runpy; sys.argv=['newsflow','--help']\ntry:\n runpy.run_module('pipeline', run_name='__main__')\nexcept SystemExit: pass\nprint('airflow' in sys.modules, 'trafilatura' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().endswith("False False"), out.stdout + out.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--feeds", "/nonexistent/feeds.yaml"], "feeds file not found"),
        (["query", "--db", "/nonexistent/x.duckdb", "SELECT 1"], "no such database file"),
        (["models", "--db", "/nonexistent/x.duckdb"], "no such database file"),
        (["extract", "/nonexistent/page.html"], "no such file or directory"),
    ],
)
def test_user_mistakes_are_one_line_errors(args, message, capsys):
    assert main(args) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_wrong_arguments_exit_2_with_usage():
    r = run("run", "--since", "yesterday-ish", "--feeds", "x.yaml")
    assert r.returncode == 2
    assert "not a date" in r.stderr


def test_query_prints_table_and_json(tmp_path, capsys):
    db = tmp_path / "q.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE t AS SELECT * FROM (VALUES (1, 'Kherson'), (2, NULL)) v(id, name)")
    con.close()
    assert main(["query", "--db", str(db), "SELECT * FROM t ORDER BY id"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["id", "|", "name"]
    assert out[2].split() == ["1", "|", "Kherson"] and out[3].split() == ["2", "|", "NULL"]
    assert out[-1] == "(2 rows)"
    assert main(["query", "--db", str(db), "--json", "SELECT * FROM t ORDER BY id"]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert rows == [{"id": 1, "name": "Kherson"}, {"id": 2, "name": None}]
    assert main(["query", "--db", str(db), "SELECT nope FROM t"]) == 1
    assert "query failed" in capsys.readouterr().err


def test_extract_directory_jsonl(tmp_path):
    site = DEMO_ROOT / "ledger.demo.test"
    (tmp_path / "bad.html").write_bytes(b"\x00\x01\x02 not html")
    r = run("extract", str(site), str(tmp_path / "bad.html"))
    assert r.returncode == 0, r.stderr
    records = [json.loads(line) for line in r.stdout.splitlines()]
    by_name = {Path(rec["path"]).name: rec for rec in records}
    wildfire = by_name["california-wildfire-evacuations.html"]
    assert wildfire["title"] == "Wind-driven wildfire forces thousands to flee north of Los Angeles"
    assert wildfire["agency"] == "AP"
    assert wildfire["published_at"].startswith("2026-03-04T18:30:00")
    assert wildfire["language"] == "en"
    assert wildfire["canonical_url"].endswith("/us/2026/03/04/california-wildfire-evacuations.html")
    assert {"path", "title", "body", "published_at", "language", "agency", "canonical_url"} <= set(
        wildfire
    )
    assert by_name["bad.html"]["outcome"] == "parse_error"
    assert by_name["bad.html"]["body"] in (None, "")


def test_extract_url_requires_single_file(tmp_path, capsys):
    (tmp_path / "a.html").write_text("<html></html>")
    (tmp_path / "b.html").write_text("<html></html>")
    assert main(["extract", str(tmp_path), "--url", "https://x.org/a"]) == 1
    assert "--url applies to a single file" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("command", "tool"), [("demo", "tools/demo"), ("airflow", "tools/airflow_local")]
)
def test_tooling_commands_name_what_they_need_without_a_checkout(tmp_path, command, tool):
    """From an installed wheel (no checkout found) the demo and the launcher are not there."""
    env = {**os.environ, "NEWSFLOW_CHECKOUT": str(tmp_path)}
    cmd = [str(NEWSFLOW)] if NEWSFLOW.exists() else [sys.executable, "-m", "pipeline"]
    r = subprocess.run(
        [*cmd, command, "--dir", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"`newsflow {command}` needs {tool}" in r.stderr and "NEWSFLOW_CHECKOUT" in r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()


def test_tools_load_from_the_checkout_as_one_package():
    from pipeline.cli.tooling import load_tool
    from pipeline.paths import checkout_path

    demo = load_tool("demo", "demo")
    launcher = load_tool("airflow_local", "airflow")
    assert checkout_path("tools", "demo", "site") == demo.DEMO_ROOT
    assert (demo.DEMO_ROOT / "MANIFEST.yaml").is_file()
    assert sys.modules["tools"].__path__[0] == str(checkout_path("tools"))
    assert callable(launcher.launch) and launcher.default_dags_dir() == checkout_path("dags")


def test_a_foreign_tools_package_is_refused(monkeypatch, tmp_path):
    import types

    from pipeline.cli.tooling import load_tool
    from pipeline.errors import ConfigError

    foreign = types.ModuleType("tools")
    foreign.__path__ = [str(tmp_path)]
    monkeypatch.setitem(sys.modules, "tools", foreign)
    with pytest.raises(ConfigError, match="another 'tools' package"):
        load_tool("demo", "demo")


def test_from_an_installed_package_the_demo_says_it_needs_a_checkout(tmp_path):
    """The package alone, outside any checkout (as from a wheel): one line, no traceback."""
    import shutil

    import pipeline

    site = tmp_path / "site"
    shutil.copytree(
        Path(pipeline.__file__).parent,
        site / "pipeline",
        ignore=shutil.ignore_patterns("__pycache__", "data"),
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    env["PYTHONPATH"] = str(site)
    r = subprocess.run(
        [sys.executable, "-m", "pipeline", "demo", "--dir", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stderr == (
        "newsflow: error: `newsflow demo` needs tools/demo from a newsflow checkout (this is an "
        "installed package without one); run it from a clone of the repository, or set "
        "NEWSFLOW_CHECKOUT to one\n"
    )
