"""The store: re-imports replace, failed imports change nothing, and rows are stable."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import samples

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
