"""The run benchmark's smoke size keeps the harness working (figures are printed, not timed)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.timeout(120), pytest.mark.e2e]


def _bench():
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_run.py"
    spec = importlib.util.spec_from_file_location("bench_run", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = mod
    spec.loader.exec_module(mod)
    return mod


def test_quiet_and_steady_smoke_send_only_conditional_polls_and_changed_pages():
    quiet, steady = _bench().main(["--smoke", "--only", "quiet", "steady"])
    assert quiet["feed_requests"] == quiet["conditional"] == quiet["status_304"] == 40
    assert quiet["page_requests"] == 0 and quiet["next_run_requests"] == 0
    assert steady["status_304"] == steady["feeds"] - steady["changed"]
    assert steady["page_requests"] == 5 * steady["changed"]  # the quiet farm lists 5 per feed
    assert steady["next_run_requests"] == 0  # adaptive polling: nothing due right after
