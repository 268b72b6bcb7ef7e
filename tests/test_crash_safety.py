"""Crash safety: an import killed with SIGKILL at random points leaves the store exactly as
it was before that import (or, if the kill came after COMMIT, exactly as a finished
import leaves it); user work (derived metrics, annotations) is never lost."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import samples, unpacked

import mlperf_explorer

ROOT = Path(__file__).resolve().parent.parent


def fingerprint(db: str) -> tuple:
    with mlperf_explorer.open_store(db, read_only=True) as store:
        con = store.con
        results = con.execute("SELECT uid, round, result, power_result, valid FROM results ORDER BY uid").fetchall()
        runs = con.execute("SELECT count(*) FROM runs").fetchone()[0]
        warnings = con.execute("SELECT count(*) FROM warnings").fetchone()[0]
        sources = con.execute("SELECT source_id, results FROM sources ORDER BY source_id").fetchall()
        derived = con.execute("SELECT name, expression FROM derived ORDER BY name").fetchall()
        notes = con.execute("SELECT id, uid, note FROM annotations ORDER BY id").fetchall()
    digest = hashlib.sha1(repr(results).encode()).hexdigest()
    return digest, len(results), runs, warnings, tuple(sources), tuple(derived), tuple(notes)


def before_and_after(tmp_path: Path, big: Path, round_name: str) -> tuple[str, tuple, tuple]:
    """A store holding a sample round and user work, its fingerprint, and the fingerprint of
    a copy into which `big` was imported to the end."""
    db = str(tmp_path / "s.duckdb")
    with mlperf_explorer.open_store(db) as store:
        store.import_source(str(samples("inference", "v3.0")), round="v3.0")
        store.derive("per_node_x2", "result_per_node * 2", "a user metric")
        uid = store.find(columns="uid", limit=1).records()[0]["uid"]
        store.annotate(uid, note="reproduced in our lab", status="reproduced")
    done_db = str(tmp_path / "done.duckdb")
    shutil.copy(db, done_db)
    with mlperf_explorer.open_store(done_db) as store:
        store.import_source(str(big), round=round_name)
    return db, fingerprint(db), fingerprint(done_db)


def remove_round(db: str, round_name: str) -> None:
    with mlperf_explorer.open_store(db) as store:
        sid = store.con.execute("SELECT source_id FROM sources WHERE round = ?", [round_name]).fetchone()[0]
        assert store.remove_source(sid)


def test_sigkill_during_import_never_corrupts_the_store(tmp_path):
    big = unpacked("inference", "v1.1")  # about 1,800 results: an import of a second or more
    db, before, after = before_and_after(tmp_path, big, "v1.1")
    assert after != before

    script = ("import sys, mlperf_explorer\n"
              "s = mlperf_explorer.open_store(sys.argv[1])\n"
              "s.import_source(sys.argv[2], round='v1.1')\n")
    rng = random.Random(20261123)
    outcomes = []
    for attempt in range(10):
        proc = subprocess.Popen([sys.executable, "-c", script, db, str(big)], cwd=tmp_path,
                                env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0.3, 2.5))
        os.killpg(proc.pid, signal.SIGKILL)  # the import and its parse workers
        proc.wait()
        state = fingerprint(db)
        assert state in (before, after), f"attempt {attempt}: a half-written store"
        outcomes.append("before" if state == before else "after")
        if state == after:  # start the next attempt from the earlier state again
            remove_round(db, "v1.1")
            assert fingerprint(db) == before
    assert "before" in outcomes, outcomes  # at least one kill landed mid-import


def test_sigkill_during_the_commit_leaves_the_store_before_or_after(tmp_path):
    """An import commits straight into the database file (a checkpoint, not the write-ahead
    log). A kill while that commit runs leaves the store as it was or as the finished import
    leaves it, never between. The child starts a timer as the commit starts and notes, in a
    file, when the commit has returned; a kill before that note landed inside the commit."""
    round_dir = unpacked("inference", "v4.1")
    db, before, after = before_and_after(tmp_path, round_dir, "v4.1")
    script = ("import os, signal, sys, threading\n"
              "import mlperf_explorer\n"
              "from mlperf_explorer.store import database\n"
              "commit = database.commit_into_file\n"
              "def timed(con):\n"
              "    threading.Timer(float(sys.argv[3]), os.kill, (os.getpid(), signal.SIGKILL)).start()\n"
              "    commit(con)\n"
              "    open(sys.argv[4], 'w').close()\n"
              "    os.kill(os.getpid(), signal.SIGKILL)\n"
              "database.commit_into_file = timed\n"
              "mlperf_explorer.open_store(sys.argv[1]).import_source(sys.argv[2], round='v4.1')\n")
    rng = random.Random(20261202)
    inside = 0
    for attempt in range(6):
        returned = tmp_path / f"returned-{attempt}"
        delay = rng.uniform(0.0, 0.06)
        child = subprocess.run([sys.executable, "-c", script, db, str(round_dir), f"{delay:.4f}", str(returned)],
                               cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
                               capture_output=True, text=True, timeout=120)
        assert child.returncode == -signal.SIGKILL, child.stderr[-800:]  # killed, not failed
        inside += not returned.exists()
        state = fingerprint(db)
        assert state in (before, after), f"attempt {attempt} (kill {delay:.3f} s into the commit): a half-written store"
        if state == after:
            remove_round(db, "v4.1")
    assert inside, "no kill landed inside the commit"
