"""The local Airflow stack: prepare, start, wait, drive through the REST API, stop.

What ``newsflow airflow`` runs and what the end-to-end test drives: start, wait until healthy and
the DAGs are parsed, trigger through the REST API (v2, JWT from ``/auth/token``), wait for runs,
stop. Stopping kills every component's process group and any process left with this
``AIRFLOW_HOME`` (task processes start their own sessions), so nothing outlives the command.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import NewsflowError
from tools.airflow_local.environment import (
    COMPONENTS,
    DAG_IDS,
    USERNAME,
    airflow_environment,
    airflow_exe,
    default_dags_dir,
    ensure_password,
    free_port,
)
from tools.airflow_local.processes import Component, kill_strays

_HEALTH_KEYS = {
    "scheduler": "scheduler",
    "dag-processor": "dag_processor",
    "triggerer": "triggerer",
}
TERMINAL_STATES = frozenset({"success", "failed"})


@dataclass
class LocalAirflow:
    """A local Airflow stack under ``workdir``: ``airflow/`` (home) and ``data/`` (newsflow)."""

    workdir: Path
    feeds: Path
    port: int = 8080
    host: str = "127.0.0.1"
    dags_dir: Path = field(default_factory=default_dags_dir)
    db_path: Path | None = None
    password: str | None = None
    schedule: str | None = None
    components: Sequence[str] = tuple(COMPONENTS)
    extra_env: Mapping[str, str] = field(default_factory=dict)
    running: list[Component] = field(default_factory=list)
    _token: str | None = None

    def __post_init__(self) -> None:
        self.workdir = Path(self.workdir).resolve()
        self.feeds = Path(self.feeds).resolve()
        self.dags_dir = Path(self.dags_dir).resolve()
        if self.port == 0:
            self.port = free_port(self.host)
        if self.db_path is None:
            self.db_path = self.workdir / "data" / "newsflow.duckdb"
        self.db_path = Path(self.db_path).resolve()

    # ------------------------------------------------------------------------------- layout

    @property
    def home(self) -> Path:
        return self.workdir / "airflow"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def passwords_file(self) -> Path:
        return self.home / "passwords.json"

    def newsflow_env(self) -> dict[str, str]:
        env = {"NEWSFLOW_FEEDS": str(self.feeds), "NEWSFLOW_DB_PATH": str(self.db_path)}
        if self.schedule is not None:
            env["NEWSFLOW_SCHEDULE"] = self.schedule
        env.update(self.extra_env)
        return env

    def environment(self) -> dict[str, str]:
        secret_file = self.home / ".secret"
        if not secret_file.is_file():
            self.home.mkdir(parents=True, exist_ok=True)
            secret_file.write_text(secrets.token_hex(32), encoding="utf-8")
            os.chmod(secret_file, 0o600)
        return airflow_environment(
            self.home,
            dags_dir=self.dags_dir,
            host=self.host,
            port=self.port,
            passwords_file=self.passwords_file,
            newsflow=self.newsflow_env(),
            secret=secret_file.read_text(encoding="utf-8").strip(),
        )

    # ------------------------------------------------------------------------------ start/stop

    def _airflow(self, *args: str, timeout: float = 600) -> None:
        log = self.logs / "init.log"
        with log.open("a", encoding="utf-8") as out:
            out.write(f"$ airflow {' '.join(args)}\n")
            out.flush()
            proc = subprocess.run(
                [airflow_exe(), *args],
                env=self.environment(),
                cwd=self.home,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
        if proc.returncode != 0:
            tail = "\n".join(log.read_text(encoding="utf-8").splitlines()[-15:])
            raise NewsflowError(
                f"airflow {' '.join(args)} failed (exit {proc.returncode}):\n{tail}"
            )

    def prepare(self) -> str:
        """Metadata DB, the one-slot ``duckdb`` pool, the login, the dbt manifest. Idempotent."""
        if not self.dags_dir.is_dir():
            raise NewsflowError(f"{self.dags_dir}: no DAGs folder (pass --dags DIR)")
        self.logs.mkdir(parents=True, exist_ok=True)
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self.password = ensure_password(self.passwords_file, USERNAME, self.password)
        # The DAG processor's first parse of news_models needs dbt's manifest; making it here,
        # while the metadata DB migrates, keeps that parse short.
        errors: list[BaseException] = []
        warm = threading.Thread(target=self._warm_manifest, args=(errors,), daemon=True)
        warm.start()
        self._airflow("db", "migrate")
        self._airflow("pools", "set", "duckdb", "1", "single DuckDB writer")
        warm.join()
        if errors:
            raise errors[0]
        return self.password

    def _warm_manifest(self, errors: list[BaseException]) -> None:
        from pipeline.run.dbt import dbt_work_dir, ensure_manifest

        try:
            ensure_manifest(dbt_work_dir(self.db_path) / "manifest", db_path=self.db_path)
        except BaseException as exc:  # reported by prepare() in the calling thread
            errors.append(exc)

    def start(self) -> None:
        """Start the components, each in its own session with its own log file."""
        env = self.environment()
        for name in self.components:
            argv = list(COMPONENTS[name])
            if name == "api-server":
                argv += ["--host", self.host, "--port", str(self.port)]
            comp = Component(name, argv, self.logs / f"{name}.log")
            with comp.log.open("ab") as out:
                comp.proc = subprocess.Popen(
                    [airflow_exe(), *argv],
                    env=env,
                    cwd=self.home,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            self.running.append(comp)

    def stop(self, grace: float = 20.0) -> None:
        """Stop every component (SIGTERM to its process group, SIGKILL after ``grace``)."""
        for comp in self.running:
            if comp.alive():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(comp.proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for comp in self.running:
            if comp.proc is None:
                continue
            with contextlib.suppress(subprocess.TimeoutExpired):
                comp.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError):
                os.killpg(comp.proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                comp.proc.wait(timeout=10)
        self.running.clear()
        kill_strays(self.home)

    def __enter__(self) -> LocalAirflow:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def check_alive(self) -> None:
        for comp in self.running:
            if not comp.alive():
                code = comp.proc.returncode if comp.proc else None
                raise NewsflowError(
                    f"airflow {comp.name} exited (code {code}); last lines of {comp.log}:\n"
                    + comp.tail()
                )

    # --------------------------------------------------------------------------------- API

    def token(self, *, refresh: bool = False) -> str:
        """A JWT for the REST API, from SimpleAuthManager's ``POST /auth/token``."""
        import httpx

        if self._token and not refresh:
            return self._token
        resp = httpx.post(
            f"{self.url}/auth/token",
            json={"username": USERNAME, "password": self.password},
            timeout=30,
        )
        if resp.status_code != 201:
            raise NewsflowError(f"login refused ({resp.status_code}): {resp.text[:200]}")
        self._token = resp.json()["access_token"]
        return self._token

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call ``/api/v2{path}``; returns the decoded JSON, raises on an HTTP error."""
        import httpx

        def call(token: str) -> httpx.Response:
            return httpx.request(
                method,
                f"{self.url}/api/v2{path}",
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
                **kwargs,
            )

        resp = call(self.token())
        if resp.status_code == 401:  # token expired: log in again once
            resp = call(self.token(refresh=True))
        if resp.status_code >= 400:
            raise NewsflowError(f"{method} /api/v2{path}: {resp.status_code} {resp.text[:300]}")
        return resp.json() if resp.content else None

    def health(self) -> dict[str, Any] | None:
        import httpx

        try:
            resp = httpx.get(f"{self.url}/api/v2/monitor/health", timeout=5)
        except httpx.TransportError:
            return None
        return resp.json() if resp.status_code == 200 else None

    def _not_ready(self, wanted: set[str]) -> str | None:
        """Why the stack is not ready yet, or None when every component is healthy and every
        wanted DAG is parsed; a DAG import error is raised (waiting would not fix it)."""
        health = self.health()
        if health is None:
            return "api-server not answering"
        sick = [
            name
            for name, key in _HEALTH_KEYS.items()
            if name in self.components and (health.get(key) or {}).get("status") != "healthy"
        ]
        if health.get("metadatabase", {}).get("status") != "healthy":
            sick.append("metadatabase")
        if sick:
            return f"not healthy yet: {', '.join(sick)}"
        errors = self.api("GET", "/importErrors").get("import_errors", [])
        if errors:
            first = errors[0]
            last = (first.get("stack_trace") or "").strip().splitlines()[-1:]
            raise NewsflowError(f"DAG import error in {first.get('filename')}: {' '.join(last)}")
        dags = {d["dag_id"] for d in self.api("GET", "/dags").get("dags", [])}
        missing = wanted - dags
        return f"DAGs not parsed yet: {', '.join(sorted(missing))}" if missing else None

    def wait_ready(self, dag_ids: Iterable[str] = DAG_IDS, timeout: float = 300.0) -> None:
        """Wait until every component reports healthy and the DAGs are parsed without errors."""
        deadline = time.monotonic() + timeout
        wanted = set(dag_ids)
        state = "api-server not answering"
        while time.monotonic() < deadline:
            self.check_alive()
            reason = self._not_ready(wanted)
            if reason is None:
                return
            state = reason
            time.sleep(1.0)
        raise NewsflowError(f"local Airflow not ready after {timeout:g}s ({state})")

    def unpause(self, dag_ids: Iterable[str]) -> None:
        for dag_id in dag_ids:
            self.api("PATCH", f"/dags/{dag_id}", json={"is_paused": False})

    def trigger(self, dag_id: str, conf: Mapping[str, Any] | None = None) -> str:
        """Trigger a run now (``logical_date`` null, as Airflow 3 allows); returns its run id."""
        body = {"logical_date": None, "conf": dict(conf or {})}
        return str(self.api("POST", f"/dags/{dag_id}/dagRuns", json=body)["dag_run_id"])

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        """The DAG's runs, newest first."""
        data = self.api("GET", f"/dags/{dag_id}/dagRuns", params={"order_by": "-run_after"})
        return list(data.get("dag_runs", []))

    def wait_run(self, dag_id: str, run_id: str, timeout: float = 600.0) -> dict[str, Any]:
        """Poll a run until it succeeds or fails; returns the run as the API describes it."""
        deadline = time.monotonic() + timeout
        run: dict[str, Any] = {}
        while time.monotonic() < deadline:
            self.check_alive()
            run = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}")
            if run.get("state") in TERMINAL_STATES:
                return run
            time.sleep(2.0)
        raise NewsflowError(f"{dag_id} run {run_id} still {run.get('state')!r} after {timeout:g}s")

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        data = self.api(
            "GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 500}
        )
        return list(data.get("task_instances", []))
