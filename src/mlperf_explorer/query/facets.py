"""Counts and distinct values, computed in SQL: facet counts under a filter, the values each
picker offers, the newest round of each family, and the overview's leaders and matrix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..records import round_key
from ..store.database import cursor
from .results import fetch, lower_is_better_sql, matching

if TYPE_CHECKING:
    from ..api import Store


def latest_rounds(store: Store) -> dict[str, str]:
    """{family: its newest imported round}, rounds ordered by number (v10.0 after v9.1);
    once per read-only store."""
    return dict(store.remembered(("latest_rounds",), lambda: _latest_rounds(store)))


def _latest_rounds(store: Store) -> dict[str, str]:
    with cursor(store.con) as cur:
        pairs = cur.execute("SELECT DISTINCT family, round FROM results").fetchall()
    latest: dict[str, str] = {}
    for fam, rnd in pairs:
        if fam not in latest or round_key(rnd) > round_key(latest[fam]):
            latest[fam] = rnd
    return latest


def facet_counts(store: Store, columns: Sequence[str], where: str | None = None, constraint: str | None = None,
                 top: int = 30) -> dict[str, list[dict[str, Any]]]:
    """{column: [{value, count}, ...]} of the rows matching `where`, most frequent first."""
    from .catalog import with_constraints

    where = with_constraints(store, where, constraint)
    known = [c for c in columns if c in store.columns]
    if not known:
        return {}
    query = matching(store, where, known)
    parts = [f"""SELECT '{c}' AS col, CAST("{c}" AS VARCHAR) AS value, count(*) AS n FROM matched
                 WHERE "{c}" IS NOT NULL GROUP BY ALL""" for c in known]
    rows = fetch(store, f"WITH matched AS ({query.sql}) " + " UNION ALL ".join(parts) + " ORDER BY col, n DESC, value",
                 query.params)
    out: dict[str, list[dict[str, Any]]] = {c: [] for c in known}
    for col, value, n in rows:
        if len(out[col]) < top:
            out[col].append({"value": value, "count": n})
    return out


def distinct_values(store: Store, family: str) -> dict[str, list[str]]:
    """The values each picker offers, for one family: seven queries, run once per read-only
    store (every playground page asks). The lists are shared: read them, do not change them."""
    return dict(store.remembered(("distinct_values", family), lambda: _distinct_values(store, family)))


def _distinct_values(store: Store, family: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    with cursor(store.con) as cur:
        for column in ("round", "division", "scenario", "availability"):
            out[column] = [r[0] for r in cur.execute(
                f'SELECT DISTINCT "{column}" FROM results WHERE family = ? AND "{column}" IS NOT NULL ORDER BY 1',
                [family]).fetchall()]
        out["round"].sort(key=round_key, reverse=True)
        out["model"] = [r[0] for r in cur.execute(
            "SELECT DISTINCT coalesce(mlperf_model, benchmark) AS m FROM results WHERE family = ? AND m IS NOT NULL ORDER BY 1",
            [family]).fetchall()]
        out["system_type"] = [r[0] for r in cur.execute(
            "SELECT DISTINCT unnest(string_split(lower(replace(system_type, ' ', '')), ',')) FROM results "
            "WHERE family = ? AND system_type IS NOT NULL ORDER BY 1", [family]).fetchall() if r[0]]
        out["family"] = [r[0] for r in cur.execute("SELECT DISTINCT family FROM results ORDER BY 1").fetchall()]
    return out


def leaders(store: Store, rounds: dict[str, str]) -> list[dict[str, Any]]:
    """The best valid, measured closed-division result of each benchmark and scenario in
    each family's given round (direction-aware)."""
    keys = [[f"{k} {v}" for k, v in rounds.items()]]
    with cursor(store.con) as cur:
        return cur.sql(f"""
            WITH ranked AS (
              SELECT family, round, coalesce(mlperf_model, benchmark) AS model, coalesce(scenario, '') AS scenario,
                     submitter, system_name, system, uid, result, result_units,
                     row_number() OVER (PARTITION BY family, round, coalesce(mlperf_model, benchmark), scenario
                       ORDER BY CASE WHEN {lower_is_better_sql()} THEN result ELSE -result END, uid) AS rank
              FROM results
              WHERE family || ' ' || round IN (SELECT unnest(?::VARCHAR[])) AND valid AND result IS NOT NULL
                AND division = 'closed' AND NOT coalesce(inferred, false))
            SELECT family, round, model, scenario, submitter, system_name, system, uid, result, result_units
            FROM ranked WHERE rank = 1 ORDER BY family, model, scenario""", params=keys).to_arrow_table().to_pylist()


def submission_matrix(store: Store, rounds: dict[str, str]) -> list[tuple[str, str, int]]:
    """(submitter, benchmark, results) in each family's given round."""
    keys = [[f"{k} {v}" for k, v in rounds.items()]]
    with cursor(store.con) as cur:
        return [(s, m, n) for s, m, n in cur.execute(
            "SELECT submitter, coalesce(mlperf_model, benchmark) AS model, count(*) AS n FROM results "
            "WHERE family || ' ' || round IN (SELECT unnest(?::VARCHAR[])) GROUP BY ALL ORDER BY submitter, model",
            keys).fetchall()]


def most_submitted(store: Store, where: str) -> tuple[str, str | None] | None:
    """The (benchmark, scenario) with the most results matching `where`; ties by name."""
    query = matching(store, where, "mlperf_model,benchmark,scenario")
    top = fetch(store, f"SELECT coalesce(mlperf_model, benchmark) AS m, scenario, count(*) AS n FROM ({query.sql}) "
                       "WHERE m IS NOT NULL GROUP BY ALL ORDER BY n DESC, m, scenario LIMIT 1", query.params)
    return (top[0][0], top[0][1]) if top else None


def model_folders(store: Store, family: str) -> list[tuple[str, str | None]]:
    """(folder model name, the MLPerf model it maps to) pairs of a family; once per
    read-only store."""
    return list(store.remembered(("model_folders", family), lambda: _model_folders(store, family)))


def _model_folders(store: Store, family: str) -> list[tuple[str, str | None]]:
    with cursor(store.con) as cur:
        return [(m, k) for m, k in cur.execute(
            "SELECT DISTINCT model, coalesce(mlperf_model, benchmark) FROM results WHERE family = ? AND model IS NOT NULL",
            [family]).fetchall()]
