"""Writing while the playground serves: `mlperf-explorer serve` holds the store open (in a
process of its own, as users run it) while an import and an annotation write to the same
file. Readers are never refused, never see a half-written round, and see the new data
once the writer is done."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from conftest import samples, unpacked

import mlperf_explorer

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def served(tmp_path):
    db = str(tmp_path / "s.duckdb")
    with mlperf_explorer.open_store(db) as store:
        store.import_source(str(samples("inference", "v3.0")), round="v3.0")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from mlperf_explorer.cli import main; main()",
                             "serve", "--db", db, "--port", str(port)],
                            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(base + "/overview.json", timeout=2)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield db, base
    proc.terminate()
    proc.wait(10)


def test_import_while_serving(served):
    db, base = served
    before = httpx.get(base + "/overview.json").json()["results"]
    # The server remembers what a store offers (rounds, pickers) for as long as it reads
    # that store; an import replaces the file, and the new round is then known.
    unknown = httpx.get(base + "/leaderboard.json?round=v4.1").json()
    assert unknown["filters"].get("round") != "v4.1" and any("v4.1" in m for m in unknown["messages"])
    seen, slowest, errors = set(), 0.0, []
    stop = threading.Event()

    def poll():
        nonlocal slowest
        while not stop.is_set():
            t = time.perf_counter()
            r = httpx.get(base + "/overview.json", timeout=30)
            slowest = max(slowest, time.perf_counter() - t)
            if r.status_code != 200:
                errors.append(r.status_code)
            else:
                seen.add(r.json()["results"])
            time.sleep(0.02)

    reader = threading.Thread(target=poll)
    reader.start()
    try:
        with mlperf_explorer.open_store(db) as store:  # the server holds the file: a shadow copy
            report = store.import_source(str(unpacked("inference", "v4.1")), round="v4.1")
        after = before + report.results
        deadline = time.time() + 5
        while time.time() < deadline and after not in seen:
            time.sleep(0.1)
    finally:
        stop.set()
        reader.join()
    assert not errors
    assert seen == {before, after}, "a reader saw a half-written store"
    assert slowest < 2.0, f"a reader waited {slowest:.1f} s"
    # Edits from the command line work while serving too, and show up.
    from typer.testing import CliRunner

    from mlperf_explorer.cli import app

    known = httpx.get(base + "/leaderboard.json?round=v4.1").json()
    assert known["filters"]["round"] == "v4.1" and not known["messages"]
    uid = known["rows"][0]["uid"]
    assert CliRunner().invoke(app, ["annotate", "--db", db, uid, "--note", "seen while serving"]).exit_code == 0
    time.sleep(0.6)
    notes = httpx.get(f"{base}/result/{uid}.json").json()["result"]["annotations"]
    assert [n["note"] for n in notes] == ["seen while serving"]
    assert not list(Path(db).parent.glob("*.shadow"))


def test_a_killed_writers_shadow_is_cleaned_up(tmp_path):
    db = tmp_path / "s.duckdb"
    with mlperf_explorer.open_store(str(db)) as store:
        store.import_source(str(samples("inference", "v3.0")), round="v3.0")
    stale = tmp_path / "s.duckdb.99999.shadow"
    stale.write_bytes(b"half a store")
    with mlperf_explorer.open_store(str(db)) as store:
        assert len(store.find(columns="uid")) == 3
    assert not stale.exists()
