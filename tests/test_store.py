"""The store: re-imports replace, failed imports change nothing, and rows are stable."""

from __future__ import annotations

import os
import shutil
import zlib
from pathlib import Path

import duckdb
import pytest
from conftest import samples
from hypothesis import given, settings
from hypothesis import strategies as st

import mlperf_explorer
from mlperf_explorer.store import database


@pytest.fixture
def v30(tmp_path) -> Path:
    dest = tmp_path / "v3.0"
    shutil.copytree(samples("inference", "v3.0"), dest)
    return dest


def snapshot(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                for t in ("results", "runs", "warnings")} | {
            "sources": con.execute("SELECT source_id, location, results FROM sources ORDER BY ALL").fetchall()}
    finally:
        con.close()


def test_importing_twice_gives_no_duplicates(tmp_path, v30):
    db = tmp_path / "s.duckdb"
    with mlperf_explorer.open_store(str(db)) as store:
        first = store.import_source(str(v30))
        uids = sorted(r["uid"] for r in store.find(columns="uid").records())
        second = store.import_source(str(v30))
        again = sorted(r["uid"] for r in store.find(columns="uid").records())
        runs = store.con.execute("SELECT count(*) FROM runs").fetchone()[0]
    assert first.results == second.results == len(uids) == len(set(uids))
    assert uids == again
    assert runs == first.runs


def test_a_changed_tree_replaces_its_rows(tmp_path, v30):
    db = tmp_path / "s.duckdb"
    with mlperf_explorer.open_store(str(db)) as store:
        store.import_source(str(v30))
        before = {r["location"]: r["uid"] for r in store.find(columns="location,uid").records()}
        gone = sorted(before)[0]
        shutil.rmtree(v30 / gone)
        store.import_source(str(v30))
        after = {r["location"]: r["uid"] for r in store.find(columns="location,uid").records()}
    assert gone not in after
    assert {k: v for k, v in before.items() if k != gone} == after


def test_uids_are_stable_across_sources(tmp_path, v30):
    """The same result from another copy of the round keeps its uid (annotations key on it)
    and replaces the earlier row instead of doubling it."""
    other = tmp_path / "copy" / "v3.0"
    shutil.copytree(v30, other)
    db = tmp_path / "s.duckdb"
    with mlperf_explorer.open_store(str(db)) as store:
        store.import_source(str(v30))
        a = {r["uid"] for r in store.find(columns="uid").records()}
        store.import_source(str(other))
        b = {r["uid"] for r in store.find(columns="uid").records()}
        status = store.status()
    assert a == b
    assert status["results"] == len(a)
    assert sorted(s["results"] for s in status["sources"]) == [0, len(a)]


def test_a_failed_import_leaves_the_store_as_it_was(tmp_path, v30):
    """Two rows with one uid violate the primary key inside the transaction: it must roll
    back completely, whatever it had deleted or inserted before the failure."""
    db = tmp_path / "s.duckdb"
    with mlperf_explorer.open_store(str(db)) as store:
        store.import_source(str(v30))
    before = snapshot(db)
    with mlperf_explorer.open_store(str(db)) as store:
        rows = store.find(columns="*").records()
        for r in rows:
            r.pop("source_id"), r.pop("imported_at")
        source_id = store.con.execute("SELECT source_id FROM sources").fetchone()[0]
        import datetime

        with pytest.raises(duckdb.Error):
            database.replace_source(
                store.con,
                {"source_id": source_id, "kind": "directory", "location": "x", "family": "inference", "round": "v3.0",
                 "imported_at": datetime.datetime.now()},
                rows + rows[:1], [], [{"path": "p", "line": None, "message": "m"}])
    assert snapshot(db) == before


def test_store_location_defaults_and_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MLPERF_EXPLORER_DB", str(tmp_path / "env.duckdb"))
    assert database.default_path() == str(tmp_path / "env.duckdb")
    monkeypatch.delenv("MLPERF_EXPLORER_DB")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert database.default_path() == str(tmp_path / ".local/share/mlperf-explorer/results.duckdb")


def test_get_returns_runs_and_warnings(tmp_path, v30):
    with mlperf_explorer.open_store(str(tmp_path / "s.duckdb")) as store:
        store.import_source(str(v30))
        uid = store.find(columns="uid", limit=1).records()[0]["uid"]
        result = store.get(uid)
        assert result["uid"] == uid and result["runs"] and result["runs"][0]["run"] == "run_1"
        assert store.get("nope") is None


def test_a_store_from_an_older_version_opens_read_only(tmp_path, v30):
    """Schema 1 had no derived/constraints/annotations tables: reading it must still work,
    and a table name never resolves to a Python variable (DuckDB replacement scans)."""
    db = str(tmp_path / "old.duckdb")
    with mlperf_explorer.open_store(db) as store:
        store.import_source(str(v30))
        before = store.find(columns="uid").records()
        store.con.execute("DROP TABLE derived; DROP TABLE constraints; DROP TABLE annotations")
        store.con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    with mlperf_explorer.open_store(db, read_only=True) as store:
        assert store.find(columns="uid").records() == before
        assert store.annotations() == [] and next(m.name for m in store.metrics()) == "perf_per_watt"
        import pyarrow as pa

        sneaky = pa.table({"x": [1]})  # noqa: F841 - a Python variable a query could name
        with pytest.raises(duckdb.Error):
            store.con.execute("SELECT * FROM sneaky").fetchall()


_NAMES = ["results/a b.txt", "tab\there", "new\nline", "caf\udce9.txt", "日本/語.json", "./", "x/", ""]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_NAMES)
                          | st.text(alphabet=st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)))
                          | st.binary().filter(lambda name: b"\0" not in name).map(os.fsdecode),
                          st.integers(-1, 2**62), st.integers(0, 2**63 - 1)), max_size=30))
def test_a_manifest_packs_and_unpacks_as_it_was(items):
    """Any path but NUL (which none holds), names that are not UTF-8 as os.scandir gives
    them (any bytes, their undecodable ones as surrogate escapes; never another surrogate),
    every size and time, in order."""
    from mlperf_explorer.store.manifests import pack, unpack

    manifest = {path: (size, mtime) for path, size, mtime in items}
    assert unpack(*pack(manifest)) == [(p, sz, t) for p, (sz, t) in manifest.items()]


def test_a_damaged_manifest_is_an_error_and_update_lists_the_folder_again(tmp_path, v30):
    from mlperf_explorer.store.manifests import pack, unpack

    paths, sizes, mtimes = pack({"a": (1, 2), "b/": (-1, 3)})
    with pytest.raises(ValueError, match="damaged manifest"):
        unpack(b"not zlib", sizes, mtimes)
    with pytest.raises(ValueError, match="damaged manifest"):
        unpack(paths, zlib.compress(b"123"), mtimes)  # not whole int64s
    with pytest.raises(ValueError, match="do not line up"):
        unpack(zlib.compress(b"a"), sizes, mtimes)
    assert unpack(*pack({})) == [] and unpack(*pack({"": (0, 0)})) == [("", 0, 0)]
    with mlperf_explorer.open_store(str(tmp_path / "s.duckdb")) as store:
        store.import_source(str(v30))
        (sid,) = store.con.execute("SELECT source_id FROM sources").fetchone()
        assert len(database.read_manifest(store.con, sid)) > 100
        store.con.execute("UPDATE source_manifests SET paths = 'garbage'::BLOB")
        assert database.read_manifest(store.con, sid) == []
        assert [r.mode for r in store.update()] == ["full"]  # listed and parsed again, then packed anew
        assert [r.mode for r in store.update()] == ["unchanged"]


def test_a_name_that_is_not_utf8_is_recorded_as_it_is(tmp_path, v30):
    """Before schema 4 such a name was stored escaped, so its folder was parsed again on
    every update; packed, it is the same name, and the folder is unchanged."""
    import os

    (v30 / "closed").joinpath(os.fsdecode(b"notes-caf\xe9.txt")).write_text("latin-1 name\n")
    with mlperf_explorer.open_store(str(tmp_path / "s.duckdb")) as store:
        store.import_source(str(v30))
        (sid,) = store.con.execute("SELECT source_id FROM sources").fetchone()
        assert "closed/notes-caf\udce9.txt" in {p for p, _, _ in database.read_manifest(store.con, sid)}
        assert [r.mode for r in store.update()] == ["unchanged"]


def test_a_store_before_schema_4_keeps_its_manifest_rows_until_imported_again(tmp_path, v30):
    db = str(tmp_path / "s.duckdb")
    with mlperf_explorer.open_store(db) as store:
        store.import_source(str(v30))
        (sid,) = store.con.execute("SELECT source_id FROM sources").fetchone()
        rows = database.read_manifest(store.con, sid)
        store.con.execute("DROP TABLE source_manifests")
        store.con.executemany("INSERT INTO source_files VALUES (?, ?, ?, ?)", [(sid, *r) for r in rows])
        store.con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    with mlperf_explorer.open_store(db) as store:  # the table is added; the rows are read
        assert sorted(database.read_manifest(store.con, sid)) == sorted(rows)
        assert [r.mode for r in store.update()] == ["unchanged"]
        store.import_source(str(v30))  # imported again: packed, and the rows are gone
        assert store.con.execute("SELECT count(*) FROM source_files").fetchone() == (0,)
        assert sorted(database.read_manifest(store.con, sid)) == sorted(rows)
        assert store.remove_source(sid)
        assert store.con.execute("SELECT count(*) FROM source_manifests").fetchone() == (0,)


def test_values_are_fitted_to_their_column_and_written_as_given(tmp_path):
    """fit.column keeps what a column holds, makes the rest NULL (or escaped text) with one
    warning each, and `insert` writes the lists to a real table unchanged."""
    from mlperf_explorer.store import fit

    where = [f"r{i}" for i in range(8)]
    text, text_w = fit.column(["a", None, "b\udc80", 5], "VARCHAR", "name", where)
    assert text == ["a", None, "b\\udc80", "5"]
    assert [w["path"] for w in text_w] == ["r2"] and "not valid UTF-8" in text_w[0]["message"]
    numbers, number_w = fit.column([1.5, 2, None, float("inf"), float("nan"), True, "x", 10 ** 400],
                                   "DOUBLE", "result", where)
    assert numbers == [1.5, 2.0, None, None, None, None, None, None] and type(numbers[1]) is float
    assert [w["path"] for w in number_w] == ["r3", "r4", "r5", "r6", "r7"]
    whole, whole_w = fit.column([1, 2.0, 2.5, 2 ** 31, True, None], "INTEGER", "n", where)
    assert whole == [1, 2, None, None, None, None] and type(whole[1]) is int
    assert [w["path"] for w in whole_w] == ["r2", "r3", "r4"]
    assert fit.column([2 ** 40], "BIGINT", "size", None) == ([2 ** 40], [])
    lists, list_w = fit.column([["a", 1], "x", None, ["\udcff"]], "VARCHAR[]", "tags", where)
    assert lists == [["a", "1"], None, None, ["\\udcff"]] and [w["path"] for w in list_w] == ["r1"]
    flags, flag_w = fit.column([True, None, 1], "BOOLEAN", "valid", where)
    assert flags == [True, None, None] and [w["path"] for w in flag_w] == ["r2"]

    con = duckdb.connect(str(tmp_path / "t.duckdb"))
    con.execute("CREATE TABLE t (s VARCHAR, d DOUBLE, i INTEGER, l VARCHAR[], b BOOLEAN, c VARCHAR)")
    database.insert(con, "t", {"s": ("VARCHAR", text), "d": ("DOUBLE", numbers[:4]), "i": ("INTEGER", whole[:4]),
                               "l": ("VARCHAR[]", lists), "b": ("BOOLEAN", flags + [False]),
                               "c": database.Constant("same")})
    database.insert(con, "t", {"s": ("VARCHAR", []), "c": database.Constant("none")})  # no rows: nothing written
    assert con.execute("SELECT * FROM t").fetchall() == [
        ("a", 1.5, 1, ["a", "1"], True, "same"), (None, 2.0, 2, None, None, "same"),
        ("b\\udc80", None, None, None, None, "same"), ("5", None, None, ["\\udcff"], False, "same")]


def test_an_import_loads_neither_pyarrow_nor_pandas(v30, tmp_path):
    """The write path hands DuckDB plain lists: pyarrow (and pandas, which pyarrow imports on
    its first conversion of a Python list) cost an import 90 MB and a third of a second."""
    import subprocess
    import sys

    script = ("import sys, mlperf_explorer; s = mlperf_explorer.open_store(sys.argv[1]); "
              "r = s.import_source(sys.argv[2]); s.update(); "
              "print(r.results, sorted(m for m in ('pyarrow', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path / "s.duckdb"), str(v30)],
                         capture_output=True, text=True, check=True).stdout.split()
    assert int(out[0]) > 0 and out[1:] == ["[]"]


def test_progress_names_every_result_it_writes(v30, tmp_path, monkeypatch):
    """The "write" phase counts the rows still waiting for the last flush too (here all of them)."""
    monkeypatch.setattr(database, "FLUSH_ROWS", 10 ** 6)
    seen: list[tuple[str, int, int]] = []
    with mlperf_explorer.open_store(str(tmp_path / "s.duckdb")) as store:
        report = store.import_source(str(v30), progress=lambda phase, done, total: seen.append((phase, done, total)))
        stored = store.con.execute("SELECT count(*) FROM results").fetchone()[0]
    writes = [s for s in seen if s[0] == "write"]
    assert report.results == stored > 0
    assert writes == [("write", stored, stored)]


def test_a_read_only_store_remembers_the_picker_values_and_a_writer_sees_its_changes(tmp_path, v30, monkeypatch):
    """The playground asks every page for the values each picker offers; a read-only store
    (which never changes) runs the queries once, and every caller gets its own dict. A
    writable store answers from its current rows each time."""
    from mlperf_explorer.query import facets

    queried: list[str] = []
    real = facets._distinct_values
    monkeypatch.setattr(facets, "_distinct_values", lambda store, family: queried.append(family) or real(store, family))
    db = str(tmp_path / "s.duckdb")
    with mlperf_explorer.open_store(db) as store:
        assert facets.distinct_values(store, "inference")["round"] == []
        store.import_source(str(v30))
        assert facets.distinct_values(store, "inference")["round"] == ["v3.0"]
    assert queried == ["inference", "inference"]
    with mlperf_explorer.open_store(db, read_only=True) as store:
        first = facets.distinct_values(store, "inference")
        first["round"] = ["changed by a caller"]
        again = facets.distinct_values(store, "inference")
        assert again["round"] == ["v3.0"] and again is not first
        assert facets.distinct_values(store, "training")["round"] == []
    assert queried == ["inference", "inference", "inference", "training"]


def test_an_import_commits_into_the_file_and_leaves_small_writes_to_the_log(tmp_path, v30):
    """An import's commit goes straight into the database file: no write-ahead log is left
    for closing the store to copy in again. The checkpoint threshold is the user's again
    afterwards, so a small write still goes to the log."""
    db = tmp_path / "s.duckdb"
    wal = tmp_path / "s.duckdb.wal"
    with mlperf_explorer.open_store(str(db)) as store:
        store.con.execute("SET checkpoint_threshold = '20 MiB'")
        report = store.import_source(str(v30))
        assert report.results > 0
        assert not wal.exists() or wal.stat().st_size == 0
        assert store.con.execute("SELECT current_setting('checkpoint_threshold')").fetchone()[0] == "20.0 MiB"
        store.con.execute("UPDATE sources SET files = files + 1")
        assert wal.exists() and wal.stat().st_size > 0
    assert snapshot(db)["sources"][0][2] == report.results
