"""Read results straight from a downloaded archive (.tar.zst, .tar.gz, .tgz, .tar, .zip).

Only the files results need are written, into a private temporary folder that is removed
after the import; the user never unpacks anything. Archives are untrusted: absolute paths,
`..` components, links and special files are refused, and a ceiling on the number of files
and on the bytes written stops archive bombs with a clear message.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO

ARCHIVE_SUFFIXES = (".tar.zst", ".tar.zstd", ".tzst", ".tar.gz", ".tgz", ".tar", ".zip")

# Folders whose files an import can use; everything else (code/, docs) is skipped.
RESULT_AREAS = {"results", "systems", "compliance", "audit", "measurements"}
SKIP_NAMES = {"mlperf.conf", "user.conf", "mlperf_log_trace.json", "mlperf_log_accuracy.json"}

DEFAULT_MAX_FILES = 1_000_000
DEFAULT_MAX_BYTES = 32 * 1024**3
# Expansion past this many times the archive's own size is a bomb, not results: the densest
# real round (inference v3.0, zstd -19) expands 75:1. Checked once past MIN_BOMB_BYTES.
MAX_RATIO = 200
MIN_BOMB_BYTES = 256 * 1024**2


class ArchiveError(Exception):
    """The archive cannot be imported (unsafe, too large, or unreadable)."""


@dataclass
class Extracted:
    files: int = 0
    bytes: int = 0
    skipped_unsafe: list[str] = field(default_factory=list)


def is_archive(path: str) -> bool:
    return os.path.isfile(path) and path.lower().endswith(ARCHIVE_SUFFIXES)


def safe_member_path(name: str) -> str | None:
    """Normalise a member name; None when it would land outside the destination."""
    name = name.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    norm = posixpath.normpath(name)
    if norm in (".", "") or norm.startswith("../") or norm == ".." or "/../" in f"/{norm}/":
        return None
    return norm


def wanted(rel: str) -> bool:
    """Is this file one that an import reads? (Keeps extraction small and fast.)"""
    parts = rel.split("/")
    base = parts[-1]
    if base in SKIP_NAMES:
        return False
    if base.lower() in ("readme.md", "summary.csv", "summary_results.json", "model_mapping.json") and len(parts) <= 4:
        return True
    if base in ("package_checker_params", "scaling.json", "entry.json", "submission.json"):
        return True
    if not any(p in RESULT_AREAS for p in parts[:-1]):
        return False
    return base.lower() != "readme.md"


def _open_tar(path: str) -> tuple[tarfile.TarFile, IO[bytes] | None]:
    lower = path.lower()
    if lower.endswith((".tar.zst", ".tar.zstd", ".tzst")):
        import zstandard

        fh = open(path, "rb")  # noqa: SIM115 (the caller closes it after the tar stream)
        reader = zstandard.ZstdDecompressor(max_window_size=2**31).stream_reader(fh)
        return tarfile.open(fileobj=reader, mode="r|"), fh
    if lower.endswith((".tar.gz", ".tgz")):
        return tarfile.open(path, mode="r|gz"), None
    return tarfile.open(path, mode="r|"), None


def _members(path: str) -> Iterator[tuple[str, str, int, IO[bytes] | None]]:
    """(name, kind, size, stream) for each member; kind is 'file', 'dir' or 'other'."""
    if path.lower().endswith(".zip"):
        with zipfile.ZipFile(path) as zf:
            offsets = [info.header_offset for info in zf.infolist()]
            if len(offsets) != len(set(offsets)):
                raise ArchiveError(f"{path}: zip entries that overlap (share their data); refusing to import (archive bomb?)")
            for info in zf.infolist():
                if info.is_dir():
                    yield info.filename, "dir", 0, None
                    continue
                mode = (info.external_attr >> 16) & 0o170000
                if mode and mode != 0o100000:  # symlink or special file stored in a zip
                    yield info.filename, "other", info.file_size, None
                    continue
                with zf.open(info) as stream:
                    yield info.filename, "file", info.file_size, stream
        return
    tf, fh = _open_tar(path)
    try:
        for member in tf:
            if member.isdir():
                yield member.name, "dir", 0, None
            elif member.isreg():
                yield member.name, "file", member.size, tf.extractfile(member)
            else:
                yield member.name, "other", member.size, None
    finally:
        tf.close()
        if fh is not None:
            fh.close()


def extract_results(
    path: str,
    dest: str,
    max_files: int = DEFAULT_MAX_FILES,
    max_bytes: int = DEFAULT_MAX_BYTES,
    select: Callable[[str], bool] = wanted,
) -> Extracted:
    """Write the wanted files of `path` below `dest`. Raises ArchiveError on a bomb or an
    unreadable archive; unsafe members are skipped and listed."""
    stats = Extracted()
    count = 0
    ceiling = max(MIN_BOMB_BYTES, MAX_RATIO * os.path.getsize(path))
    try:
        for name, kind, size, stream in _members(path):
            count += 1
            if count > max_files:
                raise ArchiveError(f"{path}: more than {max_files:,} entries; refusing to import (archive bomb?)")
            rel = safe_member_path(name)
            if rel is None or kind == "other":
                stats.skipped_unsafe.append(name)
                continue
            target = os.path.join(dest, *rel.split("/"))
            if kind == "dir":
                # Keep result folders even if empty, so missing files can be reported.
                if "results" in rel.split("/"):
                    os.makedirs(target, exist_ok=True)
                continue
            if not select(rel) or stream is None:
                continue
            if stats.bytes + size > max_bytes:
                raise ArchiveError(f"{path}: more than {max_bytes:,} bytes of results; refusing to import (archive bomb?)")
            os.makedirs(os.path.dirname(target), exist_ok=True)
            written = 0
            with open(target, "wb") as out:
                while True:
                    chunk = stream.read(1 << 20)
                    if not chunk:
                        break
                    written += len(chunk)
                    if stats.bytes + written > max_bytes:
                        raise ArchiveError(f"{path}: expands past {max_bytes:,} bytes; refusing to import (archive bomb?)")
                    if stats.bytes + written > ceiling:
                        raise ArchiveError(f"{path}: expands more than {MAX_RATIO}:1 (past {ceiling:,} bytes); "
                                           "refusing to import (archive bomb?)")
                    out.write(chunk)
            stats.files += 1
            stats.bytes += written
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as exc:
        if isinstance(exc, OSError) and exc.errno is not None:
            raise ArchiveError(f"{path}: cannot read archive: {exc.strerror}") from exc
        raise ArchiveError(f"{path}: not a readable archive ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:
        if exc.__class__.__module__.startswith("zstandard"):
            raise ArchiveError(f"{path}: corrupt zstd stream ({exc})") from exc
        raise
    return stats


def cleanup(dest: str) -> None:
    shutil.rmtree(dest, ignore_errors=True)
