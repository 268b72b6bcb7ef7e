"""The published site's size per round, and how fast its first page is usable and a filter
change redraws, in Debian's chromium from a local static server (budgets: 1 s, 100 ms, no
page over 8 MB).

    python benchmarks/bench_publish.py [STORE]    # STORE built by benchmarks/bench_find.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from test_publish import static_server  # noqa: E402

import mlperf_explorer  # noqa: E402


def main() -> None:
    db = sys.argv[1] if len(sys.argv) > 1 else "/tmp/mlperf-all.duckdb"
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "site"
        with mlperf_explorer.open_store(db, read_only=True) as store:
            started = time.perf_counter()
            info = store.publish(str(out))
            print(f"published {info['results']:,} results of {info['rounds']} rounds in {time.perf_counter() - started:.1f}s, "
                  f"{info['bytes'] / 1e6:.1f} MB in all")
        for f in sorted((out / "data").rglob("*.json")):
            print(f"  {f.relative_to(out)}: {f.stat().st_size / 1e6:.2f} MB")
        with static_server(out) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                                        args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            page = browser.new_page()
            for name in ("leaderboard.html", "charts.html", "leaderboard.html?model=all&scenario=all&division=all"):
                started = time.perf_counter()
                page.goto(f"{base}/{name}")
                page.wait_for_selector("#leaderboard, #chart[data-ready='1']")
                usable = time.perf_counter() - started
                sizes = page.evaluate("() => performance.getEntriesByType('resource')"
                                      ".reduce((n, e) => n + (e.transferSize || e.encodedBodySize || 0), 0)")
                print(f"  {name:<55} usable in {usable * 1000:6.0f} ms, {sizes / 1e6:5.2f} MB transferred")
            page.goto(f"{base}/leaderboard.html")
            page.wait_for_selector("#leaderboard")
            page.fill("input[name=q]", "h100")
            before = page.evaluate("() => document.body.dataset.rendered")
            started = time.perf_counter()
            page.click("#apply")
            page.wait_for_function(f"() => document.body.dataset.rendered !== '{before}'")
            print(f"  a filter change, redrawn in place: {(time.perf_counter() - started) * 1000:.0f} ms")
            browser.close()


if __name__ == "__main__":
    main()
