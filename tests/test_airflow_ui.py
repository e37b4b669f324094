"""Airflow for real, as a user runs it: ``newsflow airflow`` up, REST API v2, the UI in Chromium.

``newsflow airflow`` starts api-server, scheduler (LocalExecutor), dag-processor and triggerer on
loopback with the demo web and this checkout's DAGs. The test triggers ``news_ingest`` through
the REST API (JWT from ``/auth/token``), waits for it and for the ``news_models`` run its asset
event triggers, checks what landed in DuckDB against the demo's ground truth, checks the counts
the runs published (XCom, asset events), opens the UI in headless Chromium (login form, DAG
list, the run's page), and finally stops the command and asserts no process is left behind.

Slow by nature (a few minutes: every dbt node is its own task process); everything else about
the DAGs is covered faster by test_dag_integrity.py and test_airflow_e2e.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import duckdb
import pytest
import yaml
from _chromium import browser, require_chromium, save_screenshot

from tools.airflow_local import LocalAirflow, kill_strays
from tools.airflow_local import pids_with_home as _pids_with_home
from tools.demo import DEMO_ROOT

# The first test also pays for the module's stack (start + both runs): more than the suite's
# default per-test timeout on a busy machine, so the bound here is the sum of the waits below.
pytestmark = [pytest.mark.airflow, pytest.mark.e2e, pytest.mark.timeout(2700)]

NEWSFLOW_AIRFLOW = [sys.executable, "-m", "pipeline", "airflow"]
START_TIMEOUT = 420.0
RUN_TIMEOUT = 900.0


def tail(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return f"({path} not written)"


def stop_cli(proc: subprocess.Popen, timeout: float = 90.0) -> int | None:
    """SIGTERM the command (it stops its components); SIGKILL its group if it does not exit."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    return proc.returncode


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("airflow_ui")
    home = tmp / "airflow"
    log = tmp / "newsflow-airflow.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "NEWSFLOW_"))}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*NEWSFLOW_AIRFLOW, "--dir", str(tmp), "--port", "0", "--no-trigger"],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=tmp,
            start_new_session=True,
        )
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    try:
        state_file = home / "local.json"
        deadline = time.monotonic() + START_TIMEOUT
        while not state_file.is_file():
            assert proc.poll() is None, f"newsflow airflow exited:\n{tail(log)}"
            assert time.monotonic() < deadline, f"newsflow airflow not ready:\n{tail(log)}"
            time.sleep(1.0)
        time.sleep(0.5)  # written before the banner; let it finish
        state = json.loads(state_file.read_text())
        timings["start"] = round(time.monotonic() - t0, 1)
        port = int(state["url"].rstrip("/").rsplit(":", 1)[1])
        api = LocalAirflow(workdir=tmp, feeds=state["feeds"], port=port, password=state["password"])

        t1 = time.monotonic()
        run_id = api.trigger("news_ingest")
        ingest = api.wait_run("news_ingest", run_id, timeout=RUN_TIMEOUT)
        timings["news_ingest"] = round(time.monotonic() - t1, 1)
        models = None
        if ingest["state"] == "success":
            t2 = time.monotonic()
            deadline = time.monotonic() + 120
            runs: list[dict] = []
            while not runs and time.monotonic() < deadline:
                runs = api.runs("news_models")
                time.sleep(1.0)
            assert runs, "news_ingest succeeded but no news_models run was triggered"
            models = api.wait_run("news_models", runs[0]["dag_run_id"], timeout=RUN_TIMEOUT)
            timings["news_models"] = round(time.monotonic() - t2, 1)
        print(f"\nairflow UI e2e timings (s): {timings}")
        yield {
            "proc": proc,
            "log": log,
            "home": home,
            "state": state,
            "api": api,
            "ingest": ingest,
            "models": models,
            "tmp": tmp,
        }
    finally:
        stop_cli(proc)
        kill_strays(home)


def failed_tasks(api: LocalAirflow, dag_id: str, run_id: str, home: Path) -> str:
    lines = []
    for ti in api.task_instances(dag_id, run_id):
        if ti["state"] not in ("success", "skipped"):
            lines.append(f"{ti['task_id']}[{ti.get('map_index')}]: {ti['state']}")
    return "\n".join(lines) or tail(home / "logs" / "scheduler.log")


def test_news_ingest_run_triggered_through_the_api_succeeds(stack) -> None:
    run = stack["ingest"]
    assert run["state"] == "success", failed_tasks(
        stack["api"], "news_ingest", run["dag_run_id"], stack["home"]
    )
    assert run["run_type"] == "manual"


def test_asset_triggered_news_models_succeeds(stack) -> None:
    run = stack["models"]
    assert run is not None, "news_ingest failed; see the test above"
    assert run["state"] == "success", failed_tasks(
        stack["api"], "news_models", run["dag_run_id"], stack["home"]
    )
    assert run["run_type"] == "asset_triggered" and run["logical_date"] is None


def manifest(port_from_feeds: Path) -> dict:
    feeds = yaml.safe_load(port_from_feeds.read_text())
    port = feeds["feeds"][0]["url"].split(":")[2].split("/")[0]
    text = (DEMO_ROOT / "MANIFEST.yaml").read_text(encoding="utf-8").replace("{{PORT}}", port)
    return yaml.safe_load(text)


def test_duckdb_holds_the_demo_articles_and_the_snapshot_matches(stack) -> None:
    assert stack["models"] is not None and stack["models"]["state"] == "success"
    totals = manifest(Path(stack["state"]["feeds"]))["totals"]
    snapshot = Path(stack["state"]["snapshot"])
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        articles = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        polls = con.execute("SELECT outcome, count(*) FROM feed_polls GROUP BY ALL").fetchall()
        fetches = con.execute("SELECT count(*) FROM fetch_log").fetchone()[0]
        e404 = con.execute("SELECT count(*) FROM fetch_log WHERE status_code = 404").fetchone()[0]
        marts = con.execute(
            "SELECT sum(n_articles) FROM marts.daily_region WHERE region_level = 'country'"
        ).fetchone()[0]
        info = con.execute("SELECT n_articles FROM snapshot_info").fetchone()[0]
    finally:
        con.close()
    assert articles == info == totals["distinct_articles"]
    assert polls == [("ok", totals["feeds"])]
    assert fetches == totals["feed_entries"] and e404 == totals["expected_404s"]
    assert marts and marts > 0
    # The live file is free again now the runs are over, and agrees with the snapshot.
    live = duckdb.connect(stack["state"]["db_path"], read_only=True)
    try:
        assert live.execute("SELECT count(*) FROM articles").fetchone()[0] == articles
    finally:
        live.close()


def test_runs_publish_their_counts_as_xcom_and_asset_events(stack) -> None:
    api, ingest, models = stack["api"], stack["ingest"], stack["models"]
    assert models is not None and models["state"] == "success"
    totals = manifest(Path(stack["state"]["feeds"]))["totals"]
    load = api.api(
        "GET",
        f"/dags/news_ingest/dagRuns/{quote(ingest['dag_run_id'], safe='')}"
        "/taskInstances/load/xcomEntries/return_value",
    )["value"]
    assert load["articles"] == totals["distinct_articles"] and load["polls"] == totals["feeds"]
    assert load["outcomes"]["http_error"] == totals["expected_404s"]
    events = api.api("GET", "/assets/events", params={"order_by": "-timestamp"})["asset_events"]
    by_uri = {}
    for event in events:
        by_uri.setdefault(event["uri"], event)
    assert by_uri["newsflow://duckdb/articles"]["extra"] == load
    snap = by_uri["newsflow://duckdb/snapshot"]
    assert snap["source_dag_id"] == "news_models" and snap["source_task_id"] == "publish"
    assert snap["extra"]["articles"] == totals["distinct_articles"]
    assert snap["extra"]["report"] == stack["state"]["report"]
    assert snap["extra"]["charts"] == 5


def test_ui_shows_the_dags_and_the_run(stack, tmp_path) -> None:
    require_chromium()
    state, run = stack["state"], stack["ingest"]
    with browser() as context:
        page = context.new_page()
        page.goto(state["url"])
        page.get_by_label("Username").fill(state["username"])
        page.get_by_label("Password").fill(state["password"])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/auth/login" not in url, timeout=60_000)

        page.goto(state["url"] + "dags")
        for dag_id in ("news_ingest", "news_models", "news_reextract"):
            page.get_by_role("link", name=dag_id, exact=True).first.wait_for(timeout=60_000)
        page.wait_for_load_state("networkidle")
        save_screenshot(page, "airflow-dags.png", tmp_path, full_page=False)

        run_url = f"{state['url']}dags/news_ingest/runs/{quote(run['dag_run_id'], safe='')}"
        page.goto(run_url)
        page.get_by_text(run["dag_run_id"]).first.wait_for(timeout=60_000)
        page.get_by_text("success", exact=False).first.wait_for(timeout=60_000)
        for task_id in ("fetch_extract", "load"):
            page.get_by_text(task_id, exact=True).first.wait_for(timeout=60_000)
        page.wait_for_load_state("networkidle")
        save_screenshot(page, "airflow-run.png", tmp_path, full_page=False)

        page.keyboard.press("g")  # the UI's shortcut for the graph view
        page.wait_for_selector(".react-flow__node", timeout=60_000)
        page.wait_for_load_state("networkidle")
        nodes = page.eval_on_selector_all(
            ".react-flow__node", "els => els.map(el => el.innerText.split('\\n')[0])"
        )
        assert sorted(n.split(" [")[0] for n in nodes) == sorted(
            ["prepare", "poll", "plan", "fetch_extract", "load"]
        ), nodes
        save_screenshot(page, "airflow-graph.png", tmp_path, full_page=False)


def test_the_regenerated_report_draws(stack, tmp_path) -> None:
    require_chromium()
    assert stack["models"] is not None and stack["models"]["state"] == "success"
    report = Path(stack["state"]["report"])
    with browser() as context:
        page = context.new_page()
        page.goto(report.as_uri())
        page.wait_for_selector("body[data-charts-done]", timeout=30_000)
        states = page.eval_on_selector_all(
            "[data-chart]", "els => els.map(el => el.dataset.rendered || el.dataset.error)"
        )
        assert states == ["1"] * 5
        save_screenshot(page, "report.png", tmp_path)


def test_stopping_the_command_stops_every_process(stack) -> None:
    proc, home = stack["proc"], stack["home"]
    assert proc.poll() is None, f"newsflow airflow died early:\n{tail(stack['log'])}"
    assert _pids_with_home(home), "no Airflow process found to stop?"
    code = stop_cli(proc)
    assert code == 0, tail(stack["log"])
    assert "[airflow] stopped" in stack["log"].read_text()
    assert _pids_with_home(home) == []
