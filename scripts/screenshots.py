"""Render screenshots of the playground's main pages into docs/ (the README shows them).

    python scripts/screenshots.py [STORE]    # default: a store of corpus v4.1 + training v3.0

Serves the store on a free local port and drives Debian's chromium with Playwright.
"""

from __future__ import annotations

import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

PAGES = {  # name: (path, viewport width)
    "overview": ("/", 1400),
    "leaderboard": ("/leaderboard", 1400),  # the first screen: latest round, its most-submitted benchmark
    "leaderboard-400px": ("/leaderboard", 400),
    "charts": ("/charts?kind=scatter&x=power_result&y=result&round=v3.0&scenario=Offline&model=resnet&division=all", 1400),
    "charts-400px": ("/charts?kind=scatter&x=power_result&y=result&round=v3.0&scenario=Offline&model=resnet&division=all", 400),
    "trend": ("/charts?kind=trend&model=resnet&scenario=Offline&division=closed&family=inference&zero=1", 1400),
    "compare-systems": ("/compare?system=1-node-2S-GNR-PyTorch&system=1-node-2S-EMR-PyTorch", 1400),
    "tiny-leaderboard": ("/leaderboard?family=tiny&round=v1.1&model=ic", 1400),
    "tiny-energy": ("/charts?family=tiny&kind=scatter&x=power_result&y=result&round=v1.1&model=ic", 1400),
}


def build_store(path: str) -> None:
    from conftest import samples, unpacked

    import mlperf_explorer

    with mlperf_explorer.open_store(path) as store:
        for r in ("v3.0", "v4.1", "v5.1"):
            store.import_source(str(unpacked("inference", r)), round=r)
        store.import_source(str(samples("training", "v3.0")), round="v3.0")
        store.import_source(str(unpacked("tiny", "v1.1")))


def main() -> None:
    import uvicorn
    from playwright.sync_api import sync_playwright

    from mlperf_explorer.web.app import create_app

    db = sys.argv[1] if len(sys.argv) > 1 else str(Path(tempfile.mkdtemp()) / "shots.duckdb")
    if not Path(db).exists():
        build_store(db)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    out = ROOT / "docs"
    out.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                                    args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        for name, (path, width) in PAGES.items():
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(f"http://127.0.0.1:{port}{path}")
            if path.startswith("/charts"):
                page.wait_for_selector("#chart[data-ready='1']")
            page.screenshot(path=str(out / f"{name}.png"))
            page.close()
            print(f"docs/{name}.png")
        browser.close()
    server.should_exit = True


if __name__ == "__main__":
    main()
