"""The container deployment: Dockerfile, docker-compose.yml, .env.example, docker/airflow-init.sh.

There is no Docker engine where the tests run, so the compose file is checked in two ways:
statically (structure, interpolation, mounts, profiles, config keys, against the repo and the
Dockerfile), and by running what its services run, outside a container, with the environment the
compose file gives them: the Airflow CLI commands are parsed by Airflow's own parser and their
``--help`` is run; the init script migrates a real (SQLite) metadata DB, creates the pool and
writes the login, and a real ``airflow api-server`` then answers the compose healthcheck URL and
accepts that login. ``docker compose config`` runs too where a compose binary exists.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fnmatch import fnmatch
from importlib.util import find_spec
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml

from pipeline.settings import load_settings

REPO = Path(__file__).resolve().parent.parent
COMPOSE_FILE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
FEEDS_EXAMPLE = REPO / "FEEDS.example.yaml"
DEPLOYMENT_DOC = REPO / "docs" / "deployment.md"
VENV_BIN = Path(sys.executable).parent

CELERY_INSTALLED = find_spec("airflow.providers.celery") is not None
NO_CELERY = "apache-airflow-providers-celery is not installed in this venv"

# Bind-mount sources a user creates from a committed example rather than the repo shipping them.
USER_CREATED = {"FEEDS.yaml": "FEEDS.example.yaml"}

# ------------------------------------------------------------------------- compose interpolation

_VAR = re.compile(
    r"\$(?:(?P<escaped>\$)"
    r"|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<named>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<invalid>))"
)


class MissingVariableError(ValueError):
    """A ``${VAR:?message}`` whose variable is unset (compose refuses to start)."""


@dataclass(frozen=True)
class VarRef:
    name: str
    op: str | None  # None, ":-", "-", ":?", "?", ":+", "+"
    arg: str


def var_refs(text: str) -> list[VarRef]:
    """Every variable reference in one compose string; raises on malformed ``$`` use."""
    refs = []
    for m in _VAR.finditer(text):
        if m["invalid"] is not None:
            raise ValueError(f"invalid interpolation (use $$ for a literal $): {text!r}")
        if m["escaped"]:
            continue
        refs.append(VarRef(m["braced"] or m["named"], m["op"], m["arg"] or ""))
    return refs


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's substitution rules for ``$VAR``, ``${VAR}``, ``:-``, ``-``, ``:?``, ``?``, ``:+``."""

    def sub(m: re.Match[str]) -> str:
        if m["invalid"] is not None:
            raise ValueError(f"invalid interpolation (use $$ for a literal $): {text!r}")
        if m["escaped"]:
            return "$"
        name, op, arg = m["braced"] or m["named"], m["op"], m["arg"] or ""
        value = env.get(name)
        if op == ":-":
            return value if value else arg
        if op == "-":
            return value if value is not None else arg
        if op in (":?", "?") and (value is None or (op == ":?" and value == "")):
            raise MissingVariableError(f"{name}: {arg}")
        if op == ":+":
            return arg if value else ""
        if op == "+":
            return arg if value is not None else ""
        return value or ""

    return _VAR.sub(sub, text)


def strings_in(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in strings_in(v)]
    if isinstance(node, list):
        return [s for v in node for s in strings_in(v)]
    return []


def resolve(node: Any, env: dict[str, str]) -> Any:
    """The compose document with every string value interpolated (keys are not)."""
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, dict):
        return {k: resolve(v, env) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(v, env) for v in node]
    return node


# ------------------------------------------------------------------------------------ file readers


def load_compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def env_example() -> tuple[dict[str, str], set[str]]:
    """(variables set in .env.example, variables only documented there as ``# NAME=...``)."""
    active: dict[str, str] = {}
    documented: set[str] = set()
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", line):
            active[m[1]] = m[2]
        elif m := re.match(r"^#\s*([A-Za-z_][A-Za-z0-9_]*)=", line):
            documented.add(m[1])
    return active, documented


def resolved_compose(extra: dict[str, str] | None = None) -> dict[str, Any]:
    """The compose file as compose would see it with .env.example copied to .env."""
    return resolve(load_compose(), {**env_example()[0], **(extra or {})})


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined and comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        word, _, rest = full.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def dockerfile_copies() -> list[tuple[list[str], str]]:
    """(sources, destination) of every COPY, flags (``--chown=...``) left out."""
    copies = []
    for word, rest in dockerfile_instructions():
        if word == "COPY":
            parts = [p for p in shlex.split(rest) if not p.startswith("--")]
            copies.append((parts[:-1], parts[-1]))
    return copies


def dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for word, rest in dockerfile_instructions():
        if word == "ENV":
            for token in shlex.split(rest):
                key, _, value = token.partition("=")
                env[key] = value
    return env


def repo_path_in_image(container_path: str) -> Path | None:
    """The repo file the Dockerfile copies to ``container_path`` (files and whole folders)."""
    for sources, dest in dockerfile_copies():
        for src in sources:
            src_path = REPO / src.rstrip("/")
            if dest.endswith("/"):
                target = dest + (src_path.name if not src.endswith("/") else "")
                if src.endswith("/") and container_path.startswith(dest):
                    return src_path / container_path[len(dest) :]
                if container_path == target.rstrip("/"):
                    return src_path
            elif container_path == dest:
                return src_path
    return None


def is_airflow_service(service: dict[str, Any]) -> bool:
    return "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN" in (service.get("environment") or {})


def mounts(service: dict[str, Any]) -> list[dict[str, Any]]:
    """Volumes of a service in long form: {type, source, target, read_only}."""
    out = []
    for vol in service.get("volumes") or []:
        if isinstance(vol, str):
            parts = vol.split(":")
            source, target = parts[0], parts[1]
            kind = "bind" if source.startswith((".", "/", "~")) else "volume"
            out.append(
                {"type": kind, "source": source, "target": target, "read_only": parts[2:] == ["ro"]}
            )
        else:
            out.append(dict(vol))
    return out


# --------------------------------------------------------------------------- structure (static)

_SERVICE_KEYS = """annotations attach blkio_config build cap_add cap_drop cgroup cgroup_parent command configs
    container_name cpu_count cpu_percent cpu_period cpu_quota cpu_rt_period cpu_rt_runtime
    cpu_shares cpus cpuset credential_spec depends_on deploy develop device_cgroup_rules devices
    dns dns_opt dns_search domainname entrypoint env_file environment expose extends
    external_links extra_hosts gpus group_add healthcheck hostname image init ipc isolation labels
    label_file links logging mac_address mem_limit mem_reservation mem_swappiness memswap_limit
    network_mode networks oom_kill_disable oom_score_adj pid pids_limit platform ports post_start
    pre_stop privileged profiles pull_policy read_only restart runtime scale secrets security_opt
    shm_size stdin_open stop_grace_period stop_signal storage_opt sysctls tmpfs tty ulimits
    user userns_mode uts volumes volumes_from working_dir"""
SERVICE_KEYS = set(_SERVICE_KEYS.split())
TOP_KEYS = {"name", "services", "networks", "volumes", "configs", "secrets", "include", "models"}
HEALTHCHECK_KEYS = {"test", "interval", "timeout", "retries", "start_period", "start_interval"}
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
DURATION = re.compile(r"^(\d+(\.\d+)?(us|ms|s|m|h))+$")
PORT = re.compile(r"^(?:(?:\d{1,3}(?:\.\d{1,3}){3}):)?(?:\d{1,5}:)?\d{1,5}(?:/(?:tcp|udp))?$")


def test_compose_file_is_structurally_valid() -> None:
    doc = load_compose()
    assert "version" not in doc, "the top-level 'version' key is obsolete in the compose spec"
    assert set(doc) - TOP_KEYS <= {k for k in doc if k.startswith("x-")}, set(doc) - TOP_KEYS
    services = doc["services"]
    assert services, "no services"
    for name, svc in services.items():
        unknown = {k for k in svc if not k.startswith("x-")} - SERVICE_KEYS
        assert not unknown, f"{name}: unknown service key(s) {unknown}"
        assert "image" in svc or "build" in svc, f"{name}: needs image or build"
        command = svc.get("command")
        if command is not None:
            assert isinstance(command, str) or (
                isinstance(command, list) and all(isinstance(w, str) for w in command)
            ), f"{name}: command must be a string or a list of strings"
        profiles = svc.get("profiles", [])
        assert isinstance(profiles, list) and all(isinstance(p, str) for p in profiles), name
        assert svc.get("restart", "no") in {"no", "always", "on-failure", "unless-stopped"}, name
        env = svc.get("environment") or {}
        assert isinstance(env, dict), f"{name}: environment should be a mapping"
        for key, value in env.items():
            # YAML turns bare True/1 into bool/int; compose wants strings, and "True" vs true
            # matters to Airflow's config parser, so every value is quoted.
            assert isinstance(value, str), f"{name}: {key} must be a quoted string, got {value!r}"
        hc = svc.get("healthcheck")
        if hc is not None:
            assert set(hc) <= HEALTHCHECK_KEYS, f"{name}: healthcheck keys {set(hc)}"
            test = hc["test"]
            assert isinstance(test, list) and test[0] in {"CMD", "CMD-SHELL"} and len(test) >= 2, (
                f"{name}: healthcheck test must be ['CMD', ...] or ['CMD-SHELL', '...']"
            )
            for key in ("interval", "timeout", "start_period", "start_interval"):
                if key in hc:
                    assert DURATION.match(str(hc[key])), f"{name}: healthcheck {key}={hc[key]!r}"
            assert isinstance(hc.get("retries", 3), int), name
    for name, svc in resolved_compose()["services"].items():
        for port in svc.get("ports", []):
            assert isinstance(port, str) and PORT.match(port), f"{name}: port {port!r}"


def test_depends_on_targets_exist_and_are_consistent_with_profiles() -> None:
    services = load_compose()["services"]
    for name, svc in services.items():
        deps = svc.get("depends_on") or {}
        assert isinstance(deps, dict), f"{name}: use the long depends_on form with a condition"
        mine = set(svc.get("profiles", []))
        for dep, spec in deps.items():
            assert dep in services, f"{name} depends on undefined service {dep!r}"
            assert dep != name, f"{name} depends on itself"
            assert set(spec) <= {"condition", "restart", "required"}, f"{name}->{dep}: {spec}"
            condition = spec["condition"]
            assert condition in CONDITIONS, f"{name}->{dep}: condition {condition!r}"
            target = services[dep]
            if condition == "service_healthy":
                assert "healthcheck" in target, (
                    f"{name} waits for {dep} to be healthy; no healthcheck"
                )
            if condition == "service_completed_successfully":
                assert target.get("restart", "no") == "no", f"{dep} is one-shot; must not restart"
            # Whenever this service is enabled, its dependency must be too.
            theirs = set(target.get("profiles", []))
            if theirs:
                assert mine and mine <= theirs, (
                    f"{name} (profiles {sorted(mine) or 'none'}) depends on {dep}, "
                    f"which only runs with profiles {sorted(theirs)}"
                )


def test_airflow_services_share_the_common_anchor() -> None:
    doc = load_compose()
    common = doc["x-airflow-common"]
    airflow = {n: s for n, s in doc["services"].items() if is_airflow_service(s)}
    assert set(airflow) >= {
        "airflow-init",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "airflow-worker",
    }
    for name, svc in airflow.items():
        for key in ("image", "build", "volumes", "user"):
            assert svc.get(key) == common[key], f"{name}: {key} differs from x-airflow-common"
        missing = set(common["environment"]) - set(svc["environment"])
        assert not missing, f"{name}: lacks common environment {missing}"
        deps = svc.get("depends_on", {})
        assert deps.get("postgres", {}).get("condition") == "service_healthy", name
        if name != "airflow-init":
            assert deps["airflow-init"]["condition"] == "service_completed_successfully", name
    postgres = doc["services"]["postgres"]
    assert postgres["image"].split(":")[0] == "postgres" and postgres["image"].endswith(":16")
    assert "pg_isready" in postgres["healthcheck"]["test"]


def test_airflow_3_wiring_points_at_real_services() -> None:
    doc = resolved_compose()
    services = doc["services"]
    env = services["airflow-scheduler"]["environment"]
    # Tasks reach the execution API at the api-server's service name and container port.
    url = urlsplit(env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    assert url.hostname in services and services[url.hostname]["command"] == ["api-server"]
    assert url.path == "/execution/"
    published = [p.rsplit(":", 1)[1] for p in services[url.hostname]["ports"]]
    assert str(url.port) in published
    health = services[url.hostname]["healthcheck"]["test"]
    assert f"http://localhost:{url.port}/api/v2/monitor/health" in health
    # The metadata DB and the Celery result backend are the postgres service with its password.
    for key in ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__CELERY__RESULT_BACKEND"):
        conn = urlsplit(env[key])
        assert conn.hostname == "postgres" and conn.username == "airflow"
        assert conn.password == services["postgres"]["environment"]["POSTGRES_PASSWORD"]
    broker = urlsplit(env["AIRFLOW__CELERY__BROKER_URL"])
    assert broker.hostname == "redis" and "redis" in services
    # One JWT secret and one API secret key for every component (random defaults would differ).
    airflow = [s for s in services.values() if is_airflow_service(s)]
    for key in ("AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY"):
        values = {s["environment"][key] for s in airflow}
        assert len(values) == 1 and values != {""}, key
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__COSMOS__ENABLE_TELEMETRY"] == "False"
    assert env["DO_NOT_TRACK"] == "1"
    assert env["AIRFLOW__CORE__AUTH_MANAGER"].endswith(".SimpleAuthManager")
    assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] == "admin:admin"


def test_executor_defaults_to_local_and_switches_to_celery_for_the_profile() -> None:
    default = resolved_compose()["services"]
    celery = resolved_compose({"AIRFLOW__CORE__EXECUTOR": "CeleryExecutor"})["services"]
    for name, svc in default.items():
        if is_airflow_service(svc):
            assert svc["environment"]["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor", name
            assert celery[name]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
    worker = default["airflow-worker"]
    assert worker["profiles"] == ["celery"] and worker["command"] == ["celery", "worker"]
    assert "celery" in default["redis"]["profiles"]
    assert "redis-cli" in default["redis"]["healthcheck"]["test"]
    assert default["flower"]["command"] == ["celery", "flower"]
    # Nothing in the default stack (no profile) needs the broker.
    for name, svc in default.items():
        needs_broker = "redis" in (svc.get("depends_on") or {}) or svc.get("command", [""])[0] in (
            "celery",
            "redis-server",
        )
        if needs_broker or svc.get("image", "").startswith("redis"):
            assert svc.get("profiles"), f"{name} would start without --profile celery"


def test_every_variable_has_a_default_or_is_set_in_env_example() -> None:
    active, documented = env_example()
    refs = [ref for text in strings_in(load_compose()) for ref in var_refs(text)]
    assert refs, "the compose file uses no variables at all?"
    for ref in refs:
        if ref.op in (":-", "-"):
            assert ref.name in active or ref.name in documented, (
                f"${{{ref.name}}} has a default but .env.example does not mention it"
            )
        else:
            assert ref.name in active, f"${{{ref.name}}} has no default and is not in .env.example"
    stale = (set(active) | documented) - {ref.name for ref in refs}
    assert not stale, f".env.example mentions variables the compose file never uses: {stale}"
    resolved_compose()  # with .env.example as .env, nothing required is missing
    with pytest.raises(MissingVariableError):  # without a .env, compose stops instead of using ""
        resolve(load_compose(), {})


def test_secrets_come_only_from_env_and_the_example_holds_placeholders() -> None:
    active, _ = env_example()
    required = {
        r.name for t in strings_in(load_compose()) for r in var_refs(t) if "?" in (r.op or "")
    }
    assert required >= {
        "POSTGRES_PASSWORD",
        "AIRFLOW__API_AUTH__JWT_SECRET",
        "AIRFLOW__API__SECRET_KEY",
        "AIRFLOW_ADMIN_PASSWORD",
    }
    for name in required:
        assert active[name].startswith("change-me"), f".env.example {name} is not a placeholder"
    for name, value in active.items():
        if name not in required:
            assert value == "", f".env.example {name}: optional values stay empty or commented"
    secretish = re.compile(r"SECRET|PASSWORD|FERNET|TOKEN")
    for name, svc in load_compose()["services"].items():
        for key, value in (svc.get("environment") or {}).items():
            if secretish.search(key) and not key.endswith("_FILE"):
                assert var_refs(value), f"{name}: {key} is a literal, not taken from .env"
    gitignored = REPO.joinpath(".gitignore").read_text().split()
    assert ".env" in gitignored and ".env" in DOCKERIGNORE.read_text().split()


def test_mounts_are_repo_paths_or_declared_volumes() -> None:
    doc = resolved_compose()
    declared = set(doc.get("volumes") or {})
    used: set[str] = set()
    docs = DEPLOYMENT_DOC.read_text(encoding="utf-8")
    for name, svc in doc["services"].items():
        for mount in mounts(svc):
            assert mount["target"].startswith("/"), f"{name}: {mount}"
            if mount["type"] == "volume":
                assert mount["source"] in declared, f"{name}: undeclared volume {mount['source']}"
                used.add(mount["source"])
                continue
            assert mount["type"] == "bind", f"{name}: {mount}"
            host = (REPO / mount["source"]).resolve()
            rel = host.relative_to(REPO).as_posix()  # raises if a mount leaves the repo
            if rel in USER_CREATED:
                example = USER_CREATED[rel]
                assert (REPO / example).is_file(), f"{rel} is created from {example}: missing"
                assert f"cp {example} {rel}" in docs, (
                    f"docs/deployment.md must say: cp {example} {rel}"
                )
                # Without this, Docker would create an empty *directory* named FEEDS.yaml.
                assert mount.get("bind", {}).get("create_host_path") is False, f"{name}: {rel}"
            else:
                assert host.exists(), f"{name}: bind source {mount['source']} does not exist"
    assert used == declared, f"declared but unused volumes: {declared - used}"


def test_newsflow_paths_match_the_mounts_and_the_image() -> None:
    image_env = dockerfile_env()
    models_dir = image_env["NEWSFLOW_DBT_PROJECT_DIR"]
    sql_copy = [dest for srcs, dest in dockerfile_copies() if srcs == ["sql/"]]
    assert sql_copy and sql_copy[0].rstrip("/") == models_dir
    for name, svc in resolved_compose()["services"].items():
        if not is_airflow_service(svc):
            continue
        env, targets = svc["environment"], {m["target"]: m for m in mounts(svc)}
        data = targets[str(Path(env["NEWSFLOW_DB_PATH"]).parent)]
        assert data["type"] == "volume", f"{name}: the DuckDB file must live on a named volume"
        assert env["NEWSFLOW_DATA_DIR"] == data["target"], name
        feeds = targets[env["NEWSFLOW_FEEDS"]]
        assert feeds["read_only"] is True, f"{name}: mount the feeds file read-only"
        sql = targets[env.get("NEWSFLOW_DBT_PROJECT_DIR", models_dir)]
        assert (REPO / sql["source"]).resolve() == REPO / "sql", name
        for key, value in image_env.items():
            if key in env:
                assert env[key] == value, f"{name}: {key} differs from the Dockerfile's ENV"


def test_models_module_reads_the_project_dir_variable(monkeypatch, tmp_path) -> None:
    from pipeline.run import dbt as models

    assert dockerfile_env()[models.PROJECT_DIR_ENV] == "/opt/newsflow/sql"
    monkeypatch.setenv(models.PROJECT_DIR_ENV, str(tmp_path))
    assert models.dbt_project_dir() == tmp_path.resolve()


def test_passwords_file_is_on_a_volume_shared_by_init_and_apiserver() -> None:
    services = resolved_compose()["services"]
    key = "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"
    path = services["airflow-apiserver"]["environment"][key]
    assert services["airflow-init"]["environment"][key] == path

    def holder(service: dict[str, Any]) -> dict[str, Any] | None:
        found = [m for m in mounts(service) if path.startswith(m["target"].rstrip("/") + "/")]
        return max(found, key=lambda m: len(m["target"]), default=None)

    init, api = holder(services["airflow-init"]), holder(services["airflow-apiserver"])
    assert init is not None and init["type"] == "volume" and init == api


def test_dockerfile_pins_the_airflow_of_the_lock_and_installs_as_airflow() -> None:
    lock = (REPO / "constraints.txt").read_text(encoding="utf-8")
    airflow_pin = re.search(r"^apache-airflow==(\S+)$", lock, re.M)
    assert airflow_pin, "constraints.txt has no apache-airflow pin"
    steps = dockerfile_instructions()
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert [rest for word, rest in steps if word == "FROM"] == [
        f"apache/airflow:{airflow_pin[1]}-python{python}"
    ]
    user, installs = "airflow", []  # the official image's default user
    for word, rest in steps:
        if word == "USER":
            user = rest.split(":")[0]
        if word == "RUN" and "pip install" in rest:
            assert user == "airflow", "pip must not run as root in the official image"
            installs.append(shlex.split(rest))
    assert user == "airflow", "the image must end as the airflow user"
    assert len(installs) == 1, installs
    words = installs[0]
    copied = {Path(src).name: dest for srcs, dest in dockerfile_copies() for src in srcs}
    src_dir = copied["pyproject.toml"].rstrip("/")
    assert (
        "--no-cache-dir" in words and words[words.index("-c") + 1] == f"{src_dir}/constraints.txt"
    )
    assert src_dir in words, "pip must install the folder holding pyproject.toml"
    assert copied["constraints.txt"] == copied["pyproject.toml"] == copied["README.md"]


def test_dockerfile_copies_exist_and_are_not_dockerignored() -> None:
    ignored = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert {".env", ".venv", ".git"} <= set(ignored)
    for sources, _ in dockerfile_copies():
        for src in sources:
            path = src.rstrip("/")
            assert (REPO / path).exists(), f"COPY {src}: not in the repo"
            hits = [p for p in ignored if fnmatch(path, p) or fnmatch(path, p.removeprefix("**/"))]
            assert not hits, f"COPY {src} is excluded by .dockerignore {hits}"


def test_feeds_example_is_a_valid_feeds_file() -> None:
    settings = load_settings(FEEDS_EXAMPLE, environ={})
    assert 2 <= len(settings.feeds) <= 3
    for feed in settings.feeds:
        assert feed.url.startswith("https://") and feed.country and feed.language, feed.id


def test_deployment_doc_matches_the_compose_file() -> None:
    text = DEPLOYMENT_DOC.read_text(encoding="utf-8")
    services = load_compose()["services"]
    profiles = {p for svc in services.values() for p in svc.get("profiles", [])}
    for profile in profiles:
        assert f"--profile {profile}" in text, f"docs/deployment.md never shows --profile {profile}"
    for phrase in (
        "cp .env.example .env",
        "AIRFLOW__CORE__EXECUTOR=CeleryExecutor",
        'airflow pools set duckdb 1 "single DuckDB writer"',
        "pipeline/storage/staging.py",
        "pipeline/storage/load.py",
        "sql/profiles.yml",
    ):
        assert phrase in text, f"docs/deployment.md should mention {phrase!r}"


# ----------------------------------------------------------------- what the services really run


def service_airflow_commands() -> list[tuple[str, list[str] | None]]:
    """(label, airflow argv without 'airflow') for every Airflow command a service runs.

    The official image's entrypoint runs ``airflow <command>`` unless the command starts with
    ``bash`` or ``python``; for a script, every ``airflow ...`` line in it counts. Healthchecks
    that call the Airflow CLI count too.
    """
    out: list[tuple[str, list[str] | None]] = []
    for name, svc in resolved_compose()["services"].items():
        if not is_airflow_service(svc):
            continue
        command = svc["command"]
        words = shlex.split(command) if isinstance(command, str) else list(command)
        if words[0] in ("bash", "python"):
            script = repo_path_in_image(words[1])
            if script is None or not script.is_file():
                out.append((f"{name}: {words[1]} (not copied by the Dockerfile)", None))
                continue
            for line in script.read_text(encoding="utf-8").splitlines():
                if line.strip().startswith("airflow "):
                    out.append((f"{name}: {line.strip()}", shlex.split(line)[1:]))
        else:
            words = words[1:] if words[0] == "airflow" else words
            out.append((f"{name}: {' '.join(words)}", words))
        test = (svc.get("healthcheck") or {}).get("test") or []
        shell = test[1] if test[:1] == ["CMD-SHELL"] else shlex.join(test[1:])
        for part in re.split(r"\|\||&&|;", shell):
            words = shlex.split(part)
            if words[:1] == ["airflow"]:
                argv = [w.replace("${HOSTNAME}", "somehost") for w in words[1:]]
                out.append((f"{name} healthcheck: {part.strip()}", argv))
    return out


COMMANDS = service_airflow_commands()


def test_services_run_the_expected_commands() -> None:
    argvs = [argv for _, argv in COMMANDS]
    assert None not in argvs, [label for label, argv in COMMANDS if argv is None]
    for expected in (
        ["api-server"],
        ["scheduler"],
        ["dag-processor"],
        ["triggerer"],
        ["celery", "worker"],
        ["db", "migrate"],
        ["pools", "set", "duckdb", "1", "single DuckDB writer"],
    ):
        assert expected in argvs, f"no service runs airflow {' '.join(expected)}"


def airflow_env(home: Path, service_env: dict[str, str] | None = None) -> dict[str, str]:
    """A service's environment for running it here: own AIRFLOW_HOME, SQLite metadata DB."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AIRFLOW", "_AIRFLOW", "NEWSFLOW_", "PYTHONPATH"))
    }
    env.update(service_env or {})
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return env


_PROBE = r"""
import argparse, contextlib, io, json, sys

request = json.load(sys.stdin)
from airflow.cli.cli_parser import get_parser
from airflow.configuration import retrieve_configuration_description

parser = get_parser()


def command_path(argv):
    node, words, path = parser, list(argv), []
    while words:
        subs = [a for a in node._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs or words[0] not in subs[0].choices:
            break
        path.append(words[0])
        node = subs[0].choices[words.pop(0)]
    return path


commands = {}
for argv in request:
    err = io.StringIO()  # Airflow's parser prints usage and errors to stdout and stderr
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(err):
            parser.parse_args(argv)
        ok = True
    except SystemExit as exc:
        ok = exc.code in (0, None)
    commands[json.dumps(argv)] = {"ok": ok, "path": command_path(argv), "error": err.getvalue()[-600:]}

options = {s: sorted(d.get("options", {})) for s, d in retrieve_configuration_description().items()}
import cosmos.settings as cosmos_settings

print("PROBE-RESULT " + json.dumps({
    "commands": commands,
    "options": options,
    "cosmos_telemetry": cosmos_settings.enable_telemetry,
    "do_not_track": cosmos_settings.do_not_track,
}))
"""


@pytest.fixture(scope="module")
def airflow_probe(tmp_path_factory) -> dict[str, Any]:
    """Airflow's own CLI parser and config description, run with the scheduler's environment."""
    home = tmp_path_factory.mktemp("airflow-probe")
    scheduler = resolved_compose()["services"]["airflow-scheduler"]["environment"]
    argvs = [argv for _, argv in COMMANDS if argv is not None]
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE],
        input=json.dumps(argvs),
        env=airflow_env(home, scheduler),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=home,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("PROBE-RESULT ")]
    assert proc.returncode == 0 and lines, proc.stderr[-3000:]
    return json.loads(lines[-1].removeprefix("PROBE-RESULT "))


@pytest.fixture(scope="module")
def airflow_help(airflow_probe, tmp_path_factory) -> dict[tuple[str, ...], tuple[int, str]]:
    """``airflow <subcommand> --help`` for every distinct subcommand, run in parallel."""
    home = tmp_path_factory.mktemp("airflow-help")
    paths = {tuple(r["path"]) for r in airflow_probe["commands"].values() if r["ok"]}
    env = airflow_env(home)

    def run(path: tuple[str, ...]) -> tuple[int, str]:
        proc = subprocess.run(
            [str(VENV_BIN / "airflow"), *path, "--help"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            cwd=home,
        )
        return proc.returncode, proc.stdout + proc.stderr

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(paths, pool.map(run, paths), strict=True))


@pytest.mark.airflow
@pytest.mark.parametrize(("label", "argv"), COMMANDS, ids=[label for label, _ in COMMANDS])
def test_service_command_is_a_real_airflow_command(
    label: str, argv: list[str] | None, airflow_probe, airflow_help
) -> None:
    assert argv is not None, label
    if argv[0] == "celery" and not CELERY_INSTALLED:
        pytest.skip(NO_CELERY)
    result = airflow_probe["commands"][json.dumps(argv)]
    assert result["ok"], f"airflow rejects `{' '.join(argv)}`: {result['error']}"
    path = tuple(result["path"])
    assert path, label
    code, output = airflow_help[path]
    assert code == 0, f"`airflow {' '.join(path)} --help` exited {code}: {output[-1000:]}"
    assert f"airflow {' '.join(path)}" in output


@pytest.mark.airflow
def test_airflow_config_variables_name_real_options(airflow_probe) -> None:
    options = airflow_probe["options"]
    keys = {
        key
        for svc in load_compose()["services"].values()
        for key in (svc.get("environment") or {})
        if key.startswith("AIRFLOW__")
    }
    unknown = []
    for key in sorted(keys):
        section, option = key.removeprefix("AIRFLOW__").lower().split("__", 1)
        if section == "cosmos":
            continue  # Cosmos reads its options with fallbacks; checked through its settings below
        if section == "celery" and not CELERY_INSTALLED:
            continue  # the provider defines [celery]; it is not installed here
        if option not in options.get(section, ()):
            unknown.append(key)
    assert not unknown, f"not Airflow config options: {unknown}"
    assert airflow_probe["cosmos_telemetry"] is False
    assert airflow_probe["do_not_track"] is True


# ------------------------------------------------------------------- airflow-init + api-server


def _init_script() -> Path:
    command = load_compose()["services"]["airflow-init"]["command"]
    script = repo_path_in_image(command[1])
    assert command[0] == "bash" and script is not None and script.is_file(), command
    return script


def test_init_script_refuses_a_login_that_cannot_work(tmp_path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",  # no airflow: the check must come before any Airflow command
        "AIRFLOW_ADMIN_PASSWORD": "x",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "bob:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(tmp_path / "pw.json"),
    }
    proc = subprocess.run(["bash", str(_init_script())], env=env, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    assert "user 'admin' is not in AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS" in proc.stderr
    assert not (tmp_path / "pw.json").exists()


def test_init_script_requires_the_admin_password(tmp_path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(tmp_path / "pw.json"),
    }
    proc = subprocess.run(["bash", str(_init_script())], env=env, capture_output=True, text=True)
    assert proc.returncode != 0 and "AIRFLOW_ADMIN_PASSWORD" in proc.stderr


@pytest.fixture(scope="module")
def initialized(tmp_path_factory) -> dict[str, Any]:
    """docker/airflow-init.sh run with airflow-init's compose environment, on SQLite."""
    home = tmp_path_factory.mktemp("airflow-init")
    passwords = home / "auth" / "passwords.json"
    passwords.parent.mkdir()
    passwords.write_text(json.dumps({"viewer": "kept-as-is"}))  # another user's entry survives
    admin_password = "pw-" + os.urandom(8).hex()
    services = resolved_compose()["services"]
    overrides = {
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        "AIRFLOW_ADMIN_PASSWORD": admin_password,
    }
    env = airflow_env(home, {**services["airflow-init"]["environment"], **overrides})
    proc = subprocess.run(
        ["bash", str(_init_script())],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=home,
    )
    api_env = airflow_env(home, {**services["airflow-apiserver"]["environment"], **overrides})
    api_env.pop("AIRFLOW_ADMIN_PASSWORD")
    return {
        "proc": proc,
        "home": home,
        "passwords": passwords,
        "admin_password": admin_password,
        "api_env": api_env,
        "api_service": services["airflow-apiserver"],
    }


@pytest.mark.airflow
def test_init_script_migrates_creates_the_pool_and_the_login(initialized) -> None:
    proc = initialized["proc"]
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    with contextlib.closing(sqlite3.connect(initialized["home"] / "airflow.db")) as db:
        pools = db.execute("SELECT pool, slots, description FROM slot_pool").fetchall()
    assert ("duckdb", 1, "single DuckDB writer") in pools
    passwords = initialized["passwords"]
    assert json.loads(passwords.read_text()) == {
        "viewer": "kept-as-is",
        "admin": initialized["admin_password"],
    }
    assert passwords.stat().st_mode & 0o777 == 0o600
    assert not [p for p in passwords.parent.iterdir() if p != passwords], "temp files left"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.airflow
def test_api_server_answers_the_healthcheck_and_accepts_the_login(initialized) -> None:
    assert initialized["proc"].returncode == 0, "airflow-init failed; see the test above"
    service = initialized["api_service"]
    port = _free_port()
    health = service["healthcheck"]["test"][-1].replace("localhost:8080", f"127.0.0.1:{port}")
    log = initialized["home"] / "api-server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                str(VENV_BIN / "airflow"),
                *service["command"],
                *("--host", "127.0.0.1", "--port", str(port)),
            ],
            env=initialized["api_env"],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=initialized["home"],
            start_new_session=True,
        )
    try:
        deadline, response = time.monotonic() + 120, None
        while time.monotonic() < deadline and proc.poll() is None:
            with contextlib.suppress(httpx.TransportError):
                response = httpx.get(health, timeout=5)
                break
            time.sleep(0.5)
        assert response is not None, f"api-server never answered: {log.read_text()[-3000:]}"
        assert response.status_code == 200, response.text
        assert response.json()["metadatabase"]["status"] == "healthy"

        token_url = f"http://127.0.0.1:{port}/auth/token"
        good = {"username": "admin", "password": initialized["admin_password"]}
        ok = httpx.post(token_url, json=good, timeout=10)
        assert ok.status_code == 201, ok.text
        assert ok.json()["access_token"]
        bad = httpx.post(token_url, json={**good, "password": "wrong"}, timeout=10)
        assert bad.status_code == 401, bad.text
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


# ------------------------------------------------------------------------------- image layout


def test_dbt_project_parses_from_the_image_layout(tmp_path) -> None:
    """In the image, ``pipeline`` sits in site-packages and the dbt project in /opt/newsflow/sql.

    Simulated here: a copy of the package on PYTHONPATH (not the editable install) and a copy of
    sql/ named by NEWSFLOW_DBT_PROJECT_DIR, as the Dockerfile sets it. ``ensure_manifest`` runs
    ``dbt parse`` with the profile, which is what the DAG processor does for ``news_models``.
    """
    site = tmp_path / "site"
    shutil.copytree(
        REPO / "pipeline", site / "pipeline", ignore=shutil.ignore_patterns("__pycache__")
    )
    project = tmp_path / "opt" / "sql"
    shutil.copytree(
        REPO / "sql",
        project,
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", "__pycache__"),
    )
    code = (
        "import sys; from pathlib import Path; import pipeline\n"
        "assert pipeline.__file__.startswith(sys.argv[1]), pipeline.__file__\n"
        "from pipeline.run.dbt import ensure_manifest\n"
        "print(ensure_manifest(Path(sys.argv[2])))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    env.update(PYTHONPATH=str(site), NEWSFLOW_DBT_PROJECT_DIR=str(project))
    proc = subprocess.run(
        [sys.executable, "-c", code, str(site), str(tmp_path / "cache")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    manifest = Path(proc.stdout.strip().splitlines()[-1])
    assert manifest.is_file() and json.loads(manifest.read_text())["nodes"]


# ------------------------------------------------------------------------------ docker compose


def _compose_command() -> list[str] | None:
    """``docker compose`` (v2 plugin) or a v2 ``docker-compose``; None if neither is here."""
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True)
        if probe.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    if legacy:
        probe = subprocess.run([legacy, "version"], capture_output=True, text=True)
        if probe.returncode == 0 and re.search(r"v?2\.\d", probe.stdout):
            return [legacy]
    return None


def test_docker_compose_renders_the_config() -> None:
    """``docker compose config`` needs no daemon; it applies the real spec and interpolation."""
    command = _compose_command()
    if command is None:
        pytest.skip("no docker compose v2 here (the docker CLI has no compose plugin)")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AIRFLOW", "NEWSFLOW_", "POSTGRES", "COMPOSE_"))
    }
    env["NEWSFLOW_FEEDS_FILE"] = "./FEEDS.example.yaml"
    project = [
        "--project-directory",
        str(REPO),
        "--env-file",
        str(ENV_EXAMPLE),
        "-f",
        str(COMPOSE_FILE),
    ]
    for profiles in ([], ["--profile", "celery", "--profile", "flower"]):
        proc = subprocess.run(
            [*command, *project, *profiles, "config", "-q"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=REPO,
        )
        assert proc.returncode == 0, proc.stderr
