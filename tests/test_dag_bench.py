"""The Airflow quiet-cycle benchmark's smoke size keeps its harness working (figures are
printed, never timed): every feed polled once, conditionally, through `airflow dags test`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from helpers import load_script

pytestmark = [pytest.mark.airflow, pytest.mark.timeout(600)]

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _bench():
    sys.path.insert(0, str(BENCH))
    return load_script(BENCH / "bench_airflow.py")


def test_airflow_quiet_smoke_sends_one_conditional_poll_per_feed_and_no_page():
    (res,) = _bench().main(["--smoke"])
    print(res)
    assert res["succeeded"]
    n = res["feeds"]
    assert res["feed_requests"] == res["conditional"] == res["status_304"] == n
    assert res["page_requests"] == 0
    assert res["requests_one_dag_file"]["status_304"] == n
    assert res["tasks"]["poll"]["instances"] == 1  # 40 due feeds: one poll task
    assert res["tasks"]["poll"]["xcom_bytes"] < 1000  # counts, not one entry per feed
