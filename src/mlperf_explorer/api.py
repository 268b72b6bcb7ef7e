"""The Python API. The command line is a thin layer over these calls.

    import mlperf_explorer
    store = mlperf_explorer.open_store("results.duckdb")
    store.import_source("inference_results_v3.0.tar.zst")
    rows = store.find(tags=["closed", "offline", "resnet"], where="result > 10000")
    df = rows.to_pandas()
"""

from __future__ import annotations

import datetime as _dt
import difflib
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import duckdb
import pyarrow as pa

from .annotations import CREATED_FORMAT, Annotation, AnnotationError, append_jsonl, jsonl_path, new_annotation, read_jsonl
from .formats.tables import KINDS as TABLE_KINDS
from .local import RunError
from .query import derived
from .query.expr import ExpressionError
from .query.find import build_query, parse_tags
from .records import LOWER_IS_BETTER, Problem
from .sources import PreparedSource, SourceError, file_sha256, prepare
from .sources.git import changed_paths
from .units import FullImport, Unit, manifest_changes, scan_tree, scope_for, units_for
from .store import database, live
from .store.schema import RESULT_COLUMN_NAMES

__all__ = ["Store", "open_store", "ImportReport", "ResultSet", "SourceError", "ExpressionError", "AnnotationError", "RunError"]


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
    ref: str | None = None
    commit: str | None = None
    mode: str = "full"  # "full", "partial" (an update re-parsed `units` systems) or "unchanged"
    units: int | None = None

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


def plain_sql_error(exc: Exception) -> str:
    """A database type error in the words of the expression language."""
    text = str(exc).split("\n", 1)[0]
    m = re.search(r"Could not convert string '([^']*)' to (\w+)", text)
    if m:
        kind = "number" if m.group(2) in ("DOUBLE", "INTEGER", "BIGINT", "DECIMAL", "FLOAT") else m.group(2).lower()
        return f"the text {m.group(1)!r} is used as a {kind} (compare numbers with numbers, text with 'quoted text')"
    if "No function matches" in text or "explicit type casts" in text:
        return "arithmetic or comparison between a text column and a number"
    return re.sub(r"^[A-Za-z ]+ Error: ", "", text)


def speedup_relation(relation: str, params: list[Any], baseline: str) -> tuple[str, list[Any]]:
    """Add `speedup`: each result over the baseline system's result of the same family,
    round, MLPerf model (or training benchmark) and scenario; higher is better, so for
    latency and time-to-train results it is baseline / result. `baseline` names a system
    (its folder or JSON name) or a system_name."""
    lower_better = "result_units IN (" + ", ".join(f"'{u}'" for u in LOWER_IS_BETTER) + ")"
    key = "coalesce(mlperf_model, benchmark)"
    sql = f"""(SELECT r.*, CASE WHEN r.result > 0 AND b.best > 0 THEN
                 CASE WHEN r.{lower_better} THEN b.best / r.result ELSE r.result / b.best END END AS speedup
               FROM {relation} AS r LEFT JOIN (
                 SELECT family, round, {key} AS k, coalesce(scenario, '') AS s,
                        CASE WHEN bool_or({lower_better}) THEN min(result) ELSE max(result) END AS best
                 FROM {relation} AS x WHERE (system = ? OR system_name = ?) AND valid
                 GROUP BY ALL) AS b
               ON r.family = b.family AND r.round = b.round AND coalesce(r.mlperf_model, r.benchmark) = b.k
                  AND coalesce(r.scenario, '') = b.s)"""
    return sql, [*params, *params, baseline, baseline]


def _local_source_id(name: str) -> str:
    return hashlib.sha1(f"local-run|{name}".encode()).hexdigest()[:12]


def _root_prefix(prepared: PreparedSource) -> str:
    """Where the results root sits inside a git checkout ('' or 'wrapper/')."""
    rel = os.path.relpath(prepared.root, prepared.root_checkout).replace(os.sep, "/")
    return "" if rel == "." else rel + "/"


def source_id_for(prepared: PreparedSource) -> str:
    key = "|".join((prepared.kind, prepared.location, prepared.family, prepared.round))
    return hashlib.sha1(key.encode()).hexdigest()[:12]


class Store:
    def __init__(self, path: str | None = None, read_only: bool = False):
        self.path = os.path.expanduser(path or database.default_path())
        self.read_only = read_only
        self._lock: live.WriterLock | None = None
        self._shadow: str | None = None
        if read_only or self.path == ":memory:":
            self.con = database.connect(self.path, read_only=read_only)
        else:
            # Writers take turns; if a reader (the playground) holds the file, write a shadow
            # copy and swap it in on close (store/live.py).
            self._lock = live.WriterLock(self.path)
            try:
                self.con = database.connect(self.path)
            except duckdb.IOException as exc:
                if not live.is_lock_conflict(exc):
                    self._lock.release()
                    raise
                self._shadow = live.make_shadow(self.path)
                self.con = database.connect(self._shadow)
        self._column_types: dict[str, str] | None = None
        self._metrics: list[derived.Metric] | None = None  # until derive/drop_metric

    def close(self) -> None:
        if self._shadow:
            self.con.execute("CHECKPOINT")
            self.con.close()
            os.replace(self._shadow, self.path)  # readers see all of it or none of it
            self._shadow = None
        else:
            self.con.close()
        if self._lock:
            self._lock.release()
            self._lock = None

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        """A connection of its own for one query (settings are per connection)."""
        return database.configure(self.con.cursor())

    @property
    def stored_columns(self) -> list[str]:
        return list(self.column_types)

    @property
    def column_types(self) -> dict[str, str]:
        """{stored column: DuckDB type}, in table order; read once (the schema only grows when
        a writer opens the store)."""
        if self._column_types is None:
            cur = self._cursor()
            try:
                self._column_types = dict(cur.execute(
                    "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'results' "
                    "ORDER BY ordinal_position").fetchall())
            finally:
                cur.close()
        return self._column_types

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
        ref: str | None = None,
    ) -> ImportReport:
        """Import one round from a folder, an archive or a git repository (URL or bare
        repository; `ref` picks a branch, tag or commit). Replaces what the same source
        brought before, in one transaction."""
        started = time.perf_counter()
        note = (lambda message: progress(message, 0, 0)) if progress else None
        with prepare(source, family, round, ref=ref, progress=note) as prepared:
            manifest = scan_tree(prepared.root, prepared.family) if prepared.kind == "directory" else None
            return self._ingest(prepared, started, progress, workers, manifest=manifest)

    def update(self, source: str | None = None, progress: Callable[[str, int, int], None] | None = None,
               workers: int | None = None) -> list[ImportReport]:
        """Bring imported sources up to date, re-parsing only what changed: by commit diff
        for git, by file size and time for folders, by content hash for archives. `source`
        (a location, URL or source id) limits it to one source."""
        cur = self._cursor()
        try:
            rows = cur.sql("SELECT * FROM sources ORDER BY family, round, location").to_arrow_table().to_pylist()
        finally:
            cur.close()
        if source is not None:
            wanted = {source, os.path.abspath(os.path.expanduser(source))}
            rows = [r for r in rows if r["location"] in wanted or r["source_id"] == source]
            if not rows:
                raise SourceError(f"{source}: not an imported source (see `mlperf-explorer status`)")
        return [self._update_one(row, progress, workers) for row in rows]

    def _update_one(self, row: dict[str, Any], progress, workers) -> ImportReport:
        started = time.perf_counter()
        note = (lambda message: progress(message, 0, 0)) if progress else None
        family, round_name = row["family"], row["round"]
        if row["kind"] == "local-run":  # your own runs change only when you add them again
            return self._unchanged(row, started)
        if row["kind"] == "archive" and os.path.isfile(row["location"]) and file_sha256(row["location"]) == row["content_hash"]:
            return self._unchanged(row, started)
        ref = row["ref"] if row["kind"] == "git" else None
        forced = (None, None) if row["kind"] in TABLE_KINDS else (family, round_name)
        with prepare(row["location"], *forced, ref=ref, progress=note) as prepared:
            if prepared.kind in TABLE_KINDS and prepared.content_hash == row["content_hash"]:
                return self._unchanged(row, started)
            changed: list[str] | None = None
            manifest = None
            if prepared.kind == "git" and row.get("commit"):
                if prepared.commit == row["commit"]:
                    return self._unchanged(row, started)
                changed = changed_paths(prepared.root_checkout, row["commit"], prepared.commit)
                if changed is not None:  # repository paths, made relative to the results root
                    prefix = _root_prefix(prepared)
                    changed = [p[len(prefix):] for p in changed if p.startswith(prefix)]
            elif prepared.kind == "directory":
                manifest = scan_tree(prepared.root, family)
                old = self._manifest(row["source_id"])
                if old is not None:
                    changed = manifest_changes(old, manifest)
                    if not changed:
                        return self._unchanged(row, started)
            if changed is None:
                return self._ingest(prepared, started, progress, workers, manifest=manifest, mode="full")
            try:
                units = units_for(family, changed)
            except FullImport:
                return self._ingest(prepared, started, progress, workers, manifest=manifest, mode="full")
            return self._ingest(prepared, started, progress, workers, manifest=manifest, units=units, mode="partial")

    def _manifest(self, source_id: str) -> dict[str, tuple[int, int]] | None:
        cur = self._cursor()
        try:
            rows = cur.execute("SELECT path, size, mtime_ns FROM source_files WHERE source_id = ?", [source_id]).fetchall()
        finally:
            cur.close()
        return {p: (size, mtime) for p, size, mtime in rows} if rows else None

    def _unchanged(self, row: dict[str, Any], started: float) -> ImportReport:
        return ImportReport(row["source_id"], row["kind"], row["location"], row["family"], row["round"], 0, 0, 0, 0,
                            time.perf_counter() - started, ref=row.get("ref"), commit=row.get("commit"), mode="unchanged")

    def _ingest(self, prepared: PreparedSource, started: float, progress, workers, manifest=None,
                units: set[Unit] | None = None, mode: str = "full") -> ImportReport:
        samples: list[str] = []
        link_ref = prepared.commit or prepared.ref
        if prepared.table is not None:
            batches = lambda step: iter([prepared.table])  # noqa: E731
        elif prepared.family == "inference":
            from .inference.importer import parse_round

            batches = lambda step: parse_round(prepared.root, prepared.round, link_ref, workers=workers, progress=step, only=units)  # noqa: E731
        elif prepared.family == "tiny":
            from .tiny.importer import parse_round as parse_tiny

            batches = lambda step: parse_tiny(prepared.root, prepared.round, link_ref, workers=workers, progress=step, only=units)  # noqa: E731
        else:
            from .training.importer import parse_round as parse_training

            batches = lambda step: parse_training(prepared.root, prepared.family, prepared.round, workers=workers,  # noqa: E731
                                                  progress=step, only=units, ref=link_ref)
        sid = source_id_for(prepared)
        meta = {"source_id": sid, "kind": prepared.kind, "location": prepared.location,
                "family": prepared.family, "round": prepared.round, "ref": prepared.ref,
                "commit": prepared.commit, "content_hash": prepared.content_hash,
                "imported_at": _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)}
        scope = scope_for(prepared.family, units) if units is not None else None
        step = (lambda done, total: progress("parse", done, total)) if progress else None
        files = runs = 0
        with database.SourceWriter(self.con, meta, scope=scope, manifest=manifest) as writer:
            if prepared.notes and units is None:
                writer.add([], [], [p.as_dict() for p in prepared.notes], [])
                samples.extend(str(p) for p in prepared.notes[:5])
            for batch in batches(step):
                writer.add(batch.records, batch.runs, _attach_warnings(batch.records, batch.problems), batch.systems)
                files += batch.files
                runs += len(batch.runs)
                samples.extend(str(p) for p in batch.problems[: max(0, 5 - len(samples))])
            writer.source["files"] = files
            writer.source["seconds"] = time.perf_counter() - started
        return ImportReport(sid, prepared.kind, prepared.location, prepared.family, prepared.round,
                            writer.results, runs, writer.warnings, files, time.perf_counter() - started, samples,
                            ref=prepared.ref, commit=prepared.commit, mode=mode,
                            units=None if units is None else len(units))

    # ---- query --------------------------------------------------------------------
    @property
    def columns(self) -> list[str]:
        """Every column `find` knows: stored ones, then derived metrics."""
        return self.stored_columns + [m.name for m in self.metrics()]

    def known_tags(self) -> dict[str, int]:
        """Every tag of the stored results with how many results carry it."""
        cur = self._cursor()
        try:
            rows = cur.execute("SELECT t, count(*) FROM (SELECT unnest(tags) AS t FROM results) GROUP BY t").fetchall()
        finally:
            cur.close()
        return {t: n for t, n in rows if t is not None}

    def _check_tags(self, tags: str | Sequence[str] | None) -> None:
        """A tag no result carries is a typo, not an empty answer: say so, with the nearest."""
        want, reject = parse_tags(tags)
        if not want and not reject:
            return
        known = self.known_tags()
        if not known:
            return  # an empty store answers nothing, whatever is asked
        for tag in want + reject:
            if tag not in known:
                close = difflib.get_close_matches(tag, list(known), n=3, cutoff=0.6)
                hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else "; `mlperf-explorer tags` lists them"
                raise ExpressionError(f"unknown tag {tag!r}{hint}")

    def _check_baseline(self, baseline: str) -> None:
        cur = self._cursor()
        try:
            found = cur.execute("SELECT count(*) FROM results WHERE system = ? OR system_name = ?",
                                [baseline, baseline]).fetchone()[0]
            if found:
                return
            names = [r[0] for r in cur.execute(
                "SELECT DISTINCT system FROM results UNION SELECT DISTINCT system_name FROM results").fetchall() if r[0]]
        finally:
            cur.close()
        close = difflib.get_close_matches(baseline, names, n=3, cutoff=0.5)
        hint = f"; similar: {', '.join(close)}" if close else ""
        raise ExpressionError(f"no system {baseline!r} in the store to compare with{hint}")

    def find(
        self,
        tags: str | Sequence[str] | None = None,
        where: str | None = None,
        columns: str | Sequence[str] | None = None,
        sort: str | None = None,
        limit: int | None = None,
        constraint: str | Sequence[str] | None = None,
        baseline: str | None = None,
    ) -> ResultSet:
        """Results with all `tags`, matching `where` and every named `constraint`; with a
        `baseline` system, a `speedup` column (see `speedup_relation`)."""
        where = self._with_constraints(where, constraint)
        self._check_tags(tags)
        relation, rel_params = derived.relation(self.stored_columns, self.metrics())
        available = self.columns
        if baseline:
            self._check_baseline(baseline)
            relation, rel_params = speedup_relation(relation, rel_params, baseline)
            available = available + ["speedup"]
        if isinstance(columns, str) and columns.strip() == "*":
            columns = available
        query = build_query(available, tags=tags, where=where, columns=columns, sort=sort, limit=limit,
                            table=f"{relation} AS results", table_params=rel_params)
        cur = self._cursor()
        try:
            table = cur.sql(query.sql, params=query.params).to_arrow_table()
        except duckdb.Error as exc:
            # The grammar is checked before SQL runs; what is left are value errors such as
            # comparing a number column with text.
            raise ExpressionError(f"the filter cannot be applied: {plain_sql_error(exc)}") from None
        finally:
            cur.close()
        return ResultSet(table)

    # ---- derived metrics and constraints ---------------------------------------------
    def metrics(self) -> list[derived.Metric]:
        """Built-in and user-defined derived metrics."""
        if self._metrics is not None:
            return self._metrics
        cur = self._cursor()
        try:
            rows = cur.execute("SELECT name, expression, description, units FROM derived ORDER BY name").fetchall()
        finally:
            cur.close()
        base = self.stored_columns + sorted(derived.BUILTIN_NAMES)
        out = list(derived.BUILTIN)
        for name, expression, description, units in rows:
            out.append(derived.user_metric(name, expression, description, units, base))
        self._metrics = out
        return out

    def derive(self, name: str, expression: str, description: str | None = None, units: str | None = None,
               replace: bool = False) -> derived.Metric:
        """Define (or with `replace`, redefine) a derived metric from the `--where`
        language. It is checked on every stored row now: an unknown column, a type
        mismatch or an overflow is refused here, not at the next `find`."""
        existing = {m.name for m in self.metrics() if not m.builtin}
        taken = [c for c in self.columns if not (replace and c in existing)]
        name = derived.check_name(name, taken)
        metric = derived.user_metric(name, expression, description, units,
                                     self.stored_columns + sorted(derived.BUILTIN_NAMES))
        relation, params = derived.relation(self.stored_columns, [*derived.BUILTIN, metric])
        try:
            infinite = self.con.execute(f'SELECT count("{name}"), count(*) FILTER (WHERE NOT isfinite(TRY_CAST("{name}" AS DOUBLE))) '
                                        f"FROM {relation} AS results", params).fetchone()[1]
        except duckdb.Error as exc:
            raise ExpressionError(f"{name}: {str(exc).splitlines()[0]}") from None
        if infinite:
            raise ExpressionError(f"{name}: overflows to infinity on {infinite} result(s); rescale the expression")
        self.con.execute("INSERT OR REPLACE INTO derived VALUES (?, ?, ?, ?, ?)",
                         [name, expression, description, units, _dt.datetime.now()])
        self._metrics = None
        return metric

    def drop_metric(self, name: str) -> bool:
        self._metrics = None
        return bool(self.con.execute("DELETE FROM derived WHERE name = ? RETURNING name", [name.lower()]).fetchall())

    def add_constraint(self, name: str, expression: str, description: str | None = None) -> None:
        """Save a named filter, usable as `find(constraint=name)`."""
        name = name.strip()
        if not name or len(name) > 100 or any(c in name for c in ",\n\r"):
            raise ExpressionError(f"constraint name {name!r}: a short name without commas")
        self.find(where=expression, columns="uid", limit=0)  # refuse what cannot be applied
        self.con.execute("INSERT OR REPLACE INTO constraints VALUES (?, ?, ?, ?)",
                         [name, expression, description, _dt.datetime.now()])

    def constraints(self) -> list[dict[str, Any]]:
        cur = self._cursor()
        try:
            return cur.sql("SELECT name, expression, description FROM constraints ORDER BY name").to_arrow_table().to_pylist()
        finally:
            cur.close()

    def drop_constraint(self, name: str) -> bool:
        return bool(self.con.execute("DELETE FROM constraints WHERE name = ? RETURNING name", [name]).fetchall())

    def _with_constraints(self, where: str | None, names: str | Sequence[str] | None) -> str | None:
        if not names:
            return where
        wanted = [n.strip() for n in (names.split(",") if isinstance(names, str) else names) if n.strip()]
        saved = {c["name"]: c["expression"] for c in self.constraints()}
        parts = []
        for n in wanted:
            if n not in saved:
                raise ExpressionError(f"no constraint named {n!r} (see `mlperf-explorer constraint list`)")
            parts.append(f"({saved[n]})")
        if where and where.strip():
            parts.append(f"({where})")
        return " and ".join(parts)

    # ---- local runs -----------------------------------------------------------------
    def add_run(self, path: str, name: str, model: str | None = None, round: str | None = None,
                system_json: str | None = None) -> ImportReport:
        """Add your own loadgen output or training logs as local result `name` (family
        `local`: never counted with the published results). Adding a name again replaces it."""
        from . import local

        started = time.perf_counter()
        record, runs, problems = local.parse_run(path, name, model, round, system_json)
        sid = _local_source_id(name)
        meta = {"source_id": sid, "kind": "local-run", "location": record["location"], "family": "local",
                "round": record["round"], "imported_at": _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)}
        b = local.batch(record, runs, problems)
        with database.SourceWriter(self.con, meta) as writer:
            writer.add(b.records, b.runs, [p.as_dict() for p in b.problems], b.systems)
            writer.source["files"] = b.files
            writer.source["seconds"] = time.perf_counter() - started
        return ImportReport(sid, "local-run", record["location"], "local", record["round"], 1, len(runs),
                            len(problems), b.files, time.perf_counter() - started, [str(p) for p in problems[:5]])

    def runs(self) -> list[dict[str, Any]]:
        return self.find(where="family = 'local'", columns="uid,system,round,model,mlperf_model,benchmark,scenario,"
                                                          "result,result_units,valid,location", sort="system").records()

    def rank_run(self, name: str, round: str | None = None, division: str | None = "closed") -> dict[str, Any]:
        from . import local

        return local.rank(self, name, round, division)

    def link_run(self, name: str, uid: str):
        from . import local

        return local.link(self, name, uid)

    def remove_run(self, name: str) -> bool:
        return self.remove_source(_local_source_id(name))

    def remove_source(self, source_id: str) -> bool:
        """Drop a source (see `status`) and every row it brought, in one transaction."""
        return database.remove_source(self.con, source_id)

    # ---- annotations ----------------------------------------------------------------
    def annotate(self, uid: str, report: str | None = None, note: str | None = None, status: str | None = None,
                 by: str | None = None) -> Annotation:
        """Attach a reproducibility report (URL or local file) and/or a note to a result."""
        if self.get(uid) is None:
            raise AnnotationError(f"no result with uid {uid!r}")
        if report and "://" not in report and os.path.isfile(os.path.expanduser(report)):
            report = "file://" + os.path.abspath(os.path.expanduser(report))
        a = new_annotation(uid, report, note, status, by)
        self._store_annotations([a])
        path = jsonl_path(self.path)
        if path:
            append_jsonl(path, [a])
        return a

    def annotations(self, uid: str | None = None) -> list[dict[str, Any]]:
        cur = self._cursor()
        try:
            sql = 'SELECT id, uid, report, note, status, "by", strftime(created_at, \'%Y-%m-%dT%H:%M:%S.%fZ\') AS created_at FROM annotations'
            rows = cur.sql(sql + (" WHERE uid = ?" if uid else "") + " ORDER BY created_at, id",
                           params=[uid] if uid else None).to_arrow_table().to_pylist()
        finally:
            cur.close()
        return rows

    def export_annotations(self, path: str) -> int:
        rows = self.annotations()
        with open(path, "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n")
        return len(rows)

    def import_annotations(self, path: str) -> int:
        """Merge a JSON Lines file of annotations (ids already present are skipped)."""
        incoming = read_jsonl(path)
        have = {r["id"] for r in self.annotations()}
        new = [a for a in incoming if a.id not in have]
        self._store_annotations(new)
        mine = jsonl_path(self.path)
        if mine and new and os.path.abspath(mine) != os.path.abspath(path):
            append_jsonl(mine, new)
        return len(new)

    def _store_annotations(self, items: list[Annotation]) -> None:
        """All or nothing: a failure leaves the store's annotations as they were."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            for a in items:
                created = _dt.datetime.strptime(a.created_at, CREATED_FORMAT)
                self.con.execute("INSERT OR REPLACE INTO annotations VALUES (?, ?, ?, ?, ?, ?, ?)",
                                 [a.id, a.uid, a.report, a.note, a.status, a.by, created])
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise

    def export(self, fmt: str, output: str, tags: str | Sequence[str] | None = None, where: str | None = None) -> dict[str, Any]:
        """Write every matching result to `output`: `csv`, `json`, `jsonl` (a file),
        `parquet` (a folder partitioned family=/round=) or `cm` (a folder of CM
        experiments). Returns what was written."""
        from .formats import write_parquet_partitioned, write_rows
        from .formats.cm import write_cm

        fmt = fmt.lower()
        if fmt not in ("csv", "json", "jsonl", "parquet", "cm"):
            raise ValueError(f"unknown export format {fmt!r}: use csv, json, jsonl, parquet or cm")
        rows = self.find(tags=tags, where=where, columns="*", sort="uid")
        table = rows.to_arrow()
        if fmt == "parquet":
            files = write_parquet_partitioned(self.con, table, output)
            return {"format": fmt, "output": output, "results": len(rows), "files": len(files)}
        if fmt == "cm":
            if os.path.isdir(os.path.join(output, "experiment")) and os.listdir(os.path.join(output, "experiment")):
                raise ValueError(f"{output}: already holds CM experiments; export into an empty folder")
            reports: dict[str, list] = {}
            for a in self.annotations():
                reports.setdefault(a["uid"], []).append({k: v for k, v in a.items() if k != "uid"})
            counts = write_cm(rows.records(), output, reports=reports)
            return {"format": fmt, "output": output, "results": len(rows), "experiments": len(counts)}
        write_rows(table, fmt, output)
        return {"format": fmt, "output": output, "results": len(rows)}

    def get(self, uid: str) -> dict[str, Any] | None:
        cur = self._cursor()
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
            result["annotations"] = self.annotations(uid)
            result["warnings"] = cur.sql(
                "SELECT path, line, message FROM warnings WHERE source_id = ? AND (path = ? OR starts_with(path, ?)) ORDER BY path, line",
                params=[result["source_id"], result["location"], result["location"] + "/"]).to_arrow_table().to_pylist()
            return result
        finally:
            cur.close()

    def status(self) -> dict[str, Any]:
        cur = self._cursor()
        try:
            rounds = cur.sql("""
                SELECT s.source_id, s.family, s.round, s.kind, s.location, s.ref, s."commit", s.imported_at,
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
        return self._cursor().sql(sql, params=params).to_arrow_table().to_pylist()


def _attach_warnings(records: list[dict], problems: list[Problem]) -> list[dict]:
    """Flatten the problems for the warnings table. Each family's parser counts a result's
    own warnings on its record (it knows which files are that result's); a record from a
    source that does not count them gets 0."""
    for r in records:
        if r.get("warning_count") is None:
            r["warning_count"] = 0
    return [p.as_dict() for p in problems]


def open_store(path: str | None = None, read_only: bool = False) -> Store:
    """Open (creating if needed) the store at `path`, `$MLPERF_EXPLORER_DB`, or the default."""
    return Store(path, read_only=read_only)


ALL_COLUMNS = RESULT_COLUMN_NAMES
