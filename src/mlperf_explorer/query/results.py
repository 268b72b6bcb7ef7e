"""Reading results out of the store: `find` (tags, filters, derived metrics, a speedup
baseline), one result with everything attached, the tag vocabulary, and status.

Every function takes the open `Store` and reads through `database.cursor`; nothing here
writes. User text reaches SQL only through the expression compiler or as parameters.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import duckdb

from ..records import LOWER_IS_BETTER
from ..store.database import cursor
from . import derived
from .expr import ExpressionError
from .find import Query, build_query, parse_tags

if TYPE_CHECKING:
    import pandas
    import polars
    import pyarrow as pa

    from ..api import Store


class ResultSet:
    """Rows from `find`, ready for the next tool (Arrow, pandas, polars or plain dicts). It
    holds a pyarrow Table, or (from `find(arrow=False)`, which never loads pyarrow) the
    column names and row tuples; each converts to the other when asked."""

    def __init__(self, table: pa.Table | None = None, columns: list[str] | None = None,
                 rows: list[tuple] | None = None):
        self._table = table
        self._columns = columns if columns is not None else (table.column_names if table is not None else [])
        self._rows = rows

    @property
    def table(self) -> pa.Table:
        """The rows as a pyarrow Table."""
        return self.to_arrow()

    @property
    def columns(self) -> list[str]:
        """The column names, in order."""
        return list(self._columns)

    def __len__(self) -> int:
        return self._table.num_rows if self._table is not None else len(self._rows or [])

    def tuples(self) -> list[tuple]:
        """One tuple per row, in column order (no dict per row)."""
        if self._rows is None:
            return [tuple(r.values()) for r in self._table.to_pylist()] if self._table is not None else []
        return self._rows

    def values(self, column: str) -> list[Any]:
        """One column's values, in row order."""
        if self._rows is not None:
            at = self._columns.index(column)
            return [r[at] for r in self._rows]
        return self.to_arrow().column(column).to_pylist()

    def without(self, column: str) -> ResultSet:
        """The same rows without one column."""
        at = self._columns.index(column)
        if self._rows is not None:
            return ResultSet(columns=self._columns[:at] + self._columns[at + 1:],
                             rows=[r[:at] + r[at + 1:] for r in self._rows])
        return ResultSet(self.to_arrow().remove_column(at))

    def records(self) -> list[dict[str, Any]]:
        """One dict per row."""
        if self._table is not None:
            return self._table.to_pylist()
        return [dict(zip(self._columns, row, strict=True)) for row in self._rows or []]

    def to_arrow(self) -> pa.Table:
        """The rows as a pyarrow Table (no copy when find made one)."""
        if self._table is None:
            import pyarrow as pa

            self._table = pa.Table.from_pylist(self.records(), schema=None) if self._rows else pa.table(
                {c: pa.array([], pa.null()) for c in self._columns})
        return self._table

    def to_pandas(self) -> pandas.DataFrame:
        """The rows as a pandas DataFrame (`pip install 'mlperf-explorer[pandas]'`)."""
        _require("pandas")
        return self.to_arrow().to_pandas()

    def to_polars(self) -> polars.DataFrame:
        """The rows as a polars DataFrame (`pip install 'mlperf-explorer[polars]'`)."""
        _require("polars")
        import polars

        frame = polars.from_arrow(self.to_arrow())
        assert isinstance(frame, polars.DataFrame)  # a Table, not an Array, gives a DataFrame
        return frame


class MissingExtra(ImportError):
    """An optional dependency is not installed; the message names the extra to install."""


def _require(module: str) -> None:
    import importlib

    try:
        importlib.import_module(module)
    except ImportError:
        raise MissingExtra(f"{module} is not installed: pip install 'mlperf-explorer[{module}]'") from None


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


def filter_error(exc: duckdb.Error) -> ExpressionError:
    """A database error met while applying a filter, as the user's one line. The grammar is
    checked before SQL runs; what is left are value errors such as comparing a number column
    with text."""
    return ExpressionError(f"the filter cannot be applied: {plain_sql_error(exc)}")


def matching(store: Store, where: str | None, columns: str | Sequence[str]) -> Query:
    """The SELECT of `columns` (derived metrics included) of the results matching `where`."""
    relation, params = derived.relation(store.stored_columns, store.metrics())
    return build_query(store.columns, where=where, columns=columns, table=f"{relation} AS results", table_params=params)


def fetch(store: Store, sql: str, params: Sequence[Any]) -> list[tuple]:
    """Every row of `sql`, a filter's database error as the user's one line."""
    with cursor(store.con) as cur:
        try:
            return cur.execute(sql, list(params)).fetchall()
        except duckdb.Error as exc:
            raise filter_error(exc) from None


def lower_is_better_sql(column: str = "result_units") -> str:
    """SQL true where a result's units rank lower-first (latency, time to train)."""
    return f"{column} IN (" + ", ".join(f"'{u}'" for u in sorted(LOWER_IS_BETTER)) + ")"


def speedup_relation(relation: str, params: list[Any], baseline: str) -> tuple[str, list[Any]]:
    """Add `speedup`: each result over the baseline system's result of the same family,
    round, MLPerf model (or training benchmark) and scenario; higher is better, so for
    latency and time-to-train results it is baseline / result. `baseline` names a system
    (its folder or JSON name) or a system_name."""
    lower_better = lower_is_better_sql()
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


def best_per_relation(relation: str, params: list[Any], groups: Sequence[str]) -> tuple[str, list[Any]]:
    """Keep the best valid result of each group (direction-aware: the most throughput, the
    least latency or time to train); ties go to the smaller uid so the answer is stable."""
    by = ", ".join(f'"{g}"' for g in groups)
    order = f"CASE WHEN {lower_is_better_sql()} THEN result ELSE -result END"
    sql = f"""(SELECT * EXCLUDE (_best_rank) FROM (
                 SELECT *, row_number() OVER (PARTITION BY {by} ORDER BY {order} NULLS LAST, uid) AS _best_rank
                 FROM {relation} AS b WHERE valid AND result IS NOT NULL) WHERE _best_rank = 1)"""
    return sql, list(params)


def known_tags(store: Store) -> dict[str, int]:
    """Every tag of the stored results with how many results carry it."""
    with cursor(store.con) as cur:
        rows = cur.execute("SELECT t, count(*) FROM (SELECT unnest(tags) AS t FROM results) GROUP BY t").fetchall()
    return {t: n for t, n in rows if t is not None}


def check_tags(store: Store, tags: str | Sequence[str] | None) -> None:
    """A tag no result carries is a typo, not an empty answer: say so, with the nearest."""
    want, reject = parse_tags(tags)
    if not want and not reject:
        return
    asked = list(dict.fromkeys(want + reject))
    with cursor(store.con) as cur:  # one pass over the tags asked, not a count of every tag
        found = cur.execute("SELECT " + ", ".join(f"bool_or(list_contains(tags, ${i}))" for i in range(1, len(asked) + 1))
                            + " FROM results", asked).fetchone()
    if found is None or all(found) or found[0] is None:
        return  # every tag is carried (or the store is empty, which answers nothing whatever is asked)
    known = known_tags(store)
    for tag in asked:
        if tag not in known:
            close = difflib.get_close_matches(tag, list(known), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else "; `mlperf-explorer tags` lists them"
            raise ExpressionError(f"unknown tag {tag!r}{hint}")


def check_baseline(store: Store, baseline: str) -> None:
    """A baseline that names no stored system is an error naming the closest systems."""
    with cursor(store.con) as cur:
        found = cur.execute("SELECT count(*) FROM results WHERE system = ? OR system_name = ?", [baseline, baseline]).fetchone()
        if found and found[0]:
            return
        names = [r[0] for r in cur.execute(
            "SELECT DISTINCT system FROM results UNION SELECT DISTINCT system_name FROM results").fetchall() if r[0]]
    close = difflib.get_close_matches(baseline, names, n=3, cutoff=0.5)
    hint = f"; similar: {', '.join(close)}" if close else ""
    raise ExpressionError(f"no system {baseline!r} in the store to compare with{hint}")


def find(
    store: Store,
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
    """See `Store.find`."""
    from .catalog import with_constraints

    where = with_constraints(store, where, constraint)
    asked_tags = tags
    relation, rel_params = derived.relation(store.stored_columns, store.metrics())
    available = store.columns
    if baseline:
        check_baseline(store, baseline)
        relation, rel_params = speedup_relation(relation, rel_params, baseline)
        available = [*available, "speedup"]
    if best_per:
        groups = [g.strip() for g in (best_per.split(",") if isinstance(best_per, str) else best_per) if g.strip()]
        unknown = [g for g in groups if g not in available]
        if unknown or not groups:
            raise ExpressionError(f"--best-per: unknown column {unknown[0]!r}" if unknown else "--best-per needs a column")
        # The filters apply first (best of what matches), then one row per group.
        query = build_query(available, tags=tags, where=where, columns="*", table=f"{relation} AS results",
                            table_params=rel_params)
        relation, rel_params = best_per_relation(f"({query.sql})", query.params, groups)
        tags, where = None, None
        sort = sort or ",".join(groups)
    default = not columns
    if isinstance(columns, str) and columns.strip() == "*":
        columns = available
    query = build_query(available, tags=tags, where=where, columns=columns, sort=sort, limit=limit,
                        table=f"{relation} AS results", table_params=rel_params)
    with cursor(store.con) as cur:
        try:
            answer = cur.sql(query.sql, params=query.params)
            if arrow:
                result = ResultSet(answer.to_arrow_table())
            else:
                result = ResultSet(columns=list(answer.columns), rows=answer.fetchall())
        except duckdb.Error as exc:
            raise filter_error(exc) from None
    if asked_tags and (not len(result) or parse_tags(asked_tags)[1]):
        # Rows that match carry every wanted tag, so a typo can only hide behind an empty
        # answer or a rejected tag: only then does the check cost a query of its own.
        check_tags(store, asked_tags)
    if default and "family" in result.columns and len(set(result.values("family"))) <= 1:
        # The default columns show the family only when the rows mix families.
        result = result.without("family")
    return result


def get(store: Store, uid: str) -> dict[str, Any] | None:
    """One result with its runs, system description, annotations and warnings."""
    from ..annotations import listed

    with cursor(store.con) as cur:
        rows = cur.sql("SELECT * FROM results WHERE uid = ?", params=[uid]).to_arrow_table().to_pylist()
        if not rows:
            return None
        result = rows[0]
        result["runs"] = cur.sql("SELECT run, valid, log_scenario, result, has_detail FROM runs WHERE uid = ? ORDER BY run",
                                 params=[uid]).to_arrow_table().to_pylist()
        system = cur.execute("SELECT description FROM systems WHERE source_id = ? AND division = ? AND submitter = ? AND system = ?",
                             [result["source_id"], result["division"], result["submitter"], result["system"]]).fetchall()
        result["system_description"] = json.loads(system[0][0]) if system and system[0][0] else None
        result["warnings"] = cur.sql(
            "SELECT path, line, message FROM warnings WHERE source_id = ? AND (path = ? OR starts_with(path, ?)) ORDER BY path, line",
            params=[result["source_id"], result["location"], result["location"] + "/"]).to_arrow_table().to_pylist()
    result["annotations"] = listed(store, uid)
    return result


def system_description(store: Store, submitter: str, system: str) -> dict[str, Any] | None:
    """The system description JSON of a submitter's system (any round that has one)."""
    with cursor(store.con) as cur:
        row = cur.execute("SELECT description FROM systems WHERE submitter = ? AND system = ? AND description IS NOT NULL "
                          "ORDER BY source_id LIMIT 1", [submitter, system]).fetchone()
    return json.loads(row[0]) if row else None


def system_descriptions(store: Store) -> dict[tuple[str, str], dict[str, Any]]:
    """{(submitter, system): its description JSON} of every stored system."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    with cursor(store.con) as cur:
        for submitter, system, text in cur.execute(
                "SELECT submitter, system, description FROM systems WHERE description IS NOT NULL ORDER BY source_id").fetchall():
            try:
                out.setdefault((submitter, system), json.loads(text))
            except ValueError:
                continue
    return out


def is_empty(store: Store) -> bool:
    """True when the store holds no result (the playground then says how to import); once
    per read-only store."""
    def empty() -> bool:
        with cursor(store.con) as cur:
            return cur.execute("SELECT 1 FROM results LIMIT 1").fetchone() is None

    return store.remembered(("is_empty",), empty)


def status(store: Store) -> dict[str, Any]:
    """What is imported: each source with its counts, and the total."""
    with cursor(store.con) as cur:
        rounds = cur.sql("""
            SELECT s.source_id, s.family, s.round, s.kind, s.location, s.ref, s."commit", s.imported_at,
                   (SELECT count(*) FROM results r WHERE r.source_id = s.source_id) AS results,
                   (SELECT count(*) FROM results r WHERE r.source_id = s.source_id AND r.valid) AS valid,
                   (SELECT count(*) FROM results r WHERE r.source_id = s.source_id AND r.has_power) AS power,
                   (SELECT count(*) FROM warnings w WHERE w.source_id = s.source_id) AS warnings,
                   s.seconds
            FROM sources s ORDER BY s.family, s.round, s.location""").to_arrow_table().to_pylist()
        total = cur.execute("SELECT count(*) FROM results").fetchone()
    return {"database": store.path, "results": total[0] if total else 0, "sources": rounds}


def warnings(store: Store, round: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """Import warnings (file path, line, message), optionally of one round."""
    sql = "SELECT family, round, path, line, message FROM warnings"
    params: list[Any] = []
    if round:
        sql += " WHERE round = ?"
        params.append(round)
    sql += " ORDER BY family, round, path, line"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    with cursor(store.con) as cur:
        return cur.sql(sql, params=params).to_arrow_table().to_pylist()


def column_types(store: Store) -> dict[str, str]:
    """{stored column: DuckDB type}, in table order."""
    with cursor(store.con) as cur:
        return dict(cur.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'results' AND schema_name = 'main' "
            "AND database_name = current_database() ORDER BY column_index").fetchall())
