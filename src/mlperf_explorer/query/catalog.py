"""What a user defines once and `find` uses afterwards: derived metrics (named expressions of
the `--where` language) and constraints (named filters). Both live in the store, so the CLI,
the Python API and the playground see the same ones."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import duckdb

from ..store.database import cursor
from . import derived
from .expr import ExpressionError

if TYPE_CHECKING:
    from ..api import Store


def metrics(store: Store) -> list[derived.Metric]:
    """Built-in metrics, then the user's, in name order."""
    with cursor(store.con) as cur:
        rows = cur.execute("SELECT name, expression, description, units FROM derived ORDER BY name").fetchall()
    base = store.stored_columns + sorted(derived.BUILTIN_NAMES)
    return [*derived.BUILTIN, *(derived.user_metric(n, e, d, u, base) for n, e, d, u in rows)]


def derive(store: Store, name: str, expression: str, description: str | None = None, units: str | None = None,
           replace: bool = False) -> derived.Metric:
    """See `Store.derive`: the new metric is evaluated on every stored row before it is saved,
    so an unknown column, a type mismatch or an overflow is refused now."""
    existing = {m.name for m in store.metrics() if not m.builtin}
    taken = [c for c in store.columns if not (replace and c in existing)]
    name = derived.check_name(name, taken)
    metric = derived.user_metric(name, expression, description, units, store.stored_columns + sorted(derived.BUILTIN_NAMES))
    relation, params = derived.relation(store.stored_columns, [*derived.BUILTIN, metric])
    with cursor(store.con) as cur:
        try:
            row = cur.execute(f'SELECT count(*) FILTER (WHERE NOT isfinite(TRY_CAST("{name}" AS DOUBLE))) '
                              f"FROM {relation} AS results", params).fetchone()
        except duckdb.Error as exc:
            from .results import plain_sql_error

            raise ExpressionError(f"{name}: {plain_sql_error(exc)}") from None
    infinite = row[0] if row else 0
    if infinite:
        raise ExpressionError(f"{name}: overflows to infinity on {infinite} result(s); rescale the expression")
    store.con.execute("INSERT OR REPLACE INTO derived VALUES (?, ?, ?, ?, ?)",
                      [name, expression, description, units, _dt.datetime.now()])
    return metric


def drop_metric(store: Store, name: str) -> bool:
    """Remove a user metric; False if there was none of that name."""
    return bool(store.con.execute("DELETE FROM derived WHERE name = ? RETURNING name", [name.lower()]).fetchall())


def add_constraint(store: Store, name: str, expression: str, description: str | None = None) -> None:
    """Save a named filter; one that cannot be applied to the stored rows is refused."""
    name = name.strip()
    if not name or len(name) > 100 or any(c in name for c in ",\n\r"):
        raise ExpressionError(f"constraint name {name!r}: a short name without commas")
    store.find(where=expression, columns="uid", limit=0)
    store.con.execute("INSERT OR REPLACE INTO constraints VALUES (?, ?, ?, ?)",
                      [name, expression, description, _dt.datetime.now()])


def constraints(store: Store) -> list[dict[str, Any]]:
    """Saved filters: name, expression, description."""
    with cursor(store.con) as cur:
        return cur.sql("SELECT name, expression, description FROM constraints ORDER BY name").to_arrow_table().to_pylist()


def drop_constraint(store: Store, name: str) -> bool:
    """Remove a saved filter; False if there was none of that name."""
    return bool(store.con.execute("DELETE FROM constraints WHERE name = ? RETURNING name", [name]).fetchall())


def with_constraints(store: Store, where: str | None, names: str | Sequence[str] | None) -> str | None:
    """`where` and-ed with each named constraint's expression."""
    if not names:
        return where
    wanted = [n.strip() for n in (names.split(",") if isinstance(names, str) else names) if n.strip()]
    saved = {c["name"]: c["expression"] for c in constraints(store)}
    parts = []
    for n in wanted:
        if n not in saved:
            raise ExpressionError(f"no constraint named {n!r} (see `mlperf-explorer constraint list`)")
        parts.append(f"({saved[n]})")
    if where and where.strip():
        parts.append(f"({where})")
    return " and ".join(parts)
