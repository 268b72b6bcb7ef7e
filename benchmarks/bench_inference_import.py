"""Time a whole-round inference import against a bare read of the same tree.

    python benchmarks/bench_inference_import.py                       # v3.0 from ../shared/corpus
    python benchmarks/bench_inference_import.py PATH_TO_ROUND_OR_ARCHIVE --round v3.0
    python benchmarks/bench_inference_import.py --checker ~/inference/tools/submission/submission_checker.py

Prints, for the same tree in the same run: the time of a bare walk that reads every byte of
every file (the floor any importer pays), the time of `import` into a fresh DuckDB file, their
ratio, results per second and the peak memory (this process and its worker processes). With
--checker it also runs the official MLCommons submission checker on the same tree and prints
the ratio; without it, the checker's time recorded in ../shared/reference/README.md on this
machine class is shown for context, labelled as recorded.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from corpus_cache import unpack_cached  # noqa: E402

RECORDED_CHECKER_SECONDS = {"v3.0": 187.0}  # ../shared/reference/README.md, 2 cores


def bare_read(root: Path) -> tuple[float, int, int]:
    """Walk the tree and read every byte of every file, as fast as Python can."""
    started = time.perf_counter()
    files = size = 0
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            with open(os.path.join(dirpath, name), "rb") as f:
                while True:
                    chunk = f.read(1 << 20)
                    if not chunk:
                        break
                    size += len(chunk)
            files += 1
    return time.perf_counter() - started, files, size


def peak_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", nargs="?", help="round folder or archive (default: the corpus v3.0 archive)")
    parser.add_argument("--round", default="v3.0")
    parser.add_argument("--repeat", type=int, default=2, help="imports to time; the best is reported (warm cache)")
    parser.add_argument("--checker", help="path to the official submission_checker.py to run side by side")
    args = parser.parse_args()

    corpus = Path(os.environ.get("MLPERF_CORPUS", ROOT.parent / "shared" / "corpus"))
    cache = Path(os.environ.get("MLPERF_TEST_CACHE", Path.home() / ".cache" / "mlperf-explorer-tests"))
    source = Path(args.source) if args.source else corpus / "inference" / f"{args.round}.tar.zst"
    tree = unpack_cached(source, cache) if source.is_file() else source
    print(f"tree: {tree}")

    import mlperf_explorer

    read_s, files, size = bare_read(tree)  # also warms the page cache
    read_s, files, size = min(bare_read(tree), bare_read(tree))
    print(f"bare read: {files:,} files, {size / 1e6:,.0f} MB in {read_s:.2f}s")

    best = None
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            store = mlperf_explorer.open_store(os.path.join(tmp, "bench.duckdb"))
            started = time.perf_counter()
            report = store.import_source(str(tree), round=args.round)
            seconds = time.perf_counter() - started
            store.close()
        best = seconds if best is None else min(best, seconds)
    own, children = peak_mb()
    print(f"import:    {report.results:,} results, {report.warnings:,} warnings in {best:.2f}s "
          f"({report.results / best:,.0f} results/s)")
    print(f"ratio import / bare read: {best / read_s:.2f}")
    print(f"peak memory: {own:.0f} MB main process, {children:.0f} MB largest worker")

    if args.checker:
        checker = Path(args.checker).resolve()
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            subprocess.run([sys.executable, str(checker), "--input", str(tree), "--version", args.round,
                            "--csv", os.path.join(tmp, "summary.csv"), "--skip-power-check"],
                           cwd=checker.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            official = time.perf_counter() - started
        print(f"official checker: {official:.1f}s; ratio checker / import: {official / best:.0f}x")
    elif args.round in RECORDED_CHECKER_SECONDS:
        recorded = RECORDED_CHECKER_SECONDS[args.round]
        print(f"official checker (recorded in shared/reference, not run here): {recorded:.0f}s; "
              f"ratio: {recorded / best:.0f}x (pass --checker to measure side by side)")


if __name__ == "__main__":
    main()
