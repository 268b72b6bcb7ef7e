"""Import Training/HPC rounds and run the official summarizer on the same data, side by side.

    pip install mlperf-logging
    python benchmarks/bench_training_import.py v3.0                  # corpus training v3.0
    python benchmarks/bench_training_import.py v2.0 v3.0 --family hpc
    python benchmarks/bench_training_import.py v1.0 --no-summarizer  # our import only

For each round: our import time (fresh DuckDB file) and peak memory; then mlperf_logging's
result summarizer on a temporary copy (it writes into the tree it reads), its time, the
ratio, and every score compared (relative difference under 1e-6). Expected differences are
printed with their reason: v0.6 (the summarizer reads seconds as milliseconds), benchmark
folders whose logs are partly absent from the corpus, and runs the summarizer drops for
compliance checks we do not port (listed, so they can be studied).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from corpus_cache import unpack_cached  # noqa: E402


def summarizer_scores(tree: Path, family: str, round_name: str) -> tuple[dict, float]:
    """Run the official summarizer on a copy of `tree`; {(submitter, system json stem, benchmark): minutes}."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "round"
        shutil.copytree(tree, copy)
        out = Path(tmp) / "summary.csv"
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mlperf_logging.result_summarizer", f"{copy}/{{*}}", family,
                        f"{round_name.lstrip('v')}.0", "--csv", str(out)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, cwd=tmp)
        seconds = time.perf_counter() - started
        scores: dict = {}
        if not out.exists():
            return scores, seconds
        header: list[str] | None = None
        for row in csv.reader(io.StringIO(out.read_text())):
            if row and row[0] == "division":
                header = row
                continue
            if header is None or len(row) != len(header):
                continue
            rec = dict(zip(header, row, strict=False))
            url = rec.get("details_url", "")
            parts = url.split("/")
            if len(parts) < 3:
                continue
            submitter, system = parts[-3], parts[-1].removesuffix(".json")
            for col, value in rec.items():
                if not value or col in ("division", "availability", "submitter", "system", "number_of_nodes",
                                        "host_processor_model_name", "host_processors_count", "accelerator_model_name",
                                        "accelerators_count", "framework", "notes", "private_id", "details_url", "code_url"):
                    continue
                bench = col.split(":")[0]
                metric = col.split(":")[1] if ":" in col else "time_to_train"
                if metric not in ("time_to_train", "time_to_train_all"):
                    continue
                try:
                    scores[(submitter, system, bench, metric)] = float(value)
                except ValueError:
                    pass
        return scores, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rounds", nargs="*", default=["v3.0"])
    parser.add_argument("--family", default="training", choices=["training", "hpc"])
    parser.add_argument("--no-summarizer", action="store_true")
    args = parser.parse_args()
    corpus = Path(os.environ.get("MLPERF_CORPUS", ROOT.parent / "shared" / "corpus"))
    cache = Path(os.environ.get("MLPERF_TEST_CACHE", Path.home() / ".cache" / "mlperf-explorer-tests"))

    import mlperf_explorer

    total_mismatch = 0
    table: list[tuple[str, int, int, int, float, float]] = []  # round, equal, compared, only ours, ours s, theirs s
    for round_name in args.rounds:
        tree = unpack_cached(corpus / args.family / f"{round_name}.tar.zst", cache)
        with tempfile.TemporaryDirectory() as tmp:
            store = mlperf_explorer.open_store(os.path.join(tmp, "bench.duckdb"))
            started = time.perf_counter()
            report = store.import_source(str(tree), family=args.family, round=round_name)
            ours_s = time.perf_counter() - started
            rows = store.find(columns="submitter,system,benchmark,scenario,result,runs_total,location", limit=None).records()
            store.close()
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{args.family} {round_name}: {report.results} results, {report.warnings} warnings in {ours_s:.2f}s; "
              f"peak memory {own:.0f} MB")
        if args.no_summarizer:
            continue
        theirs, their_s = summarizer_scores(tree, args.family, round_name)
        workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"  official summarizer: {their_s:.1f}s (peak {workers:.0f} MB); ratio {their_s / ours_s:.0f}x")
        ours = {}
        for r in rows:
            metric = "time_to_train_all" if r["scenario"] == "weak" else "time_to_train"
            ours[(r["submitter"], r["system"], r["benchmark"], metric)] = r
        unit = 1000.0 if round_name == "v0.6" else 1.0  # the summarizer reads v0.6 seconds as ms
        same = differ = 0
        # The summarizer names a submitter from its system description ('NVIDIA+CoreWeave'),
        # we from its folder ('NVIDIA_CoreWeave'): match on system, benchmark and metric too.
        # Several submitter folders can hold the same system name (smc, smc-ac-power and
        # smc-dc-power in v4.0, all "Sustainable Metal Cloud" to the summarizer): among them,
        # the one whose score it is.
        by_system: dict = {}
        for k, r in ours.items():
            by_system.setdefault(k[1:], []).append(r)
        matched: set = set()
        for key, value in sorted(theirs.items()):
            candidates = by_system.get(key[1:], [])
            exact = [r for r in candidates if r["result"] is not None
                     and abs(r["result"] - value * unit) <= 1e-6 * abs(value * unit)]
            mine = ours.get(key) or (exact[0] if exact else (candidates[0] if candidates else None))
            if mine is not None:
                matched.add((mine["submitter"], mine["system"], mine["benchmark"],
                             "time_to_train_all" if mine["scenario"] == "weak" else "time_to_train"))
            if mine is None or mine["result"] is None:
                print(f"  only the summarizer scores {key}: {value}")
                differ += 1
                continue
            if abs(mine["result"] - value * unit) <= 1e-6 * abs(value * unit):
                same += 1
            else:
                differ += 1
                print(f"  differ {key}: ours {mine['result']:.6f}, summarizer {value * unit:.6f} "
                      f"({mine['runs_total']} logs in {mine['location']})")
        only_ours = [k for k, r in ours.items() if r["result"] is not None and k not in theirs and k not in matched]
        for key in only_ours:
            print(f"  only we score {key}: {ours[key]['result']:.6f}")
        print(f"  scores compared: {same} equal, {differ} differ, {len(only_ours)} only ours"
              + (" (v0.6 compared after the x1000 unit fix)" if unit != 1.0 else ""))
        total_mismatch += differ + len(only_ours)
        table.append((round_name, same, same + differ, len(only_ours), ours_s, their_s))
    if table:
        print(f"\n{args.family}: scores equal to the official summarizer's (to 1e-6), per round")
        print("| round | equal / compared | only ours | ours s | summarizer s | ratio |")
        print("|---|---|---|---|---|---|")
        for rnd, same, compared, only, ours_s, their_s in table:
            print(f"| {rnd} | {same} / {compared} | {only} | {ours_s:.2f} | {their_s:.1f} | {their_s / ours_s:.0f}x |")
    sys.exit(0)


if __name__ == "__main__":
    main()
