"""Crash consistency, for real: `newsflow run` SIGKILLed (its whole process group: CLI, extraction
workers, dbt) again and again at moments spread over poll, fetch/extract, load and the dbt build,
against the demo web on loopback. After every kill the DuckDB file must open; then one run is let
finish, and its tables must hold exactly what an uninterrupted run's hold: the same articles
(url, title, body, published_at, agency), the same story membership, places and mart rows (build
timestamps, run ids and story ids aside). A second test kills the loader mid-merge and reloads.

The kill moments come from a fixed seed; each is "so long after this progress line", so the kills
land in the intended stage whatever the machine's speed, and the stage each kill hit is printed.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from pipeline.storage.db import db_lock
from tools.demo import serve, write_demo_feeds

pytestmark = pytest.mark.e2e

NEWSFLOW = [str(Path(sys.executable).with_name("newsflow"))]
if not Path(NEWSFLOW[0]).exists():
    NEWSFLOW = [sys.executable, "-m", "pipeline"]

SEED = 20261207
# (intended stage, progress line after which to kill (None: after the start), delay range in s).
# Until a run's load commits every run polls, fetches and extracts again, so the first kills go
# there; "[poll] tribune-main" is the last feed polled, after it come fetch and extract; a run
# with nothing new goes from that line straight to its load. Then three kills inside dbt.
PLAN: list[tuple[str, str | None, float, float]] = [
    ("start", None, 0.3, 2.5),
    ("poll", r"^\[poll\] wire-world", 0.0, 0.3),
    ("fetch", r"^\[poll\] tribune-main", 0.0, 0.3),
    ("extract", r"^\[fetch\]", 0.0, 1.0),
    ("poll", r"^\[poll\] ledger-top", 0.0, 0.2),
    ("fetch", r"^\[poll\] tribune-main", 0.1, 0.4),
    ("extract", r"^\[fetch\]", 0.3, 1.2),
    ("load", r"^\[extract\]", 0.0, 0.8),
    ("load", r"^\[extract\]|^\[poll\] tribune-main.* 0 new", 0.1, 0.8),
    ("models", r"^\[models\] dbt build", 0.5, 3.0),
    ("models", r"^\[models\] dbt build", 1.5, 5.0),
    ("models", r"^\[models\] dbt build", 3.0, 8.0),
]


@dataclass
class Outcome:
    planned: str
    hit: str  # the stage the process was in when killed ("completed" if it finished first)
    seconds: float
    lines: list[str] = field(default_factory=list)


def _stage_of(lines: list[str]) -> str:
    """The stage a run was in when killed, from its last progress line."""
    progress = [line for line in lines if line.startswith("[")]
    if not progress:
        return "start"
    last = progress[-1]
    if last.startswith("[poll] tribune-main"):  # the last feed: fetching, or loading if no news
        polls = [line for line in progress if line.startswith("[poll]")]
        return "load" if all(line.endswith(" 0 new") for line in polls) else "fetch"
    for prefix, stage in (
        ("[load] merged", "poll"),
        ("[poll]", "poll"),
        ("[fetch]", "extract"),
        ("[extract]", "load"),
        ("[load]", "load"),
        ("[models] dbt", "models"),
    ):
        if last.startswith(prefix):
            return stage
    return "end"


def run_and_kill(
    cmd: list[str], env: dict[str, str], marker: str | None, delay: float, timeout: float = 90
) -> Outcome:
    """Start ``cmd`` in its own process group; SIGKILL the group ``delay`` s after ``marker``."""
    t0 = time.monotonic()
    proc = subprocess.Popen(
        cmd, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        start_new_session=True,
    )  # fmt: skip
    lines: list[str] = []
    seen = threading.Event()
    pattern = re.compile(marker) if marker else None

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line.rstrip())
            if pattern is not None and pattern.search(line):
                seen.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if pattern is None:
            seen.set()
        while not seen.wait(0.05):
            if proc.poll() is not None or time.monotonic() - t0 > timeout:
                break
        if seen.is_set():
            end = time.monotonic() + delay
            while time.monotonic() < end and proc.poll() is None:
                time.sleep(0.01)
        finished = proc.poll() is not None
        stage = "completed" if finished else _stage_of(list(lines))
        if not finished:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    reader.join(timeout=5)
    return Outcome("", stage, round(time.monotonic() - t0, 2), lines)


def assert_db_opens(db: Path) -> None:
    """The file opens (replaying its WAL), answers a query, and nobody holds its lock."""
    with db_lock(db, timeout=10):
        if not db.exists():
            return
        con = duckdb.connect(str(db))
        try:
            tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
            if "articles" in tables:
                con.execute("SELECT count(*) FROM articles").fetchone()
        finally:
            con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return sorted(con.execute(sql).fetchall(), key=repr)


# Columns that legitimately differ between two runs over the same web: when things were built,
# fetched or loaded, which run did it, and the story id (a fresh id per story; membership is
# compared instead).
_VOLATILE = re.compile(r"(^built_at$|^story_id$|^run_id$|^loaded_at$|^fetched_at$|^updated_at$)")


def final_tables(db: Path) -> dict[str, list[tuple]]:
    """What the crash runs and the clean run must agree on."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {
            "articles": _rows(
                con,
                "SELECT url, title, body, published_at, agency, is_syndicated FROM articles",
            ),
            "stories": _rows(
                con,
                "SELECT list(url ORDER BY url) FROM articles GROUP BY story_id",
            ),
            "places": _rows(
                con,
                "SELECT a.url, p.country_code, p.admin1_code, p.place_name, p.geonameid,"
                " p.mention_count, p.is_primary FROM article_places p JOIN articles a"
                " USING (article_id)",
            ),
            "aliases": _rows(con, "SELECT url, article_id FROM url_aliases"),
            "fetch_outcomes": _rows(
                con, "SELECT url, outcome, status_code FROM fetch_log WHERE outcome <> 'deferred'"
            ),
        }
        marts = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'"
        ).fetchall()]  # fmt: skip
        for mart in sorted(marts):
            cols = [
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_schema = 'marts' AND table_name = ? ORDER BY ordinal_position",
                    [mart],
                ).fetchall()
                if not _VOLATILE.search(r[0])
            ]
            where = " WHERE stage = 'fetch'" if mart == "ingest_health" else ""
            # polls differ by design: every killed run that got to its load polled once more
            select = ", ".join(f'"{c}"' for c in cols)
            out[f"marts.{mart}"] = _rows(con, f"SELECT {select} FROM marts.{mart}{where}")
        return out
    finally:
        con.close()


@pytest.fixture(scope="module")
def demo_web():
    with serve() as server:
        yield server.server_address[1]


def _env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "NEWSFLOW_DATA_DIR": str(data_dir)}
    env.pop("NEWSFLOW_FEEDS", None)
    env.pop("NEWSFLOW_DB_PATH", None)
    return env


def test_killed_runs_end_like_an_uninterrupted_run(tmp_path, demo_web):
    feeds = write_demo_feeds(tmp_path / "feeds.yaml", demo_web, extract_workers=1)
    base_db, crash_db = tmp_path / "base" / "n.duckdb", tmp_path / "crash" / "n.duckdb"

    def cmd(db: Path) -> list[str]:
        return [*NEWSFLOW, "run", "--all", "--feeds", str(feeds), "--db", str(db)]

    # The uninterrupted run goes alongside the kills (its own directory, data and dbt folder).
    base = subprocess.Popen(
        cmd(base_db), env=_env(base_db.parent), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    rng = random.Random(SEED)
    outcomes = []
    for planned, marker, lo, hi in PLAN:
        out = run_and_kill(cmd(crash_db), _env(crash_db.parent), marker, rng.uniform(lo, hi))
        out.planned = planned
        outcomes.append(out)
        assert_db_opens(crash_db)
    report = [(o.planned, o.hit, o.seconds) for o in outcomes]
    print("kills (planned, hit, seconds):", report)
    final = subprocess.run(
        cmd(crash_db), env=_env(crash_db.parent), capture_output=True, text=True, timeout=300
    )
    assert final.returncode == 0, final.stderr[-3000:]
    _, b_err = base.communicate(timeout=300)
    assert base.returncode == 0, b_err[-3000:]

    expected, got = final_tables(base_db), final_tables(crash_db)
    assert len(expected["articles"]) == 11
    for name in expected:
        assert got[name] == expected[name], (name, report)
    killed = [o for o in outcomes if o.hit != "completed"]
    assert len(killed) >= 8, report  # a fast machine may finish a run before a late kill
    hit = {o.hit for o in killed}
    assert {"poll", "models"} <= hit and hit & {"fetch", "extract", "load"}, report


def _staged_demo(tmp_path: Path, port: int) -> tuple[Path, Path]:
    """A demo run's batches staged but not loaded: (feeds file, DB path)."""
    feeds = write_demo_feeds(tmp_path / "feeds.yaml", port, extract_workers=1)
    db = tmp_path / "n.duckdb"
    code = (
        "import sys\n"
        "from pipeline.settings import load_settings\n"
        "import pipeline.run.passes as p\n"
        "p.load = lambda settings, run_id=None: p.LoadSummary()\n"  # stage only: no load
        "p.run_pass(load_settings(sys.argv[1], db_path=sys.argv[2]), build=False)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(feeds), str(db)], check=True, timeout=120)
    return feeds, db


_LOADER = (
    "import sys\n"
    "import time\n"
    "import pipeline.storage.load as loader\n"
    "from pipeline.settings import load_settings\n"
    "from pipeline.run.passes import load\n"
    "step = sys.argv[3]\n"
    "if step != '-':\n"
    "    inner = getattr(loader, step)\n"
    "    def traced(*args, **kwargs):\n"
    "        print('AT', step, flush=True)\n"  # the parent kills on this line
    "        result = inner(*args, **kwargs)\n"
    "        time.sleep(30)\n"  # still inside the transaction: a slow kill lands here
    "        return result\n"
    "    setattr(loader, step, traced)\n"
    "print('LOADED', load(load_settings(sys.argv[1], db_path=sys.argv[2])).articles)\n"
)
# Steps of one batch's merge transaction (pipeline.storage.load), in order.
MERGE_STEPS = ("_read_staged", "_insert_articles", "_insert_article_children", "_record_batch")


def test_loader_killed_mid_merge_then_reloaded(tmp_path, demo_web):
    """SIGKILL the load (the one DB writer) inside a batch's merge transaction, at each of its
    steps; the DB opens after each kill, and the next load finishes the job: every staged
    article once, every batch recorded once, nothing left staged."""
    feeds, db = _staged_demo(tmp_path, demo_web)
    staged = sorted(p.name for p in (tmp_path / "staging").iterdir())
    assert len(staged) >= 2 and not db.exists()
    rng = random.Random(SEED)
    kills = 0
    for step in MERGE_STEPS:
        proc = subprocess.Popen(
            [sys.executable, "-c", _LOADER, str(feeds), str(db), step], start_new_session=True,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("AT "):
                time.sleep(rng.uniform(0.0, 0.1))
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    kills += 1
                break
        proc.wait(timeout=60)
        assert_db_opens(db)
    assert kills == len(MERGE_STEPS)
    done = subprocess.run(
        [sys.executable, "-c", _LOADER, str(feeds), str(db), "-"], capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    con = duckdb.connect(str(db), read_only=True)
    try:
        articles = con.execute("SELECT count(*), count(DISTINCT url) FROM articles").fetchone()
        assert articles == (11, 11)
        batches = con.execute("SELECT batch_id FROM loaded_batches ORDER BY 1").fetchall()
        assert [b[0] for b in batches] == staged
        fetches = con.execute("SELECT count(*), count(DISTINCT fetch_id) FROM fetch_log").fetchone()
        assert fetches == (13, 13)
        assert con.execute("SELECT count(*) FROM feed_polls").fetchone()[0] == 5
        assert con.execute("SELECT count(*) FROM raw_pages").fetchone()[0] == 11
    finally:
        con.close()
    assert not [p for p in (tmp_path / "staging").iterdir() if p.name != "loaded"]
