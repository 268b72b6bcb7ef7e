"""The DuckDB file: opening it, its schema, and atomic replacement of what a source brought.

One import is one transaction. `SourceWriter` opens it, deletes what the source brought last
time, then takes the new rows in batches as the parsers produce them (so a round is never
held in memory whole); rows of other sources with the same uids are replaced. COMMIT happens
only when every batch is in; any failure ROLLs BACK and leaves the file exactly as it was,
and a killed process leaves DuckDB's write-ahead log to be rolled back on the next open.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    from ..units import Scope
from .schema import ADDED_COLUMNS, DDL, RESULT_COLUMNS, SCHEMA_VERSION

DEFAULT_DB = os.path.join("~", ".local", "share", "mlperf-explorer", "results.duckdb")
ENV_DB = "MLPERF_EXPLORER_DB"
# Rows held before they are written: a flush costs a few milliseconds, and what a round's
# parsed results weigh as Python objects is the main process's largest cost in memory.
FLUSH_ROWS = 500


class Constant:
    """A column that holds one value on every row of an insert (passed once, not per row)."""

    def __init__(self, value: Any, sql_type: str = "VARCHAR"):
        self.value, self.sql_type = value, sql_type


def insert(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, tuple[str, list[Any]] | Constant]) -> None:
    """INSERT the rows given column-wise ({name: (DuckDB type, values) or Constant}), each
    column one list parameter unnested side by side. The values must already fit their type
    (see fit.py); DuckDB converts the lists in C++, with no Arrow table on the way."""
    names = list(columns)
    lengths = {len(c[1]) for c in columns.values() if not isinstance(c, Constant)}
    if lengths == {0}:
        return
    select, params = [], []
    for k, name in enumerate(names, 1):
        col = columns[name]
        if isinstance(col, Constant):
            select.append(f'${k}::{col.sql_type} AS "{name}"')
            params.append(col.value)
        else:
            select.append(f'unnest(${k}::{col[0]}[]) AS "{name}"')
            params.append(col[1])
    con.execute(f"INSERT INTO {table} BY NAME SELECT {', '.join(select)}", params)


def default_path() -> str:
    return os.path.expanduser(os.environ.get(ENV_DB) or DEFAULT_DB)


def connect(path: str | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path = os.path.expanduser(path) if path else default_path()
    if path != ":memory:":
        if read_only and not os.path.exists(path):
            con = _open(":memory:", False)
            ensure_schema(con)
            return con
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    read_only = read_only and path != ":memory:"
    con = _open(path, read_only)
    if not read_only:
        ensure_schema(con)
    elif not schema_is_current(con):
        # A store written by an older version: bring its schema up to date once (tables and
        # columns are only ever added), then read it as asked.
        con.close()
        writer = _open(path, False)
        try:
            ensure_schema(writer)
        finally:
            writer.close()
        con = _open(path, True)
    return con


def _open(path: str, read_only: bool) -> duckdb.DuckDBPyConnection:
    return configure(duckdb.connect(path, read_only=read_only))


def configure(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Per-connection settings (cursors are connections of their own): a table name must
    never resolve to a Python variable of the caller (DuckDB's replacement scans)."""
    con.execute("SET python_enable_replacements = false")
    return con


@contextlib.contextmanager
def cursor(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection of its own for one piece of work, closed afterwards: a connection with an
    unfinished result refuses more work, so concurrent readers (web requests) each take one."""
    cur = configure(con.cursor())
    try:
        yield cur
    finally:
        cur.close()


def schema_is_current(con: duckdb.DuckDBPyConnection) -> bool:
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except duckdb.Error:
        return False
    return row is not None and row[0] == str(SCHEMA_VERSION)


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for stmt in DDL:
        con.execute(stmt)
    # Columns added by later versions go in here, never renamed (see schema.py).
    existing = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'results'").fetchall()}
    for name, sql_type in RESULT_COLUMNS:
        if name not in existing:
            con.execute(f'ALTER TABLE results ADD COLUMN "{name}" {sql_type.replace(" PRIMARY KEY", "")}')
    for table, name, sql_type in ADDED_COLUMNS:
        con.execute(f'ALTER TABLE {table} ADD COLUMN IF NOT EXISTS "{name}" {sql_type}')
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])


def results_columns(records: list[dict[str, Any]], source_id: str, imported_at: _dt.datetime,
                    warnings: list[dict[str, Any]] | None = None) -> dict[str, tuple[str, list[Any]] | Constant]:
    """The records as the results table's columns, for `insert`; a value a column cannot
    hold is stored empty and, if `warnings` is given, reported there (see fit.py)."""
    from . import fit

    where = [r.get("location") or r.get("uid") or "?" for r in records]
    columns: dict[str, tuple[str, list[Any]] | Constant] = {
        "source_id": Constant(source_id), "imported_at": Constant(imported_at, "TIMESTAMP")}
    for name, declared in RESULT_COLUMNS:
        if name in columns:
            continue
        sql_type = declared.replace(" PRIMARY KEY", "")
        if name == "origin":
            values: list = [r.get("origin") or "raw" for r in records]
        else:
            values = [r.get(name) for r in records]
        fitted, problems = fit.column(values, sql_type, name, where)
        columns[name] = (sql_type, fitted)
        if warnings is not None:
            warnings.extend(problems)
    return columns


class SourceWriter:
    """Write what one source brings, atomically. Use as a context manager:

        with SourceWriter(con, source) as w:
            w.add(records, runs, warnings, systems)   # as many times as needed

    `source` holds source_id, kind, location, family, round, imported_at (and optionally
    ref, commit, content_hash, files, seconds, which may be set on `w.source` before the
    block ends). With a `scope`, only the rows that scope owns are replaced (an update);
    `manifest` ({path: (size, mtime_ns)}, which may also be set on `w.manifest` before the
    block ends) records what a folder source held.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, source: dict[str, Any], scope: Scope | None = None,
                 manifest: dict[str, tuple[int, int]] | None = None):
        self.con = con
        self.source = dict(source)
        self.scope = scope
        self.manifest = manifest
        self.results = 0
        self.warnings = 0
        self._buffer: dict[str, list] = {"records": [], "runs": [], "warnings": [], "systems": []}

    def __enter__(self) -> SourceWriter:
        self.con.execute("BEGIN TRANSACTION")
        try:
            self._delete_old()
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        return self

    def _delete_old(self) -> None:
        sid, con, scope = self.source["source_id"], self.con, self.scope
        if scope is None:
            for table in ("runs", "results", "warnings", "systems"):
                con.execute(f"DELETE FROM {table} WHERE source_id = ?", [sid])
            return
        if not scope.units:
            return
        con.execute("CREATE OR REPLACE TEMP TABLE scope_results (prefix VARCHAR)")
        con.execute("CREATE OR REPLACE TEMP TABLE scope_warnings (prefix VARCHAR)")
        con.executemany("INSERT INTO scope_results VALUES (?)", [[p] for p in scope.result_prefixes])
        con.executemany("INSERT INTO scope_warnings VALUES (?)", [[p] for p in scope.warning_prefixes])
        owned = """SELECT uid FROM results r WHERE r.source_id = ? AND EXISTS (SELECT 1 FROM scope_results s
                   WHERE r.location = s.prefix OR starts_with(r.location, s.prefix || '/'))"""
        con.execute(f"DELETE FROM runs WHERE uid IN ({owned})", [sid])
        con.execute(f"DELETE FROM results WHERE uid IN ({owned})", [sid])
        con.execute("""DELETE FROM warnings w WHERE w.source_id = ? AND EXISTS (SELECT 1 FROM scope_warnings s
                       WHERE w.path = s.prefix OR starts_with(w.path, s.prefix || '/'))""", [sid])
        for u in scope.units:
            con.execute("""DELETE FROM systems WHERE source_id = ? AND submitter = ?
                           AND (? IS NULL OR division = ?) AND (? IS NULL OR system = ?)""",
                        [sid, u.submitter, u.division, u.division, u.system, u.system])
        con.execute("DROP TABLE scope_results")
        con.execute("DROP TABLE scope_warnings")

    def add(self, records: list[dict], runs: Iterable[dict] = (), warnings: Iterable[dict] = (),
            systems: Iterable[dict] = ()) -> None:
        self._buffer["records"].extend(records)
        self._buffer["runs"].extend(runs)
        self._buffer["warnings"].extend(warnings)
        self._buffer["systems"].extend(systems)
        if len(self._buffer["records"]) >= FLUSH_ROWS:
            self.flush()

    @property
    def rows(self) -> int:
        """Results taken so far, written or waiting for the next flush."""
        return self.results + len(self._buffer["records"])

    def flush(self) -> None:
        from . import fit

        b = self._buffer
        if not any(b.values()):
            return
        src = self.source
        sid = src["source_id"]
        fitted: list[dict[str, Any]] = []
        results = results_columns(b["records"], sid, src["imported_at"], fitted)
        runs = b["runs"]
        run_where = [r.get("location") or r.get("uid") or "?" for r in runs]

        def runs_column(name: str, values: list, sql_type: str) -> tuple[str, list[Any]]:
            column, problems = fit.column(values, sql_type, f"runs.{name}", run_where)
            fitted.extend(problems)
            return sql_type, column

        runs_cols: dict[str, tuple[str, list[Any]] | Constant] = {
            "uid": runs_column("uid", [r["uid"] for r in runs], "VARCHAR"),
            "run": runs_column("run", [r["run"] for r in runs], "VARCHAR"),
            "valid": runs_column("valid", [r.get("valid") for r in runs], "BOOLEAN"),
            "log_scenario": runs_column("log_scenario", [r.get("log_scenario") for r in runs], "VARCHAR"),
            "result": runs_column("result", [r.get("result") for r in runs], "DOUBLE"),
            "has_detail": runs_column("has_detail", [r.get("has_detail") for r in runs], "BOOLEAN"),
            "values": runs_column("values", [v if isinstance(v := r.get("values"), str) or v is None
                                             else json.dumps(v, default=str) for r in runs], "VARCHAR"),
            "source_id": Constant(sid),
        }
        systems = b["systems"]
        sys_where = [f"{s.get('division') or ''}/{s.get('submitter') or ''}/systems/{s.get('system') or ''}" for s in systems]
        systems_cols: dict[str, tuple[str, list[Any]] | Constant] = {
            "source_id": Constant(sid), "family": Constant(src["family"]), "round": Constant(src["round"]),
            **{k: ("VARCHAR", fit.column([s.get(k) for s in systems], "VARCHAR", k, sys_where)[0])
               for k in ("division", "submitter", "system", "system_name", "description")},
        }
        warns = b["warnings"] + fitted
        warn_cols: dict[str, tuple[str, list[Any]] | Constant] = {
            "source_id": Constant(sid), "family": Constant(src["family"]), "round": Constant(src["round"]),
            "path": ("VARCHAR", fit.column([w["path"] for w in warns], "VARCHAR", "path", None)[0]),
            "line": ("INTEGER", fit.column([w.get("line") for w in warns], "INTEGER", "line", None)[0]),
            "message": ("VARCHAR", fit.column([w["message"] for w in warns], "VARCHAR", "message", None)[0]),
        }
        con = self.con
        uids = results["uid"]
        assert not isinstance(uids, Constant)
        if uids[1]:
            # The same results from another source (another copy of the round) are replaced.
            con.execute("DELETE FROM runs WHERE uid IN (SELECT unnest(?::VARCHAR[]))", [uids[1]])
            con.execute("DELETE FROM results WHERE uid IN (SELECT unnest(?::VARCHAR[]))", [uids[1]])
        insert(con, "results", results)
        insert(con, "runs", runs_cols)
        insert(con, "warnings", warn_cols)
        insert(con, "systems", systems_cols)
        self.results += len(b["records"])
        self.warnings += len(warns)
        self._buffer = {"records": [], "runs": [], "warnings": [], "systems": []}

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        con = self.con
        if exc_type is not None:
            con.execute("ROLLBACK")
            return
        try:
            self.flush()
            s = self.source
            sid = s["source_id"]
            con.execute("DELETE FROM sources WHERE source_id = ?", [sid])
            con.execute(
                """INSERT INTO sources (source_id, kind, location, family, round, ref, "commit", content_hash,
                   imported_at, results, warnings, files, seconds)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,
                           (SELECT count(*) FROM results WHERE source_id = ?),
                           (SELECT count(*) FROM warnings WHERE source_id = ?), ?, ?)""",
                [sid, s["kind"], s["location"], s["family"], s["round"], s.get("ref"), s.get("commit"),
                 s.get("content_hash"), s["imported_at"], sid, sid, s.get("files"), s.get("seconds")],
            )
            if self.manifest is not None:
                write_manifest(con, sid, self.manifest)
            # Sources whose rows this one took over now hold fewer.
            con.execute("""UPDATE sources SET results = (SELECT count(*) FROM results r WHERE r.source_id = sources.source_id)
                           WHERE source_id <> ?""", [s["source_id"]])
            commit_into_file(con)
        except BaseException:
            con.execute("ROLLBACK")
            raise


def commit_into_file(con: duckdb.DuckDBPyConnection) -> None:
    """COMMIT the open transaction straight into the database file, not through DuckDB's
    write-ahead log. Below the checkpoint threshold (16 MiB) a commit is written to the log,
    and closing the store copies it into the file a second time: importing inference v5.1
    (1,449 results), commit and close took 0.08-0.16 s that way, 0.04-0.11 s straight (eight
    imports each, alternating), of a 0.6 s import. The threshold is lowered for this commit
    alone and put back, so small writes (an annotation) still go to the log. DuckDB
    checkpoints only when no other transaction is open; then this commit goes to the log as
    before. A larger import (v3.0) passed the threshold already."""
    row = con.execute("SELECT current_setting('checkpoint_threshold')").fetchone()
    con.execute("SET checkpoint_threshold = '0KB'")
    try:
        con.execute("COMMIT")
    finally:
        if row is not None:
            con.execute("SET checkpoint_threshold = ?", [row[0]])


def write_manifest(con: duckdb.DuckDBPyConnection, source_id: str, manifest: dict[str, tuple[int, int]]) -> None:
    """Record what a folder source holds ({path: (size, mtime_ns)}), packed in one row
    (manifests.py), replacing what it held before, in either form."""
    from .manifests import pack

    con.execute("DELETE FROM source_files WHERE source_id = ?", [source_id])  # the form before schema 4
    con.execute("DELETE FROM source_manifests WHERE source_id = ?", [source_id])
    con.execute("INSERT INTO source_manifests VALUES (?, ?, ?, ?, ?)", [source_id, len(manifest), *pack(manifest)])


def read_manifest(con: duckdb.DuckDBPyConnection, source_id: str) -> list[tuple[str, int, int]]:
    """What `write_manifest` recorded, as (path, size, mtime_ns) in its order, or the rows a
    store written before schema 4 holds; empty when neither is there or the packed value is
    damaged (then `update` lists the folder again)."""
    from .manifests import unpack

    row = con.execute("SELECT paths, sizes, mtimes FROM source_manifests WHERE source_id = ?", [source_id]).fetchone()
    if row is None:
        return con.execute("SELECT path, size, mtime_ns FROM source_files WHERE source_id = ?", [source_id]).fetchall()
    try:
        return unpack(*row)
    except ValueError:
        return []


def remove_source(con: duckdb.DuckDBPyConnection, source_id: str) -> bool:
    """Atomically drop a source and everything it brought; False if there was no such source."""
    con.execute("BEGIN TRANSACTION")
    try:
        row = con.execute("SELECT count(*) FROM sources WHERE source_id = ?", [source_id]).fetchone()
        found = row[0] if row else 0
        for table in ("runs", "results", "warnings", "systems", "source_files", "source_manifests", "sources"):
            con.execute(f"DELETE FROM {table} WHERE source_id = ?", [source_id])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return bool(found)


def replace_source(con: duckdb.DuckDBPyConnection, source: dict[str, Any], records: list[dict[str, Any]],
                   runs: list[dict[str, Any]], warnings: Iterable[dict[str, Any]],
                   systems: list[dict[str, Any]] | None = None) -> None:
    """Atomically make the store hold exactly what this source brings now (all at once)."""
    with SourceWriter(con, source) as writer:
        writer.add(records, runs, warnings, systems or [])
