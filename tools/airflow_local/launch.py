"""``newsflow airflow``'s run: the demo web (or your feeds), the stack, the login, until Ctrl-C.

Everything that can be wrong with the request (a missing or broken feeds file, a busy port) is
reported in one line before anything is prepared or started.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.errors import NewsflowError
from tools.airflow_local.environment import DAG_IDS, USERNAME, default_dags_dir
from tools.airflow_local.stack import LocalAirflow


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (``kill``, a supervisor) stops the stack like Ctrl-C does."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _say(msg: str = "") -> None:
    print(msg, flush=True)


def _clear(workdir: Path) -> None:
    """``--fresh``: remove what an earlier launch made in ``workdir``, and nothing else."""
    for p in (workdir / "airflow", workdir / "data", workdir / "feeds.yaml"):
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


def _demo_feeds(stack: contextlib.ExitStack, workdir: Path, demo_port: int) -> Path:
    """Serve the demo web for the life of ``stack``; its feeds file, written into ``workdir``."""
    from tools.demo import serve, write_demo_feeds

    server = stack.enter_context(serve(port=demo_port))
    port = server.server_address[1]
    feeds = write_demo_feeds(workdir / "feeds.yaml", port)
    _say(f"[airflow] demo web on http://127.0.0.1:{port}/ (feeds: {feeds})")
    return feeds


def _check_port_free(host: str, port: int) -> None:
    if not port:
        return
    with socket.socket() as sock:
        if sock.connect_ex((host, port)) == 0:
            raise NewsflowError(f"port {port} is in use on {host} (pick another with --port)")


def _announce(airflow: LocalAirflow, state: dict[str, Any]) -> None:
    """Write ``local.json`` (for scripts and the UI test) and print where everything is."""
    (airflow.home / "local.json").write_text(json.dumps(state, indent=1), encoding="utf-8")
    _say()
    _say("newsflow airflow is ready")
    _say(f"  UI:       {state['url']}")
    _say(f"  login:    {USERNAME} / {state['password']}")
    _say(f"  DAGs:     {airflow.dags_dir} ({', '.join(DAG_IDS)})")
    _say(f"  DuckDB:   {airflow.db_path}")
    _say(f"  snapshot: {state['snapshot']} (newsflow query reads it while runs write)")
    _say(f"  report:   {state['report']} (rewritten after every models build)")
    if state["triggered_run"]:
        _say(f"  triggered news_ingest run {state['triggered_run']}; news_models follows it")
    _say("Ctrl-C stops everything.")


def _serve_until_interrupted(
    airflow: LocalAirflow, settings: Any, password: str, *, trigger: bool
) -> None:
    """Start, wait until ready, trigger the first run, then watch until Ctrl-C; always stop."""
    from pipeline.report import report_path
    from pipeline.storage.snapshot import snapshot_path

    try:
        airflow.start()
        _say("[airflow] starting " + ", ".join(airflow.components) + f"; logs in {airflow.logs}")
        airflow.wait_ready()
        airflow.unpause(DAG_IDS)
        run_id = airflow.trigger("news_ingest") if trigger else None
        _announce(
            airflow,
            {
                "url": airflow.url + "/",
                "username": USERNAME,
                "password": password,
                "airflow_home": str(airflow.home),
                "db_path": str(airflow.db_path),
                "snapshot": str(snapshot_path(settings.db_path, settings.data_dir)),
                "report": str(report_path(settings.db_path, settings.data_dir)),
                "feeds": str(airflow.feeds),
                "triggered_run": run_id,
                "pids": {c.name: c.proc.pid for c in airflow.running if c.proc},
            },
        )
        while True:
            airflow.check_alive()
            time.sleep(1.0)
    except KeyboardInterrupt:
        _say("\n[airflow] stopping")
    finally:
        airflow.stop()
        _say("[airflow] stopped")


def launch(
    workdir: Path,
    *,
    port: int = 8080,
    feeds: Path | None = None,
    db_path: Path | None = None,
    demo_port: int = 0,
    schedule: str | None = None,
    dags_dir: Path | None = None,
    password: str | None = None,
    trigger: bool = True,
    fresh: bool = False,
) -> int:
    """Run a local Airflow on ``feeds`` (default: the demo web) until Ctrl-C or SIGTERM."""
    from pipeline.settings import load_settings

    workdir = Path(workdir).resolve()
    if fresh:
        _clear(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack, terminate_as_interrupt():
        if feeds is not None:
            if not Path(feeds).is_file():
                raise NewsflowError(f"{feeds}: feeds file not found")
        else:
            feeds = _demo_feeds(stack, workdir, demo_port)
            schedule = schedule or "none"
        airflow = LocalAirflow(
            workdir=workdir,
            feeds=Path(feeds),
            port=port,
            dags_dir=dags_dir or default_dags_dir(),
            db_path=db_path,
            password=password,
            schedule=schedule,
        )
        # What the DAGs will see (the components get exactly these NEWSFLOW_* variables): a
        # broken feeds file fails here, in one line, instead of as a DAG import error.
        settings = load_settings(environ=airflow.newsflow_env())
        _check_port_free(airflow.host, port)
        _say(f"[airflow] preparing {airflow.home} (metadata DB, pool 'duckdb', login)")
        password = airflow.prepare()
        _serve_until_interrupted(airflow, settings, password, trigger=trigger)
    return 0
