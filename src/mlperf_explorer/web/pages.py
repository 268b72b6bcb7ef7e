"""The data behind each playground page, as plain dicts: the HTML templates render them and
the JSON twins return them unchanged, so both always agree (the Datasette pattern).

Every filter a page takes arrives as query parameters (the permalink), becomes tags and a
`--where` expression with quoted literals, and goes through `Store.find`; nothing from the
URL reaches SQL as text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..api import Store
from ..query import facets
from ..query.compare import compare_results
from ..query.expr import literal as lit
from ..query.results import system_description
from ..records import LOWER_IS_BETTER, round_key

LEADERBOARD_COLUMNS = [
    "uid", "submitter", "system_name", "result", "result_units", "power_result", "power_units",
    "perf_per_watt", "result_per_accelerator", "accelerator_model_name", "accelerators_per_node",
    "model", "scenario", "division", "availability", "valid", "system",
]
FACETS = ["division", "system_type", "submitter", "accelerator_model_name", "availability", "scenario", "mlperf_model"]
PAGE_SIZE = 200
MAX_PAGE_SIZE = 10000
MAX_TOP = 200
CHART_KINDS = ("scatter", "bars", "trend")
COLOR_COLUMNS = ("submitter", "accelerator_model_name", "division", "system_type")
SYSTEM_COLUMNS = ["uid", "family", "round", "division", "model", "scenario", "result", "result_units", "valid", "perf_per_watt"]


def int_param(request: Any, name: str, default: int) -> int:
    """An integer URL parameter; anything else is the default."""
    try:
        return int(request.query_params.get(name, default))
    except (TypeError, ValueError):
        return default


@dataclass
class Filters:
    """The leaderboard and chart filters, as the URL carries them."""

    family: str = "inference"
    round: str = ""
    division: str = ""
    system_type: str = ""
    model: str = ""  # the MLPerf model (or training benchmark)
    scenario: str = ""
    submitter: str = ""
    accelerator: str = ""
    accelerators: int | None = None
    availability: str = ""
    power: bool = False
    valid: bool = False
    q: str = ""
    constraint: str = ""
    sort: str = ""
    extra: list[str] = field(default_factory=list)

    @classmethod
    def from_params(cls, params: dict[str, str]) -> Filters:
        def flag(name: str) -> bool:
            return str(params.get(name, "")).lower() in ("1", "true", "on", "yes")

        try:
            accelerators = int(params["accelerators"]) if params.get("accelerators") else None
        except ValueError:
            accelerators = None
        return cls(
            family=params.get("family") or "inference", round=params.get("round", ""), division=params.get("division", ""),
            system_type=params.get("system_type", ""), model=params.get("model", ""), scenario=params.get("scenario", ""),
            submitter=params.get("submitter", ""), accelerator=params.get("accelerator", ""), accelerators=accelerators,
            availability=params.get("availability", ""), power=flag("power"), valid=flag("valid"),
            q=params.get("q", "")[:200], constraint=params.get("constraint", ""), sort=params.get("sort", ""))

    def with_latest_round(self, store: Store) -> Filters:
        """A leaderboard is one round: the family's latest unless the URL names one."""
        latest = latest_rounds(store)
        if self.family not in latest and self.family == "inference" and latest:
            # a store without inference results (only Tiny, say) opens on what it has
            self.family = next((f for f in ("training", "tiny", "hpc") if f in latest), next(iter(latest)))
        if not self.round:
            self.round = latest.get(self.family, "")
        return self

    def where(self) -> str:
        parts = [f"family = {lit(self.family)}"]
        for column, value in (("round", self.round), ("division", self.division), ("scenario", self.scenario),
                              ("submitter", self.submitter), ("accelerator_model_name", self.accelerator),
                              ("availability", self.availability)):
            if value:
                parts.append(f"{column} = {lit(value)}")
        if self.model:
            parts.append(f"coalesce(mlperf_model, benchmark) = {lit(self.model)}")
        if self.system_type:
            parts.append(f"system_type ~ {lit(self.system_type)}")
        if self.accelerators is not None:
            parts.append(f"accelerators_per_node * coalesce(number_of_nodes, 1) = {int(self.accelerators)}")
        if self.power:
            parts.append("has_power")
        if self.valid:
            parts.append("valid")
        if self.q.strip():
            q = lit(self.q.strip())
            parts.append(f"(system_name ~ {q} or submitter ~ {q} or system ~ {q} or model ~ {q} "
                         f"or accelerator_model_name ~ {q} or framework ~ {q})")
        return " and ".join(parts + self.extra)

    def params(self, **changes: Any) -> dict[str, str]:
        """The URL parameters of these filters (with changes), empty ones left out."""
        d = {"family": self.family, "round": self.round, "division": self.division, "system_type": self.system_type,
             "model": self.model, "scenario": self.scenario, "submitter": self.submitter, "accelerator": self.accelerator,
             "accelerators": "" if self.accelerators is None else str(self.accelerators),
             "availability": self.availability, "power": "1" if self.power else "", "valid": "1" if self.valid else "",
             "q": self.q, "constraint": self.constraint, "sort": self.sort}
        d.update({k: ("" if v is None else str(v)) for k, v in changes.items()})
        return {k: v for k, v in d.items() if v}


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


def choices(store: Store, family: str) -> dict[str, list[str]]:
    """The values each picker offers, for one family."""
    out = facets.distinct_values(store, family)
    out["constraint"] = [c["name"] for c in store.constraints()]
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
    """One page (`size` rows, PAGE_SIZE by default) of the ranked results, the total, and
    facet counts of everything that matches."""
    size = min(max(size, 1), MAX_PAGE_SIZE) if size else PAGE_SIZE
    page = max(page, 1)
    sort = f.sort or ""
    if not sort:
        units = store.find(where=f.where(), columns="result_units", constraint=f.constraint or None, limit=1).records()
        lower = bool(units) and units[0]["result_units"] in LOWER_IS_BETTER
        sort = "result" if lower else "-result"
    available = set(store.columns)
    columns = [c for c in LEADERBOARD_COLUMNS if c in available]
    records = store.find(where=f.where(), columns=columns, sort=sort, constraint=f.constraint or None).records()
    counts = facets.facet_counts(store, [c for c in FACETS if c in available], f.where(), f.constraint or None)
    shown = records[(page - 1) * size: page * size]
    return {"filters": f.params(), "sort": sort, "total": len(records), "page": page, "size": size,
            "columns": columns, "rows": _rows(shown), "facets": counts}


NUMERIC_KINDS = {"DOUBLE", "INTEGER", "BIGINT"}


def numeric_columns(store: Store) -> list[str]:
    stored = [c for c, kind in store.column_types.items() if kind in NUMERIC_KINDS]
    return stored + [m.name for m in store.metrics()]


def chart(store: Store, f: Filters, params: dict[str, str]) -> dict[str, Any]:
    """Points (or bars) to draw, from the URL's chart parameters; the browser only draws them."""
    kind = params.get("kind") if params.get("kind") in CHART_KINDS else "scatter"
    try:
        top = max(1, min(int(params.get("top", 20)), MAX_TOP))
    except ValueError:
        top = 20
    per_accelerator = params.get("per_accelerator") == "1"
    page = _chart(store, f, str(kind), params.get("x", "power_result"), params.get("y", "result"),
                  params.get("color", "submitter"), top, per_accelerator)
    return {**page, "top": top, "per_accelerator": per_accelerator}


def _chart(store: Store, f: Filters, kind: str, x: str, y: str, color: str, top: int, per_accelerator: bool) -> dict[str, Any]:
    numeric = numeric_columns(store)
    color = color if color in COLOR_COLUMNS else "submitter"
    base = ["uid", "submitter", "system_name", "system", "model", "scenario", "round", "result_units", "power_units", color]
    if kind == "trend":
        metric = "result_per_accelerator" if per_accelerator else "result"
        f = Filters(**{**f.__dict__, "round": ""})  # across rounds
        rows = store.find(where=f"{f.where()} and valid and {metric} is not null",
                          columns=list(dict.fromkeys(base + [metric])), constraint=f.constraint or None).records()
        best: dict[str, dict] = {}
        for r in rows:
            lower = r["result_units"] in LOWER_IS_BETTER
            cur = best.get(r["round"])
            if cur is None or (r[metric] < cur[metric] if lower else r[metric] > cur[metric]):
                best[r["round"]] = r
        points = [{"x": rnd, "y": r[metric], "uid": r["uid"], "label": f"{r['submitter']}: {r['system_name'] or r['system']}",
                   "group": r[color] or ""} for rnd, r in sorted(best.items(), key=lambda kv: round_key(kv[0]))]
        return {"kind": kind, "x": "round", "y": metric, "color": color, "points": _rows(points), "front": []}
    if kind == "bars":
        y = y if y in numeric else "result"
        rows = store.find(where=f"{f.where()} and {y} is not null", columns=list(dict.fromkeys(base + [y])),
                          constraint=f.constraint or None).records()
        lower = bool(rows) and y == "result" and rows[0]["result_units"] in LOWER_IS_BETTER
        rows.sort(key=lambda r: r[y], reverse=not lower)
        points = [{"x": f"{r['submitter']}: {r['system_name'] or r['system']} ({r['model']}, {r['scenario']})", "y": r[y],
                   "uid": r["uid"], "label": r["system_name"] or r["system"], "group": r[color] or ""} for r in rows[:top]]
        return {"kind": kind, "x": "system", "y": y, "color": color, "points": _rows(points), "front": []}
    x = x if x in numeric else "power_result"
    y = y if y in numeric else "result"
    rows = store.find(where=f"{f.where()} and {x} is not null and {y} is not null", columns=list(dict.fromkeys(base + [x, y])),
                      constraint=f.constraint or None).records()
    points = [{"x": r[x], "y": r[y], "uid": r["uid"], "label": f"{r['submitter']}: {r['system_name'] or r['system']}",
               "group": r[color] or ""} for r in rows]
    mine = [] if f.family == "local" else _local_points(store, f, x, y)
    return {"kind": "scatter", "mine": mine, "x": x, "y": y, "color": color, "points": _rows(points), "front": pareto_front(points),
            "x_units": _units(rows, x), "y_units": _units(rows, y)}


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
    """The units of a column over these rows, when they agree."""
    key = {"result": "result_units", "power_result": "power_units"}.get(column)
    if key is None:
        return ""
    units = {r.get(key) for r in rows if r.get(key)}
    return str(units.pop()) if len(units) == 1 else ""


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


def compare(store: Store, uids: list[str]) -> dict[str, Any]:
    """2 to 6 results side by side (see query/compare.py)."""
    page = compare_results(store, uids)
    page["rows"] = [{**r, "values": [_clean(v) for v in r["values"]]} for r in page["rows"]]
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
    from ..local import RunError

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
