"""Hostile and broken trees, generated here from a real sample: nothing outside the tree is
read, nothing hangs or blows up, one bad value costs that value only, and every refusal is
a warning naming the file.

The base tree is the v6.0 sample (22 results, AMD and NVIDIA); each test plants one attack
in a copy of it. Imports that could hang run in a subprocess with a timeout.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from conftest import samples

import mlperf_explorer
from mlperf_explorer.safe_files import TreeReader, UnsafeFile
from mlperf_explorer.sources import EXTRACT_PREFIX, remove_stale_extractions
from mlperf_explorer.store.database import cursor

MARKER = "SECRET-OUTSIDE-THE-TREE"
SYSTEM = "8xMI325x_2xEPYC-9655"
SCEN = f"closed/AMD/results/{SYSTEM}/stable-diffusion-xl/Offline"


@pytest.fixture
def tree(tmp_path) -> Path:
    root = tmp_path / "inference_results_v6.0"
    shutil.copytree(samples("inference", "v6.0"), root)
    return root


def _import(root: Path, db: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """The CLI in a subprocess: a hang fails the test instead of the suite."""
    env = {**os.environ, "MLPERF_EXPLORER_DB": str(db)}
    return subprocess.run([sys.executable, "-m", "mlperf_explorer.cli", "import", str(root), "--round", "v6.0"],
                          capture_output=True, text=True, timeout=timeout, env=env)


def _everything(db: Path) -> tuple[str, list[dict], list[dict]]:
    store = mlperf_explorer.open_store(str(db), read_only=True)
    try:
        rows = store.find(columns="*").records()
        warnings = store.warnings()
        with cursor(store.con) as cur:
            systems = cur.sql("SELECT * FROM systems").fetchall()
    finally:
        store.close()
    return json.dumps([rows, systems], default=str), rows, warnings


def test_links_out_of_the_tree_are_never_followed(tree, tmp_path):
    outside = tmp_path / "outside"
    (outside / "fake" / "model" / "Offline" / "performance" / "run_1").mkdir(parents=True)
    (outside / "secret.json").write_text(json.dumps({"system_name": MARKER, "hw_notes": MARKER}))
    system_json = tree / "closed/AMD/systems" / f"{SYSTEM}.json"
    system_json.unlink()
    system_json.symlink_to(outside / "secret.json")
    measurements = tree / SCEN / "measurements.json"
    measurements.unlink()
    measurements.symlink_to(outside / "secret.json")
    (tree / "open/NVIDIA/results").rename(tree / "open/NVIDIA/results-moved")
    (tree / "open/NVIDIA/results").symlink_to(outside)  # a results folder leading out
    detail = tree / SCEN / "performance/run_1/mlperf_log_detail.txt"
    detail.unlink()
    detail.symlink_to("/dev/zero")
    done = _import(tree, tmp_path / "s.duckdb")
    assert done.returncode == 0, done.stderr
    text, rows, warnings = _everything(tmp_path / "s.duckdb")
    assert MARKER not in text
    assert not any(r["location"].startswith("open/NVIDIA/") for r in rows)
    named = {w["path"]: w["message"] for w in warnings}
    for link in (system_json, measurements, detail):
        rel = link.relative_to(tree).as_posix()
        assert "outside the results tree" in named.get(rel, ""), (rel, named)


def test_links_inside_the_tree_are_read(tree, tmp_path):
    system_json = tree / "closed/AMD/systems" / f"{SYSTEM}.json"
    (tree / "closed/AMD/elsewhere").mkdir()
    system_json.rename(tree / "closed/AMD/elsewhere/sys.json")
    system_json.symlink_to("../elsewhere/sys.json")
    store = mlperf_explorer.open_store(str(tmp_path / "s.duckdb"))
    store.import_source(str(tree), round="v6.0")
    [row] = store.find(where=f"location = '{SCEN}'", columns="system_name").records()
    store.close()
    assert row["system_name"]


@pytest.mark.parametrize("name", ["performance/run_1/mlperf_log_summary.txt", "measurements.json",
                                  "TEST01/verify_accuracy.txt"])
def test_a_fifo_never_hangs_the_import(tree, tmp_path, name):
    target = tree / SCEN / name
    target.unlink()
    os.mkfifo(target)
    done = _import(tree, tmp_path / "s.duckdb", timeout=120)
    assert done.returncode == 0, done.stderr
    _, rows, warnings = _everything(tmp_path / "s.duckdb")
    assert any(w["path"] == f"{SCEN}/{name}" and "not a regular file" in w["message"] for w in warnings)
    assert len(rows) >= 21  # every other result imported


def test_huge_files_are_refused_before_they_are_read(tree, tmp_path):
    detail = tree / SCEN / "performance/run_1/mlperf_log_detail.txt"
    with open(detail, "r+b") as f:
        f.truncate(2 * 1024**3)  # sparse: 2 GB on paper, nothing on disk
    done = subprocess.run(
        [sys.executable, "-c",
         "import resource, sys, mlperf_explorer;"
         f"s = mlperf_explorer.open_store({str(tmp_path / 's.duckdb')!r});"
         f"s.import_source({str(tree)!r}, round='v6.0'); s.close();"
         "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[-1]) < 1024 * 1024  # KB: under 1 GB, the file is never loaded
    _, _, warnings = _everything(tmp_path / "s.duckdb")
    [w] = [w for w in warnings if w["path"] == detail.relative_to(tree).as_posix()]
    assert "over the 256.0 MB limit" in w["message"]


def test_tree_reader_limits(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"x" * 10)
    reader = TreeReader(str(tmp_path))
    assert reader.read("a.txt") == b"x" * 10
    with pytest.raises(UnsafeFile):
        reader.read("../a.txt")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "link").symlink_to(tmp_path.parent)
    with pytest.raises(UnsafeFile):
        reader.read("d/link/etc")
    assert not reader.is_file("d/link/x")


def test_values_that_do_not_fit_cost_only_themselves(tree, tmp_path):
    system_json = tree / "closed/AMD/systems" / f"{SYSTEM}.json"
    desc = json.loads(system_json.read_text())
    desc["accelerators_per_node"] = 99999999999
    desc["host_processor_core_count"] = int("9" * 400)
    system_json.write_text(json.dumps(desc)[:-1] + ', "system_name": "bad \\udc80 name"}')
    nested = tree / "closed/AMD/systems/8xMI300X_2xEPYC_9575F.json"
    nested.write_text("[" * 100_000 + "]" * 100_000)
    detail = tree / SCEN / "performance/run_1/mlperf_log_detail.txt"
    text = detail.read_text()
    lines = [ln for ln in text.splitlines() if '"key": "result_samples_per_second"' in ln]
    assert lines, "the sample's detail log holds the Offline result"
    detail.write_text(text.replace(lines[0], re.sub(r'"value": [0-9.eE+-]+', '"value": Infinity', lines[0], count=1)))
    odd = tree / os.fsdecode(b"closed/AMD/results/\xff\xfeodd")
    shutil.copytree(tree / "closed/AMD/results" / SYSTEM, odd)
    store = mlperf_explorer.open_store(str(tmp_path / "s.duckdb"))
    store.import_source(str(tree), round="v6.0")
    rows = {r["location"]: r for r in store.find(columns="*").records()}
    warnings = store.warnings()
    store.close()
    row = rows[SCEN]
    assert row["accelerators_per_node"] is None and row["host_processor_core_count"] is None
    assert row["system_name"] == "bad \\udc80 name"
    assert row["result"] is None and row["valid"] is False  # Infinity is never a valid result
    assert any("field accelerators_per_node" in w["message"] and w["path"] == SCEN for w in warnings)
    assert any(w["path"].endswith("8xMI300X_2xEPYC_9575F.json") and "nested too deeply" in w["message"]
               for w in warnings)
    assert any(r["system"] == "8xMI300X_2xEPYC_9575F" for r in rows.values())  # its results kept
    assert any("\\udcff" in loc for loc in rows)  # the undecodable folder, escaped
    assert len(rows) == 22 + 2


def _bomb(path: Path, size: int) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("closed/X/results/S/resnet/Offline/performance/run_1/mlperf_log_detail.txt", b"\0" * size)


def test_archive_bombs_and_tricks_are_refused(tmp_path):
    from mlperf_explorer.sources.archive import ArchiveError, extract_results

    bomb = tmp_path / "v6.0.zip"
    _bomb(bomb, 300 * 1024 * 1024)  # 300 MB of zeros in a few hundred KB
    assert bomb.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(ArchiveError, match="expands"):
        extract_results(str(bomb), str(tmp_path / "out"))
    stray = tmp_path / "v3.0.tar.gz"
    (tmp_path / "t" / "tools" / "results").mkdir(parents=True)
    (tmp_path / "t" / "tools" / "results" / "readme.txt").write_text("not results")
    with tarfile.open(stray, "w:gz") as tf:
        tf.add(tmp_path / "t" / "tools", arcname="tools")
    store = mlperf_explorer.open_store(str(tmp_path / "s.duckdb"))
    with pytest.raises(Exception, match="not an MLPerf results tree"):
        store.import_source(str(stray))
    store.close()


def test_a_killed_archive_import_leaves_nothing_behind(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    leftover = tmp_path / f"{EXTRACT_PREFIX}{pid}-abc"
    (leftover / "closed").mkdir(parents=True)
    mine = tmp_path / f"{EXTRACT_PREFIX}{os.getpid()}-def"
    mine.mkdir()
    assert remove_stale_extractions(str(tmp_path)) == [leftover.name]
    assert not leftover.exists() and mine.exists()


def test_web_and_query_errors_are_one_clear_answer(tmp_path, tree):
    from fastapi.testclient import TestClient

    from mlperf_explorer.query.expr import ExpressionError, compile_expression
    from mlperf_explorer.web.app import create_app

    db = tmp_path / "s.duckdb"
    store = mlperf_explorer.open_store(str(db))
    store.import_source(str(tree), round="v6.0")
    nested = "abs(" * 200 + "result" + ")" * 200 + " > 1"
    with pytest.raises(ExpressionError, match="nested too deeply"):
        compile_expression(nested, ["result"])
    with pytest.raises(ExpressionError):
        store.find(where=nested)
    # whole-number arithmetic is done in DOUBLE: no INT64 overflow, on any data
    store.derive("huge", "accelerators_per_node * 4000000000000000000")
    rows = store.find(columns="accelerators_per_node,huge").records()
    assert rows and all(r["huge"] == pytest.approx(r["accelerators_per_node"] * 4e18) for r in rows)
    store.close()
    client = TestClient(create_app(str(db)))
    long = "x" * 2100
    for url in (f"/system/{long}", f"/system/{long}.json"):
        assert client.get(url).status_code == 404
    for url in (f"/compare?uid={long}", f"/compare.json?uid={long}"):
        assert client.get(url).status_code in (200, 404)
    r = client.get("/leaderboard.json", params={"where": nested})
    assert r.status_code in (200, 400) and "Traceback" not in r.text


def test_bad_annotation_files_are_refused_whole(tmp_path):
    from mlperf_explorer.annotations import AnnotationError

    store = mlperf_explorer.open_store(str(tmp_path / "s.duckdb"))
    good = {"id": "a1", "uid": "u1", "note": "ok", "created_at": "2026-01-01T00:00:00Z"}
    for bad, message in (({**good, "id": "a2", "created_at": "not a date"}, "created_at"),
                         ({**good, "id": "a3", "note": "bad \udc80"}, "not valid UTF-8")):
        path = tmp_path / "ann.jsonl"
        path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
        with pytest.raises(AnnotationError, match=message):
            store.import_annotations(str(path))
        assert store.annotations() == []  # nothing of the file went in
    path.write_text(json.dumps(good) + "\n")
    assert store.import_annotations(str(path)) == 1
    store.close()


def test_unsafe_archive_members_are_named_by_warnings(tmp_path, tree):
    archive = tmp_path / "inference_results_v6.0.tar.gz"
    outside = tmp_path / "evil.txt"
    outside.write_text("x")
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(tree / "closed", arcname="closed")
        tf.add(outside, arcname="../evil.txt")
        link = tarfile.TarInfo("closed/AMD/results/link")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tf.addfile(link)
    store = mlperf_explorer.open_store(str(tmp_path / "s.duckdb"))
    report = store.import_source(str(archive))
    paths = {w["path"]: w["message"] for w in store.warnings()}
    store.close()
    assert report.results == 20  # the closed division of the sample
    assert "not extracted" in paths["../evil.txt"] and "not extracted" in paths["closed/AMD/results/link"]
    assert not (tmp_path.parent / "evil.txt").exists()


_ORIGINAL_RESULTS: dict[tuple[str, str], tuple[int, list, int]] = {}  # each sample imported once
# A number after ": ", "[", "," or "=" (JSON, YAML, summaries, accuracy.txt, verify files).
_NUMBER = re.compile(r"(?<=[:\[,=] )-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?=[,}\]\s%])|(?<=[:\[,=])-?\d+(?:\.\d+)?(?=[,}\]\s%])")


@pytest.mark.parametrize("number", [
    "1" + "0" * 400,  # a valid JSON integer; float() of it raises OverflowError
    "NaN",  # json reads it; int() of it raises ValueError
    "1e999",  # json reads it as infinity; int() of it raises OverflowError
])
@pytest.mark.parametrize("family, round_name", [
    ("inference", "v1.0"),  # power with the machines' time zones
    ("inference", "v6.0"),
    ("inference", "v6.1"),  # the endpoints harness
    ("training", "v0.5"),  # logs that name their own target
    ("training", "v2.1"),  # scaling.json
    ("training", "v5.0"),  # power logs, tracked_stats
    ("hpc", "v3.0"),
])
def test_absurd_numbers_cost_only_themselves(tmp_path, family, round_name, number):
    """Every number of every file of a real sample becomes one absurd number. The import
    loses no result to it (no internal error) and warns, naming the files."""
    original, absurd = _import_replaced(tmp_path, family, round_name, _NUMBER, number)
    assert absurd[1] == []
    assert absurd[0] == original[0] > 0
    assert absurd[2] > original[2]


# A JSON string value (after ": ", before a comma, brace or line end).
_STRING = re.compile(r'(?<=: )"[^"\n]*"(?=[,}\n])')


@pytest.mark.parametrize("family, round_name", [
    ("inference", "v6.0"), ("inference", "v6.1"), ("training", "v0.6"), ("training", "v5.0"), ("hpc", "v3.0"),
])
def test_numbers_where_text_is_expected_cost_only_themselves(tmp_path, family, round_name):
    """Every JSON string of every file of a real sample (names, divisions, scenarios, units)
    becomes a number: the import loses no result to it (no internal error)."""
    original, absurd = _import_replaced(tmp_path, family, round_name, _STRING, "7")
    assert absurd[1] == []
    assert absurd[0] == original[0] > 0


def _import_replaced(tmp_path: Path, family: str, round_name: str, pattern: re.Pattern,
                     replacement: str) -> tuple[tuple[int, list, int], tuple[int, list, int]]:
    """(results, internal errors, warnings) of the sample as published and of a copy with
    every match of `pattern` replaced."""
    original = samples(family, round_name)
    tree = tmp_path / round_name
    shutil.copytree(original, tree)
    changed = 0
    for path in tree.rglob("*"):
        if path.is_file() and not path.is_symlink():
            path.chmod(0o644)
            text = path.read_text(encoding="latin-1")
            replaced = pattern.sub(replacement, text)
            if replaced != text:
                path.write_text(replaced, encoding="latin-1")
                changed += 1
    assert changed >= 5
    kept = {}
    for name, root in (("original", original), ("replaced", tree)):
        if name == "original" and (family, round_name) in _ORIGINAL_RESULTS:
            kept[name] = _ORIGINAL_RESULTS[(family, round_name)]
            continue
        with mlperf_explorer.open_store(str(tmp_path / f"{name}.duckdb")) as store:
            report = store.import_source(str(root), family=family, round=round_name)
            kept[name] = (report.results, [w for w in store.warnings() if "internal error" in w["message"]],
                          len(store.warnings()))
    _ORIGINAL_RESULTS[(family, round_name)] = kept["original"]
    return kept["original"], kept["replaced"]
