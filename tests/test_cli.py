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


@pytest.mark.parametrize("args,message", [
    (["find", "--tags", "v3.0,closd"], "unknown tag 'closd'; did you mean 'closed'?"),
    (["find", "--tags", "llama2-70b"], "unknown tag 'llama2-70b'"),
    (["find", "--tags", "v3.0,-closd"], "unknown tag 'closd'; did you mean 'closed'?"),  # rows match, a rejected tag is a typo
    (["find", "--baseline", "NoSuchSystem"], "no system 'NoSuchSystem' in the store"),
    (["status", "--round", "v9.9"], "no round 'v9.9' in the store; imported: v3.0, v4.1"),
    (["export", "-f", "csv", "-o", "{tmp}/missing_dir/sub/a.csv"], "does not exist"),
    (["find", "-o", "{tmp}/missing_dir/a.csv"], "does not exist"),
    (["annotations", "export", "{tmp}/missing_dir/x"], "does not exist"),
    (["export", "-f", "parquet", "-o", "{file}"], "is a file; name a folder"),
    (["find", "--where", "result > 'abc'"], "the filter cannot be applied"),
    (["find", "--where", "abs(" * 200 + "result" + ")" * 200 + " > 1"], "nested too deeply"),
])
def test_mistakes_are_one_line_and_a_non_zero_exit(db, tmp_path, args, message):
    existing = tmp_path / "existing.csv"
    existing.write_text("x\n")
    args = [a.format(tmp=tmp_path, file=existing) for a in args]
    proc = run(*args, db=db, check=False)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], proc.stderr


def test_a_reading_command_on_a_missing_store_says_so(tmp_path):
    proc = run("find", "--db", str(tmp_path / "no" / "such.duckdb"), check=False)
    assert proc.returncode != 0 and "no store at" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "no").exists()  # nothing created by asking


def test_tags_lists_the_vocabulary_with_counts(db):
    listed = json.loads(run("tags", "--json", db=db).stdout)
    assert listed["mlperf-inference"] >= listed["closed"] > 0 and "v3.0" in listed
    only = json.loads(run("tags", "v4", "--json", db=db).stdout)
    assert only and all("v4" in t for t in only)
    rows = list(csv.DictReader(io.StringIO(run("find", "--tags", "v3.0", "-f", "csv", db=db).stdout)))
    assert len(rows) == listed["v3.0"]


def test_tables_cut_fold_and_align_by_terminal_cells():
    from mlperf_explorer.cli import text

    drawn = text.table(["name", "n"], [["短い名前", "7"], ["x" * 50, "12,345"]], right=[1], max_width=10, room=80)
    lines = drawn.splitlines()
    assert lines[0] == "┏━━━━━━━━━━━━┳━━━━━━━━┓" and lines[-1] == "└────────────┴────────┘"
    assert lines[1] == "┃ name       ┃      n ┃"  # not bold: this is not a terminal
    assert lines[3] == "│ 短い名前   │      7 │"  # four wide characters take eight cells
    assert lines[4] == "│ xxxxxxxxx… │ 12,345 │"
    assert {text.width(line) for line in lines} == {23}
    assert text.table(["name"], [], bold=True, room=80).splitlines()[1] == "┃ \x1b[1mname\x1b[0m ┃"
    narrow = text.table(["a", "b"], [["y" * 30, "z" * 30]], room=40).splitlines()
    assert max(text.width(line) for line in narrow) <= 40 and "…" in narrow[3]
    folded = text.table(["d"], [["w" * 25]], wrap=True, room=16).splitlines()
    assert folded[3:6] == ["│ wwwwwwwwwwww │", "│ wwwwwwwwwwww │", "│ w            │"]
    assert text.pairs([("uid", "1"), ("system_name", "a b")], room=80).splitlines() == [" uid         1",
                                                                                         " system_name a b"]


def test_strings_from_a_results_repository_cannot_drive_the_terminal(tmp_path):
    """An escape sequence or a newline in a system name is shown as U+FFFD, in a table, in
    `show` and in a one-line message."""
    src = tmp_path / "v4.1"
    shutil.copytree(samples("inference", "v4.1"), src)
    (system_json,) = [p for p in src.glob("closed/*/systems/*.json")][:1]
    desc = json.loads(system_json.read_text())
    desc["system_name"] = "evil\x1b]0;pwned\x07\x1b[2J\nname"
    system_json.write_text(json.dumps(desc))
    db = tmp_path / "h.duckdb"
    run("import", str(src), db=db)
    uid = json.loads(run("find", "-w", "system_name ~ 'evil'", "-c", "uid", "-f", "json", db=db).stdout)[0]["uid"]
    for proc in (run("find", "-w", "system_name ~ 'evil'", "-c", "uid,system_name", db=db), run("show", uid, db=db)):
        assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout
        assert "evil\ufffd]0;pwned\ufffd\ufffd[2J\ufffdname" in proc.stdout
