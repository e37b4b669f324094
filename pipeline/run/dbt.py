"""Build the dbt project in ``sql/`` (staging views, intermediate views, marts) against a DuckDB file.

Why dbt in-process (``dbtRunner``) rather than a ``dbt`` subprocess: the CLI and the DAG already
run inside the venv that has dbt, a subprocess would pay Python start-up and imports on every
build, and the results come back as objects (per-node status, timing, failing-row counts) rather
than text to scrape.

Why the target and log paths go under ``<db dir>/.dbt/``: the project may be installed read-only
(site-packages, a container image), and dbt's default is to write ``target/`` and ``logs/`` into
the project folder. Keeping them next to the DB file also keeps one DB's partial-parse state
apart from another's.

The caller holds the database lock: dbt opens the file read-write for the whole build.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import ModelsError
from pipeline.paths import checkout_path

PROJECT_DIR_ENV = "NEWSFLOW_DBT_PROJECT_DIR"
DB_ENV = "NEWSFLOW_DB"


# ``profiles.yml`` (profile ``newsflow``, target ``dev``) lives in the project dir itself: it has
# no secrets (the DuckDB path comes from ``NEWSFLOW_DB``), so wherever the project is installed
# (repo checkout, or /opt/newsflow/sql in the image) the profile travels with it.

PROFILE_NAME = "newsflow"
TARGET_NAME = "dev"

# Statuses of a node that make the build a failure ("warn" is a test that only warns).
_FAILED = frozenset({"error", "fail", "runtime error"})
# Files under the project that never change what dbt parses.
_NOT_PARSED = frozenset({"target", "logs", "dbt_packages", "scripts", "__pycache__"})

# dbt keeps global state (flags, adapter registry, DuckDB environment): one build at a time.
_DBT_LOCK = threading.Lock()

_TELEMETRY_OFF = {"DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


@dataclass(frozen=True)
class NodeResult:
    """What happened to one model, seed or test."""

    name: str
    resource_type: str
    status: str
    seconds: float
    failures: int | None = None
    message: str | None = None

    @property
    def failed(self) -> bool:
        return self.status in _FAILED


@dataclass(frozen=True)
class ModelsResult:
    """Outcome of a successful build: one entry per node dbt ran, in run order."""

    nodes: tuple[NodeResult, ...]
    seconds: float

    def by_name(self, name: str) -> NodeResult:
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(name)

    def count(self, status: str) -> int:
        return sum(1 for n in self.nodes if n.status == status)


def dbt_project_dir() -> Path:
    """The dbt project folder: ``$NEWSFLOW_DBT_PROJECT_DIR`` if set, else the repo's ``sql/``."""
    override = os.environ.get(PROJECT_DIR_ENV)
    if override:
        return Path(override).expanduser().resolve()
    return checkout_path("sql") or Path("sql").resolve()


def dbt_work_dir(db_path: Path) -> Path:
    """Writable folder for dbt's target and logs of one DB file: ``<db dir>/.dbt``."""
    return Path(db_path).expanduser().resolve().parent / ".dbt"


@contextmanager
def _environ(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of a dbt call, then restore them."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def _one_line(text: object, limit: int = 300) -> str:
    """Collapse dbt's multi-line messages (and ANSI colours) into one short line."""
    flat = " ".join(str(text).replace("\x1b[0m", "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _node_results(run_results: object) -> tuple[NodeResult, ...]:
    out: list[NodeResult] = []
    for r in getattr(run_results, "results", None) or ():
        node = r.node
        failures = r.failures if isinstance(r.failures, int) else None
        out.append(
            NodeResult(
                name=node.name,
                resource_type=str(node.resource_type),
                status=str(r.status),
                seconds=round(float(r.execution_time or 0.0), 3),
                failures=failures,
                message=r.message,
            )
        )
    return tuple(out)


def _failure_reason(nodes: tuple[NodeResult, ...]) -> str:
    """One line naming the first failing node and how many others failed or were skipped."""
    failed = [n for n in nodes if n.failed]
    if not failed:
        return "dbt build failed"
    first = failed[0]
    if first.resource_type == "test" and first.status == "fail":
        rows = f"{first.failures} failing row(s)" if first.failures is not None else "failed"
        what = f"test {first.name}: {rows}"
    else:
        what = f"{first.resource_type} {first.name} {first.status}: {_one_line(first.message)}"
    extra = []
    if len(failed) > 1:
        extra.append(f"{len(failed) - 1} more failed")
    skipped = sum(1 for n in nodes if n.status == "skipped")
    if skipped:
        extra.append(f"{skipped} skipped")
    return f"dbt build failed: {what}" + (f" ({', '.join(extra)})" if extra else "")


def release_duckdb() -> None:
    """Make sure dbt-duckdb has let go of the file, so the caller can open it right after."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # pragma: no cover - dbt-duckdb is a hard dependency
        return
    env = DuckDBConnectionManager._ENV
    if env is not None:
        with suppress(Exception):  # closing an already-closed handle is harmless
            env.close()
    DuckDBConnectionManager.close_all_connections()


def run_dbt_build(
    db_path: Path,
    *,
    full_refresh: bool = False,
    select: str | None = None,
    quiet: bool = True,
) -> ModelsResult:
    """Run ``dbt build`` (seeds, models, tests in DAG order) on the DuckDB file at ``db_path``.

    ``select`` is a dbt selector ("daily_region", "+marts", "stg_articles daily_agency");
    ``full_refresh`` rebuilds incremental marts from scratch. Raises ModelsError with one line
    naming the first failing model or test; a test failure skips the models downstream of it.
    """
    db = Path(db_path).expanduser().resolve()
    if not db.is_file():
        raise ModelsError(f"database file not found: {db}")
    project = dbt_project_dir()
    if not (project / "dbt_project.yml").is_file():
        raise ModelsError(f"dbt project not found: {project} has no dbt_project.yml")
    work = dbt_work_dir(db)
    try:
        (work / "logs").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelsError(f"cannot create dbt work dir {work}: {exc.strerror}") from None

    args = [
        "build",
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(dbt_project_dir()),
        "--profile",
        PROFILE_NAME,
        "--target",
        TARGET_NAME,
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
        "--no-send-anonymous-usage-stats",
        "--no-use-colors",
    ]
    # --no-write-json, --no-populate-cache and --threads 1 were measured and change nothing:
    # a no-op build is ~10 s of CPU in dbt itself (RESULTS.md, "The floor under an incremental
    # build").
    if quiet:
        # info, not debug: debug logs every statement of every node, ~30 % of an incremental
        # build's CPU at 130 nodes (benchmarks/bench_marts.py); failures still log at info.
        args += ["--log-level", "none", "--log-level-file", "info"]
    if full_refresh:
        args.append("--full-refresh")
    if select:
        args += ["--select", *select.split()]
    seeds = _seed_digest(project)
    if not full_refresh and not select and _seeds_current(db, work, seeds):
        args += ["--exclude", "resource_type:seed"]

    from dbt.cli.main import dbtRunner

    started = time.monotonic()
    with _DBT_LOCK, _environ({DB_ENV: str(db), **_TELEMETRY_OFF}):
        try:
            res = dbtRunner().invoke(args)
        finally:
            release_duckdb()
    seconds = round(time.monotonic() - started, 3)

    nodes = _node_results(res.result)
    if res.exception is not None:
        raise ModelsError(f"dbt build failed: {_one_line(res.exception)}")
    if not res.success or any(n.failed for n in nodes):
        raise ModelsError(_failure_reason(nodes))
    if not select:
        _write_seed_stamp(work, seeds)
    return ModelsResult(nodes=nodes, seconds=seconds)


# ------------------------------------------------------------------------- seeds
# The seeds (ISO 3166, UN M49) change only with a new newsflow release, yet `dbt build` reloads
# them and reruns their tests on every build: 15 of ~140 nodes. A build of the whole project
# leaves them out when the last successful one loaded these very files into this very file.

_SEED_STAMP = "seeds.digest"


def _seed_digest(project: Path) -> str:
    """Hash of the seed files, their column types (dbt_project.yml) and dbt's version."""
    from dbt.version import __version__ as dbt_version

    digest = hashlib.sha256(f"dbt {dbt_version}\n".encode())
    files = [project / "dbt_project.yml", *sorted((project / "seeds").rglob("*"))]
    for path in files:
        if path.is_file():
            digest.update(f"{path.relative_to(project).as_posix()}\n".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _seed_tables(project: Path) -> set[str]:
    return {p.stem for p in (project / "seeds").glob("*.csv")}


def _seeds_current(db: Path, work: Path, digest: str) -> bool:
    """True when the last successful build recorded ``digest`` and ``db`` holds every seed
    table (a new or replaced DB file beside an old work dir does not)."""
    try:
        if (work / _SEED_STAMP).read_text(encoding="utf-8").strip() != digest:
            return False
    except OSError:
        return False
    import duckdb

    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error:
        return False  # open elsewhere in this process, or unreadable: load the seeds
    try:
        found = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'seeds'"
            ).fetchall()
        }
    finally:
        con.close()
    return _seed_tables(dbt_project_dir()) <= found


def _write_seed_stamp(work: Path, digest: str) -> None:
    with suppress(OSError):  # a missing stamp only costs reloading the seeds next time
        (work / _SEED_STAMP).write_text(digest + "\n", encoding="utf-8")


class TaskDbLock:
    """``pre_execute``/``post_execute`` hooks that hold the DB lock around one Airflow dbt task.

    Cosmos runs each model and test as its own task that opens the DuckDB file through dbt. The
    ``duckdb`` pool keeps two such tasks apart, but not a task and a ``newsflow`` CLI run or the
    ingest DAG's load: without the lock one of them would find the file in use and fail. The lock
    is :func:`pipeline.storage.db.db_lock`, the one every writer takes.

    One instance is shared by all tasks of a DAG (operator_args); Airflow runs each task in its
    own process, where acquire/release pair up. If a task fails, ``post_execute`` is not called
    and the lock is released when the task's process exits; in a single-process run
    (``dag.test()``) the next ``acquire`` finds it still held by this process and keeps it.
    """

    def __init__(self, db_path: Path, timeout: float = 600.0) -> None:
        self.db_path = Path(db_path)
        self.timeout = timeout
        self._held: AbstractContextManager[None] | None = None
        self._guard = threading.Lock()

    def acquire(self, context: object = None) -> None:
        from pipeline.storage.db import db_lock

        with self._guard:
            if self._held is not None:
                return
            held = db_lock(self.db_path, self.timeout)
            held.__enter__()
            self._held = held

    def release(self, context: object = None, result: object = None) -> None:
        with self._guard:
            held, self._held = self._held, None
        if held is not None:
            held.__exit__(None, None, None)

    @property
    def held(self) -> bool:
        return self._held is not None


def _project_fingerprint(project: Path) -> str:
    """Hash of every file dbt parses, plus the dbt version: the manifest cache key."""
    from dbt.version import __version__ as dbt_version

    digest = hashlib.sha256(f"dbt {dbt_version}\n".encode())
    for path in sorted(project.rglob("*")):
        rel = path.relative_to(project)
        if not path.is_file() or rel.parts[0] in _NOT_PARSED or "__pycache__" in rel.parts:
            continue
        digest.update(f"{rel.as_posix()}\n".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def ensure_manifest(cache_dir: Path, *, db_path: Path | None = None) -> Path:
    """Return a ``manifest.json`` for the current project, running ``dbt parse`` only if needed.

    For Airflow's Cosmos (``LoadMode.DBT_MANIFEST``): the DAG file is parsed every few seconds,
    and a ``dbt ls`` per parse would cost several seconds each time. The manifest is cached under
    ``cache_dir/<fingerprint>/`` keyed on the project's files and dbt's version, so an edited
    model is re-parsed once and an unchanged project never is. ``dbt parse`` runs in a
    subprocess so the DAG processor's logging and dbt's global state stay apart; it reads no
    data, so the DB file need not exist (``db_path`` only fills ``NEWSFLOW_DB`` for the profile).
    """
    project = dbt_project_dir()
    if not (project / "dbt_project.yml").is_file():
        raise ModelsError(f"dbt project not found: {project} has no dbt_project.yml")
    cache_dir = Path(cache_dir).expanduser().resolve()
    final = cache_dir / _project_fingerprint(project)
    manifest = final / "manifest.json"
    if manifest.is_file():
        return manifest
    cache_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".parse-", dir=cache_dir))
    try:
        db = Path(db_path).expanduser().resolve() if db_path else cache_dir / "parse.duckdb"
        env = {**os.environ, DB_ENV: str(db), **_TELEMETRY_OFF}
        code = (
            "import sys; from dbt.cli.main import dbtRunner; "
            "sys.exit(0 if dbtRunner().invoke(sys.argv[1:]).success else 1)"
        )
        cmd = [
            sys.executable,
            "-c",
            code,
            "parse",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(dbt_project_dir()),
            "--target-path",
            str(scratch / "target"),
            "--log-path",
            str(scratch / "logs"),
            "--no-send-anonymous-usage-stats",
            "--no-partial-parse",
            "--no-use-colors",
        ]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        built = scratch / "target" / "manifest.json"
        if proc.returncode != 0 or not built.is_file():
            tail = (proc.stdout + proc.stderr).strip().splitlines()[-3:]
            raise ModelsError(f"dbt parse failed: {_one_line(' '.join(tail))}")
        staged = scratch / "out"
        staged.mkdir()
        shutil.move(built, staged / "manifest.json")
        try:
            staged.rename(final)
        except OSError:
            if not manifest.is_file():  # not a concurrent parser that got there first
                raise
        return manifest
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
