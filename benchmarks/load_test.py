"""50 concurrent clients on loopback against the playground for 30 seconds: requests per
second, p50/p99 latency and errors (target: zero errors, p99 under 250 ms for leaderboard
pages on a store holding every corpus round).

    python benchmarks/load_test.py [STORE] [--clients 50] [--seconds 30]
    python benchmarks/load_test.py STORE --during-import ../shared/corpus/inference/v3.0.tar.zst

With --during-import, a second run measures the same load while that round is imported into
the served store (the import's workers run at a lower priority), and both are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import httpx  # noqa: E402

PAGES = [
    "/leaderboard",
    "/leaderboard?round=v3.0&division=closed&model=resnet&scenario=Offline",
    "/leaderboard?round=v4.1&power=1",
    "/leaderboard.json?round=v5.1&model=llama2-70b-99",
    "/charts?kind=trend&model=bert-99&scenario=Offline",
    "/",
]


async def client(base: str, until: float, out: list, errors: list, k: int) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        i = k
        while time.perf_counter() < until:
            path = PAGES[i % len(PAGES)]
            i += 1
            t = time.perf_counter()
            try:
                r = await c.get(path)
                ok = r.status_code == 200
            except httpx.HTTPError as exc:
                ok, r = False, exc
            (out if ok else errors).append((path, (time.perf_counter() - t) * 1000))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("store", nargs="?", default="/tmp/mlperf-all.duckdb")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--during-import", metavar="SOURCE", help="also measure while this source is imported")
    args = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # The server in a process of its own, as `mlperf-explorer serve` runs it (the clients here
    # must not share its interpreter lock).
    launch = "import sys; from mlperf_explorer.cli import main; sys.argv[0] = 'mlperf-explorer'; main()"
    server = subprocess.Popen([sys.executable, "-c", launch,
                               "serve", "--db", args.store, "--port", str(port)],
                              env={**os.environ, "PYTHONPATH": str(ROOT / "src")}, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/overview.json", timeout=2)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    phases = [("idle", None)]
    if args.during_import:
        phases.append(("during import", args.during_import))
    for label, source in phases:
        importer = None
        if source:
            importer = subprocess.Popen([sys.executable, "-m", "mlperf_explorer.cli", "import", source, "--db", args.store],
                                        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        done, errors = measure(port, args.clients, args.seconds)
        if importer is not None:
            still = importer.poll() is None
            importer.wait()
            label += " (import still running at the end)" if still else " (import finished during the run)"
        report(label, args.clients, args.seconds, done, errors)
    server.terminate()
    server.wait()


def measure(port: int, clients: int, seconds: float) -> tuple[list, list]:
    done: list = []
    errors: list = []
    until = time.perf_counter() + seconds

    async def run_all() -> None:
        await asyncio.wait_for(asyncio.gather(*[client(f"http://127.0.0.1:{port}", until, done, errors, k)
                                                for k in range(clients)]), seconds + 60)

    asyncio.run(run_all())
    return done, errors


def report(label: str, clients: int, seconds: float, done: list, errors: list) -> None:
    lat = sorted(ms for _, ms in done)
    if not lat:
        print(f"{label}: no request answered; {len(errors)} errors")
        return
    print(f"{label}: {clients} clients, {seconds:.0f} s: {len(done):,} requests ({len(done) / seconds:.0f}/s), "
          f"{len(errors)} errors; p50 {statistics.median(lat):.0f} ms, p99 {lat[max(0, int(len(lat) * 0.99) - 1)]:.0f} ms")
    for page in PAGES:
        p = sorted(ms for path, ms in done if path == page)
        if p:
            print(f"  {page:<70} p50 {statistics.median(p):6.0f} ms  p99 {p[max(0, int(len(p) * 0.99) - 1)]:6.0f} ms")


if __name__ == "__main__":
    main()
