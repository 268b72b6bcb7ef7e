"""Sources: where a round's files come from (a folder, an archive; git comes later).

Only this package knows about archives and temporary folders: it hands the importer a plain
folder to walk, and says what to record about where it came from.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from dataclasses import dataclass
from typing import Iterator

from .archive import ArchiveError, cleanup, extract_results, is_archive
from .detect import DetectError, detect_family, detect_round, find_root, normalise_round


class SourceError(Exception):
    """A source that cannot be imported: one clear line for the user."""


@dataclass
class PreparedSource:
    kind: str  # "directory" | "archive"
    location: str  # what the user named, made absolute
    root: str  # folder holding the results layout
    family: str
    round: str
    content_hash: str | None = None
    ref: str = "main"


def file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@contextlib.contextmanager
def prepare(source: str, family: str | None = None, round_name: str | None = None) -> Iterator[PreparedSource]:
    """Yield a PreparedSource for a folder or archive; temporary files go away afterwards."""
    location = os.path.abspath(os.path.expanduser(source))
    if not os.path.exists(location):
        raise SourceError(f"{source}: no such file or folder")
    tmp = None
    try:
        if os.path.isdir(location):
            kind, content_hash = "directory", None
            base = location
        elif is_archive(location):
            kind = "archive"
            content_hash = file_sha256(location)
            tmp = tempfile.mkdtemp(prefix="mlperf-explorer-")
            try:
                extract_results(location, tmp)
            except ArchiveError as exc:
                raise SourceError(str(exc)) from exc
            base = tmp
        else:
            raise SourceError(f"{source}: not a folder or a supported archive (.tar.zst, .tar.gz, .tgz, .tar, .zip)")
        root = find_root(base)
        found = detect_family(root)
        fam = family or found
        if fam is None:
            raise SourceError(f"{source}: not an MLPerf results tree (no DIVISION/SUBMITTER/results or SUBMITTER/results folders)")
        if family and found and family != found:
            raise SourceError(f"{source}: looks like {found} results, not {family}")
        try:
            rnd = normalise_round(round_name) if round_name else detect_round(root, source, location)
        except DetectError as exc:
            raise SourceError(str(exc)) from exc
        if rnd is None:
            raise SourceError(f"{source}: cannot tell which round this is; name it with --round vX.Y")
        yield PreparedSource(kind, location, root, fam, rnd, content_hash)
    finally:
        if tmp:
            cleanup(tmp)
