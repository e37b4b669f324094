"""The quiet cycle through Airflow (issue 12, benchmark 3, second half).

1,000 feeds on 100 loopback hosts (``webfarm.quiet_farm``), nothing changed: a first cycle
fills the poll state (each feed's validators seeded, then ``newsflow run --all``, which answers
304 everywhere: the CLI figure of the same shape), then ``airflow dags test news_ingest -c
'{"all_feeds": true}'`` runs in a subprocess with a throw-away AIRFLOW_HOME. Target: ≤ 90 s,
exactly one conditional request per feed, no page request (counted from the farm's own log).

Where the time goes is read back from Airflow's metadata DB: each task instance's duration
(mapped ones per shard), the XCom bytes each task wrote, and the start-up before the first task
and after the last.

    .venv/bin/python benchmarks/bench_airflow.py              # minutes
    .venv/bin/python benchmarks/bench_airflow.py --smoke      # 40 feeds on 10 hosts
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_run
import webfarm

ROOT = Path(__file__).resolve().parents[1]


def _airflow() -> list[str]:
    exe = Path(sys.executable).with_name("airflow")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "airflow"]


def airflow_env(home: Path, feeds: Path, db: Path) -> dict[str, str]:
    """A private AIRFLOW_HOME (SQLite metadata DB) and the pipeline's settings, nothing else
    inherited from a developer's Airflow or newsflow configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "NEWSFLOW_"))}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            "DO_NOT_TRACK": "1",
            "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p),
            "NEWSFLOW_FEEDS": str(feeds),
            "NEWSFLOW_DB_PATH": str(db),
        }
    )
    return env


def _call(env: dict[str, str], cwd: Path, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    t0 = time.monotonic()
    proc = subprocess.run(
        [*_airflow(), *args], capture_output=True, text=True, timeout=1800, cwd=cwd, env=env
    )
    wall = round(time.monotonic() - t0, 2)
    if proc.returncode != 0:
        raise RuntimeError(
            f"airflow {' '.join(args)} failed: {(proc.stdout + proc.stderr)[-3000:]}"
        )
    return proc, wall


def _ts(value: str | None) -> float | None:
    return datetime.fromisoformat(value).timestamp() if value else None


def task_profile(airflow_db: Path, run_started: float, run_ended: float) -> dict[str, Any]:
    """Per task: instances, summed and longest duration, XCom bytes; and the time outside
    tasks (interpreter and Airflow start-up before the first task, teardown after the last)."""
    con = sqlite3.connect(airflow_db)
    try:
        tis = con.execute(
            "SELECT task_id, map_index, start_date, end_date, state FROM task_instance"
            " WHERE dag_id = 'news_ingest' AND run_id = (SELECT max(run_id) FROM dag_run"
            "  WHERE dag_id = 'news_ingest' AND start_date = (SELECT max(start_date) FROM dag_run"
            "  WHERE dag_id = 'news_ingest'))"
        ).fetchall()
        xcoms = con.execute(
            "SELECT task_id, sum(length(value)) FROM xcom WHERE dag_id = 'news_ingest'"
            " AND run_id = (SELECT run_id FROM dag_run WHERE dag_id = 'news_ingest'"
            "  ORDER BY start_date DESC LIMIT 1) GROUP BY task_id"
        ).fetchall()
    finally:
        con.close()
    tasks: dict[str, dict[str, Any]] = {}
    starts, ends = [], []
    for task_id, _map_index, start, end, state in tis:
        t = tasks.setdefault(task_id, {"instances": 0, "sum_s": 0.0, "max_s": 0.0, "states": {}})
        t["instances"] += 1
        t["states"][state] = t["states"].get(state, 0) + 1
        s, e = _ts(start), _ts(end)
        if s and e:
            t["sum_s"] = round(t["sum_s"] + e - s, 2)
            t["max_s"] = round(max(t["max_s"], e - s), 2)
            starts.append(s)
            ends.append(e)
    for task_id, size in xcoms:
        tasks.setdefault(task_id, {})["xcom_bytes"] = int(size or 0)
    out: dict[str, Any] = {"tasks": tasks}
    if starts:
        out["before_first_task_s"] = round(min(starts) - run_started, 2)
        out["tasks_span_s"] = round(max(ends) - min(starts), 2)
        out["after_last_task_s"] = round(run_ended - max(ends), 2)
    return out


def quiet_airflow(n_feeds: int, n_hosts: int, tmp: Path) -> dict[str, Any]:
    """The quiet farm, state filled by a first (CLI) cycle, then the measured Airflow cycle."""
    hosts = webfarm.quiet_farm(n_feeds, n_hosts)
    db = tmp / "quiet.duckdb"
    with webfarm.WebFarm(hosts) as farm:
        feeds = farm.write_feeds_yaml(tmp / "quiet.yaml", per_host_delay=1.0, fetch_concurrency=16)
        bench_run._seed_validators(farm, tmp / "staging", set())
        first = bench_run._run(feeds, db, "--all")
        first_req = bench_run._requests(farm)
        env = airflow_env(tmp / "airflow", feeds, db)
        _, migrate_s = _call(env, tmp, "db", "migrate")
        _call(env, tmp, "pools", "set", "duckdb", "1", "newsflow: one DuckDB writer")
        _, version_s = _call(env, tmp, "version")  # bare CLI start-up, for comparison
        n0 = len(farm.hits)
        farm.hits.clear()
        t0 = time.time()
        proc, wall = _call(env, tmp, "dags", "test", "news_ingest", "-c", '{"all_feeds": true}')
        t1 = time.time()
        req = bench_run._requests(farm)
        profile = task_profile(tmp / "airflow" / "airflow.db", t0, t1)
        # Once more, parsing only this DAG's file (`-f`): the models DAG's Cosmos/dbt imports
        # are most of the start-up of a plain `airflow dags test`.
        farm.hits.clear()
        dag_file = str(ROOT / "dags" / "news_ingest.py")
        _, wall_f = _call(env, tmp, "dags", "test", "news_ingest", "-c", '{"all_feeds": true}',
                          "-f", dag_file)  # fmt: skip
        req_f = bench_run._requests(farm)
    ok = "state=success" in proc.stdout + proc.stderr
    return {
        "scenario": "airflow_quiet",
        "feeds": n_feeds,
        "hosts": n_hosts,
        "cli_first_cycle_wall_s": first["wall_s"],
        "cli_first_cycle_304": first_req["status_304"],
        "hits_before": n0,
        "migrate_s": migrate_s,
        "airflow_version_s": version_s,
        "wall_s": wall,
        "target_s": 90,
        "succeeded": ok,
        **req,
        **profile,
        "wall_s_one_dag_file": wall_f,
        "requests_one_dag_file": req_f,
    }


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--smoke", action="store_true", help="40 feeds on 10 hosts")
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--hosts", type=int, default=100)
    args = ap.parse_args(argv)
    n_feeds, n_hosts = (40, 10) if args.smoke else (args.feeds, args.hosts)
    with tempfile.TemporaryDirectory(prefix="bench_airflow_") as d:
        res = quiet_airflow(n_feeds, n_hosts, Path(d))
    print(json.dumps(res), flush=True)
    return [res]


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
