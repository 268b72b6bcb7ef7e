"""Time `find` over a store holding every round of the corpus (target: under 50 ms).

    python benchmarks/bench_find.py [STORE]   # builds STORE (default /tmp/mlperf-all.duckdb) once

Each query runs 20 times through the Python API (what the CLI and web call); the median and
the worst are printed, with the number of rows returned.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from corpus_cache import unpack_cached  # noqa: E402

import mlperf_explorer  # noqa: E402

CORPUS = Path(os.environ.get("MLPERF_CORPUS", ROOT.parent / "shared" / "corpus"))
CACHE = Path(os.environ.get("MLPERF_TEST_CACHE", Path.home() / ".cache" / "mlperf-explorer-tests"))

QUERIES = [
    {"tags": "closed,offline,resnet"},
    {"tags": "power,-inferred", "where": "inferences_per_joule > 10", "sort": "-inferences_per_joule"},
    {"where": "submitter in ('NVIDIA', 'AMD') and result_units = 'Tokens/s'", "sort": "-result", "limit": 20},
    {"where": "system_name ~ 'h100' and round >= 'v3.0'", "columns": "submitter,system,model,scenario,result"},
    {"tags": "mlperf-training,bert", "sort": "result"},
    {"columns": "*"},
]


def build(path: str) -> None:
    with mlperf_explorer.open_store(path) as store:
        for family in ("inference", "training", "hpc"):
            for archive in sorted((CORPUS / family).glob("v*.tar.zst")):
                round_name = archive.name[: -len(".tar.zst")]
                tree = unpack_cached(archive, CACHE)
                report = store.import_source(str(tree), family=family, round=round_name)
                print(f"  imported {family} {round_name}: {report.results:,} results", flush=True)


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/mlperf-all.duckdb"
    if not os.path.exists(path):
        print(f"building {path} from every corpus round ...", flush=True)
        build(path)
    with mlperf_explorer.open_store(path, read_only=True) as store:
        total = store.status()["results"]
        print(f"store: {total:,} results")
        for q in QUERIES:
            times = []
            for _ in range(20):
                t = time.perf_counter()
                rows = store.find(**q)
                times.append((time.perf_counter() - t) * 1000)
            print(f"  {len(rows):6,} rows  median {statistics.median(times):6.1f} ms  worst {max(times):6.1f} ms  {q}")


if __name__ == "__main__":
    main()
