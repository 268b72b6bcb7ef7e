"""The command line, run as a user runs it: a real process, a real store file."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import samples

EXE = [sys.executable, "-m", "mlperf_explorer.cli"]


def run(*args: str, db: Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if db is not None:
        env["MLPERF_EXPLORER_DB"] = str(db)
    proc = subprocess.run([*EXE, *args], capture_output=True, text=True, env=env, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\nstdout:{proc.stdout}\nstderr:{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    for round_name in ("v3.0", "v4.1"):
        shutil.copytree(samples("inference", round_name), tmp / round_name)
    store = tmp / "cli.duckdb"
    proc = run("import", str(tmp / "v3.0"), str(tmp / "v4.1"), "--db", str(store))
    assert "inference v3.0:" in proc.stdout and "inference v4.1:" in proc.stdout
    return store


def test_import_json_report(tmp_path):
    shutil.copytree(samples("inference", "v2.1"), tmp_path / "v2.1")
    proc = run("import", str(tmp_path / "v2.1"), "--json", db=tmp_path / "j.duckdb")
    report = json.loads(proc.stdout)
    assert report[0]["round"] == "v2.1" and report[0]["results"] > 0 and report[0]["kind"] == "directory"


def test_find_formats_agree(db):
    as_csv = list(csv.DictReader(io.StringIO(run("find", "--tags", "v3.0", "-f", "csv", db=db).stdout)))
    as_json = json.loads(run("find", "--tags", "v3.0", "-f", "json", db=db).stdout)
    as_jsonl = [json.loads(line) for line in run("find", "--tags", "v3.0", "-f", "jsonl", db=db).stdout.splitlines()]
    assert len(as_csv) == len(as_json) == len(as_jsonl) > 0
    assert [r["uid"] for r in as_csv] == [r["uid"] for r in as_json] == [r["uid"] for r in as_jsonl]
    assert all(r["round"] == "v3.0" for r in as_json)


def test_find_where_columns_and_table(db):
    proc = run("find", "--where", "submitter ~ 'amd'", "--columns", "uid,submitter,result,result_units", db=db)
    assert "AMD" in proc.stdout and "Tokens/s" in proc.stdout
    rows = json.loads(run("find", "-w", "result_units = 'Tokens/s'", "-c", "result", "-s", "-result", "-f", "json", db=db).stdout)
    assert rows and rows == sorted(rows, key=lambda r: -r["result"])


def test_find_parquet_needs_output(db, tmp_path):
    assert run("find", "-f", "parquet", db=db, check=False).returncode != 0
    out = tmp_path / "x.parquet"
    run("find", "-f", "parquet", "-o", str(out), "-c", "*", db=db)
    import pyarrow.parquet as pq

    assert pq.read_table(out).num_rows == len(json.loads(run("find", "-f", "json", db=db).stdout))


def test_bad_where_is_one_line_and_nonzero(db):
    proc = run("find", "--where", "result > ; drop", db=db, check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith("error:") and len(proc.stderr.strip().splitlines()) == 1


def test_unusable_source_is_one_line_and_store_untouched(db, tmp_path):
    before = run("status", "--json", db=db).stdout
    proc = run("import", str(tmp_path / "does-not-exist"), db=db, check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [f"error: {tmp_path / 'does-not-exist'}: no such file or folder"]
    assert json.loads(run("status", "--json", db=db).stdout)["results"] == json.loads(before)["results"]


def test_status_and_show(db):
    info = json.loads(run("status", "--json", db=db).stdout)
    assert {s["round"] for s in info["sources"]} == {"v3.0", "v4.1"}
    assert info["results"] == sum(s["results"] for s in info["sources"])
    assert "v3.0" in run("status", db=db).stdout
    uid = json.loads(run("find", "-c", "uid", "-n", "1", "-f", "json", db=db).stdout)[0]["uid"]
    shown = json.loads(run("show", uid, "--json", db=db).stdout)
    assert shown["uid"] == uid and shown["runs"]
    text = run("show", uid, db=db).stdout
    assert uid in text and "runs:" in text
    assert run("show", "0000", db=db, check=False).returncode == 1


def test_empty_store_says_how_to_import(tmp_path):
    out = run("status", db=tmp_path / "new.duckdb").stdout
    assert "mlperf-explorer import" in out


def test_help_teaches():
    out = run("--help").stdout
    for command in ("import", "find", "show", "status"):
        assert command in out
    assert "--tags" in run("find", "--help").stdout
