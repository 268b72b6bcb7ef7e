"""Import and update: a prepared source goes through its family's parser into one store
transaction.

This is the only module that joins the stages: `sources` hands over a folder (or table) and
what it knows of its origin; the family parser turns files into batches of records; the
store's `SourceWriter` takes the batches atomically. Progress is reported as labelled phases
so the command line can show where the time goes.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .records import Batch
from .sources import PreparedSource, SourceError, file_sha256, prepare
from .sources.tables import KINDS as TABLE_KINDS
from .store import database
from .store.database import cursor
from .units import ROOT_KEY, FullImport, Unit, manifest_changes, scan_tree, scope_for, unchanged_since, units_for

if TYPE_CHECKING:
    from .api import Store

# Families whose parser returns the manifest with its batches (`listing=True`): each worker
# lists its own folders, so no folder of the tree is opened twice (inference: 0.6 s of v3.0).
LISTING_PARSERS = ("inference",)

# (phase, done, total): phase is "read" (fetching, unpacking or scanning the source), "parse"
# (done/total systems parsed) or "write" (committing to the store); total 0 = unknown.
Progress = Callable[[str, int, int], None]


@dataclass
class ImportReport:
    """What one import or update did: counts, time, and where the rows came from."""

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
        """Plain fields, for `--json`."""
        return dict(self.__dict__)


def source_id_for(prepared: PreparedSource) -> str:
    """A source's stable id: the same place imported again replaces what it brought."""
    key = "|".join((prepared.kind, prepared.location, prepared.family, prepared.round))
    return hashlib.sha1(key.encode()).hexdigest()[:12]


def local_source_id(name: str) -> str:
    """The source id of a local run, by its name."""
    return hashlib.sha1(f"local-run|{name}".encode()).hexdigest()[:12]


def import_source(store: Store, source: str, family: str | None = None, round: str | None = None,
                  progress: Progress | None = None, workers: int | None = None, ref: str | None = None) -> ImportReport:
    """See `Store.import_source`."""
    started = time.perf_counter()
    note = (lambda message: progress(message, 0, 0)) if progress else None
    if progress:
        progress("read", 0, 0)
    with prepare(source, family, round, ref=ref, progress=note) as prepared:
        if prepared.kind != "directory":
            return _ingest(store, prepared, started, progress, workers)
        if prepared.family in LISTING_PARSERS:  # the parser lists the tree as it walks it
            return _ingest(store, prepared, started, progress, workers, parser_lists=True)
        # What the folder holds is recorded for the next `update`. Listing it (a stat of
        # every file) runs in a thread while the workers parse: it is mostly system calls,
        # which release the GIL, and the workers run at a lower priority, so it overlaps the
        # parse instead of delaying its start (a second on 84,000 files).
        with ThreadPoolExecutor(1, thread_name_prefix="scan") as pool:
            listing = pool.submit(scan_tree, prepared.root, prepared.family)
            return _ingest(store, prepared, started, progress, workers, manifest=listing)


def update(store: Store, source: str | None = None, progress: Progress | None = None,
           workers: int | None = None) -> list[ImportReport]:
    """See `Store.update`."""
    with cursor(store.con) as cur:
        found = cur.execute("SELECT * FROM sources ORDER BY family, round, location")
        names = [d[0] for d in found.description]
        rows = [dict(zip(names, row, strict=True)) for row in found.fetchall()]
    if source is not None:
        wanted = {source, os.path.abspath(os.path.expanduser(source))}
        rows = [r for r in rows if r["location"] in wanted or r["source_id"] == source]
        if not rows:
            raise SourceError(f"{source}: not an imported source (see `mlperf-explorer status`)")
    return [_update_one(store, row, progress, workers) for row in rows]


def _update_one(store: Store, row: dict[str, Any], progress: Progress | None, workers: int | None) -> ImportReport:
    started = time.perf_counter()
    note = (lambda message: progress(message, 0, 0)) if progress else None
    if row["kind"] == "local-run":  # your own runs change only when you add them again
        return _unchanged(row, started)
    if row["kind"] == "archive" and os.path.isfile(row["location"]) and file_sha256(row["location"]) == row["content_hash"]:
        return _unchanged(row, started)
    ref = row["ref"] if row["kind"] == "git" else None
    table = row["kind"] in TABLE_KINDS  # a table says its own family and round
    with prepare(row["location"], None if table else row["family"], None if table else row["round"],
                 ref=ref, progress=note) as prepared:
        if prepared.kind in TABLE_KINDS and prepared.content_hash == row["content_hash"]:
            return _unchanged(row, started)
        changed: list[str] | None = None
        manifest = None
        if prepared.kind == "git" and row.get("commit"):
            if prepared.commit == row["commit"]:
                return _unchanged(row, started)
            changed = prepared.changes_since(row["commit"])
        elif prepared.kind == "directory":
            rows = _manifest_rows(store, row["source_id"])
            if rows and rows[0][0] == ROOT_KEY and unchanged_since(prepared.root, rows):
                return _unchanged(row, started)
            manifest = scan_tree(prepared.root, row["family"])
            old = {p: (size, mtime) for p, size, mtime in rows} if rows else None
            if old is not None:
                changed = manifest_changes(old, manifest)
                if not changed:
                    return _unchanged(row, started)
        units = None
        if changed is not None:
            try:
                units = units_for(row["family"], changed)
            except FullImport:
                units = None
        return _ingest(store, prepared, started, progress, workers, manifest=manifest, units=units,
                       mode="full" if units is None else "partial")


def _manifest_rows(store: Store, source_id: str) -> list[tuple[str, int, int]]:
    """What a folder source held when imported, as (path, size, mtime_ns), the tree's own
    folder first when the manifest records folders."""
    with cursor(store.con) as cur:
        rows = database.read_manifest(cur, source_id)
    if rows and rows[0][0] != ROOT_KEY:  # recorded in another order (an older store's rows)
        rows = [r for r in rows if r[0] == ROOT_KEY] + [r for r in rows if r[0] != ROOT_KEY]
    return rows


def _unchanged(row: dict[str, Any], started: float) -> ImportReport:
    return ImportReport(row["source_id"], row["kind"], row["location"], row["family"], row["round"], 0, 0, 0, 0,
                        time.perf_counter() - started, ref=row.get("ref"), commit=row.get("commit"), mode="unchanged")


def _batches(prepared: PreparedSource, workers: int | None, units: set[Unit] | None,
             step: Callable[[int, int], None] | None, listing: bool = False) -> Iterator[Batch]:
    """The family parser's batches for this source (a table source is already one batch)."""
    link_ref = prepared.commit or prepared.ref
    if prepared.table is not None:
        return iter([prepared.table])
    if prepared.family == "inference":
        from .inference.importer import parse_round

        return parse_round(prepared.root, prepared.round, link_ref, workers=workers, progress=step, only=units,
                           listing=listing)
    if prepared.family == "tiny":
        from .tiny.importer import parse_round as parse_tiny

        return parse_tiny(prepared.root, prepared.round, link_ref, workers=workers, progress=step, only=units)
    from .training.importer import parse_round as parse_training

    return parse_training(prepared.root, prepared.family, prepared.round, workers=workers, progress=step,
                          only=units, ref=link_ref)


def read_table(prepared: PreparedSource) -> None:
    """A results table (CM experiments, checker summary, final report) is parsed here, by
    `formats.tables`: its rows say their own family and round; a table of several says
    'mixed'."""
    from .formats.tables import parse_tables

    batch = next(parse_tables(prepared.location, prepared.kind))
    if not batch.records:
        first = batch.problems[0] if batch.problems else None
        raise SourceError(f"{prepared.location}: no MLPerf results in this {prepared.kind} table" + (f" ({first})" if first else ""))
    families = {r["family"] for r in batch.records}
    rounds = {r["round"] for r in batch.records}
    prepared.family = families.pop() if len(families) == 1 else "mixed"
    prepared.round = rounds.pop() if len(rounds) == 1 else "mixed"
    prepared.table = batch


def _ingest(store: Store, prepared: PreparedSource, started: float, progress: Progress | None, workers: int | None,
            manifest: dict[str, tuple[int, int]] | Future[dict[str, tuple[int, int]]] | None = None,
            units: set[Unit] | None = None, mode: str = "full", parser_lists: bool = False) -> ImportReport:
    """Parse into one store transaction. The folder's manifest is `manifest` (a listing,
    or one in progress), or with `parser_lists` the parser's own, gathered from its batches."""
    if prepared.kind in TABLE_KINDS and prepared.table is None:
        read_table(prepared)
    samples: list[str] = []
    sid = source_id_for(prepared)
    meta = {"source_id": sid, "kind": prepared.kind, "location": prepared.location,
            "family": prepared.family, "round": prepared.round, "ref": prepared.ref,
            "commit": prepared.commit, "content_hash": prepared.content_hash,
            "imported_at": _dt.datetime.now(_dt.UTC).replace(tzinfo=None)}
    scope = scope_for(prepared.family, units) if units is not None else None
    step = (lambda done, total: progress("parse", done, total)) if progress else None
    files = runs = 0
    listed: dict[str, tuple[int, int]] | None = {} if parser_lists else None
    with database.SourceWriter(store.con, meta, scope=scope) as writer:
        if prepared.notes and units is None:
            writer.add([], [], [p.as_dict() for p in prepared.notes], [])
            samples.extend(str(p) for p in prepared.notes[:5])
        for batch in _batches(prepared, workers, units, step, listing=listed is not None):
            for r in batch.records:  # a source that does not count a result's own warnings says 0
                if r.get("warning_count") is None:
                    r["warning_count"] = 0
            writer.add(batch.records, batch.runs, [p.as_dict() for p in batch.problems], batch.systems)
            if listed is not None:
                if batch.manifest is None:  # a worker that failed listed nothing: list the tree here
                    listed = None
                    manifest = scan_tree(prepared.root, prepared.family)
                else:
                    listed.update(batch.manifest)
            files += batch.files
            runs += len(batch.runs)
            samples.extend(str(p) for p in batch.problems[: max(0, 5 - len(samples))])
        if progress:
            progress("write", writer.rows, writer.rows)
        if listed is not None:  # the tree's own folder first, as `scan_tree` lists it
            writer.manifest = {ROOT_KEY: listed[ROOT_KEY], **listed} if ROOT_KEY in listed else listed
        elif isinstance(manifest, Future):
            writer.manifest = manifest.result()
        elif isinstance(manifest, dict):
            writer.manifest = manifest
        writer.source["files"] = files
        writer.source["seconds"] = time.perf_counter() - started
    return ImportReport(sid, prepared.kind, prepared.location, prepared.family, prepared.round,
                        writer.results, runs, writer.warnings, files, time.perf_counter() - started, samples,
                        ref=prepared.ref, commit=prepared.commit, mode=mode,
                        units=None if units is None else len(units))


def add_run(store: Store, path: str, name: str, model: str | None = None, round: str | None = None,
            system_json: str | None = None) -> ImportReport:
    """See `Store.add_run`."""
    from . import local

    started = time.perf_counter()
    record, runs, problems = local.parse_run(path, name, model, round, system_json)
    sid = local_source_id(name)
    meta = {"source_id": sid, "kind": "local-run", "location": record["location"], "family": "local",
            "round": record["round"], "imported_at": _dt.datetime.now(_dt.UTC).replace(tzinfo=None)}
    b = local.batch(record, runs, problems)
    with database.SourceWriter(store.con, meta) as writer:
        writer.add(b.records, b.runs, [p.as_dict() for p in b.problems], b.systems)
        writer.source["files"] = b.files
        writer.source["seconds"] = time.perf_counter() - started
    return ImportReport(sid, "local-run", record["location"], "local", record["round"], 1, len(runs),
                        len(problems), b.files, time.perf_counter() - started, [str(p) for p in problems[:5]])
