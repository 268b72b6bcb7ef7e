"""What an import asks of the file system: each file read once, each folder listed once, no
stat of every file. This is the regression guard for import speed that a test can hold
without timing anything (benchmarks/ times it): the slowdowns an earlier session had to win
back were extra passes over the tree (a second listing of every folder, a stat of every
file), and each shows here as a count.

The import runs with one worker, so every call is made in this process and counted.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest
from conftest import unpacked

import mlperf_explorer

LISTING = ("scandir", "listdir")
STATUS = ("stat", "lstat")


def _imported_counting(monkeypatch: pytest.MonkeyPatch, tree: Path, tmp_path: Path) -> tuple[dict[str, Counter], int]:
    """Import `tree` with one worker; the calls made on each path inside it, by kind, and
    the number of results."""
    inside = str(tree) + os.sep
    counts: dict[str, Counter] = {name: Counter() for name in ("open", *LISTING, *STATUS)}

    def counting(name: str):
        real = getattr(os, name)

        def call(path, *args, **kwargs):
            if isinstance(path, (str, os.PathLike)) and kwargs.get("dir_fd") is None:
                where = os.path.abspath(os.fspath(path))
                if where == str(tree) or where.startswith(inside):
                    counts[name][where] += 1
            return real(path, *args, **kwargs)

        return call

    store = mlperf_explorer.open_store(str(tmp_path / "io.duckdb"))
    try:
        with monkeypatch.context() as patched:
            for name in counts:
                patched.setattr(os, name, counting(name))
            report = store.import_source(str(tree), workers=1)
    finally:
        store.close()
    return counts, report.results


def _tree(tree: Path) -> tuple[set[str], set[str]]:
    folders, files = {str(tree)}, set()
    for path, subfolders, names in os.walk(tree):
        folders.update(os.path.join(path, d) for d in subfolders)
        files.update(os.path.join(path, n) for n in names)
    return folders, files


def test_an_inference_import_reads_each_file_once_and_lists_each_folder_once(monkeypatch, tmp_path):
    tree = unpacked("inference", "v4.1")
    folders, files = _tree(tree)
    counts, results = _imported_counting(monkeypatch, tree, tmp_path)
    assert results == 937
    opened = counts["open"]
    assert opened and max(opened.values()) == 1, [p for p, n in opened.items() if n > 1][:5]
    listed = counts["scandir"] + counts["listdir"]
    assert set(listed) >= folders - {str(tree)}  # every folder, for the manifest
    # Below DIVISION/SUBMITTER/results (which the list of systems and the family's
    # detection read too), once; but for the few folders detection passes through on its
    # way to the first result.
    deep = {p: n for p, n in listed.items() if len(Path(p).relative_to(tree).parts) > 3}
    repeated = [p for p, n in deep.items() if n > 1]
    assert len(repeated) <= 4 and max(deep.values()) <= 2, repeated[:5]
    assert max(n for p, n in listed.items() if p not in deep) <= 5
    # Sizes and times come with the listing: no stat of every file (12,067 here).
    status = sum(sum(counts[name].values()) for name in STATUS)
    assert status < len(files) / 4, status


def test_a_training_import_reads_each_log_once(monkeypatch, tmp_path):
    tree = unpacked("training", "v4.1")
    folders, files = _tree(tree)
    counts, results = _imported_counting(monkeypatch, tree, tmp_path)
    assert results == 151
    logs = {p for p in files if "/results/" in p and p.endswith(".txt")}
    opened = counts["open"]
    assert set(opened) >= {p for p in logs if os.path.basename(p).startswith("result_")}
    assert max(opened[p] for p in logs) == 1, [p for p in logs if opened[p] > 1][:5]
    # A benchmark folder is listed once for its logs, not once more per file in it.
    listed = counts["scandir"] + counts["listdir"]
    assert not set(listed) & files, sorted(set(listed) & files)[:5]
    assert sum(listed.values()) <= 3 * len(folders)
