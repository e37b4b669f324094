"""What every component of the local Airflow shares: its environment, its login, its executable.

The same values in each component, like the compose file gives its services: one metadata DB,
one JWT secret, one DAGs folder, the pipeline's ``NEWSFLOW_*`` settings, and nothing inherited
from a developer's own Airflow configuration.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import sys
from collections.abc import Mapping
from pathlib import Path

from pipeline.errors import NewsflowError
from pipeline.paths import checkout_dir, checkout_path

USERNAME = "admin"
DAG_IDS = ("news_ingest", "news_models", "news_reextract")
COMPONENTS: dict[str, list[str]] = {
    "api-server": ["api-server"],
    "scheduler": ["scheduler"],
    "dag-processor": ["dag-processor"],
    "triggerer": ["triggerer"],
}
SIMPLE_AUTH_MANAGER = (
    "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
)


def default_dags_dir() -> Path:
    """The checkout's ``dags/`` (the launcher runs from a checkout)."""
    return checkout_path("dags") or Path("dags")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def airflow_exe() -> str:
    """The ``airflow`` command of this very environment (never another one on PATH)."""
    exe = Path(sys.executable).with_name("airflow")
    if not exe.exists():
        raise NewsflowError(f"{exe}: the airflow command is not installed in this environment")
    return str(exe)


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
    checkout = checkout_dir()
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
            "AIRFLOW__CORE__AUTH_MANAGER": SIMPLE_AUTH_MANAGER,
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USERNAME}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords_file),
            # news_models' first parse runs `dbt parse` (cached afterwards): allow it the time.
            "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "180",
            "AIRFLOW__DAG_PROCESSOR__DAG_FILE_PROCESSOR_TIMEOUT": "240",
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DO_NOT_TRACK": "1",
            "PATH": bin_dir + os.pathsep + env.get("PATH", ""),
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(checkout) if checkout else None, env.get("PYTHONPATH")) if p
            ),
        }
    )
    env.update(newsflow)
    return env
