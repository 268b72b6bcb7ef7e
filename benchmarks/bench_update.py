"""Time `update` against a full import, on a whole round, for git and folder sources.

    python benchmarks/bench_update.py            # inference v3.0 from the corpus
    python benchmarks/bench_update.py v4.1

Builds a real git repository from the unpacked round (once; kept in the test cache), then:
a full import by file:// URL (sparse clone included), an `update` with nothing new, an
`update` after one committed change; and the same for the folder itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from corpus_cache import unpack_cached  # noqa: E402

import mlperf_explorer  # noqa: E402

CORPUS = Path(os.environ.get("MLPERF_CORPUS", ROOT.parent / "shared" / "corpus"))
CACHE = Path(os.environ.get("MLPERF_TEST_CACHE", Path.home() / ".cache" / "mlperf-explorer-tests"))


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.email=b@example.org", "-c", "user.name=bench", *args], cwd=cwd,
                          check=True, capture_output=True, text=True).stdout.strip()


def repository(tree: Path) -> Path:
    """A bare repository of the round (built once next to the unpacked tree)."""
    bare = tree.parent / (tree.name + ".git")
    if not bare.exists():
        work = Path(tempfile.mkdtemp(prefix="bench-work-"))
        git(work, "init", "-q", "-b", "main")
        git(work, "--work-tree", str(tree), "add", "-A", ".")
        git(work, "--work-tree", str(tree), "commit", "-qm", "round")
        subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], check=True)
        git(bare, "config", "uploadpack.allowFilter", "true")  # as GitHub: blob-less clones
    return bare


def commit_one_change(bare: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "w"
        subprocess.run(["git", "clone", "-q", "--no-checkout", str(bare), str(work)], check=True)
        git(work, "reset", "-q", "HEAD")  # index = HEAD, nothing checked out
        paths = git(work, "ls-tree", "-r", "--name-only", "HEAD").splitlines()
        # A system description of a system that has results.
        systems = {p.split("/results/")[0] + "/systems/" + p.split("/results/")[1].split("/")[0] + ".json"
                   for p in paths if "/results/" in p}
        target = next(p for p in paths if p in systems)
        git(work, "checkout", "-q", "HEAD", "--", target)
        (work / target).write_text((work / target).read_text().replace('"system_name": "', '"system_name": "Bench '))
        git(work, "add", "--", target)
        git(work, "commit", "-qm", "one change")
        git(work, "push", "-q", "origin", "HEAD:main")


def timed(label: str, fn):
    t = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t
    print(f"  {label:<38} {dt:7.2f} s", flush=True)
    return out, dt


def main() -> None:
    round_name = sys.argv[1] if len(sys.argv) > 1 else "v3.0"
    tree = unpack_cached(CORPUS / "inference" / f"{round_name}.tar.zst", CACHE)
    print(f"inference {round_name}: building a git repository of the round (first run only) ...", flush=True)
    bare = repository(tree)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MLPERF_EXPLORER_CACHE"] = str(Path(tmp) / "cache")
        store = mlperf_explorer.open_store(str(Path(tmp) / "s.duckdb"))
        print("git source (file:// URL):")
        report, _full = timed("full import (clone + parse)", lambda: store.import_source(f"file://{bare}", round=round_name))
        _, reimport = timed("full import again (clone cached)", lambda: store.import_source(f"file://{bare}", round=round_name))
        (same,), unchanged = timed("update, nothing new", lambda: store.update())
        commit_one_change(bare)
        (changed,), _partial = timed("update after one commit", lambda: store.update())
        print(f"  {report.results:,} results; update modes: {same.mode}, {changed.mode} ({changed.results} re-parsed)")
        print(f"  unchanged update is {reimport / unchanged:.0f}x faster than a re-import")
        print("folder source:")
        store.import_source(str(tree), round=round_name)
        (same,), _unchanged_dir = timed("update, nothing new", lambda: store.update(str(tree)))
        print(f"  mode: {same.mode}")
        store.close()


if __name__ == "__main__":
    main()
