"""Drop folder: atomic claims, archive/reject, one claimer, and no loss under SIGKILL."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.wire.dropfolder import (
    ARCHIVE,
    PROCESSING,
    REJECTED,
    DropFolder,
    DropFolderBusy,
    FileTooLarge,
    parse_dir_url,
)

ROOT = Path(__file__).resolve().parents[1]

# A loader stand-in: "loads" each claimed file by appending its content to a log (the DB's
# idempotent merge), rejects files starting with BAD, archives the rest. Slow enough per file
# that a SIGKILL lands between claim, load and archive.
WORKER = r"""
import os, sys, time
from pipeline.wire.dropfolder import DropFolder
root, log, delay = sys.argv[1], sys.argv[2], float(sys.argv[3])
with DropFolder(root).session(wait=30) as s:
    for c in s.claim():
        data = c.read()
        if data.startswith(b"BAD"):
            s.reject(c, "malformed: starts with BAD")
            continue
        with open(log, "ab") as fh:
            fh.write(data + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        time.sleep(delay)
        s.archive(c)
"""


def _drop(root: Path, name: str, content: bytes) -> None:
    tmp = root / f".{name}.tmp"  # how a well-behaved uploader writes: temp name, then rename
    tmp.write_bytes(content)
    os.rename(tmp, root / name)


def _run_worker(root: Path, log: Path, delay: float) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, str(root), str(log), str(delay)], env=env, cwd=ROOT
    )


def _wait_for_claim(root: Path, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    """Until the worker has claimed files (``processing/`` not empty) or ended: the kill that
    follows lands inside a run, not during the interpreter's start-up on a loaded machine."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if (root / PROCESSING).is_dir() and any((root / PROCESSING).iterdir()):
            return
        time.sleep(0.005)


def _contents(directory: Path) -> Counter[bytes]:
    return Counter(p.read_bytes() for p in directory.iterdir() if not p.name.endswith(".txt"))


def test_dir_url_parsing() -> None:
    assert parse_dir_url("dir:///data/inbox/afp") == Path("/data/inbox/afp")
    for bad in ("dir://host/data", "file:///data", "dir:relative", "dir:///a?x=1"):
        with pytest.raises(ConfigError):
            parse_dir_url(bad)


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with (
        pytest.raises(ConfigError, match="does not exist"),
        DropFolder(tmp_path / "nope").session(),
    ):
        pass


def test_claim_archive_reject_and_nothing_left_on_top(tmp_path: Path) -> None:
    _drop(tmp_path, "a.xml", b"<a/>")
    _drop(tmp_path, "b.json", b"BAD")
    (tmp_path / "c.xml.part").write_bytes(b"half an upload")
    (tmp_path / ".hidden").write_bytes(b"uploader's temp file")
    with DropFolder(tmp_path).session() as s:
        claimed = {c.name: c for c in s.claim()}
        assert set(claimed) == {"a.xml", "b.json"}
        assert all(c.path.parent == tmp_path / PROCESSING for c in claimed.values())
        s.archive(claimed["a.xml"])
        s.reject(claimed["b.json"], "not JSON:\n  line 1")
        assert s.claim() == []  # nothing is claimed twice
    assert (tmp_path / ARCHIVE / "a.xml").read_bytes() == b"<a/>"
    assert (tmp_path / REJECTED / "b.json").read_bytes() == b"BAD"
    assert (tmp_path / REJECTED / "b.json.reason.txt").read_text() == "not JSON: line 1\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == [
        ".hidden",
        ".newsflow.lock",
        "c.xml.part",
    ]
    assert list((tmp_path / PROCESSING).iterdir()) == []


def test_same_name_dropped_again_is_kept_twice(tmp_path: Path) -> None:
    folder = DropFolder(tmp_path)
    for content in (b"first", b"second"):
        _drop(tmp_path, "daily.xml", content)
        with folder.session() as s:
            for c in s.claim():
                s.archive(c)
    assert _contents(tmp_path / ARCHIVE) == Counter({b"first": 1, b"second": 1})


def test_young_files_wait_for_min_age(tmp_path: Path) -> None:
    _drop(tmp_path, "fresh.xml", b"x")
    with DropFolder(tmp_path, min_age=60).session() as s:
        assert s.claim() == []
    old = time.time() - 120
    os.utime(tmp_path / "fresh.xml", (old, old))
    with DropFolder(tmp_path, min_age=60).session() as s:
        assert [c.name for c in s.claim()] == ["fresh.xml"]


def test_one_claimer_at_a_time(tmp_path: Path) -> None:
    folder = DropFolder(tmp_path)
    with folder.session(), pytest.raises(DropFolderBusy), folder.session(wait=0.1):
        pass
    with folder.session():  # released on exit
        pass


def test_leftovers_of_a_crashed_run_are_claimed_again(tmp_path: Path) -> None:
    _drop(tmp_path, "a.xml", b"A")
    with DropFolder(tmp_path).session() as s:
        s.claim()  # "crash": never archived
    _drop(tmp_path, "b.xml", b"B")
    with DropFolder(tmp_path).session() as s:
        assert sorted(c.name for c in s.claim()) == ["a.xml", "b.xml"]


def test_sigkill_at_random_moments_loses_nothing_and_archives_once(tmp_path: Path) -> None:
    rng = random.Random(15)
    root = tmp_path / "inbox"
    root.mkdir()
    log = tmp_path / "loaded.log"
    expected_good: set[bytes] = set()
    expected_bad: set[bytes] = set()
    serial = 0

    def drop_some(n: int) -> None:
        nonlocal serial
        for _ in range(n):
            serial += 1
            bad = serial % 9 == 0
            content = (b"BAD-%d" if bad else b"item-%d") % serial
            (expected_bad if bad else expected_good).add(content)
            _drop(root, f"f{serial}.xml", content)

    drop_some(40)
    kills = mid_run = 0
    while kills < 12:
        proc = _run_worker(root, log, delay=0.01)
        _wait_for_claim(root, proc)  # interpreter start-up is not part of the run
        time.sleep(rng.uniform(0.0, 0.3))
        drop_some(rng.randint(0, 4))  # uploads keep arriving during a run
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
        mid_run += (root / PROCESSING).is_dir() and any((root / PROCESSING).iterdir())
    final = _run_worker(root, log, delay=0.0)
    assert final.wait(timeout=120) == 0
    assert mid_run >= 3  # the kills did interrupt runs between claim and archive

    assert [p.name for p in root.iterdir() if p.is_file() and not p.name.startswith(".")] == []
    assert list((root / PROCESSING).iterdir()) == []
    archived = _contents(root / ARCHIVE)
    assert set(archived) == expected_good  # none lost
    assert max(archived.values()) == 1  # none archived twice
    rejected = _contents(root / REJECTED)
    assert set(rejected) == expected_bad and max(rejected.values()) == 1
    reasons = [p for p in (root / REJECTED).iterdir() if p.name.endswith(".reason.txt")]
    assert len(reasons) == len(expected_bad)
    loaded = set(log.read_bytes().split(b"\n")) - {b""}
    assert loaded == expected_good  # re-reads after a kill are possible, loss is not


def test_second_claim_in_a_session_returns_only_new_files(tmp_path: Path) -> None:
    _drop(tmp_path, "a.xml", b"A")
    with DropFolder(tmp_path).session() as s:
        assert [c.name for c in s.claim()] == ["a.xml"]
        _drop(tmp_path, "b.xml", b"B")
        assert [c.name for c in s.claim()] == ["b.xml"]


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    _drop(tmp_path, "huge.xml", b"x" * 1000)
    with DropFolder(tmp_path).session() as s:
        [c] = s.claim()
        with pytest.raises(FileTooLarge, match="1000 bytes, over the cap of 100"):
            c.read(max_bytes=100)
        assert c.read(max_bytes=1000) == b"x" * 1000
