"""Writing result rows as CSV, JSON, JSON Lines or Parquet (the exporters' shared core)."""

from __future__ import annotations

import contextlib
import csv
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from ..query.results import ResultSet


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return value


def write_rows(rows: ResultSet, fmt: str, output: str | None) -> None:
    """Write every row of a `find` answer in `fmt` to `output` (standard output when None);
    only Parquet needs pyarrow."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(rows.to_arrow(), output)
        return
    if fmt not in ("csv", "json", "jsonl"):
        raise ValueError(f"unknown format {fmt!r}")
    with open(output, "w", newline="", encoding="utf-8") if output else contextlib.nullcontext(sys.stdout) as stream:
        _write_text(rows.columns, rows.records(), fmt, stream)


def _write_text(columns: list[str], rows: list[dict[str, Any]], fmt: str, stream: TextIO) -> None:
    if fmt == "csv":
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(columns)
        for r in rows:
            writer.writerow(["" if r[c] is None else _plain(r[c]) for c in columns])
    elif fmt == "json":
        json.dump(rows, stream, indent=1, default=str)
        stream.write("\n")
    else:
        for r in rows:
            stream.write(json.dumps(r, default=str) + "\n")


def write_parquet_partitioned(con: duckdb.DuckDBPyConnection, table: pa.Table, out_dir: str) -> list[str]:
    """Parquet files under `out_dir/family=F/round=R/`, laid out as Spark writes a partitioned
    table: the partition columns live in the path only, so every reader's default call
    (pandas, pyarrow, polars, DuckDB, Spark) reads the folder; a column in both the files and
    the path is one pyarrow and pandas refuse to merge. Every other column keeps the store's
    type. Returns the files written."""
    import glob
    import os

    cur = con.cursor()
    try:
        cur.register("export_rows", table)
        target = out_dir.replace("'", "''")
        cur.execute(f"COPY (SELECT * FROM export_rows) TO '{target}' "
                    "(FORMAT PARQUET, PARTITION_BY (family, round), WRITE_PARTITION_COLUMNS false, OVERWRITE_OR_IGNORE true)")
    finally:
        cur.close()
    return sorted(glob.glob(os.path.join(out_dir, "family=*", "round=*", "*.parquet")))
