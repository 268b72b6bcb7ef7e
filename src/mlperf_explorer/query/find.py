"""Build the one SELECT behind `find`: tags, a where expression, columns, sort and limit.

Tags follow DESIGN.md: `a,b,-c` means every result tagged a and b and not c. Tags are
matched lower-case, as stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .expr import ExpressionError, compile_expression

DEFAULT_COLUMNS = [
    "uid", "family", "round", "division", "submitter", "system", "model", "scenario",
    "result", "result_units", "valid", "accuracy", "power_result", "power_units",
]


@dataclass
class Query:
    sql: str
    params: list[Any] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)


def parse_tags(tags: str | Sequence[str] | None) -> tuple[list[str], list[str]]:
    if not tags:
        return [], []
    items = tags.split(",") if isinstance(tags, str) else [t for part in tags for t in str(part).split(",")]
    want, reject = [], []
    for t in (x.strip().lower() for x in items):
        if not t:
            continue
        if t.startswith("-"):
            reject.append(t[1:])
        else:
            want.append(t)
    return want, reject


def build_query(
    available: Sequence[str],
    tags: str | Sequence[str] | None = None,
    where: str | None = None,
    columns: str | Sequence[str] | None = None,
    sort: str | None = None,
    limit: int | None = None,
    table: str = "results",
    table_params: Sequence[Any] = (),
) -> Query:
    """`table` may be a derived relation (see derived.py) whose own parameters,
    `table_params`, come first."""
    avail = {c.lower(): c for c in available}
    if columns is None or columns == "" or columns == []:
        cols = [c for c in DEFAULT_COLUMNS if c in avail.values()]
    elif isinstance(columns, str) and columns.strip() == "*":
        cols = list(available)
    else:
        raw = columns.split(",") if isinstance(columns, str) else list(columns)
        cols = []
        for c in (x.strip() for x in raw):
            if not c:
                continue
            if c.lower() not in avail:
                raise ExpressionError(f"unknown column {c!r}; see `mlperf-explorer find --columns '*'` for all")
            cols.append(avail[c.lower()])
    clauses: list[str] = []
    params: list[Any] = list(table_params)
    want, reject = parse_tags(tags)
    if want:
        clauses.append("list_has_all(tags, ?::VARCHAR[])")
        params.append(want)
    for t in reject:
        clauses.append("NOT list_contains(tags, ?)")
        params.append(t)
    if where and where.strip():
        sql, p = compile_expression(where, available)
        clauses.append(sql)
        params.extend(p)
    select = ", ".join(f'"{c}"' for c in cols)
    sql = f"SELECT {select} FROM {table}"
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    order = []
    if sort:
        for item in sort.split(","):
            item = item.strip()
            if not item:
                continue
            desc = item.startswith("-")
            name = item.lstrip("-+").strip()
            if name.lower() not in avail:
                raise ExpressionError(f"unknown sort column {name!r}")
            order.append(f'"{avail[name.lower()]}" {"DESC" if desc else "ASC"} NULLS LAST')
    order.append('"uid" ASC') if "uid" in avail.values() else None
    sql += " ORDER BY " + ", ".join(order)
    if limit is not None:
        if limit < 0:
            raise ExpressionError("--limit must be zero or more")
        sql += f" LIMIT {int(limit)}"
    return Query(sql, params, cols)
