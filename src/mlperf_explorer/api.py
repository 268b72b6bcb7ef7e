"""The Python API. The command line is a thin layer over these calls.

    import mlperf_explorer
    store = mlperf_explorer.open_store("results.duckdb")
    store.import_source("inference_results_v3.0.tar.zst")
    rows = store.find(tags=["closed", "offline", "resnet"], where="result > 10000")
    df = rows.to_pandas()
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import duckdb
import pyarrow as pa

from .query.expr import ExpressionError
from .query.find import build_query
from .records import Problem
from .sources import PreparedSource, SourceError, prepare
from .store import database
from .store.schema import RESULT_COLUMN_NAMES

__all__ = ["Store", "open_store", "ImportReport", "ResultSet", "SourceError", "ExpressionError"]


@dataclass
class ImportReport:
    source_id: str
    kind: str
    location: str
    family: str
    round: str
    results: int
    runs: int
    warnings: int
    files: int
    seconds: float
    warning_samples: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


@dataclass
class ResultSet:
    """Rows from `find`, ready for the next tool."""

    table: pa.Table

    @property
    def columns(self) -> list[str]:
        return self.table.column_names

    def __len__(self) -> int:
        return self.table.num_rows

    def records(self) -> list[dict[str, Any]]:
        return self.table.to_pylist()

    def to_arrow(self) -> pa.Table:
        return self.table

    def to_pandas(self):
        return self.table.to_pandas()

    def to_polars(self):
        import polars  # optional extra

        return polars.from_arrow(self.table)


def source_id_for(prepared: PreparedSource) -> str:
    key = "|".join((prepared.kind, prepared.location, prepared.family, prepared.round))
    return hashlib.sha1(key.encode()).hexdigest()[:12]


class Store:
    def __init__(self, path: str | None = None, read_only: bool = False):
        self.path = path or database.default_path()
        self.read_only = read_only
        self.con = database.connect(self.path, read_only=read_only)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- import -------------------------------------------------------------------
    def import_source(
        self,
        source: str,
        family: str | None = None,
        round: str | None = None,
        progress: Callable[[str, int, int], None] | None = None,
        workers: int | None = None,
    ) -> ImportReport:
        """Import a folder or archive of one round; replaces what the same source brought."""
        started = time.perf_counter()
        samples: list[str] = []
        with prepare(source, family, round) as prepared:
            if prepared.family == "inference":
                from .inference.importer import parse_round

                batches = lambda step: parse_round(prepared.root, prepared.round, prepared.ref, workers=workers, progress=step)  # noqa: E731
            else:
                from .training.importer import parse_round as parse_training

                batches = lambda step: parse_training(prepared.root, prepared.family, prepared.round, workers=workers, progress=step)  # noqa: E731
            sid = source_id_for(prepared)
            meta = {"source_id": sid, "kind": prepared.kind, "location": prepared.location,
                    "family": prepared.family, "round": prepared.round, "ref": prepared.ref,
                    "content_hash": prepared.content_hash,
                    "imported_at": _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)}
            step = (lambda done, total: progress("parse", done, total)) if progress else None
            files = runs = 0
            with database.SourceWriter(self.con, meta) as writer:
                for batch in batches(step):
                    writer.add(batch.records, batch.runs, _attach_warnings(batch.records, batch.problems), batch.systems)
                    files += batch.files
                    runs += len(batch.runs)
                    samples.extend(str(p) for p in batch.problems[: max(0, 5 - len(samples))])
                writer.source["files"] = files
                writer.source["seconds"] = time.perf_counter() - started
        return ImportReport(sid, prepared.kind, prepared.location, prepared.family, prepared.round,
                            writer.results, runs, writer.warnings, files, time.perf_counter() - started, samples)

    # ---- query --------------------------------------------------------------------
    @property
    def columns(self) -> list[str]:
        return [r[0] for r in self.con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'results' ORDER BY ordinal_position").fetchall()]

    def find(
        self,
        tags: str | Sequence[str] | None = None,
        where: str | None = None,
        columns: str | Sequence[str] | None = None,
        sort: str | None = None,
        limit: int | None = None,
    ) -> ResultSet:
        query = build_query(self.columns, tags=tags, where=where, columns=columns, sort=sort, limit=limit)
        cur = self.con.cursor()
        try:
            table = cur.sql(query.sql, params=query.params).to_arrow_table()
        except duckdb.Error as exc:
            # The grammar is checked before SQL runs; what is left are value errors such as
            # comparing a number column with text.
            message = str(exc).split("\n", 1)[0]
            raise ExpressionError(f"the filter cannot be applied: {message}") from None
        finally:
            cur.close()
        return ResultSet(table)

    def get(self, uid: str) -> dict[str, Any] | None:
        cur = self.con.cursor()
        try:
            rows = cur.sql("SELECT * FROM results WHERE uid = ?", params=[uid]).to_arrow_table().to_pylist()
            if not rows:
                return None
            result = rows[0]
            result["runs"] = cur.sql("SELECT run, valid, log_scenario, result, has_detail FROM runs WHERE uid = ? ORDER BY run",
                                     params=[uid]).to_arrow_table().to_pylist()
            system = cur.sql("SELECT description FROM systems WHERE source_id = ? AND division = ? AND submitter = ? AND system = ?",
                             params=[result["source_id"], result["division"], result["submitter"], result["system"]]).fetchall()
            result["system_description"] = json.loads(system[0][0]) if system and system[0][0] else None
            result["warnings"] = cur.sql(
                "SELECT path, line, message FROM warnings WHERE source_id = ? AND (path = ? OR starts_with(path, ?)) ORDER BY path, line",
                params=[result["source_id"], result["location"], result["location"] + "/"]).to_arrow_table().to_pylist()
            return result
        finally:
            cur.close()

    def status(self) -> dict[str, Any]:
        cur = self.con.cursor()
        try:
            rounds = cur.sql("""
                SELECT s.family, s.round, s.kind, s.location, s.ref, s.imported_at,
                       (SELECT count(*) FROM results r WHERE r.source_id = s.source_id) AS results,
                       (SELECT count(*) FROM results r WHERE r.source_id = s.source_id AND r.valid) AS valid,
                       (SELECT count(*) FROM results r WHERE r.source_id = s.source_id AND r.has_power) AS power,
                       (SELECT count(*) FROM warnings w WHERE w.source_id = s.source_id) AS warnings,
                       s.seconds
                FROM sources s ORDER BY s.family, s.round, s.location""").to_arrow_table().to_pylist()
            total = cur.execute("SELECT count(*) FROM results").fetchone()[0]
        finally:
            cur.close()
        return {"database": self.path, "results": total, "sources": rounds}

    def warnings(self, round: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        sql = "SELECT family, round, path, line, message FROM warnings"
        params: list[Any] = []
        if round:
            sql += " WHERE round = ?"
            params.append(round)
        sql += " ORDER BY family, round, path, line"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self.con.cursor().sql(sql, params=params).to_arrow_table().to_pylist()


def _attach_warnings(records: list[dict], problems: list[Problem]) -> list[dict]:
    """Count each result's warnings on its row (by location prefix) and flatten them."""
    by_location = {r["location"]: r for r in records}
    for r in records:
        r["warning_count"] = 0
    for p in problems:
        parts = p.path.split("/")
        if len(parts) >= 6:
            key = "/".join(parts[:2] + ["results"] + parts[3:6]) if parts[2] in ("compliance", "audit", "measurements") else "/".join(parts[:6])
            rec = by_location.get(key)
            if rec is not None:
                rec["warning_count"] += 1
    return [p.as_dict() for p in problems]


def open_store(path: str | None = None, read_only: bool = False) -> Store:
    """Open (creating if needed) the store at `path`, `$MLPERF_EXPLORER_DB`, or the default."""
    return Store(path, read_only=read_only)


ALL_COLUMNS = RESULT_COLUMN_NAMES
