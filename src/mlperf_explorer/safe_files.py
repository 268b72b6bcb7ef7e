"""The one way parsers read a results tree: regular files inside the tree, of a bounded size.

Results trees come from other organisations, and a git checkout or an unpacked archive
creates whatever symlinks and special files the tree holds. So a file is read only if

- its path, once links are resolved, stays inside the tree (a link inside the tree to
  another file of the tree is fine; one to `/etc/passwd` or `/dev/zero` is refused),
- it is a regular file (a FIFO would block the import forever, a device never ends),
- it is no larger than the limit for its kind (a 2 GB sparse log is refused before a byte is
  read; at most the limit plus one byte is ever read, whatever `stat` said).

A refused file raises `UnsafeFile`, an `OSError` whose `strerror` says why in one line;
every caller already turns `OSError` into a warning naming the file. The check costs one
`lstat` per new directory (remembered) and nothing extra per file unless it is a link.
"""

from __future__ import annotations

import errno
import fnmatch
import functools
import os
import stat
from collections.abc import Iterable

MIB = 1024 * 1024

# Size limits by file name (first match wins). Loadgen detail logs and training logs are
# the large ones (the largest published are tens of MB); everything else is small text.
SIZE_LIMITS: list[tuple[str, int]] = [
    ("mlperf_log_detail.txt", 256 * MIB),
    ("result_*.txt", 256 * MIB),
    ("spl.txt", 256 * MIB),
    ("*.log", 256 * MIB),
    ("node_*.txt", 256 * MIB),
    ("sw_*.txt", 256 * MIB),
    ("*", 64 * MIB),
]


@functools.lru_cache(maxsize=4096)
def size_limit(name: str) -> int:
    """The size limit of a file by its name (a round reads the same few names thousands of
    times, so the answer is remembered: fnmatch costs more than the rest of a check)."""
    for pattern, limit in SIZE_LIMITS:
        if fnmatch.fnmatchcase(name, pattern):
            return limit
    return SIZE_LIMITS[-1][1]


def _human(n: int) -> str:
    for unit, size in (("GB", 1024**3), ("MB", MIB), ("KB", 1024)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


class UnsafeFile(OSError):
    """A file of the tree that is not read: outside the tree, not a regular file, too large."""

    def __init__(self, rel: str, why: str):
        super().__init__(errno.EPERM, why, rel)


class TreeReader:
    """`read(rel)` for the files of one tree (paths relative to it, '/'-separated)."""

    def __init__(self, root: str):
        self.root = os.path.abspath(root)
        self.real_root = os.path.realpath(self.root)
        self._dirs: dict[str, bool] = {"": True}

    def trust(self, folders: Iterable[str]) -> None:
        """Folders a walk reached by listing, never through a link: each is known to stay
        inside the tree, so reading their files costs no `lstat` of the folder."""
        self._dirs.update(dict.fromkeys(folders, True))

    def inside(self, real: str) -> bool:
        return real == self.real_root or real.startswith(self.real_root + os.sep)

    def dir_ok(self, rel_dir: str) -> bool:
        """Does this folder of the tree stay inside it (each component either a real folder
        or a link whose target is inside the tree)?"""
        known = self._dirs.get(rel_dir)
        if known is not None:
            return known
        parent = rel_dir.rpartition("/")[0]
        ok = self.dir_ok(parent)
        if ok:
            path = os.path.join(self.root, rel_dir)
            if os.path.islink(path):
                ok = self.inside(os.path.realpath(path))
        self._dirs[rel_dir] = ok
        return ok

    def read(self, rel: str) -> bytes:
        rel = rel.replace(os.sep, "/").lstrip("/")
        if rel.startswith("../") or "/../" in rel or rel == "..":
            raise UnsafeFile(rel, "a path outside the results tree; not read")
        if not self.dir_ok(rel.rpartition("/")[0]):
            raise UnsafeFile(rel, "its folder links outside the results tree; not read")
        path = os.path.join(self.root, rel)
        flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(path, flags | getattr(os, "O_NOFOLLOW", 0))
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
            real = os.path.realpath(path)  # a link: follow it only inside the tree
            if not self.inside(real):
                raise UnsafeFile(rel, "a link to a file outside the results tree; not read") from None
            fd = os.open(real, flags)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise UnsafeFile(rel, "not a regular file (a FIFO, device or socket); not read")
            limit = size_limit(rel.rpartition("/")[2])
            if st.st_size > limit:
                raise UnsafeFile(rel, f"{_human(st.st_size)}, over the {_human(limit)} limit for this kind of file; skipped")
            chunks, total = [], 0
            while True:
                chunk = os.read(fd, min(8 * MIB, limit + 1 - total))
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
                if total > limit:
                    raise UnsafeFile(rel, f"grew past the {_human(limit)} limit while being read; skipped")
            return b"".join(chunks)
        finally:
            os.close(fd)

    def is_file(self, rel: str) -> bool:
        """A regular file inside the tree (links followed only inside it)."""
        if not self.dir_ok(rel.rpartition("/")[0]):
            return False
        path = os.path.join(self.root, rel)
        if os.path.islink(path) and not self.inside(os.path.realpath(path)):
            return False
        return os.path.isfile(path)


def subfolders(path: str) -> list[str]:
    """The names of a folder's real subfolders, sorted, hidden ones left out. A link to a
    folder is neither listed nor listed through: it could lead out of the tree."""
    if os.path.islink(path):
        return []
    try:
        return sorted(e.name for e in os.scandir(path) if e.is_dir(follow_symlinks=False) and not e.name.startswith("."))
    except OSError:
        return []
