"""``newsflow airflow`` pieces that need no running Airflow: environment, login, cleanup, errors.

The whole stack, started for real and driven through the REST API and the UI, is in
tests/test_airflow_ui.py.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.cli import main
from tools.airflow_local import (
    COMPONENTS,
    USERNAME,
    LocalAirflow,
    airflow_environment,
    default_dags_dir,
    ensure_password,
    kill_strays,
    pids_with_home,
)


def test_environment_is_private_and_shared_by_all_components(tmp_path) -> None:
    base = {
        "PATH": "/usr/bin",
        "HOME": "/root",
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",  # a developer's own config must not leak
        "AIRFLOW_HOME": "/somewhere/else",
        "NEWSFLOW_DB_PATH": "/their/db.duckdb",
    }
    env = airflow_environment(
        tmp_path / "home",
        dags_dir=tmp_path / "dags",
        host="127.0.0.1",
        port=8123,
        passwords_file=tmp_path / "pw.json",
        newsflow={"NEWSFLOW_DB_PATH": "/mine.duckdb"},
        secret="s3cret",
        base=base,
    )
    assert env["AIRFLOW_HOME"] == str(tmp_path / "home")
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["NEWSFLOW_DB_PATH"] == "/mine.duckdb"
    assert env["HOME"] == "/root"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8123/execution/"
    assert env["AIRFLOW__API_AUTH__JWT_SECRET"] == env["AIRFLOW__API__SECRET_KEY"] == "s3cret"
    assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] == f"{USERNAME}:admin"
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__COSMOS__ENABLE_TELEMETRY"] == "False"
    # The venv's bin first: tasks and `airflow` subcommands find this environment's tools.
    assert env["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)


def test_password_is_generated_once_and_kept_private(tmp_path) -> None:
    path = tmp_path / "auth" / "passwords.json"
    first = ensure_password(path)
    assert len(first) >= 12
    assert ensure_password(path) == first  # a restart keeps the login
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_password(path, password="chosen") == "chosen"
    path.write_text(json.dumps({"viewer": "v", USERNAME: "chosen"}))
    assert ensure_password(path) == "chosen"
    assert json.loads(path.read_text())["viewer"] == "v"


def test_layout_and_settings_passed_to_the_dags(tmp_path) -> None:
    stack = LocalAirflow(workdir=tmp_path, feeds=tmp_path / "f.yaml", port=0, schedule="none")
    assert stack.port > 0 and stack.url == f"http://127.0.0.1:{stack.port}"
    assert stack.home == tmp_path / "airflow"
    assert stack.db_path == tmp_path / "data" / "newsflow.duckdb"
    assert stack.newsflow_env() == {
        "NEWSFLOW_FEEDS": str(tmp_path / "f.yaml"),
        "NEWSFLOW_DB_PATH": str(tmp_path / "data" / "newsflow.duckdb"),
        "NEWSFLOW_SCHEDULE": "none",
    }
    env = stack.environment()
    assert env == stack.environment()  # the secret is made once and reused
    assert stat.S_IMODE((stack.home / ".secret").stat().st_mode) == 0o600
    assert set(COMPONENTS) == {"api-server", "scheduler", "dag-processor", "triggerer"}
    assert (default_dags_dir() / "news_ingest.py").is_file()


def test_kill_strays_ends_only_processes_of_this_airflow_home(tmp_path) -> None:
    home, other = tmp_path / "home", tmp_path / "other"
    sleeper = [sys.executable, "-c", "import time; time.sleep(120)"]
    mine = subprocess.Popen(sleeper, env={**os.environ, "AIRFLOW_HOME": str(home)})
    theirs = subprocess.Popen(sleeper, env={**os.environ, "AIRFLOW_HOME": str(other)})
    try:
        deadline = time.monotonic() + 10
        while mine.pid not in pids_with_home(home) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert kill_strays(home, grace=5) == [mine.pid]
        assert mine.wait(timeout=10) is not None
        assert theirs.poll() is None
        assert pids_with_home(home) == []
    finally:
        for proc in (mine, theirs):
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)


def test_busy_port_is_a_one_line_error(tmp_path, capsys) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        code = main(["airflow", "--dir", str(tmp_path), "--port", str(port)])
    assert code == 1
    err = capsys.readouterr().err
    assert f"port {port} is in use" in err and err.count("\n") == 1
    assert not (tmp_path / "airflow").exists()  # nothing prepared


def test_missing_feeds_file_is_a_one_line_error(tmp_path, capsys) -> None:
    code = main(["airflow", "--dir", str(tmp_path), "--feeds", str(tmp_path / "nope.yaml")])
    assert code == 1
    assert "feeds file not found" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["airflow", "data", "feeds.yaml"])
def test_fresh_removes_only_what_the_command_made(tmp_path, name, capsys) -> None:
    mine = tmp_path / name
    if name.endswith(".yaml"):
        mine.write_text("x")
    else:
        (mine / "sub").mkdir(parents=True)
    keep = tmp_path / "notes.txt"
    keep.write_text("keep me")
    # A missing feeds file stops the command right after --fresh did its work.
    main(["airflow", "--dir", str(tmp_path), "--fresh", "--feeds", str(tmp_path / "nope.yaml")])
    assert not mine.exists() and keep.read_text() == "keep me"


def test_broken_feeds_file_fails_before_anything_starts(tmp_path, capsys) -> None:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds:\n  - id: BAD\n    url: x\n")
    code = main(["airflow", "--dir", str(tmp_path / "run"), "--feeds", str(feeds)])
    assert code == 1
    assert "feed #1 ('BAD') id:" in capsys.readouterr().err
    assert not (tmp_path / "run" / "airflow").exists()
