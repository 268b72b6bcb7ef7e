"""Writing while the playground reads.

DuckDB lets one process write a database file, and none while another process has it open.
`mlperf-explorer serve` keeps the store open read-only, so a writer (import, update,
derive, annotate) that finds the file held works on a shadow copy next to it and, when it is
done, replaces the file in one atomic rename: readers keep answering from the old file
until they notice the new one (see `LiveStore`), and never see a half-written round.
Writers take turns through an advisory lock file, so two writers never race on a copy.
"""

from __future__ import annotations

import fcntl
import glob
import os
import shutil
import time
from collections.abc import Callable
from typing import Any, ClassVar


class WriterLock:
    """An exclusive advisory lock beside the store (`results.duckdb.lock`), held by every
    writing Store for its lifetime."""

    _held: ClassVar[dict[str, list]] = {}  # lock path -> [fd, holders] within this process (re-entrant)

    def __init__(self, path: str, timeout: float = 600.0):
        self.path = os.path.abspath(path) + ".lock"
        self.fd = None
        held = WriterLock._held.get(self.path)
        if held:  # this process already writes the store (DuckDB shares one instance per process)
            held[1] += 1
            return
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        self.fd = fd
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                WriterLock._held[self.path] = [fd, 1]
                # Holding the lock, no other writer is at work: a shadow copy left here was
                # a killed writer's, and never became the store.
                # DuckDB keeps a shadow's write-ahead log beside it (`.shadow.wal`).
                for stale in glob.glob(glob.escape(path) + ".*.shadow") + glob.glob(glob.escape(path) + ".*.shadow.wal"):
                    try:
                        os.remove(stale)
                    except OSError:
                        pass
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    raise TimeoutError(f"{path}: another import or edit has held the store for {timeout:.0f} s") from None
                time.sleep(0.1)

    def release(self) -> None:
        held = WriterLock._held.get(self.path)
        if not held:
            return
        held[1] -= 1
        if held[1] == 0:
            del WriterLock._held[self.path]
            fcntl.flock(held[0], fcntl.LOCK_UN)
            os.close(held[0])


def is_lock_conflict(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set lock" in text)


def shadow_path(path: str) -> str:
    return f"{path}.{os.getpid()}.shadow"


def make_shadow(path: str) -> str:
    shadow = shadow_path(path)
    shutil.copyfile(path, shadow)
    return shadow


def file_identity(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns


class LiveStore:
    """A read-only Store that reopens itself when its file is replaced by a writer; the
    playground holds one. Attribute access goes to the current Store."""

    def __init__(self, path: str | None, opener: Callable[[str | None], Any]):
        self._opener = opener
        self._store = opener(path)
        self._path = self._store.path
        self._identity = file_identity(self._path)
        self._checked = 0.0

    def current(self) -> Any:
        """The Store of the file as it is now."""
        now = time.monotonic()
        if now - self._checked > 0.25:
            self._checked = now
            identity = file_identity(self._path)
            if identity != self._identity:
                self._identity = identity
                self._store = self._reopen(identity)  # the old one closes when no request holds it
        return self._store

    def _reopen(self, identity: tuple[int, int] | None) -> Any:
        """Open the new file. DuckDB shares one database per path within a process, and the
        old one may still serve a request: open the new file through a fresh name (a hard
        link, removed at once) so it gets a database of its own."""
        link = f"{self._path}.{identity[0] if identity else 0}.reading"
        try:
            os.link(self._path, link)
        except OSError:
            return self._opener(self._path)
        try:
            store = self._opener(link)
            store.path = self._path
            return store
        finally:
            os.unlink(link)

    @property
    def generation(self) -> Any:
        self.current()
        return self._identity

    def __getattr__(self, name: str) -> Any:
        return getattr(self.current(), name)
