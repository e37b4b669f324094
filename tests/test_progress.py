"""Run progress: what a person sees on a terminal and in logs, checked without a terminal."""

from __future__ import annotations

import io
import logging

import pytest

from pipeline.run.progress import RunProgress, _wants_live, render_line


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _plain(clock: FakeClock, interval: float = 10.0) -> tuple[RunProgress, io.StringIO]:
    out = io.StringIO()
    return RunProgress(live=False, stream=out, interval=interval, clock=clock), out


def test_plain_lines_are_spaced_by_the_interval_and_a_final_line_is_written() -> None:
    clock = FakeClock()
    p, out = _plain(clock)
    p.update(feeds_due=4)
    p.event("poll", "ok")
    assert out.getvalue() == ""  # nothing before the interval has passed
    clock.t += 10
    p.event("poll", "not_modified")
    clock.t += 3
    p.event("poll", "timeout")
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and "feeds 2/4" in lines[0]
    p.close()
    p.close()  # idempotent
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("[progress] done 13s | feeds 3/4")
    assert "polls: not_modified=1 ok=1 timeout=1" in lines[1]


def test_counts_rate_and_eta() -> None:
    clock = FakeClock()
    p, _ = _plain(clock, interval=0)
    p.update(feeds_due=2, pages_queued=10, hosts_waiting=3, hosts_open=1)
    p.event("poll", "ok", n=2)
    for outcome in ("ok", "ok", "ok", "ok", "timeout", "deferred"):
        clock.t += 1
        p.event("fetch", outcome)
    for outcome in ("ok", "ok", "duplicate", "empty_extract"):
        clock.t += 1
        p.event("extract", outcome)
    s = p.snapshot()
    assert (s.feeds_polled, s.pages_fetched, s.pages_extracted) == (2, 5, 4)
    assert s.page_outcomes == {
        "ok": 2,
        "duplicate": 1,
        "empty_extract": 1,
        "timeout": 1,
        "deferred": 1,
    }
    assert s.pages_done == 6
    assert s.rate == pytest.approx(8 / 10)  # 2 feeds + 6 pages in 10 s
    assert s.eta == pytest.approx(4 / 0.8)  # 4 pages left
    line = render_line(s)
    assert "pages fetched 5 extracted 4 done 6/10" in line
    assert "ETA 5s" in line and "hosts waiting 3" in line and "hosts deferred 1" in line


def test_rate_reflects_the_recent_window_not_the_whole_run() -> None:
    clock = FakeClock()
    p = RunProgress(live=False, stream=io.StringIO(), interval=0, window=30, clock=clock)
    p.update(pages_queued=1000)
    for _ in range(100):  # fast start: 10 pages/s
        clock.t += 0.1
        p.event("extract", "ok")
    clock.t += 100
    for _ in range(10):  # then 1 page every 3 s
        clock.t += 3
        p.event("extract", "ok")
    assert p.snapshot().rate < 0.5


def test_unknown_names_are_bugs() -> None:
    p, _ = _plain(FakeClock())
    with pytest.raises(ValueError, match="unknown progress count"):
        p.update(pages_done=3)
    with pytest.raises(ValueError, match="unknown stage"):
        p.event("load", "ok")


def test_without_a_stream_lines_go_to_the_log(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    p = RunProgress(live=False, interval=5, clock=clock)
    with caplog.at_level(logging.INFO, logger="newsflow.progress"):
        p.update(feeds_due=1)
        clock.t += 6
        p.event("poll", "ok")
        p.note("[load] 3 new article(s)")
        p.close()
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0].startswith("[progress] 6s | feeds 1/1")
    assert messages[1] == "[load] 3 new article(s)"
    assert messages[2].startswith("[progress] done")


def test_live_table_renders_through_rich() -> None:
    out = io.StringIO()
    clock = FakeClock()
    with RunProgress(live=True, stream=out, clock=clock, title="test run") as p:
        p.update(feeds_due=5, pages_queued=20)
        p.event("poll", "ok", n=3)
        p.event("fetch", "timeout")
        p.note("circuit open: host slow.test:80")
        clock.t += 65
    text = out.getvalue()
    assert "test run" in text and "1m05s" in text
    assert "3/5" in text and "1/20" in text
    assert "timeout=1" in text
    assert "circuit open: host slow.test:80" in text


def test_live_only_on_a_terminal_outside_airflow(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("AIRFLOW_CTX_DAG_ID", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert _wants_live(Tty()) is True
    assert _wants_live(io.StringIO()) is False
    monkeypatch.setenv("AIRFLOW_CTX_DAG_ID", "news_ingest")
    assert _wants_live(Tty()) is False
