"""``news_ingest`` for real (``airflow dags test``) across a killed run and the runs after it.

Pinned (issue 12, the DAG's crash windows):

* A run killed after ``poll`` and before ``fetch_extract`` staged the pages loses nothing: the
  polls that listed new pages are held back until ``load``, so a load in between (``newsflow
  run`` or ``load`` by hand) cannot save the feeds' validators, and the next run's polls are
  not 304s that list nothing.
* Pages a run deferred (a host's circuit opened) are fetched by the next run even when no feed
  is due (``poll`` then maps over nothing), and with what their feed said about them: a page
  without a date of its own takes its feed entry's date.

A throw-away AIRFLOW_HOME with a migrated SQLite metadata DB; the loopback web farm of
``benchmarks/webfarm.py`` served by this process; the Airflow CLI in subprocesses.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import airflow_env, load_script, query

from pipeline.settings import load_settings

pytestmark = [pytest.mark.airflow, pytest.mark.timeout(600)]

REPO = Path(__file__).resolve().parent.parent
AIRFLOW = [str(Path(sys.executable).with_name("airflow"))]
if not Path(AIRFLOW[0]).exists():
    AIRFLOW = [sys.executable, "-m", "airflow"]

webfarm = load_script(REPO / "benchmarks" / "webfarm.py")

N_GOOD, N_BAD = 4, 4
# A page with no date of its own: the article's date can only come from its feed entry.
UNDATED = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Undated {n}</title></head><body>"
    "<main><article><h1>Undated story {n}</h1>{body}</article></main></body></html>"
)


def _undated(n: int) -> bytes:
    words = " ".join(webfarm._WORDS[(n + i) % len(webfarm._WORDS)] for i in range(60))
    body = "".join(f"<p>{words.capitalize()} number {n} part {k}.</p>" for k in range(6))
    return UNDATED.format(n=n, body=body).encode()


def _hosts() -> list:
    good = webfarm.HostSpec(
        "good.farm.test", {f"/a/{i}.html": webfarm.article_html(7, i) for i in range(N_GOOD)}
    )
    bad = webfarm.HostSpec("bad.farm.test", {f"/a/{i}.html": _undated(i) for i in range(N_BAD)})
    for spec in (good, bad):
        spec.feeds = {"/feed-0.xml": list(spec.pages)}
    return [good, bad]


def _dags_test(env: dict, cwd: Path, conf: str | None = None) -> subprocess.Popen:
    args = [*AIRFLOW, "dags", "test", "news_ingest", *(["-c", conf] if conf else [])]
    return subprocess.Popen(
        args,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # killed as a group, like a worker that dies
    )


def _finish(proc: subprocess.Popen) -> str:
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out[-4000:]
    return out


def _page_hits(farm, host: str | None = None) -> int:
    return len(farm.hits_for(host, "/a/"))


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("dag_runs")
    db = tmp / "data" / "news.duckdb"
    feeds_file = tmp / "feeds.yaml"
    env = airflow_env(tmp / "airflow", NEWSFLOW_FEEDS=str(feeds_file), NEWSFLOW_DB_PATH=str(db))
    migrate = subprocess.run(
        [*AIRFLOW, "db", "migrate"], cwd=tmp, env=env, capture_output=True, text=True, timeout=300
    )
    assert migrate.returncode == 0, migrate.stdout[-2000:] + migrate.stderr[-2000:]
    out: dict = {"db": db}
    with webfarm.WebFarm(_hosts()) as farm:
        farm.write_feeds_yaml(
            feeds_file, per_host_delay=0.0, max_retries=0, backoff_base=0.01, shards=2,
            host_max_timeouts=1, host_failure_budget=0.001, respect_robots=False,
        )  # fmt: skip
        settings = load_settings(environ={"NEWSFLOW_FEEDS": str(feeds_file),
                                          "NEWSFLOW_DB_PATH": str(db)})  # fmt: skip
        # 1. Every page hangs: the run is killed while fetch_extract waits on the first one.
        pages = {name: list(spec.pages) for name, spec in farm.hosts.items()}
        for name, paths in pages.items():
            farm.hosts[name].behaviours = dict.fromkeys(paths, "hang")
        proc = _dags_test(env, tmp)
        deadline = time.monotonic() + 240
        while not farm.started or not any(p.startswith("/a/") for _, p in farm.started):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()[0]
            time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        # 2. A load in between, as `newsflow run` starts with: it merges whatever is staged.
        from pipeline.run.passes import load

        out["between"] = load(settings).to_dict()
        # 3. The pages answer again, but the bad host's with 500s: its circuit opens.
        farm.hosts["good.farm.test"].behaviours = {}
        farm.hosts["bad.farm.test"].behaviours = dict.fromkeys(pages["bad.farm.test"], "500")
        n0 = len(farm.hits)
        out["second"] = _finish(_dags_test(env, tmp, '{"all_feeds": true}'))
        out["second_hits"] = farm.hits[n0:]
        out["deferred"] = query(
            db, "SELECT url FROM fetch_log WHERE outcome = 'deferred' ORDER BY url"
        )
        # 4. The bad host heals; no feed is due minutes after its poll.
        farm.hosts["bad.farm.test"].behaviours = {}
        n0 = len(farm.hits)
        out["third"] = _finish(_dags_test(env, tmp))
        out["third_hits"] = farm.hits[n0:]
    out["staging"] = sorted(p.name for p in (db.parent / "staging").iterdir() if p.is_dir())
    return out


def test_a_load_between_a_killed_run_and_the_next_saves_no_validators(runs):
    assert runs["between"]["polls"] == 0


def test_the_run_after_a_kill_fetches_every_page_the_killed_run_polled(runs):
    good = [h for h in runs["second_hits"] if h.host == "good.farm.test"]
    assert not [h for h in good if h.path.endswith(".xml") and h.status == 304]
    assert sorted(h.path for h in good if h.path.startswith("/a/")) == [
        f"/a/{i}.html" for i in range(N_GOOD)
    ]
    urls = query(runs["db"], "SELECT url FROM articles WHERE url LIKE '%good.farm.test%'")
    assert len(urls) == N_GOOD


def test_deferred_pages_are_fetched_when_no_feed_is_due(runs):
    assert len(runs["deferred"]) >= 1
    hits = runs["third_hits"]
    assert not [h for h in hits if h.path.endswith(".xml")]  # nothing was due
    assert sorted(h.path for h in hits) == sorted(
        "/a/" + url.rsplit("/a/", 1)[1] for (url,) in runs["deferred"]
    )
    last = query(
        runs["db"],
        "SELECT outcome, count(*) FROM (SELECT outcome FROM fetch_log QUALIFY row_number() "
        "OVER (PARTITION BY url_hash ORDER BY attempted_at DESC) = 1) GROUP BY ALL",
    )
    assert dict(last).get("deferred", 0) == 0


def test_requeued_pages_keep_their_feed_entry_date(runs):
    rows = query(
        runs["db"],
        "SELECT a.url, a.date_source, a.published_at IS NOT NULL FROM articles a "
        "WHERE a.url LIKE '%bad.farm.test%' ORDER BY 1",
    )
    deferred = {url for (url,) in runs["deferred"]}
    requeued = [r for r in rows if r[0] in deferred]
    assert requeued and all(r[1] == "feed" and r[2] for r in requeued), rows


def test_nothing_left_staged_or_held(runs):
    assert runs["staging"] in ([], ["loaded"])
