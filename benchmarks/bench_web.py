"""Server time per playground page (p50/p95 over 20 requests, each a cache miss: a unique
ignored parameter is added) on a store holding every corpus round (target: under 100 ms).

    python benchmarks/bench_web.py [STORE]    # STORE built by benchmarks/bench_find.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from fastapi.testclient import TestClient  # noqa: E402

from mlperf_explorer.web.app import create_app  # noqa: E402


def main() -> None:
    db = sys.argv[1] if len(sys.argv) > 1 else "/tmp/mlperf-all.duckdb"
    with TestClient(create_app(db)) as client:  # started as `serve` starts it (its lifespan runs)
        measure(client, db)


def measure(client: TestClient, db: str) -> None:
    uid = client.get("/leaderboard.json?round=v4.1&model=resnet&scenario=Offline").json()["rows"][0]["uid"]
    system = client.get(f"/result/{uid}.json").json()["result"]
    pages = {
        "overview": "/",
        "leaderboard (latest round)": "/leaderboard",
        "leaderboard (every benchmark)": "/leaderboard?model=all&scenario=all",
        "leaderboard (filtered)": "/leaderboard?round=v3.0&division=closed&model=resnet&scenario=Offline&power=1",
        "leaderboard.json (round)": "/leaderboard.json?round=v3.0",
        "leaderboard.csv": "/leaderboard.csv?round=v3.0",
        "scatter (power vs result)": "/charts?kind=scatter&x=power_result&y=result&round=v3.0&power=1",
        "scatter, whole round (json)": "/charts.json?kind=scatter&x=accelerators_per_node&y=result&round=v3.0"
                                       "&model=all&scenario=all&division=all",
        "trend across rounds": "/charts?kind=trend&model=resnet&scenario=Offline&division=closed",
        "result": f"/result/{uid}",
        "compare": f"/compare?uid={uid}&uid={uid}",
        "compare two systems": f"/compare?system={system['system']}&system={system['system']}",
        "docs": "/docs",
        "system": f"/system/{system['submitter']}/{system['system']}",
    }
    print(f"store: {db}")
    for name, url in pages.items():
        times = []
        for i in range(20):
            t = time.perf_counter()
            r = client.get(url + ("&" if "?" in url else "?") + f"_bench={i}")
            times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, (url, r.status_code)
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        print(f"  {name:<28} p50 {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms  {len(r.content):>9,} bytes")


if __name__ == "__main__":
    main()
