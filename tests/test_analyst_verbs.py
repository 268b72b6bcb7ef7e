"""Questions an analyst asks in one command: the best result per group, a comparison of
results or systems, tags that mean one model, family labels, honest import progress.

Expected values are computed here from the plain rows `find` returns, not by the code under
test."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import samples

import mlperf_explorer

EXE = [sys.executable, "-m", "mlperf_explorer.cli"]
LOWER = {"Latency (ms)", "Latency (s)", "min."}


def run(*args: str, db: Path, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([*EXE, *args, "--db", str(db)], capture_output=True, text=True, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("verbs")
    for family, round_name in (("inference", "v3.0"), ("inference", "v4.1"), ("training", "v4.1")):
        shutil.copytree(samples(family, round_name), tmp / f"{family}-{round_name}")
    store = tmp / "verbs.duckdb"
    with mlperf_explorer.open_store(str(store)) as s:
        for family, round_name in (("inference", "v3.0"), ("inference", "v4.1"), ("training", "v4.1")):
            s.import_source(str(tmp / f"{family}-{round_name}"), family=family, round=round_name)
    return store


def _all_rows(db: Path) -> list[dict]:
    with mlperf_explorer.open_store(str(db), read_only=True) as s:
        return s.find(columns="*").records()


def _rank(r: dict) -> tuple:
    """Smaller is better: latency and time to train as they are, rates negated; then uid."""
    return (r["result"] if r["result_units"] in LOWER else -r["result"], r["uid"])


def test_best_per_keeps_the_best_valid_result_of_each_group(db):
    rows = [r for r in _all_rows(db) if r["valid"] and r["result"] is not None]
    expected: dict[tuple, dict] = {}
    for r in rows:
        key = (r["family"], r["round"], r["scenario"])
        if key not in expected or _rank(r) < _rank(expected[key]):
            expected[key] = r
    got = json.loads(run("find", "--best-per", "family,round,scenario", "-c", "uid,family,round,scenario,result",
                         "-f", "json", db=db).stdout)
    assert len(got) == len(expected) >= 5
    assert {(g["family"], g["round"], g["scenario"]): g["uid"] for g in got} == {k: v["uid"] for k, v in expected.items()}
    # Groups of several results in both directions were decided: time to train (least wins)
    # and throughput (most wins).
    sizes = {k: sum(1 for r in rows if (r["family"], r["round"], r["scenario"]) == k) for k in expected}
    assert any(sizes[k] > 1 and expected[k]["result_units"] in LOWER for k in expected)
    # The Python API gives the same answer.
    with mlperf_explorer.open_store(str(db), read_only=True) as s:
        api = s.find(best_per=["family", "round", "scenario"], columns="uid").records()
    assert sorted(r["uid"] for r in api) == sorted(g["uid"] for g in got)


def test_best_per_unknown_column_is_one_line(db):
    proc = run("find", "--best-per", "nonsense", db=db, check=False)
    assert proc.returncode != 0 and proc.stderr.strip().count("\n") == 0 and "nonsense" in proc.stderr


def test_compare_results_marks_direction(db):
    rows = [r for r in _all_rows(db) if r["result"]]
    by_units: dict[str, list[dict]] = {}
    for r in rows:
        by_units.setdefault(r["result_units"], []).append(r)
    pairs = [v for v in by_units.values() if len({x["result"] for x in v}) >= 2]
    # time to train (lower is better) and a rate (higher is better) are both exercised
    assert {v[0]["result_units"] in LOWER for v in pairs} == {True, False}
    for group in pairs:
        a, b = sorted(group, key=lambda r: r["result"])[:2]
        page = json.loads(run("compare", a["uid"], b["uid"], "--json", db=db).stdout)
        assert page["kind"] == "results" and page["uids"] == [a["uid"], b["uid"]]
        row = next(r for r in page["rows"] if r["field"] == "result")
        assert row["relative"][1] == pytest.approx((b["result"] - a["result"]) / a["result"])
        lower_better = a["result_units"] in LOWER
        assert row["better"][1] is (not lower_better)  # b is larger: better for throughput only


def test_compare_systems_on_common_benchmarks(db):
    rows = [r for r in _all_rows(db) if r["valid"] and r["result"] is not None]
    per_system: dict[str, set] = {}
    for r in rows:
        per_system.setdefault(r["system"], set()).add((r["round"], r["mlperf_model"], r["scenario"] or ""))
    best = {(r["system"], r["round"], r["mlperf_model"], r["scenario"] or ""): r for r in sorted(rows, key=_rank, reverse=True)}
    names = sorted(per_system)
    pair = next((a, b) for a in names for b in names if a < b and per_system[a] & per_system[b])
    page = json.loads(run("compare", *pair, "--json", db=db).stdout)
    assert page["kind"] == "systems"
    common = per_system[pair[0]] & per_system[pair[1]]
    assert {(r["round"], r["benchmark"], r["scenario"]) for r in page["rows"]} == common
    for row in page["rows"]:
        a, b = (best[(name, row["round"], row["benchmark"], row["scenario"])] for name in pair)
        assert row["values"] == [a["result"], b["result"]]
        lower = a["result_units"] in LOWER
        assert row["better"][1] is ((b["result"] < a["result"]) if lower else (b["result"] > a["result"]))
    table = run("compare", *pair, db=db).stdout
    assert "better" in table or "worse" in table


def test_compare_needs_two(db):
    proc = run("compare", "onlyone", db=db, check=False)
    assert proc.returncode == 1 and "at least two" in proc.stderr


def test_a_model_tag_means_that_model(db):
    rows = _all_rows(db)
    tagged = [r for r in rows if "resnet" in r["tags"]]
    assert tagged and all(r["model"].lower().startswith("resnet") for r in tagged)
    # Open-division results ranked under resnet with another model keep the task tag.
    others = [r for r in rows if r["mlperf_model"] == "resnet" and not r["model"].lower().startswith("resnet")]
    assert all("image-classification" in r["tags"] and "resnet" not in r["tags"] for r in others)


def test_family_is_shown_when_rows_mix_families(db):
    mixed = json.loads(run("find", "--tags", "v4.1", "-f", "json", db=db).stdout)
    assert {r["family"] for r in mixed} == {"inference", "training"}
    one = json.loads(run("find", "--tags", "v4.1,mlperf-training", "-f", "json", db=db).stdout)
    assert one and "family" not in one[0]


def test_missing_extra_names_what_to_install(db):
    code = ("import sys; sys.modules['polars'] = None; import mlperf_explorer as m; "
            f"s = m.open_store({str(db)!r}, read_only=True)\n"
            "try:\n    s.find(limit=1).to_polars()\nexcept m.MissingExtra as e:\n    print(e)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert "pip install 'mlperf-explorer[polars]'" in out


def test_import_progress_on_a_terminal_names_its_phases_and_times_the_command(tmp_path):
    """Through a real pseudo-terminal, as a user sees it."""
    tree = tmp_path / "v4.1"
    shutil.copytree(samples("inference", "v4.1"), tree)
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "160", "TERM": "xterm"}
    started = time.perf_counter()
    proc = subprocess.Popen([*EXE, "import", str(tree), "--db", str(tmp_path / "p.duckdb")],
                            stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            break
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    elapsed = time.perf_counter() - started
    os.close(master)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode("utf-8", "replace"))
    assert proc.returncode == 0, text
    assert "reading the source" in text
    assert re.search(r"parsing \d+/\d+ systems?", text)
    summary = re.search(r"inference v4\.1: ([\d,]+) results? from ([\d,]+) files? in ([\d.]+)s", text)
    assert summary, text[-500:]
    # The reported time is the command's wall-clock time (all of it but interpreter start-up).
    assert float(summary.group(3)) >= elapsed - 1.5
    assert float(summary.group(3)) <= elapsed + 0.1
