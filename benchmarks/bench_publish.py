"""The published site's size per round, and how fast its first page is usable and a filter
change redraws, in Debian's chromium from a local static server (budgets: 1 s, 100 ms, no
page over 8 MB).

    python benchmarks/bench_publish.py [STORE]    # STORE built by benchmarks/bench_find.py
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from test_publish import static_server  # noqa: E402

import mlperf_explorer  # noqa: E402


def _first(out: Path) -> tuple[str, str, str]:
    """A result of the newest inference round: uid, submitter, system."""
    index = json.loads((out / "data" / "index.json").read_text())
    newest = [r for r in index["rounds"] if r["family"] == "inference"][-1]["round"]
    data = json.loads((out / "data" / "inference" / f"{newest}.json").read_text())
    row = dict(zip(data["columns"], data["rows"][0], strict=True))
    return row["uid"], row["submitter"], row["system"]


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
        for f in sorted((out / "data").glob("*/*.json")):
            print(f"  {f.relative_to(out)}: {f.stat().st_size / 1e6:.2f} MB")
        systems = list((out / "data").glob("*/systems/*.json"))
        print(f"  {len(systems)} submitter files for the system pages: {sum(f.stat().st_size for f in systems) / 1e6:.2f} MB, "
              f"the largest {max(f.stat().st_size for f in systems) / 1e6:.2f} MB")
        with static_server(out) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                                        args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            page = browser.new_page()
            pages = ("leaderboard.html", "charts.html", "charts.html?kind=bars", "charts.html?kind=trend",
                     "leaderboard.html?model=all&scenario=all&division=all")
            for name in pages:
                context = browser.new_context()  # a first visit: nothing cached
                page = context.new_page()
                started = time.perf_counter()
                page.goto(f"{base}/{name}")
                page.wait_for_selector("body[data-usable='1']")
                usable = time.perf_counter() - started
                page.wait_for_selector("#leaderboard, #chart[data-ready='1']")
                drawn = time.perf_counter() - started
                sizes = page.evaluate("() => performance.getEntriesByType('resource')"
                                      ".reduce((n, e) => n + (e.transferSize || e.encodedBodySize || 0), 0)")
                print(f"  {name:<55} usable in {usable * 1000:6.0f} ms, drawn in {drawn * 1000:6.0f} ms, "
                      f"{sizes / 1e6:5.2f} MB transferred")
                context.close()
            page = browser.new_page()
            for name in ("system.html", "result.html"):
                uid, submitter, system = _first(out)
                query = (f"?family=inference&submitter={quote(submitter)}&system={quote(system)}" if name == "system.html"
                         else f"?uid={quote(uid)}")
                started = time.perf_counter()
                page.goto(f"{base}/{name}{query}")
                page.wait_for_selector("#system-results tbody tr, #fields tbody tr")
                print(f"  {name:<55} shown in {(time.perf_counter() - started) * 1000:6.0f} ms")
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
