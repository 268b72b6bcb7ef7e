"""Writing result rows as CSV, JSON, JSON Lines or Parquet (the exporters' shared core)."""

from __future__ import annotations

import csv
import json
import sys
from typing import Any

import pyarrow as pa


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return value


def write_rows(table: pa.Table, fmt: str, output: str | None) -> None:
    """Write every row of `table` in `fmt` to `output` (standard output when None)."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, output)
        return
    stream = open(output, "w", newline="", encoding="utf-8") if output else sys.stdout
    try:
        rows = table.to_pylist()
        if fmt == "csv":
            writer = csv.writer(stream)
            writer.writerow(table.column_names)
            for r in rows:
                writer.writerow(["" if r[c] is None else _plain(r[c]) for c in table.column_names])
        elif fmt == "json":
            json.dump(rows, stream, indent=1, default=str)
            stream.write("\n")
        elif fmt == "jsonl":
            for r in rows:
                stream.write(json.dumps(r, default=str) + "\n")
        else:
            raise ValueError(f"unknown format {fmt!r}")
    finally:
        if output:
            stream.close()
