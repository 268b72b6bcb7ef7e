"""`export`: every matching result written as CSV, JSON, JSON Lines, partitioned Parquet or
CM experiments, with the same rows `find` returns."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import write_parquet_partitioned, write_rows

if TYPE_CHECKING:
    from ..api import Store

FORMATS = ("csv", "json", "jsonl", "parquet", "cm")


def export(store: Store, fmt: str, output: str, tags: str | Sequence[str] | None = None,
           where: str | None = None, merge: bool = False, power_rows: str = "row") -> dict[str, Any]:
    """See `Store.export`."""
    from ..query.results import system_descriptions
    from .cm import write_cm

    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use csv, json, jsonl, parquet or cm")
    rows = store.find(tags=tags, where=where, columns="*", sort="uid")
    table = rows.to_arrow()
    if fmt == "parquet":
        files = write_parquet_partitioned(store.con, table, output)
        return {"format": fmt, "output": output, "results": len(rows), "files": len(files)}
    if fmt == "cm":
        held = os.path.isdir(os.path.join(output, "experiment")) and os.listdir(os.path.join(output, "experiment"))
        if held and not merge:
            raise ValueError(f"{output}: already holds CM experiments; export into an empty folder, or --merge into it")
        reports: dict[str, list] = {}
        for a in store.annotations():
            reports.setdefault(a["uid"], []).append({k: v for k, v in a.items() if k != "uid"})
        counts = write_cm(rows.records(), output, reports=reports, descriptions=system_descriptions(store),
                          power_rows=power_rows)
        return {"format": fmt, "output": output, "results": len(rows), "experiments": len(counts)}
    write_rows(rows, fmt, output)
    return {"format": fmt, "output": output, "results": len(rows)}
