"""The DuckDB file: opening it, its schema, and atomic replacement of what a source brought.

One import is one transaction. The rows a source brought last time, and any rows of other
sources with the same uids, are deleted and the new ones inserted before COMMIT; if anything
fails, ROLLBACK leaves the file exactly as it was, and a killed process leaves DuckDB's
write-ahead log to be rolled back on the next open.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from typing import Any, Iterable

import duckdb
import pyarrow as pa

from .schema import DDL, RESULT_COLUMNS, SCHEMA_VERSION

DEFAULT_DB = os.path.join("~", ".local", "share", "mlperf-explorer", "results.duckdb")
ENV_DB = "MLPERF_EXPLORER_DB"

_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "INTEGER": pa.int32(),
    "TIMESTAMP": pa.timestamp("us"),
    "VARCHAR[]": pa.list_(pa.string()),
}


def default_path() -> str:
    return os.path.expanduser(os.environ.get(ENV_DB) or DEFAULT_DB)


def connect(path: str | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path = os.path.expanduser(path) if path else default_path()
    if path != ":memory:":
        if read_only and not os.path.exists(path):
            con = duckdb.connect(":memory:")
            ensure_schema(con)
            return con
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    con = duckdb.connect(path, read_only=read_only)
    if not read_only:
        ensure_schema(con)
    return con


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for stmt in DDL:
        con.execute(stmt)
    # Columns added by later versions go in here, never renamed (see schema.py).
    existing = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'results'").fetchall()}
    for name, sql_type in RESULT_COLUMNS:
        if name not in existing:
            con.execute(f'ALTER TABLE results ADD COLUMN "{name}" {sql_type.replace(" PRIMARY KEY", "")}')
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])


def results_arrow(records: list[dict[str, Any]], source_id: str, imported_at: _dt.datetime) -> pa.Table:
    columns = {}
    for name, sql_type in RESULT_COLUMNS:
        arrow_type = _ARROW_TYPES[sql_type.replace(" PRIMARY KEY", "")]
        if name == "source_id":
            values: list = [source_id] * len(records)
        elif name == "imported_at":
            values = [imported_at] * len(records)
        else:
            values = [r.get(name) for r in records]
        columns[name] = pa.array(values, type=arrow_type)
    return pa.table(columns)


def replace_source(
    con: duckdb.DuckDBPyConnection,
    source: dict[str, Any],
    records: list[dict[str, Any]],
    runs: list[dict[str, Any]],
    warnings: Iterable[dict[str, Any]],
) -> None:
    """Atomically make the store hold exactly what this source brings now."""
    source_id = source["source_id"]
    imported_at = source["imported_at"]
    results_tbl = results_arrow(records, source_id, imported_at)
    runs_tbl = pa.table({
        "uid": pa.array([r["uid"] for r in runs], pa.string()),
        "run": pa.array([r["run"] for r in runs], pa.string()),
        "valid": pa.array([r.get("valid") for r in runs], pa.bool_()),
        "log_scenario": pa.array([r.get("log_scenario") for r in runs], pa.string()),
        "result": pa.array([r.get("result") for r in runs], pa.float64()),
        "has_detail": pa.array([r.get("has_detail") for r in runs], pa.bool_()),
        "values": pa.array([json.dumps(r.get("values"), default=str) if r.get("values") is not None else None for r in runs], pa.string()),
        "source_id": pa.array([source_id] * len(runs), pa.string()),
    })
    warn_list = list(warnings)
    warn_tbl = pa.table({
        "source_id": pa.array([source_id] * len(warn_list), pa.string()),
        "family": pa.array([source["family"]] * len(warn_list), pa.string()),
        "round": pa.array([source["round"]] * len(warn_list), pa.string()),
        "path": pa.array([w["path"] for w in warn_list], pa.string()),
        "line": pa.array([w.get("line") for w in warn_list], pa.int32()),
        "message": pa.array([w["message"] for w in warn_list], pa.string()),
    })
    uids = pa.table({"uid": results_tbl.column("uid")})
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("incoming_uids", uids)
        con.execute("DELETE FROM runs WHERE source_id = ? OR uid IN (SELECT uid FROM incoming_uids)", [source_id])
        con.execute("DELETE FROM results WHERE source_id = ? OR uid IN (SELECT uid FROM incoming_uids)", [source_id])
        con.execute("DELETE FROM warnings WHERE source_id = ?", [source_id])
        con.register("incoming_results", results_tbl)
        con.execute("INSERT INTO results BY NAME SELECT * FROM incoming_results")
        con.register("incoming_runs", runs_tbl)
        con.execute("INSERT INTO runs BY NAME SELECT * FROM incoming_runs")
        con.register("incoming_warnings", warn_tbl)
        con.execute("INSERT INTO warnings BY NAME SELECT * FROM incoming_warnings")
        con.execute("DELETE FROM sources WHERE source_id = ?", [source_id])
        con.execute(
            "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [source_id, source["kind"], source["location"], source["family"], source["round"], source.get("ref"),
             source.get("content_hash"), imported_at, len(records), len(warn_list), source.get("files"), source.get("seconds")],
        )
        # Sources whose every row was taken over by this one no longer hold anything.
        con.execute("""UPDATE sources SET results = (SELECT count(*) FROM results r WHERE r.source_id = sources.source_id)
                       WHERE source_id <> ?""", [source_id])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in ("incoming_uids", "incoming_results", "incoming_runs", "incoming_warnings"):
            try:
                con.unregister(name)
            except Exception:
                pass
