"""A drop folder (``dir:///abs/path``): files an agency's FTP/SFTP job writes, claimed each run.

Layout inside the folder::

    <root>/             new files land here (nothing of ours stays here)
    <root>/processing/  claimed by a run, not yet loaded
    <root>/archive/     loaded
    <root>/rejected/    malformed, each with <name>.reason.txt beside it
    <root>/.newsflow.lock

Guarantees, and how:

- *Claimed atomically*: a claim is one ``rename`` into ``processing/`` (same file system), so a
  file is at the top or in ``processing/``, never half-moved, never copied.
- *One claimer at a time*: a session holds an exclusive ``flock`` on ``.newsflow.lock`` from
  claim to the last archive; a second task (another worker sharing the folder) gets
  :class:`DropFolderBusy` instead of racing.
- *None lost on a crash*: a run killed after claiming leaves its files in ``processing/``; the
  next session claims them again first. The loader's merge by (uri, version) is idempotent,
  so reading such a file twice changes nothing.
- *None archived twice, none overwritten*: every move goes to a free name (``name``,
  ``name~1``, ...) under the lock, and renames are fsynced (directory entries) so a power cut
  cannot resurrect a moved file.
- *Uploads in progress are left alone*: dot-files, ``*.tmp``/``*.part``/``*.filepart`` and files
  younger than ``min_age`` seconds stay at the top until complete.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pipeline.errors import ConfigError
from pipeline.filelock import exclusive

PROCESSING = "processing"
ARCHIVE = "archive"
REJECTED = "rejected"
LOCK_NAME = ".newsflow.lock"
PARTIAL_SUFFIXES = (".tmp", ".part", ".filepart", ".partial", ".crdownload")


class DropFolderBusy(RuntimeError):
    """Another task holds the folder's lock."""


class FileTooLarge(ValueError):
    """A dropped file is over the size cap: reject it with this message."""


def parse_dir_url(url: str) -> Path:
    """``dir:///abs/path`` -> Path. Raises ConfigError with the reason (for settings checks)."""
    parts = urlsplit(url.strip())
    if parts.scheme != "dir":
        raise ConfigError(f"drop folder URL must start with dir:///, got {url!r}")
    if parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"drop folder URL must be dir:///absolute/path, got {url!r}")
    path = unquote(parts.path)
    if not path.startswith("/") or "\x00" in path:
        raise ConfigError(f"drop folder path must be absolute, got {url!r}")
    return Path(path)


@dataclass(frozen=True, slots=True)
class Claimed:
    """One claimed file: ``name`` as dropped, ``path`` where it now is (in ``processing/``)."""

    name: str
    path: Path

    def read(self, max_bytes: int | None = None) -> bytes:
        """The file's bytes; FileTooLarge (reject the file with its message) over ``max_bytes``,
        checked before reading so a runaway upload cannot exhaust memory."""
        size = self.path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise FileTooLarge(f"{self.name} is {size} bytes, over the cap of {max_bytes}")
        return self.path.read_bytes()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _free_name(directory: Path, name: str) -> Path:
    """``directory/name``, or ``name~N`` for the first N not taken (called under the lock)."""
    candidate = directory / name
    n = 0
    while candidate.exists() or candidate.is_symlink():
        n += 1
        candidate = directory / f"{name}~{n}"
    return candidate


def _move(src: Path, directory: Path) -> Path:
    """Rename ``src`` into ``directory`` without overwriting; durable on return."""
    dest = _free_name(directory, src.name)
    os.rename(src, dest)
    _fsync_dir(directory)
    if src.parent != directory:
        _fsync_dir(src.parent)
    return dest


class DropFolder:
    """One drop folder. Use :meth:`session` to claim and settle its files."""

    def __init__(self, root: Path | str, *, min_age: float = 0.0) -> None:
        self.root = Path(root)
        self.min_age = min_age

    @classmethod
    def from_url(cls, url: str, *, min_age: float = 0.0) -> DropFolder:
        return cls(parse_dir_url(url), min_age=min_age)

    def _dirs(self) -> None:
        if not self.root.is_dir():
            raise ConfigError(f"drop folder {self.root} does not exist or is not a directory")
        for sub in (PROCESSING, ARCHIVE, REJECTED):
            (self.root / sub).mkdir(exist_ok=True)

    @contextmanager
    def session(self, *, wait: float = 0.0) -> Iterator[DropSession]:
        """Hold the folder's lock; ``wait`` seconds for another holder, then DropFolderBusy."""
        self._dirs()
        busy = DropFolderBusy(f"drop folder {self.root} is being claimed by another task")
        with exclusive(self.root / LOCK_NAME, wait=wait, busy=lambda: busy, poll=0.05):
            yield DropSession(self)


class DropSession:
    """Claims and settles files while the folder's lock is held."""

    def __init__(self, folder: DropFolder) -> None:
        self.folder = folder
        self.root = folder.root
        self._handed_out: set[Path] = (
            set()
        )  # a second claim() in one session returns new files only

    def _ready(self, path: Path, now: float) -> bool:
        name = path.name
        if name.startswith(".") or name.lower().endswith(PARTIAL_SUFFIXES):
            return False
        try:
            st = path.lstat()
        except FileNotFoundError:
            return False
        return stat.S_ISREG(st.st_mode) and now - st.st_mtime >= self.folder.min_age

    def claim(self, limit: int | None = None) -> list[Claimed]:
        """Files to load this run: left-overs of a crashed run first, then new files (oldest
        first), each renamed into ``processing/``. ``limit`` caps new claims, not left-overs."""
        processing = self.root / PROCESSING
        claimed = [
            Claimed(p.name, p)
            for p in sorted(processing.iterdir())
            if p.is_file() and not p.is_symlink()
        ]
        now = time.time()
        fresh = [p for p in self.root.iterdir() if self._ready(p, now)]
        fresh.sort(key=lambda p: (p.stat().st_mtime, p.name))
        for path in fresh[:limit] if limit is not None else fresh:
            claimed.append(Claimed(path.name, _move(path, processing)))
        claimed = [c for c in claimed if c.path not in self._handed_out]
        self._handed_out.update(c.path for c in claimed)
        return claimed

    def archive(self, item: Claimed) -> Path:
        """The file was loaded: move it to ``archive/``."""
        return _move(item.path, self.root / ARCHIVE)

    def reject(self, item: Claimed, reason: str) -> Path:
        """The file is malformed: move it to ``rejected/`` with ``<name>.reason.txt`` beside it.

        The reason is written first: a crash in between leaves the file in ``processing/`` (it
        is claimed and rejected again), never a rejected file without its reason."""
        rejected = self.root / REJECTED
        dest = _free_name(rejected, item.path.name)
        note = rejected / f"{dest.name}.reason.txt"
        tmp = rejected / f".{note.name}.tmp"
        tmp.write_text(" ".join(reason.split()) + "\n", encoding="utf-8")
        os.replace(tmp, note)
        os.rename(item.path, dest)
        _fsync_dir(rejected)
        _fsync_dir(item.path.parent)
        return dest
