"""A drop folder under ``kill -9``: no file lost, none applied twice.

A real ``newsflow run`` (subprocess, its own process group) over a drop folder of generated
NewsML-G2 files is killed with SIGKILL at several moments, then run to completion. Every file
must end in ``archive/`` exactly once, every item version must be in ``article_versions`` once,
one article per item URI, and every delivered version applied exactly once (a re-read after a
crash is logged as ``duplicate_version``). A deterministic companion test crashes between
staging and archiving.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from pipeline.run.clock import new_run_id
from pipeline.run.passes import load
from pipeline.run.wire import poll_wire_feed
from pipeline.settings import load_settings
from pipeline.wire.dropfolder import DropSession
from tests.helpers import query

pytestmark = pytest.mark.e2e

N_ITEMS = 40  # items, each in two versions: 80 files
ITEM = """<?xml version="1.0" encoding="UTF-8"?>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:newsml:crash.test:{n}"
  version="{v}" standard="NewsML-G2" standardversion="2.33" xml:lang="en">
  <itemMeta>
    <itemClass qcode="ninat:text"/>
    <provider qcode="nprov:AFP"/>
    <versionCreated>2026-12-07T{h:02d}:00:00Z</versionCreated>
    <firstCreated>2026-12-07T08:00:00Z</firstCreated>
    <pubStatus qcode="stat:usable"/>
  </itemMeta>
  <contentMeta>
    <headline>Report {n}, version {v}</headline>
    <dateline>LYON, Dec 7 (AFP)</dateline>
  </contentMeta>
  <contentSet>
    <inlineXML contenttype="application/xhtml+xml">
      <html xmlns="http://www.w3.org/1999/xhtml"><body>
        <p>LYON (AFP) - Report number {n} says the {word} council met on Monday in Lyon.</p>
        <p>This is version {v} of the report, with {extra}.</p>
      </body></html>
    </inlineXML>
  </contentSet>
</newsItem>
"""
WORDS = ["city", "regional", "transport", "school", "harbour", "water", "housing", "arts"]


def _fill(inbox: Path) -> list[str]:
    names = []
    for n in range(N_ITEMS):
        for v in (1, 2):
            name = f"item{n:03d}-v{v}.xml"
            text = ITEM.format(n=n, v=v, h=8 + v, word=WORDS[n % len(WORDS)], extra="x " * n)
            (inbox / name).write_text(text, encoding="utf-8")
            names.append(name)
    return names


def _feeds(tmp: Path) -> tuple[Path, Path]:
    inbox = tmp / "inbox"
    inbox.mkdir()
    feeds = tmp / "feeds.yaml"
    feeds.write_text(
        f"feeds:\n  - id: crash-drop\n    url: dir://{inbox}\n    country: FR\n"
        "settings:\n  max_items_per_feed: 30\n",
        encoding="utf-8",
    )
    return feeds, inbox


def _check(db: Path, inbox: Path, names: list[str]) -> None:
    """Every file archived once; every version stored once; every delivery applied once."""
    assert sorted(p.name for p in (inbox / "archive").iterdir()) == sorted(names)
    assert not list((inbox / "processing").iterdir())
    assert not [p for p in inbox.iterdir() if p.is_file() and not p.name.startswith(".")]
    assert query(db, "SELECT count(*), count(DISTINCT item_uri) FROM articles") == [
        (N_ITEMS, N_ITEMS)
    ]
    assert query(db, "SELECT count(*) FROM article_versions") == [(2 * N_ITEMS,)]
    assert query(db, "SELECT count(*) FROM articles WHERE item_version <> 2") == [(0,)]
    applied = Counter(
        (uri, v)
        for uri, v in query(
            db,
            "SELECT item_uri, item_version FROM item_log"
            " WHERE outcome IN ('ok', 'updated', 'older_version')",
        )
    )
    assert len(applied) == 2 * N_ITEMS and set(applied.values()) == {1}


def test_kill_9_loses_nothing_and_applies_nothing_twice(tmp_path: Path) -> None:
    feeds, inbox = _feeds(tmp_path)
    names = _fill(inbox)
    db = tmp_path / "news.duckdb"
    cmd = [sys.executable, "-m", "pipeline", "run", "--feeds", str(feeds), "--db", str(db)]
    cmd.append("--no-models")
    killed = 0
    # from "still starting" to "staging or loading" (a full run of the 80 files takes ~10 s)
    for delay in (2.0, 4.5, 7.0, 9.5, 12.0):
        proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        time.sleep(delay)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            killed += 1
        proc.wait(timeout=60)
    for _ in range(4):  # then run to the end: 30 new files per run
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    assert killed >= 1  # at least one run died mid-way
    _check(db, inbox, names)


def test_crash_between_staging_and_archiving_rereads_harmlessly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feeds, inbox = _feeds(tmp_path)
    names = _fill(inbox)
    settings = load_settings(feeds, db_path=tmp_path / "news.duckdb")

    def crash(self, item):  # the power goes after the batch was staged
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(DropSession, "archive", crash)
        with pytest.raises(KeyboardInterrupt):
            poll_wire_feed(settings, "crash-drop", new_run_id())
    assert len(list((inbox / "processing").iterdir())) == 30
    for _ in range(3):
        run_id = new_run_id()
        load(settings)  # what a killed run left staged, first (as run_pass does)
        poll_wire_feed(settings, "crash-drop", run_id)
        load(settings, run_id)
    _check(settings.db_path, inbox, names)
    dupes = query(
        settings.db_path, "SELECT count(*) FROM item_log WHERE outcome = 'duplicate_version'"
    )
    assert dupes == [(30,)]  # the 30 files staged before the crash, read again
