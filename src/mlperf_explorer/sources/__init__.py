"""Sources: where a round's files come from (a folder, an archive, a git repository).

Only this package knows about archives and temporary folders: it hands the importer a plain
folder to walk, and says what to record about where it came from.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ..records import Batch, Problem, SourceError, escape_text
from . import tables
from .archive import ArchiveError, cleanup, extract_results, is_archive
from .detect import DetectError, detect_round, find_root, normalise_round
from .git import GitError, changed_paths, checkout, is_git_source, redact

EXTRACT_PREFIX = "mlperf-explorer-x"


def remove_stale_extractions(tmpdir: str | None = None) -> list[str]:
    """Archive extractions of import processes that no longer run (killed before they could
    clean up): their folders carry the importing process' id. Returns what was removed."""
    base = tmpdir or tempfile.gettempdir()
    removed: list[str] = []
    try:
        names = os.listdir(base)
    except OSError:
        return removed
    for name in names:
        if not name.startswith(EXTRACT_PREFIX):
            continue
        pid_text = name[len(EXTRACT_PREFIX):].split("-", 1)[0]
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue
        cleanup(os.path.join(base, name))
        removed.append(name)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class PreparedSource:
    kind: str  # "directory" | "archive" | "git" | a table kind (formats.tables.KINDS)
    location: str  # what the user named, made absolute (a git URL without credentials)
    root: str  # folder holding the results layout
    family: str
    round: str
    content_hash: str | None = None
    ref: str = "main"
    commit: str | None = None  # git: the commit imported
    root_checkout: str = ""  # the folder the source unpacks or checks out to (root is inside it)
    table: Batch | None = None  # a table source, already read to learn its family and round
    notes: list[Problem] = field(default_factory=list)  # what preparing it refused (archive members)

    def changes_since(self, old_commit: str) -> list[str] | None:
        """For a git source: the paths (relative to the results root) that changed since
        `old_commit`, or None when that commit is gone (history rewritten) or this is not git."""
        if self.kind != "git" or not self.commit:
            return None
        changed = changed_paths(self.root_checkout, old_commit, self.commit)
        if changed is None:
            return None
        rel = os.path.relpath(self.root, self.root_checkout).replace(os.sep, "/")
        prefix = "" if rel == "." else rel + "/"
        return [p[len(prefix):] for p in changed if p.startswith(prefix)]


def file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@contextlib.contextmanager
def prepare(source: str, family: str | None = None, round_name: str | None = None, ref: str | None = None,
            progress: Callable[[str], None] | None = None, fetch: bool = True) -> Iterator[PreparedSource]:
    """Yield a PreparedSource for a folder, archive or git repository; temporary files go
    away afterwards (git clones stay in the cache, for `update`)."""
    if is_git_source(source):
        try:
            co = checkout(source, ref, fetch=fetch, progress=progress)
        except GitError as exc:
            raise SourceError(f"{redact(source)}: {exc}") from exc
        yield _identify(PreparedSource("git", co.url, co.path, "", "", ref=co.ref, commit=co.commit),
                        redact(source), family, round_name, co.url)
        return
    if ref is not None:
        raise SourceError(f"{source}: --ref applies to git sources only")
    location = os.path.abspath(os.path.expanduser(source))
    if not os.path.exists(location):
        raise SourceError(f"{source}: no such file or folder")
    table_kind = tables.detect(location)
    if table_kind:
        yield _identify_table(table_kind, location, source)
        return
    tmp = None
    try:
        if os.path.isdir(location):
            kind, content_hash = "directory", None
            notes: list[Problem] = []
            base = location
        elif is_archive(location):
            kind = "archive"
            content_hash = file_sha256(location)
            remove_stale_extractions()
            tmp = tempfile.mkdtemp(prefix=f"{EXTRACT_PREFIX}{os.getpid()}-")
            try:
                stats = extract_results(location, tmp)
            except ArchiveError as exc:
                raise SourceError(str(exc)) from exc
            base = tmp
            notes = [Problem(escape_text(name)[:300], "archive member not extracted: an absolute path, a '..' path, "
                             "a link or a special file") for name in stats.skipped_unsafe]
        else:
            raise SourceError(f"{source}: not a folder, a git repository, a results table (summary.csv, "
                              "summary_results.json, the 2026 summary.json) or a supported archive (.tar.zst, .tar.gz, .tgz, .tar, .zip)")
        prepared = PreparedSource(kind, location, base, "", "", content_hash)
        prepared.notes = notes
        yield _identify(prepared, source, family, round_name, location)
    finally:
        if tmp:
            cleanup(tmp)


def _identify(prepared: PreparedSource, source: str, family: str | None, round_name: str | None,
              location: str) -> PreparedSource:
    """Find the results root in the tree, and which family and round it holds."""
    root, found = find_root(prepared.root)
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
    prepared.root_checkout = prepared.root_checkout or prepared.root
    prepared.root, prepared.family, prepared.round = root, fam, rnd
    return prepared


def _identify_table(kind: str, location: str, source: str) -> PreparedSource:
    """A results table (CM experiments, checker summary, final report): its content hash
    now; its rows (and so its family and round) are read by the importer (`formats.tables`)."""
    files = tables.table_files(location, kind)
    if not files:
        raise SourceError(f"{source}: a CM results folder without experiment/*/*/cm-result.json files")
    h = hashlib.sha256()
    for f in files:
        h.update(f.encode())
        h.update(file_sha256(f).encode())
    return PreparedSource(kind, location, location, "", "", h.hexdigest(), root_checkout=location)
