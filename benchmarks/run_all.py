"""Run the speed benchmarks side by side with their floors and write one table into
benchmarks/RESULTS.md, so a regression shows in the diff of the change that causes it.

    python benchmarks/run_all.py            # inference v3.0, training v3.0, tiny v1.1, update, CLI
    python benchmarks/run_all.py --quick    # one repeat each (a smoke run; the table says so)
    python benchmarks/run_all.py --all      # also every corpus round of every family

Each import runs in a fresh process (its peak memory is its own, main and workers apart),
best of --repeat (3), against the best of as many bare reads of the same tree, each taken
just before an import (and, for training and HPC, of as many decodes of every MLLOG line):
the machine's speed drifts within minutes, so a floor measured apart would skew the ratio.
`update` is timed on an unchanged folder; the command line on a `find` against the bare
minimum (a `python -c` that imports duckdb, opens the same store and runs one query).
Targets (issue "speed back at the floor"): inference <= 2x, training <= 3x the bare read,
peak under 300 MB, update < 1 s, CLI <= 1.5x its floor. Tests never assert timings.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as _dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

import bench_inference_import  # noqa: E402
from corpus_cache import unpack_cached  # noqa: E402

CORPUS = Path(os.environ.get("MLPERF_CORPUS", ROOT.parent / "shared" / "corpus"))
CACHE = Path(os.environ.get("MLPERF_TEST_CACHE", Path.home() / ".cache" / "mlperf-explorer-tests"))
START, END = "<!-- run_all:start -->", "<!-- run_all:end -->"
ROUNDS_START, ROUNDS_END = "<!-- run_all:rounds:start -->", "<!-- run_all:rounds:end -->"
MLLOG_FAMILIES = ("training", "hpc")

IMPORT = """
import json, resource, sys, time
import mlperf_explorer
store = mlperf_explorer.open_store(sys.argv[1])
started = time.perf_counter()
report = store.import_source(sys.argv[2], family=sys.argv[3], round=sys.argv[4])
store.close()
seconds = time.perf_counter() - started
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
try:  # this process's own peak: ru_maxrss keeps the peak of the process that started it
    with open("/proc/self/status") as f:
        own = next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 1024
except (OSError, StopIteration):
    pass
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "results": report.results, "main_mb": own, "worker_mb": workers}))
"""

FLOOR = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute("SELECT uid, round, division, submitter, system, model, scenario, result FROM results "
                  "WHERE list_has_all(tags, ['v3.0', 'closed', 'resnet50', 'offline']) ORDER BY uid LIMIT 5").fetchall())
"""


def bare_read(root: Path) -> float:
    """Seconds of bench_inference_import's bare read: every byte of every file."""
    return bench_inference_import.bare_read(root)[0]


def _decode_logs(paths: list[str]) -> int:
    import orjson

    lines = 0
    for path in paths:
        with open(path, "rb") as f:
            for line in f.read().split(b"\n"):
                if line.startswith(b":::MLLOG "):
                    try:
                        orjson.loads(line[9:])
                    except ValueError:  # NaN, or a line that is not JSON: decoded all the same
                        pass
                    lines += 1
    return lines


def decode_floor(tree: Path) -> float:
    """The least a training import can do under the summarizer's rule (a run whose log has
    one MLLOG line that does not parse is dropped, so every line is decoded): orjson on every
    MLLOG line of every log, on every core, nothing kept."""
    from concurrent.futures import ProcessPoolExecutor

    logs = sorted(str(p) for p in tree.rglob("*.txt") if "/results/" in str(p))
    cores = os.cpu_count() or 1
    started = time.perf_counter()
    with ProcessPoolExecutor(cores) as pool:
        sum(pool.map(_decode_logs, [logs[i::cores] for i in range(cores)]))
    return time.perf_counter() - started


def timed(cmd: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - started)
    return best


def import_round(family: str, round_name: str, repeat: int, tmp: Path) -> dict:
    """Best of `repeat` imports, each right after a bare read (and a decode floor, for the
    MLLOG families) of the same tree."""
    tree = unpack_cached(CORPUS / family / f"{round_name}.tar.zst", CACHE)
    bare_read(tree)  # warm the page cache
    runs, floors, decodes = [], [], []
    for i in range(max(repeat, 1)):
        floors.append(bare_read(tree))
        if family in MLLOG_FAMILIES:
            decodes.append(decode_floor(tree))
        db = tmp / f"{family}-{round_name}-{i}.duckdb"
        out = subprocess.run([sys.executable, "-c", IMPORT, str(db), str(tree), family, round_name],
                             check=True, capture_output=True, text=True).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
        # Gone before the next import: the dirty pages of stores left behind would be
        # written back to disk during later imports (v3.0 measured 1.3 s slower that way).
        for leftover in (db, db.with_name(db.name + ".wal")):
            leftover.unlink(missing_ok=True)
    best = min(runs, key=lambda r: r["seconds"])
    floor = min(floors)
    return {"what": f"import {family} {round_name}", "seconds": best["seconds"], "floor": floor, "results": best["results"],
            "ratio": best["seconds"] / floor, "peak": f"{max(r['main_mb'] for r in runs):.0f} / {max(r['worker_mb'] for r in runs):.0f}",
            "rate": f"{best['results'] / best['seconds']:,.0f} results/s", "tree": tree,
            "decode": min(decodes) if decodes else None}


def update_unchanged(tree: Path, repeat: int, tmp: Path) -> dict:
    import mlperf_explorer

    db = str(tmp / "update.duckdb")
    with mlperf_explorer.open_store(db) as store:
        store.import_source(str(tree), family="inference", round="v3.0")
    best = float("inf")
    for _ in range(repeat + 1):
        with mlperf_explorer.open_store(db) as store:
            started = time.perf_counter()
            (report,) = store.update()
            best = min(best, time.perf_counter() - started)
        assert report.mode == "unchanged", report.mode
    return {"what": "update, unchanged folder (v3.0)", "seconds": best, "floor": None, "ratio": None, "peak": "",
            "rate": "target < 1 s", "db": db}


def cli_find(db: str, repeat: int) -> dict:
    """Our command and the floor script alternately (each the best of 3 x `repeat` runs):
    both are a Python start and a duckdb import, whose time drifts by half between runs."""
    exe = str(Path(sys.executable).parent / "mlperf-explorer")
    ours = floor = float("inf")
    for _ in range(3 * repeat):
        ours = min(ours, timed([exe, "find", "--db", db, "--tags", "v3.0,closed,resnet50,offline", "--limit", "5"], 1))
        floor = min(floor, timed([sys.executable, "-c", FLOOR, db], 1))
    return {"what": "`find ... --limit 5` as a command", "seconds": ours, "floor": floor, "ratio": ours / floor,
            "peak": "", "rate": "target <= 1.5x"}


def table(rows: list[dict], quick: bool) -> str:
    lines = [f"Measured {_dt.date.today().isoformat()} on {os.cpu_count()} cores, warm cache, best of "
             f"{'1 (--quick)' if quick else 'the repeats'}; floor = best of as many bare reads of the same tree, each just "
             "before an import (or of the bare `python -c` query, alternating with the command line).", "",
             "| what | seconds | floor s | ratio | peak MB main / workers | |", "|---|---|---|---|---|---|"]
    for r in rows:
        floor = "" if r["floor"] is None else f"{r['floor']:.2f}"
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}"
        lines.append(f"| {r['what']} | {r['seconds']:.2f} | {floor} | {ratio} | {r['peak']} | {r['rate']} |")
    return "\n".join(lines)


def every_round(tmp: Path, repeat: int) -> str:
    """Every corpus round, each against its bare read (and, for training and HPC, against
    decoding every MLLOG line), interleaved as `import_round` does."""
    lines = [f"Measured {_dt.date.today().isoformat()} on {os.cpu_count()} cores, warm cache, best of {repeat} imports each "
             "(`run_all.py --all`); floor = best of as many bare reads of the same tree, each just before an import "
             "(decode floor: likewise).", "",
             "| family | round | results | seconds | floor s | ratio | peak MB main / workers | decode floor s | ratio to it |",
             "|---|---|---|---|---|---|---|---|---|"]
    for family in ("inference", "training", "hpc", "tiny"):
        for archive in sorted((CORPUS / family).glob("v*.tar.zst")):
            round_name = archive.name[: -len(".tar.zst")]
            r = import_round(family, round_name, repeat, tmp)
            d = r["decode"]
            decode = f"{d:.2f} | {r['seconds'] / d:.2f}" if d is not None else " | "
            lines.append(f"| {family} | {round_name} | {r['results']:,} | {r['seconds']:.2f} | {r['floor']:.2f} | "
                         f"{r['ratio']:.2f} | {r['peak']} | {decode} |")
            print(lines[-1], flush=True)
    return "\n".join(lines)


def write(text: str, start: str = START, end: str = END, title: str = "Summary (`python benchmarks/run_all.py`)") -> None:
    path = HERE / "RESULTS.md"
    content = path.read_text()
    block = f"{start}\n{text}\n{end}"
    if start in content:
        before, rest = content.split(start, 1)
        content = before + block + rest.split(end, 1)[1]
    else:
        content = content.replace(END, f"{END}\n\n## {title}\n\n{block}", 1)
    path.write_text(content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    parser.add_argument("--all", action="store_true", help="also every corpus round of every family (best of --repeat imports each)")
    args = parser.parse_args()
    repeat = 1 if args.quick else args.repeat
    # Bytecode for our modules, as `pip install` writes it for an installed tool: where
    # PYTHONDONTWRITEBYTECODE is set (this machine class sets it), every process would
    # otherwise compile the package again (20-40 ms of each command's start).
    compileall.compile_dir(str(ROOT / "src"), quiet=1)
    rows = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for family, round_name in (("inference", "v3.0"), ("training", "v3.0"), ("tiny", "v1.1")):
            rows.append(import_round(family, round_name, repeat, tmp))
            print(f"{rows[-1]['what']}: {rows[-1]['seconds']:.2f}s, floor {rows[-1]['floor']:.2f}s, "
                  f"ratio {rows[-1]['ratio']:.2f}, peak {rows[-1]['peak']} MB", flush=True)
            if family == "training":
                floor = rows[-1]["decode"]
                rows.append({"what": "  the same against decoding every MLLOG line", "seconds": rows[-1]["seconds"],
                             "floor": floor, "ratio": rows[-1]["seconds"] / floor, "peak": "",
                             "rate": "orjson on every core, nothing kept"})
                print(f"{rows[-1]['what']}: floor {floor:.2f}s, ratio {rows[-1]['ratio']:.2f}", flush=True)
        update = update_unchanged(rows[0]["tree"], repeat, tmp)
        rows.append(update)
        print(f"{update['what']}: {update['seconds']:.2f}s", flush=True)
        rows.append(cli_find(update["db"], max(repeat, 3)))
        print(f"{rows[-1]['what']}: {rows[-1]['seconds']:.2f}s, floor {rows[-1]['floor']:.2f}s, ratio {rows[-1]['ratio']:.2f}")
        rounds = every_round(tmp, repeat) if args.all else None
    text = table(rows, args.quick)
    print(text)
    if not args.no_write:
        write(text)
        if rounds:
            write(rounds, ROUNDS_START, ROUNDS_END, "Every corpus round (`python benchmarks/run_all.py --all`)")


if __name__ == "__main__":
    main()
