"""``newsflow airflow``: a local Airflow 3 with this project's DAGs, to watch the pipeline run.

Why separate components and not ``airflow standalone``: standalone generates its own admin
password and prints it once, needs the venv's ``bin`` on PATH, and hides each component's output
behind one stream. Here the components are the ones the compose stack runs (``api-server``,
``scheduler``, ``dag-processor``, ``triggerer``; LocalExecutor), each with its own log file, a
login we know, and one SQLite metadata DB under ``DIR/airflow``. Unless ``--feeds`` names a real
registry, the bundled demo web is served on loopback and a demo feeds file points at it, so the
whole thing works offline.

:class:`LocalAirflow` is also what the end-to-end test drives: start, wait until healthy and the
DAGs are parsed, trigger through the REST API (v2, JWT from ``/auth/token``), wait for runs, stop.
Stopping kills every component's process group and any process left with this ``AIRFLOW_HOME``
(task processes start their own sessions), so nothing outlives the command.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import NewsflowError

COMMAND = "airflow"
HELP = "start a local Airflow (UI, scheduler, DAG processor) with the DAGs and the demo web"
DESCRIPTION = (
    "Start Airflow 3 locally (api-server with the UI, scheduler with the LocalExecutor, "
    "dag-processor, triggerer; SQLite metadata DB under DIR/airflow) with this project's DAGs. "
    "Without --feeds it serves the bundled demo web on loopback and uses a demo feeds file. "
    "Prints the UI URL and the login, triggers one news_ingest run (unless --no-trigger), and "
    "runs until Ctrl-C, which stops every process it started."
)

USERNAME = "admin"
DAG_IDS = ("news_ingest", "news_models", "news_reextract")
COMPONENTS: dict[str, list[str]] = {
    "api-server": ["api-server"],
    "scheduler": ["scheduler"],
    "dag-processor": ["dag-processor"],
    "triggerer": ["triggerer"],
}
_HEALTH_KEYS = {
    "scheduler": "scheduler",
    "dag-processor": "dag_processor",
    "triggerer": "triggerer",
}
TERMINAL_STATES = frozenset({"success", "failed"})
_REPO = Path(__file__).resolve().parents[2]


def default_dags_dir() -> Path:
    """The repo's ``dags/`` (the package is installed editable from the checkout)."""
    return _REPO / "dags"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def ensure_password(path: Path, username: str = USERNAME, password: str | None = None) -> str:
    """The login's password, kept in SimpleAuthManager's passwords file (``{"user": "pw"}``).

    Reused across restarts so a browser that logged in before still can; ``password`` replaces
    it. Written with mode 0600 (a plaintext password) by temp file + rename.
    """
    current: dict[str, str] = {}
    if path.is_file():
        with contextlib.suppress(ValueError, OSError):
            loaded = json.loads(path.read_text(encoding="utf-8") or "{}")
            if isinstance(loaded, dict):
                current = {str(k): str(v) for k, v in loaded.items()}
    if password is None and current.get(username):
        return current[username]
    current[username] = password or secrets.token_urlsafe(12)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(current) + "\n", encoding="utf-8")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return current[username]


def airflow_environment(
    home: Path,
    *,
    dags_dir: Path,
    host: str,
    port: int,
    passwords_file: Path,
    newsflow: Mapping[str, str],
    secret: str,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment every component runs with (the same values in each, like compose).

    Inherited ``AIRFLOW*`` and ``NEWSFLOW_*`` variables are dropped so a developer's own Airflow
    configuration cannot leak in; ``newsflow`` supplies the pipeline's settings.
    """
    env = {
        k: v
        for k, v in (os.environ if base is None else base).items()
        if not k.startswith(("AIRFLOW", "_AIRFLOW", "NEWSFLOW_"))
    }
    bin_dir = str(Path(sys.executable).parent)
    url = f"http://{host}:{port}"
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_dir),
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            # Two cores are enough for a demo; more task processes only contend.
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{url}/execution/",
            "AIRFLOW__API__BASE_URL": f"{url}/",
            "AIRFLOW__API__WORKERS": "1",
            # One secret for every component: JWTs signed by one must verify in the others.
            "AIRFLOW__API_AUTH__JWT_SECRET": secret,
            "AIRFLOW__API__SECRET_KEY": secret,
            "AIRFLOW__CORE__AUTH_MANAGER": (
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
            ),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USERNAME}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords_file),
            # news_models' first parse runs `dbt parse` (cached afterwards): allow it the time.
            "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "180",
            "AIRFLOW__DAG_PROCESSOR__DAG_FILE_PROCESSOR_TIMEOUT": "240",
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DO_NOT_TRACK": "1",
            "PATH": bin_dir + os.pathsep + env.get("PATH", ""),
            "PYTHONPATH": os.pathsep.join(p for p in (str(_REPO), env.get("PYTHONPATH")) if p),
        }
    )
    env.update(newsflow)
    return env


def _pids_with_home(home: Path) -> list[int]:
    """Processes (other than this one) whose environment has ``AIRFLOW_HOME=home``."""
    import psutil

    target, me, out = str(home), os.getpid(), []
    for proc in psutil.process_iter(["pid"]):
        if proc.pid == me:
            continue
        with contextlib.suppress(psutil.Error, OSError):
            if proc.environ().get("AIRFLOW_HOME") == target:
                out.append(proc.pid)
    return out


def kill_strays(home: Path, grace: float = 10.0) -> list[int]:
    """Terminate, then kill, every process left running with ``AIRFLOW_HOME=home``.

    The safety net after stopping the components: task processes the executor started in
    sessions of their own are not in any component's process group.
    """
    import psutil

    procs = []
    for pid in _pids_with_home(home):
        with contextlib.suppress(psutil.Error):
            proc = psutil.Process(pid)
            proc.terminate()
            procs.append(proc)
    _, alive = psutil.wait_procs(procs, timeout=grace)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(alive, timeout=5)
    return [p.pid for p in procs]


@dataclass
class Component:
    name: str
    argv: list[str]
    log: Path
    proc: subprocess.Popen | None = None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def tail(self, n: int = 25) -> str:
        try:
            lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-n:])


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
                [_airflow_exe(), *args],
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
                    [_airflow_exe(), *argv],
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

        resp = httpx.request(
            method,
            f"{self.url}/api/v2{path}",
            headers={"Authorization": f"Bearer {self.token()}"},
            timeout=30,
            **kwargs,
        )
        if resp.status_code == 401:  # token expired: log in again once
            resp = httpx.request(
                method,
                f"{self.url}/api/v2{path}",
                headers={"Authorization": f"Bearer {self.token(refresh=True)}"},
                timeout=30,
                **kwargs,
            )
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

    def wait_ready(self, dag_ids: Iterable[str] = DAG_IDS, timeout: float = 300.0) -> None:
        """Wait until every component reports healthy and the DAGs are parsed without errors."""
        deadline = time.monotonic() + timeout
        wanted = set(dag_ids)
        state = "api-server not answering"
        while time.monotonic() < deadline:
            self.check_alive()
            health = self.health()
            if health is None:
                state = "api-server not answering"
            else:
                sick = [
                    name
                    for name, key in _HEALTH_KEYS.items()
                    if name in self.components
                    and (health.get(key) or {}).get("status") != "healthy"
                ]
                if health.get("metadatabase", {}).get("status") != "healthy":
                    sick.append("metadatabase")
                if sick:
                    state = f"not healthy yet: {', '.join(sick)}"
                else:
                    errors = self.api("GET", "/importErrors").get("import_errors", [])
                    if errors:
                        first = errors[0]
                        last = (first.get("stack_trace") or "").strip().splitlines()[-1:]
                        raise NewsflowError(
                            f"DAG import error in {first.get('filename')}: {' '.join(last)}"
                        )
                    dags = {d["dag_id"] for d in self.api("GET", "/dags").get("dags", [])}
                    missing = wanted - dags
                    if not missing:
                        return
                    state = f"DAGs not parsed yet: {', '.join(sorted(missing))}"
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


def _airflow_exe() -> str:
    exe = Path(sys.executable).with_name("airflow")
    if not exe.exists():
        raise NewsflowError(f"{exe}: the airflow command is not installed in this environment")
    return str(exe)


# ------------------------------------------------------------------------------------- the CLI


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--dir",
        default="airflow-demo",
        help="where Airflow's home and the data go (default: airflow-demo)",
    )
    p.add_argument(
        "--port", type=int, default=8080, help="UI/API port on 127.0.0.1 (default 8080; 0 = any)"
    )
    p.add_argument(
        "--feeds",
        metavar="FEEDS.yaml",
        help="your feeds registry instead of the demo web (then nothing is served locally)",
    )
    p.add_argument(
        "--db", metavar="PATH.duckdb", help="DuckDB file (default: DIR/data/newsflow.duckdb)"
    )
    p.add_argument(
        "--demo-port", type=int, default=0, help="port of the demo web (default: any free port)"
    )
    p.add_argument(
        "--schedule",
        help="news_ingest schedule, e.g. '*/15 * * * *' (default: 'none' for the demo, the "
        "feeds file's setting with --feeds)",
    )
    p.add_argument("--dags", metavar="DIR", help="DAGs folder (default: this checkout's dags/)")
    p.add_argument("--password", help="the admin password (default: generated once, then kept)")
    p.add_argument(
        "--no-trigger", action="store_true", help="do not trigger a first news_ingest run"
    )
    p.add_argument(
        "--fresh",
        action="store_true",
        help="start from scratch: delete DIR/airflow, DIR/data and DIR/feeds.yaml first",
    )


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
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


def run(args: argparse.Namespace) -> int:
    from pipeline.demo import serve, write_demo_feeds
    from pipeline.report import report_path
    from pipeline.settings import load_settings
    from pipeline.storage.snapshot import snapshot_path

    workdir = Path(args.dir).resolve()
    if args.fresh:
        for p in (workdir / "airflow", workdir / "data", workdir / "feeds.yaml"):
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()
    workdir.mkdir(parents=True, exist_ok=True)
    schedule = args.schedule
    with contextlib.ExitStack() as stack, _terminate_as_interrupt():
        if args.feeds:
            feeds = Path(args.feeds)
            if not feeds.is_file():
                raise NewsflowError(f"{feeds}: feeds file not found")
        else:
            server = stack.enter_context(serve(port=args.demo_port))
            demo_port = server.server_address[1]
            feeds = write_demo_feeds(workdir / "feeds.yaml", demo_port)
            schedule = schedule or "none"
            _say(f"[airflow] demo web on http://127.0.0.1:{demo_port}/ (feeds: {feeds})")
        stack_ = LocalAirflow(
            workdir=workdir,
            feeds=feeds,
            port=args.port,
            dags_dir=Path(args.dags) if args.dags else default_dags_dir(),
            db_path=Path(args.db) if args.db else None,
            password=args.password,
            schedule=schedule,
        )
        # What the DAGs will see (the components get exactly these NEWSFLOW_* variables): a
        # broken feeds file fails here, in one line, instead of as a DAG import error.
        settings = load_settings(environ=stack_.newsflow_env())
        if args.port:
            with socket.socket() as sock:
                if sock.connect_ex((stack_.host, args.port)) == 0:
                    raise NewsflowError(
                        f"port {args.port} is in use on {stack_.host} (pick another with --port)"
                    )
        _say(f"[airflow] preparing {stack_.home} (metadata DB, pool 'duckdb', login)")
        password = stack_.prepare()
        try:
            stack_.start()
            _say("[airflow] starting " + ", ".join(stack_.components) + f"; logs in {stack_.logs}")
            stack_.wait_ready()
            stack_.unpause(DAG_IDS)
            run_id = None if args.no_trigger else stack_.trigger("news_ingest")
            assert stack_.db_path is not None
            state = {
                "url": stack_.url + "/",
                "username": USERNAME,
                "password": password,
                "airflow_home": str(stack_.home),
                "db_path": str(stack_.db_path),
                "snapshot": str(snapshot_path(settings.db_path, settings.data_dir)),
                "report": str(report_path(settings.db_path, settings.data_dir)),
                "feeds": str(feeds),
                "triggered_run": run_id,
                "pids": {c.name: c.proc.pid for c in stack_.running if c.proc},
            }
            (stack_.home / "local.json").write_text(json.dumps(state, indent=1), encoding="utf-8")
            _say()
            _say("newsflow airflow is ready")
            _say(f"  UI:       {state['url']}")
            _say(f"  login:    {USERNAME} / {password}")
            _say(f"  DAGs:     {stack_.dags_dir} ({', '.join(DAG_IDS)})")
            _say(f"  DuckDB:   {stack_.db_path}")
            _say(f"  snapshot: {state['snapshot']} (newsflow query reads it while runs write)")
            _say(f"  report:   {state['report']} (rewritten after every models build)")
            if run_id:
                _say(f"  triggered news_ingest run {run_id}; news_models follows it")
            _say("Ctrl-C stops everything.")
            while True:
                stack_.check_alive()
                time.sleep(1.0)
        except KeyboardInterrupt:
            _say("\n[airflow] stopping")
        finally:
            stack_.stop()
            _say("[airflow] stopped")
    return 0
