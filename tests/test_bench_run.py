"""The run benchmark's smoke size keeps the harness working (figures are printed, not timed)."""

from __future__ import annotations

import pytest
from helpers import REPO, load_script

pytestmark = [pytest.mark.timeout(120), pytest.mark.e2e]


def _bench():
    return load_script(REPO / "benchmarks" / "bench_run.py")


def test_quiet_and_steady_smoke_send_only_conditional_polls_and_changed_pages():
    quiet, steady = _bench().main(["--smoke", "--only", "quiet", "steady"])
    assert quiet["feed_requests"] == quiet["conditional"] == quiet["status_304"] == 40
    assert quiet["page_requests"] == 0 and quiet["next_run_requests"] == 0
    assert steady["status_304"] == steady["feeds"] - steady["changed"]
    assert steady["page_requests"] == 5 * steady["changed"]  # the quiet farm lists 5 per feed
    assert steady["next_run_requests"] == 0  # adaptive polling: nothing due right after
