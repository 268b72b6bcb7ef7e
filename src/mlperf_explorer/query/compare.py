"""Side by side: results (by uid) or systems (by name), with differences relative to the
first, each marked better or worse by the field's direction (`records.FIELD_DIRECTION`: a
latency 3% up is worse, a throughput 3% up is better). The CLI `compare`, `Store.compare` and
the playground's compare page all come from here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..records import higher_is_better
from .expr import ExpressionError
from .expr import literal as lit

if TYPE_CHECKING:
    from ..api import Store

RESULT_FIELDS = ["result", "power_result", "perf_per_watt", "result_per_accelerator", "accuracy", "latency_p99_ms"]
IDENTITY = ["submitter", "system_name", "round", "division", "model", "scenario", "result_units", "accelerator_model_name",
            "accelerators_per_node", "number_of_nodes"]
MAX_ITEMS = 6


def _delta(values: list[Any], field: str, units: str | None) -> tuple[list[float | None] | None, list[bool | None] | None]:
    """Relative differences to the first value, and whether each is an improvement."""
    base = values[0] if values else None
    if not isinstance(base, (int, float)) or isinstance(base, bool) or not base:
        return None, None
    rel: list[float | None] = [None if not isinstance(v, (int, float)) or isinstance(v, bool) else (v - base) / base
                               for v in values]
    up = higher_is_better(field, units)
    better = [None if r is None or up is None or r == 0 else (r > 0) == up for r in rel]
    return rel, better


def _clean_items(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(i.strip() for i in items if i and i.strip() and len(i.strip()) <= 300))[:MAX_ITEMS]


def compare_results(store: Store, uids: Sequence[str], fields: Sequence[str] | None = None) -> dict[str, Any]:
    """2 to 6 results by uid; unknown uids are left out (and named in `missing`)."""
    cleaned = _clean_items(uids)
    wanted = [u for u in cleaned if u.isalnum() and len(u) <= 64]
    found = {r["uid"]: r for r in store.find(where=" or ".join(f"uid = {lit(u)}" for u in wanted) or "false",
                                             columns="*").records()} if wanted else {}
    items = [found[u] for u in wanted if u in found]
    numeric = [f for f in (fields or RESULT_FIELDS) if f in store.columns]
    rows = []
    for name in [*IDENTITY, *numeric]:
        values = [r.get(name) for r in items]
        rel, better = _delta(values, name, items[0].get("result_units") if items else None) if name in numeric else (None, None)
        rows.append({"field": name, "values": values, "relative": rel, "better": better})
    return {"kind": "results", "uids": [r["uid"] for r in items],
            "items": [{"uid": r["uid"], "label": f"{r['submitter']}: {r.get('system_name') or r['system']}"} for r in items],
            "missing": [u for u in cleaned if u not in found], "rows": rows}


def compare_systems(store: Store, names: Sequence[str], where: str | None = None) -> dict[str, Any]:
    """Systems (folder name or system_name) on every benchmark they all have: the best valid
    result of each per (family, round, benchmark, scenario), relative to the first system."""
    systems = _clean_items(names)
    best: list[dict[tuple, dict]] = []
    for name in systems:
        rows = store.find(where=f"(system = {lit(name)} or system_name = {lit(name)})" + (f" and ({where})" if where else ""),
                          columns="uid,family,round,division,model,mlperf_model,benchmark,scenario,result,result_units,"
                                  "submitter,system,system_name",
                          best_per="family,round,mlperf_model,benchmark,scenario").records()
        if not rows:
            raise ExpressionError(f"no valid results of a system named {name!r}")
        best.append({(r["family"], r["round"], r["mlperf_model"] or r["benchmark"], r["scenario"] or ""): r for r in rows})
    common = sorted(set.intersection(*(set(b) for b in best))) if best else []
    rows = []
    for key in common:
        picked = [b[key] for b in best]
        values = [r["result"] for r in picked]
        rel, better = _delta(values, "result", picked[0]["result_units"])
        rows.append({"family": key[0], "round": key[1], "benchmark": key[2], "scenario": key[3],
                     "result_units": picked[0]["result_units"], "uids": [r["uid"] for r in picked],
                     "values": values, "relative": rel, "better": better})
    labels = [next(iter(b.values())) for b in best]
    return {"kind": "systems", "systems": systems,
            "items": [{"system": r["system"], "submitter": r["submitter"],
                       "label": f"{r['submitter']}: {r.get('system_name') or r['system']}"} for r in labels],
            "rows": rows}


def compare(store: Store, items: Sequence[str], fields: Sequence[str] | None = None, where: str | None = None) -> dict[str, Any]:
    """Results if every item is a stored uid, systems otherwise."""
    cleaned = _clean_items(items)
    if len(cleaned) < 2:
        raise ExpressionError("compare needs at least two results (uids) or systems (names)")
    uids = [u for u in cleaned if u.isalnum() and len(u) <= 64]
    if len(uids) == len(cleaned):
        page = compare_results(store, uids, fields)
        if not page["missing"]:
            return page
    return compare_systems(store, cleaned, where)
