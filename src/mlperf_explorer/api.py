"""The Python API: `open_store()` and the `Store` facade. The command line and the playground
are thin layers over these calls, and each call is a thin layer over the module that holds its
concept (see docs/architecture.md):

    import mlperf_explorer
    store = mlperf_explorer.open_store("results.duckdb")
    store.import_source("inference_results_v3.0.tar.zst")
    rows = store.find(tags=["closed", "offline", "resnet50"], where="result > 10000")
    df = rows.to_pandas()
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

import duckdb

from .query import catalog, derived
from .query import results as _results
from .query.expr import ExpressionError
from .query.results import MissingExtra, ResultSet, plain_sql_error, speedup_relation
from .records import AnnotationError, RunError, SourceError
from .store import database, live

if TYPE_CHECKING:  # the modules behind writing commands load when first used (fast `find`)
    from .annotations import Annotation
    from .ingest import ImportReport, Progress

T = TypeVar("T")

__all__ = ["AnnotationError", "ExpressionError", "MissingExtra", "ResultSet", "RunError", "SourceError",
           "Store", "open_store", "plain_sql_error", "speedup_relation"]


class Store:
    """One results store (a DuckDB file). Use as a context manager, or call `close()`; a
    writing Store holds the writer lock, a `read_only` one shares the file with others."""

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
        self._remembered: dict[Any, Any] = {}

    def close(self) -> None:
        """Close the store (a shadow copy written beside a busy store replaces it now)."""
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

    @property
    def stored_columns(self) -> list[str]:
        """The columns of the results table, in order."""
        return list(self.column_types)

    @property
    def column_types(self) -> dict[str, str]:
        """{stored column: DuckDB type}, in table order; read once (the schema only grows when
        a writer opens the store)."""
        if self._column_types is None:
            self._column_types = _results.column_types(self)
        return self._column_types

    def remembered(self, key: Any, compute: Callable[[], T]) -> T:
        """`compute()`, kept under `key` for the life of a read-only store, which never
        changes (a writer replaces the file, and the playground then opens a new Store).
        A writable store computes every time."""
        if not self.read_only:
            return compute()
        if key not in self._remembered:
            self._remembered[key] = compute()
        return cast(T, self._remembered[key])

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- import -------------------------------------------------------------------
    def import_source(self, source: str, family: str | None = None, round: str | None = None,
                      progress: Progress | None = None, workers: int | None = None, ref: str | None = None) -> ImportReport:
        """Import one round from a folder, an archive, a results table or a git repository
        (URL or bare repository; `ref` picks a branch, tag or commit). Replaces what the same
        source brought before, in one transaction. `progress(phase, done, total)` hears the
        phases "read", "parse" (systems) and "write"."""
        from . import ingest

        return ingest.import_source(self, source, family, round, progress, workers, ref)

    def update(self, source: str | None = None, progress: Progress | None = None,
               workers: int | None = None) -> list[ImportReport]:
        """Bring imported sources up to date, re-parsing only what changed: by commit diff
        for git, by file size and time for folders, by content hash for archives. `source`
        (a location, URL or source id) limits it to one source."""
        from . import ingest

        return ingest.update(self, source, progress, workers)

    def remove_source(self, source_id: str) -> bool:
        """Drop a source (see `status`) and every row it brought, in one transaction."""
        return database.remove_source(self.con, source_id)

    # ---- query --------------------------------------------------------------------
    @property
    def columns(self) -> list[str]:
        """Every column `find` knows: stored ones, then derived metrics."""
        return self.stored_columns + [m.name for m in self.metrics()]

    def find(
        self,
        tags: str | Sequence[str] | None = None,
        where: str | None = None,
        columns: str | Sequence[str] | None = None,
        sort: str | None = None,
        limit: int | None = None,
        constraint: str | Sequence[str] | None = None,
        baseline: str | None = None,
        best_per: str | Sequence[str] | None = None,
        arrow: bool = True,
    ) -> ResultSet:
        """Results with all `tags` (`-tag` excludes), matching `where` and every named
        `constraint`. With a `baseline` system, a `speedup` column (see `speedup_relation`);
        with `best_per` columns, only the best valid result of each group (the most
        throughput, the least latency or time to train). `arrow=False` fetches plain rows
        without loading pyarrow (what a command printing a page needs)."""
        return _results.find(self, tags, where, columns, sort, limit, constraint, baseline, best_per, arrow)

    def get(self, uid: str) -> dict[str, Any] | None:
        """One result with its runs, system description, warnings and annotations."""
        return _results.get(self, uid)

    def compare(self, items: Sequence[str], fields: Sequence[str] | None = None, where: str | None = None) -> dict[str, Any]:
        """Results (uids) or systems (names) side by side with direction-aware differences
        relative to the first; two systems are compared on every benchmark they share."""
        from .query.compare import compare

        return compare(self, items, fields, where)

    def known_tags(self) -> dict[str, int]:
        """Every tag of the stored results with how many results carry it."""
        return _results.known_tags(self)

    def status(self) -> dict[str, Any]:
        """What is imported: each source with its counts, and the total."""
        return _results.status(self)

    def warnings(self, round: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """Import warnings (file path, line, message), optionally of one round."""
        return _results.warnings(self, round, limit)

    # ---- derived metrics and constraints ---------------------------------------------
    def metrics(self) -> list[derived.Metric]:
        """Built-in and user-defined derived metrics."""
        if self._metrics is None:
            self._metrics = catalog.metrics(self)
        return self._metrics

    def derive(self, name: str, expression: str, description: str | None = None, units: str | None = None,
               replace: bool = False) -> derived.Metric:
        """Define (or with `replace`, redefine) a derived metric from the `--where`
        language. It is checked on every stored row now: an unknown column, a type
        mismatch or an overflow is refused here, not at the next `find`."""
        metric = catalog.derive(self, name, expression, description, units, replace)
        self._metrics = None
        return metric

    def drop_metric(self, name: str) -> bool:
        """Remove a user-defined metric; False if there was none."""
        self._metrics = None
        return catalog.drop_metric(self, name)

    def add_constraint(self, name: str, expression: str, description: str | None = None) -> None:
        """Save a named filter, usable as `find(constraint=name)`."""
        catalog.add_constraint(self, name, expression, description)

    def constraints(self) -> list[dict[str, Any]]:
        """Saved filters: name, expression, description."""
        return catalog.constraints(self)

    def drop_constraint(self, name: str) -> bool:
        """Remove a saved filter; False if there was none."""
        return catalog.drop_constraint(self, name)

    # ---- local runs -----------------------------------------------------------------
    def add_run(self, path: str, name: str, model: str | None = None, round: str | None = None,
                system_json: str | None = None) -> ImportReport:
        """Add your own loadgen output or training logs as local result `name` (family
        `local`: never counted with the published results). Adding a name again replaces it."""
        from . import ingest

        return ingest.add_run(self, path, name, model, round, system_json)

    def runs(self) -> list[dict[str, Any]]:
        """Your local runs."""
        return self.find(where="family = 'local'", columns="uid,system,round,model,mlperf_model,benchmark,scenario,"
                                                          "result,result_units,valid,location", sort="system").records()

    def rank_run(self, name: str, round: str | None = None, division: str | None = "closed") -> dict[str, Any]:
        """Where local run `name` would place among the published results of its benchmark."""
        from . import local

        return local.rank(self, name, round, division)

    def link_run(self, name: str, uid: str) -> tuple[Annotation, float]:
        """Record local run `name` as a reproduction attempt of published result `uid`."""
        from . import local

        return local.link(self, name, uid)

    def remove_run(self, name: str) -> bool:
        """Remove local run `name`; False if there was none."""
        from . import ingest

        return self.remove_source(ingest.local_source_id(name))

    # ---- annotations ----------------------------------------------------------------
    def annotate(self, uid: str, report: str | None = None, note: str | None = None, status: str | None = None,
                 by: str | None = None) -> Annotation:
        """Attach a reproducibility report (URL or local file) and/or a note to a result."""
        from . import annotations as _annotations

        return _annotations.annotate(self, uid, report, note, status, by)

    def annotations(self, uid: str | None = None) -> list[dict[str, Any]]:
        """Annotations of one result, or all, oldest first."""
        from . import annotations as _annotations

        return _annotations.listed(self, uid)

    def export_annotations(self, path: str) -> int:
        """Write every annotation to a JSON Lines file; returns how many."""
        from . import annotations as _annotations

        return _annotations.export_file(self, path)

    def import_annotations(self, path: str) -> int:
        """Merge a JSON Lines file of annotations (ids already present are skipped)."""
        from . import annotations as _annotations

        return _annotations.import_file(self, path)

    # ---- export ---------------------------------------------------------------------
    def export(self, fmt: str, output: str, tags: str | Sequence[str] | None = None, where: str | None = None,
               merge: bool = False, power_rows: str = "row") -> dict[str, Any]:
        """Write every matching result to `output`: `csv`, `json`, `jsonl` (a file),
        `parquet` (a folder partitioned family=/round=) or `cm` (a CM repository of
        experiments; `merge` adds to an existing one, `power_rows="separate"` writes power
        as CM's importer does, a second row). Returns what was written."""
        from .formats import export as _export

        return _export.export(self, fmt, output, tags, where, merge, power_rows)

    def publish(self, output: str, tags: str | Sequence[str] | None = None, where: str | None = None,
                mine: bool = False) -> dict[str, Any]:
        """Write the matching results as a static site in `output` (index, leaderboards,
        charts with trends across rounds, result, system and compare pages; filtering in the
        browser, every view a link, nothing from another host), with your local runs ranked
        and on the charts when `mine`. Returns what was written."""
        from .publish import publish

        return publish(self, output, tags, where, mine)


def open_store(path: str | None = None, read_only: bool = False) -> Store:
    """Open (creating if needed) the store at `path`, `$MLPERF_EXPLORER_DB`, or the default."""
    return Store(path, read_only=read_only)
