"""Units of re-import: which part of a round a changed file belongs to.

An update re-parses only the units whose files changed. A unit is what the importers
already parse as one task: an inference system (DIVISION/SUBMITTER/results/SYSTEM with its
systems/SYSTEM.json, measurements/SYSTEM, compliance/SYSTEM) or a training/HPC system
(SUBMITTER/results/SYSTEM with systems/SYSTEM.json). A unit's `system` of None means every
system of that submitter (a submitter-wide file such as model_mapping.json changed).

`Scope` says what of a source's stored rows a set of units owns, so the writer can delete
exactly those before the re-parsed rows go in.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field

INFERENCE_DIVISIONS = ("closed", "open", "network")
INFERENCE_AREAS = ("results", "measurements", "compliance", "audit")


@dataclass(frozen=True)
class Unit:
    division: str | None  # inference only
    submitter: str
    system: str | None


@dataclass
class Scope:
    result_prefixes: list[str] = field(default_factory=list)  # results.location
    warning_prefixes: list[str] = field(default_factory=list)  # warnings.path
    units: list[Unit] = field(default_factory=list)  # systems table


class FullImport(Exception):
    """A change that units cannot describe (another layout, a round-wide file)."""


def _stem(name: str) -> str:
    return name[:-5] if name.endswith(".json") else name


def unit_of(family: str, path: str) -> Unit | None:
    """The unit a repository-relative path belongs to; None for files no import reads
    (code, documentation, top-level READMEs). Raises FullImport for layouts without units."""
    parts = path.split("/")
    if family in ("inference", "tiny"):
        if len(parts) < 3 or parts[0] not in INFERENCE_DIVISIONS:
            return None
        div, sub, area = parts[0], parts[1], parts[2]
        if area in INFERENCE_AREAS and len(parts) >= 4:
            return Unit(div, sub, parts[3])
        if area == "systems" and len(parts) == 4:
            # Tiny system descriptions are not named after their results folder: a change
            # re-parses the submitter.
            return Unit(div, sub, _stem(parts[3]) if family == "inference" else None)
        if area == "model_mapping.json" and len(parts) == 3:
            return Unit(div, sub, None)
        return None
    if parts[0] == "v0.5.0":
        raise FullImport("training v0.5 layout")
    if len(parts) >= 3 and parts[1] == "results":
        return Unit(None, parts[0], parts[2])
    if len(parts) == 3 and parts[1] == "systems":
        return Unit(None, parts[0], _stem(parts[2]))
    return None


def units_for(family: str, paths: list[str]) -> set[Unit]:
    units = {u for p in paths if (u := unit_of(family, p)) is not None}
    # A submitter-wide unit covers that submitter's systems.
    wide = {(u.division, u.submitter) for u in units if u.system is None}
    return {u for u in units if u.system is None or (u.division, u.submitter) not in wide}


def scope_for(family: str, units: set[Unit]) -> Scope:
    scope = Scope(units=sorted(units, key=lambda u: (u.division or "", u.submitter, u.system or "")))
    for u in scope.units:
        if family in ("inference", "tiny"):
            base = f"{u.division}/{u.submitter}"
            if u.system is None:
                scope.result_prefixes.append(f"{base}/results")
                scope.warning_prefixes.append(base)
            else:
                scope.result_prefixes.append(f"{base}/results/{u.system}")
                scope.warning_prefixes += [f"{base}/{a}/{u.system}" for a in INFERENCE_AREAS]
                scope.warning_prefixes.append(f"{base}/systems/{u.system}.json")
        else:
            scope.result_prefixes.append(f"{u.submitter}/results/{u.system}")
            scope.warning_prefixes += [f"{u.submitter}/results/{u.system}", f"{u.submitter}/systems/{u.system}.json"]
    return scope


def selects(units: set[Unit] | None, division: str | None, submitter: str, system: str) -> bool:
    """Whether a parse task (one system) is in the units to re-parse."""
    if units is None:
        return True
    return (Unit(division, submitter, system) in units) or (Unit(division, submitter, None) in units)


# ---- directory manifests ------------------------------------------------------------

def _wanted_dir(family: str, parts: list[str]) -> bool:
    """Folders an import reads (so a checkout's code trees are never walked)."""
    if not parts:
        return True
    if parts[0].startswith("."):
        return False
    if family in ("inference", "tiny"):
        return len(parts) <= 2 or parts[2] in INFERENCE_AREAS or parts[2] == "systems"
    if parts[0] == "v0.5.0":
        return True
    return len(parts) == 1 or parts[1] in ("results", "systems")


ROOT_KEY = "./"  # a folder's entry in a manifest is its path and "/"; the tree's own is this


Listing = dict[str, tuple[list[str], list[str]]]  # folder -> (subfolders, other entries), sorted


def scan_tree(root: str, family: str, skip: frozenset[str] = frozenset()) -> dict[str, tuple[int, int]]:
    """{relative path: (size, mtime_ns)} of every file an import could read, and of every
    folder walked ({path/: (-1, mtime_ns)}): a file added to or removed from a folder moves
    the folder's modification time, so `unchanged_since` can confirm a tree is as it was
    with a stat of each known path, without listing a folder again. The folders in `skip`
    are recorded but not entered: a parser's workers list them (`scan_folder`) as they walk
    them, so no folder is opened twice."""
    out: dict[str, tuple[int, int]] = {}
    try:
        out[ROOT_KEY] = (-1, os.stat(root).st_mtime_ns)
    except OSError:
        return out
    _scan(root, "", out, None, family, skip)
    return out


def scan_folder(root: str, rel: str, listing: Listing) -> dict[str, tuple[int, int]]:
    """What `scan_tree` records below one folder of the tree (not the folder itself), and,
    into `listing`, every folder's entries, for a walk to read instead of listing them
    again. Links are never followed: the caller checks that `rel` is a real folder."""
    out: dict[str, tuple[int, int]] = {}
    _scan(os.path.join(root, rel), rel, out, listing, None, frozenset())
    return out


def _scan(path: str, rel: str, out: dict[str, tuple[int, int]], listing: Listing | None, family: str | None,
          skip: frozenset[str]) -> None:
    stack = [(rel, path)]
    while stack:
        rel, path = stack.pop()
        try:
            entries = list(os.scandir(path))
        except OSError:
            continue
        folders: list[str] = []
        others: list[str] = []  # files, links, FIFOs...: the safe reader says which can be read
        for e in entries:
            child = f"{rel}/{e.name}" if rel else e.name
            try:
                if e.is_dir(follow_symlinks=False):
                    folders.append(e.name)
                    if family is None or _wanted_dir(family, child.split("/")):
                        out[child + "/"] = (-1, e.stat(follow_symlinks=False).st_mtime_ns)
                        if child not in skip:
                            stack.append((child, e.path))
                else:
                    others.append(e.name)
                    if e.is_file(follow_symlinks=False):
                        st = e.stat(follow_symlinks=False)
                        out[child] = (st.st_size, st.st_mtime_ns)
            except OSError:
                continue
        if listing is not None:
            folders.sort()
            others.sort()
            listing[rel] = (folders, others)


def unchanged_since(root: str, old: Iterable[tuple[str, int, int]]) -> bool:
    """True when every file and folder of `old` (a `scan_tree` manifest) still has the size
    and modification time it had: then nothing was added, removed or edited, and no folder
    needs listing. A stat per known path is half the cost of a walk (opening 63,000 folders
    is most of a walk of inference v3.0). `old` is (path, size, mtime_ns) rows of a manifest
    that records its folders (one recorded without them is walked again instead)."""
    try:  # paths relative to the open tree: no joining, and the kernel resolves less
        fd = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return False
    try:
        for rel, size, mtime in old:
            folder = rel.endswith("/")
            try:
                st = os.stat(rel if rel != ROOT_KEY else ".", dir_fd=fd, follow_symlinks=False)
            except OSError:
                return False
            same_kind = stat.S_ISDIR(st.st_mode) if folder else stat.S_ISREG(st.st_mode) and st.st_size == size
            if st.st_mtime_ns != mtime or not same_kind:
                return False
    finally:
        os.close(fd)
    return True


def manifest_changes(old: dict[str, tuple[int, int]], new: dict[str, tuple[int, int]]) -> list[str]:
    """Files added, removed, or whose size or modification time moved (a folder's own time
    says only that something in it did, which its files tell)."""
    return sorted({p for p in old.keys() | new.keys() if old.get(p) != new.get(p) and not p.endswith("/")})
