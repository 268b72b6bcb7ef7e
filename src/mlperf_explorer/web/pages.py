"""The data behind each playground page, as plain dicts: the HTML templates render them and
the JSON twins and CSVs return them unchanged, so all agree (the Datasette pattern).

Every filter a page takes arrives as query parameters (the permalink), is resolved by
`filters.Filters` into a `--where` expression with quoted literals, and goes through
`Store.find`; nothing from the URL reaches SQL as text.
"""

from __future__ import annotations

import math
from typing import Any

from ..api import Store
from ..query import facets
from ..query.compare import compare_results, compare_systems
from ..query.expr import ExpressionError
from ..query.expr import literal as lit
from ..query.results import system_description
from ..records import higher_is_better, round_key
from .filters import METRICS, Filters

# The columns a leaderboard shows by family (the metric column and rank come first); the
# benchmark, scenario and units are the table's heading, not columns.
FAMILY_COLUMNS = {
    "inference": ["submitter", "system_name", "result", "power_result", "accelerator_model_name", "total_accelerators",
                  "availability", "host_processor_model_name", "system"],
    "training": ["submitter", "system_name", "result", "runs_counted", "accelerator_model_name", "total_accelerators",
                 "framework", "availability", "division", "system"],
    "tiny": ["submitter", "system_name", "result", "accuracy", "power_result", "host_processor_model_name", "framework",
             "division", "system"],
}
FACETS = ["division", "system_type", "submitter", "accelerator_model_name", "availability", "scenario", "mlperf_model"]
PAGE_SIZE = 200
MAX_PAGE_SIZE = 10000
MAX_TOP = 200
CHART_KINDS = ("scatter", "bars", "trend")
SYSTEM_COLUMNS = ["uid", "family", "round", "division", "model", "scenario", "result", "result_units", "valid", "perf_per_watt"]


def int_param(request: Any, name: str, default: int) -> int:
    """An integer URL parameter; anything else is the default."""
    try:
        return int(request.query_params.get(name, default))
    except (TypeError, ValueError):
        return default


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _rows(records: list[dict]) -> list[dict]:
    return [{k: _clean(v) for k, v in r.items()} for r in records]


def latest_rounds(store: Store) -> dict[str, str]:
    """{family: its newest imported round}."""
    return facets.latest_rounds(store)


def choices(store: Store, f: Filters) -> dict[str, Any]:
    """The values each picker offers, for one family; the benchmark picker also says how many
    results each benchmark has in the round and division chosen."""
    out: dict[str, Any] = dict(f.values) if f.values else facets.distinct_values(store, f.family)
    out["constraint"] = [c["name"] for c in store.constraints()]
    scope = f"family = {lit(f.family)}" + (f" and round = {lit(f.round)}" if f.round else "") + (
        f" and division = {lit(f.division)}" if f.division else "")
    out["model_counts"] = dict(store.remembered(("model_counts", scope), lambda: {
        c["value"]: c["count"] for c in facets.facet_counts(store, ["mlperf_model"], scope, top=200).get("mlperf_model", [])}))
    out["metrics"] = {k: label for k, (_, label) in METRICS.items()}
    return out


# ---- pages ------------------------------------------------------------------------------

def overview(store: Store) -> dict[str, Any]:
    """Imported sources, the leader of each benchmark in each family's newest round, and who
    submitted what."""
    status = store.status()
    latest = latest_rounds(store)
    matrix_rows = facets.submission_matrix(store, latest)
    models = sorted({m for _, m, _ in matrix_rows if m})
    matrix: dict[str, dict[str, int]] = {}
    for submitter, model, n in matrix_rows:
        if model:
            matrix.setdefault(submitter, {})[model] = n
    sources = [{k: _clean(v) for k, v in s.items()} for s in status["sources"]]
    return {"results": status["results"], "sources": sources, "leaders": _rows(facets.leaders(store, latest)),
            "matrix": {"rounds": [f"{k} {v}" for k, v in sorted(latest.items())], "models": models,
                       "rows": [{"submitter": s, "counts": matrix[s]} for s in sorted(matrix)]}}


def leaderboard(store: Store, f: Filters, page: int = 1, size: int = 0) -> dict[str, Any]:
    """Ranked tables, one per (benchmark, scenario) the filters leave (never one mixed
    ranking), each paged (`size` rows, PAGE_SIZE by default), ranked by the chosen metric in
    its direction; with the facet counts of everything that matches."""
    size = min(max(size, 1), MAX_PAGE_SIZE) if size else PAGE_SIZE
    page = max(page, 1)
    metric = METRICS[f.metric][0]
    available = set(store.columns)
    columns = _columns(f, available, metric)
    fetch = list(dict.fromkeys(["uid", "mlperf_model", "benchmark", "scenario", "result_units", "power_units", metric,
                                *columns]))
    where = f.where() + (f" and {metric} is not null" if metric != "result" else "")
    records = store.find(where=where, columns=fetch, constraint=f.constraint or None).records()
    groups: dict[tuple, list[dict]] = {}
    for r in records:
        groups.setdefault((r["mlperf_model"] or r["benchmark"] or "", r["scenario"] or "", r["result_units"] or ""), []).append(r)
    tables = []
    for (model, scenario, units), rows in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        ranked = _ranked(rows, metric, units, f.sort, available)
        shown = ranked[(page - 1) * size: page * size]
        power_units = sorted({r["power_units"] for r in rows if r.get("power_units")})
        tables.append({"model": model, "scenario": scenario, "units": units, "metric": metric,
                       "power_units": ", ".join(power_units),
                       "metric_units": metric_units(metric, units), "total": len(rows),
                       "higher_is_better": higher_is_better(metric, units) is not False,
                       "rows": _rows([{"rank": r["rank"], **{c: r.get(c) for c in ["uid", *columns]}} for r in shown])})
    counts = facets.facet_counts(store, [c for c in FACETS if c in available], f.where(), f.constraint or None)
    flat = [{**row, "model": t["model"], "scenario": t["scenario"]} for t in tables for row in t["rows"]]
    return {"filters": f.params(), "messages": f.messages, "sort": f.sort, "metric": f.metric,
            "total": len(records), "page": page, "size": size, "columns": ["rank", *columns], "groups": tables,
            "rows": flat, "facets": counts}


def _columns(f: Filters, available: set[str], metric: str) -> list[str]:
    """The chosen columns (unknown ones become a message), or the family's defaults."""
    if f.columns:
        unknown = [c for c in f.columns if c not in available]
        if unknown:
            f.messages.append(f"unknown column {unknown[0]!r}; the column chooser lists them")
        chosen = [c for c in f.columns if c in available and c not in ("uid", "rank")]
    else:
        chosen = [c for c in FAMILY_COLUMNS.get(f.family, FAMILY_COLUMNS["inference"]) if c in available]
    if metric != "result" and metric not in chosen:
        chosen.insert(chosen.index("result") + 1 if "result" in chosen else 0, metric)
    return chosen or ["submitter", "system", "result"]


def _ranked(rows: list[dict], metric: str, units: str, sort: str, available: set[str]) -> list[dict]:
    """Rows with their rank by `metric` (best first, by its direction); a `sort` column
    reorders the table but the rank stays the metric's."""
    up = higher_is_better(metric, units) is not False

    def by_metric(r: dict) -> tuple:
        v = r.get(metric)
        return (v is None, -(v or 0) if up else (v or 0), r["uid"])

    ordered = sorted(rows, key=by_metric)
    for i, r in enumerate(ordered, 1):
        r["rank"] = i if r.get(metric) is not None else None
    column = sort.lstrip("-+")
    if column and column not in available | {"rank"}:
        raise ExpressionError(f"unknown sort column {column[:60]!r}")
    if column:  # as `find --sort`: empty values last, ties by uid
        present = [r for r in ordered if r.get(column) is not None]
        missing = sorted((r for r in ordered if r.get(column) is None), key=lambda r: r["uid"])
        present.sort(key=lambda r: r["uid"])
        present.sort(key=lambda r: r[column], reverse=sort.startswith("-"))
        ordered = present + missing
    return ordered


NUMERIC_KINDS = {"DOUBLE", "INTEGER", "BIGINT"}


def numeric_columns(store: Store) -> list[str]:
    stored = [c for c, kind in store.column_types.items() if kind in NUMERIC_KINDS]
    return stored + [m.name for m in store.metrics()]


def chart(store: Store, f: Filters, params: dict[str, str]) -> dict[str, Any]:
    """Points (or bars) to draw, from the URL's chart parameters; the browser only draws them.
    A parameter that is not valid is a message, and its default is used."""
    kind = params.get("kind") or "scatter"
    if kind not in CHART_KINDS:
        f.messages.append(f"unknown chart {kind[:20]!r}; use scatter, bars or trend")
        kind = "scatter"
    try:
        top = max(1, min(int(params.get("top", 20)), MAX_TOP))
    except ValueError:
        top = 20
        f.messages.append("top must be a whole number")
    numeric = numeric_columns(store)
    categorical = [c for c, t in store.column_types.items() if t == "VARCHAR"]
    x, y, color = (_valid(f, name, params.get(name), allowed, default) for name, allowed, default in (
        ("x", numeric, ""), ("y", numeric, "result"), ("color", categorical, "submitter")))
    per_accelerator = params.get("per_accelerator") == "1"
    zero = params.get("zero") == "1"
    page = _chart(store, f, kind, x, y, color, top, per_accelerator)
    return {**page, "top": top, "per_accelerator": per_accelerator, "zero": zero, "messages": f.messages,
            "filters": f.params()}


def _valid(f: Filters, name: str, value: str | None, allowed: list[str], default: str) -> str:
    if not value:
        return default
    if value in allowed:
        return value
    f.unknown(f"column for {name}", value, allowed)
    return default


def _chart(store: Store, f: Filters, kind: str, x: str, y: str, color: str, top: int, per_accelerator: bool) -> dict[str, Any]:
    base = ["uid", "submitter", "system_name", "system", "model", "mlperf_model", "benchmark", "scenario", "round",
            "result_units", "power_units", color]
    label = lambda r: f"{r['submitter']}: {r['system_name'] or r['system']}"  # noqa: E731
    if kind == "trend":
        metric = "result_per_accelerator" if per_accelerator else y
        f = Filters(**{**f.__dict__, "round": ""})  # across rounds
        rows = _one_unit(f, store.find(where=f"{f.where()} and valid and {metric} is not null",
                                       columns=list(dict.fromkeys(base + [metric])), constraint=f.constraint or None).records(),
                         "result_units")
        best: dict[str, dict] = {}
        for r in rows:
            up = higher_is_better(metric, r["result_units"]) is not False
            cur = best.get(r["round"])
            if cur is None or (r[metric] > cur[metric] if up else r[metric] < cur[metric]):
                best[r["round"]] = r
        points = [{"x": rnd, "y": r[metric], "uid": r["uid"], "label": label(r), "group": r[color] or ""}
                  for rnd, r in sorted(best.items(), key=lambda kv: round_key(kv[0]))]
        return {"kind": kind, "x": "round", "y": metric, "color": color, "points": _rows(points), "front": [],
                "mine": [], "x_units": "", "y_units": _units(rows, metric)}
    if kind == "bars":
        rows = _one_unit(f, store.find(where=f"{f.where()} and {y} is not null", columns=list(dict.fromkeys(base + [y])),
                                       constraint=f.constraint or None).records(), "result_units")
        up = not rows or higher_is_better(y, rows[0]["result_units"]) is not False
        rows.sort(key=lambda r: r[y], reverse=up)
        points = [{"x": f"{label(r)} ({r['model']}{', ' + r['scenario'] if r['scenario'] else ''})", "y": r[y],
                   "uid": r["uid"], "label": r["system_name"] or r["system"], "group": r[color] or ""} for r in rows[:top]]
        return {"kind": kind, "x": "system", "y": y, "color": color, "points": _rows(points), "front": [],
                "mine": [], "x_units": "", "y_units": _units(rows, y)}
    if not x:
        has_power = store.find(where=f"{f.where()} and power_result is not null", columns="uid", limit=1,
                               constraint=f.constraint or None)
        x = "power_result" if len(has_power) else "total_accelerators"
    rows = store.find(where=f"{f.where()} and {x} is not null and {y} is not null", columns=list(dict.fromkeys(base + [x, y])),
                      constraint=f.constraint or None).records()
    for column, key in ((x, "power_units"), (y, "power_units"), (x, "result_units"), (y, "result_units")):
        if _UNITS.get(column) == key:
            rows = _one_unit(f, rows, key)
    points = [{"x": r[x], "y": r[y], "uid": r["uid"], "label": label(r), "group": r[color] or ""} for r in rows]
    benchmarks = {(r["mlperf_model"] or r["benchmark"], r["scenario"]) for r in rows}
    front = pareto_front(points) if len(benchmarks) == 1 else []
    if len(benchmarks) > 1:
        f.messages.append(f"{len(benchmarks)} benchmarks and scenarios on one chart: pick one to see its Pareto front")
    mine = [] if f.family == "local" else _local_points(store, f, x, y)
    return {"kind": "scatter", "mine": mine, "x": x, "y": y, "color": color, "points": _rows(points), "front": front,
            "x_units": _units(rows, x), "y_units": _units(rows, y)}


# The units of a numeric column: those of the column named (plus a suffix), or a fixed label.
_UNITS = {"result": "result_units", "power_result": "power_units", "result_per_accelerator": "result_units",
          "result_per_core": "result_units", "result_per_node": "result_units"}
_SUFFIX = {"result_per_accelerator": " per accelerator", "result_per_core": " per host core", "result_per_node": " per node"}
_FIXED = {"perf_per_watt": "per joule (samples or queries)", "energy_per_sample_j": "J per sample",
          "total_accelerators": "accelerators", "accelerators_per_node": "accelerators", "energy_joules": "J"}
# The same rules as data, for the published site's charts (publish writes them into its index).
UNIT_RULES = {"from": _UNITS, "suffix": _SUFFIX, "fixed": _FIXED}


def metric_units(column: str, units: str) -> str:
    """How a column's values are labelled, given the units of the rows it comes from."""
    if column in _UNITS:
        return units + _SUFFIX.get(column, "") if units else ""
    return _FIXED.get(column, "")


def _one_unit(f: Filters, rows: list[dict], key: str) -> list[dict]:
    """Never two units on one axis: keep the rows of the most common unit, and say so."""
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.get(key) or ""] = counts.get(r.get(key) or "", 0) + 1
    if len(counts) <= 1:
        return rows
    keep = max(counts, key=lambda u: (counts[u], u))
    dropped = sum(n for u, n in counts.items() if u != keep)
    f.messages.append(f"{dropped} point(s) in {', '.join(sorted(u for u in counts if u != keep))} left out: one axis "
                      f"shows one unit ({keep}); pick a benchmark and scenario")
    return [r for r in rows if (r.get(key) or "") == keep]


def _local_points(store: Store, f: Filters, x: str, y: str) -> list[dict]:
    """Your runs of the same benchmark and scenario, drawn as markers of their own."""
    where = ["family = 'local'", f"{x} is not null", f"{y} is not null"]
    if f.model:
        where.append(f"coalesce(mlperf_model, benchmark) = {lit(f.model)}")
    if f.scenario:
        where.append(f"scenario = {lit(f.scenario)}")
    rows = store.find(where=" and ".join(where), columns=list(dict.fromkeys(["uid", "system", x, y]))).records()
    return _rows([{"x": r[x], "y": r[y], "uid": r["uid"], "label": f"my run: {r['system']}", "group": "my runs"} for r in rows])


def _units(rows: list[dict], column: str) -> str:
    """The units of a column over these rows, when they agree (derived metrics say theirs)."""
    key = _UNITS.get(column)
    units = {r.get(key) for r in rows if r.get(key)} if key else set()
    return metric_units(column, str(units.pop()) if len(units) == 1 else "")


def pareto_front(points: list[dict]) -> list[str]:
    """uids of the points no other point beats on both axes (less x, more y): for
    performance against power, the most performance for the power."""
    front, best_y = [], -math.inf
    for p in sorted(points, key=lambda p: (p["x"], -p["y"])):
        if p["y"] > best_y:
            front.append(p["uid"])
            best_y = p["y"]
    return front


def result(store: Store, uid: str) -> dict[str, Any] | None:
    """Every field of one result with its runs, warnings and annotations."""
    r = store.get(uid)
    if r is None:
        return None
    for run in r.get("runs", []):
        run.pop("values", None)
    return {"result": {k: _clean(v) for k, v in r.items()}}


def compare(store: Store, uids: list[str], systems: list[str] | None = None) -> dict[str, Any]:
    """2 to 6 results side by side, or 2 to 6 systems on every benchmark they share (see
    query/compare.py)."""
    if systems:
        try:
            page = compare_systems(store, systems)
        except ExpressionError as exc:
            page = {"kind": "systems", "systems": systems, "items": [], "rows": [], "messages": [str(exc)]}
        page.setdefault("messages", [])
        page.update(uids=[], missing=[])
        if len(page["systems"]) < 2:
            page["messages"].append("name at least two systems to compare")
    else:
        page = compare_results(store, uids)
        page["messages"] = [f"no result with uid {u!r}" for u in page["missing"]]
        page["systems"] = []
    # Every item and row with every field of its schema (a results item has no system, a
    # systems row no field), so the JSON is this page as it is.
    page["items"] = [{"uid": i.get("uid"), "system": i.get("system"), "submitter": i.get("submitter"), "label": i["label"]}
                     for i in page["items"]]
    page["rows"] = [{"field": None, "relative": None, "better": None, **r, "values": [_clean(v) for v in r["values"]]}
                    for r in page["rows"]]
    return page


def system(store: Store, submitter: str, system_id: str) -> dict[str, Any] | None:
    rows = store.find(where=f"submitter = {lit(submitter)} and system = {lit(system_id)}",
                      columns=[*SYSTEM_COLUMNS, "source_id"],
                      sort="round,model,scenario").records()
    if not rows:
        return None
    return {"submitter": submitter, "system": system_id, "description": system_description(store, submitter, system_id),
            "results": _rows([{k: v for k, v in r.items() if k != "source_id"} for r in rows])}


def my_runs(store: Store) -> dict[str, Any]:
    """Your local runs, each with its rank among the published results."""
    from ..records import RunError

    out = []
    for r in store.runs():
        try:
            info = store.rank_run(r["system"])
        except RunError as exc:
            info = {"error": str(exc)}
        out.append({"run": _rows([r])[0], "rank": {k: _clean(v) for k, v in info.items() if k not in ("above", "below")},
                    "above": _rows([info["above"]])[0] if info.get("above") else None,
                    "below": _rows([info["below"]])[0] if info.get("below") else None})
    return {"runs": out}
