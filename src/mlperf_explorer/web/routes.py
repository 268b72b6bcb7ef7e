"""The playground's pages, each registered once: its URL, its one data function (in pages.py),
its template, its JSON schema and documented parameters, and, for pages that are a table, the
columns of its CSV. `app._register` turns each entry into HTML, JSON and CSV routes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import Request
from pydantic import BaseModel

from . import pages
from .filters import METRICS, Filters
from .schemas import ChartPage, ComparePage, LeaderboardPage, OverviewPage, ResultPage, RunsPage, SystemPage

if TYPE_CHECKING:
    from ..api import Store

DataFn = Callable[["Store", Request], "dict[str, Any] | None"]


@dataclass
class Page:
    path: str
    template: str
    data: DataFn
    model: type[BaseModel]
    summary: str
    params: list[dict[str, Any]] = field(default_factory=list)  # OpenAPI query parameters
    missing: str = "not found"  # the 404 detail when data() finds nothing ({path params} filled in)
    table: Callable[[dict[str, Any]], tuple[list[str], list[dict[str, Any]]]] | None = None
    html_context: Callable[[Store, Request, dict[str, Any]], dict[str, Any]] | None = None


def _q(name: str, kind: str = "string", **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": {"type": kind, **schema}}


FILTER_PARAMS = [_q(n) for n in ("family", "round", "division", "system_type", "model", "scenario", "submitter",
                                 "accelerator", "accelerators", "availability", "power", "valid", "q", "constraint", "sort",
                                 "columns")] + [_q("metric", enum=list(METRICS))]
CHART_PARAMS = [_q("kind", enum=["scatter", "bars", "trend"]), _q("x"), _q("y"), _q("color"),
                _q("top", "integer", minimum=1, maximum=pages.MAX_TOP), _q("per_accelerator"), _q("zero")]


def params_of(request: Request) -> dict[str, str]:
    """The URL's parameters; a repeated `columns` (the column chooser's checkboxes) joined."""
    params = dict(request.query_params)
    if len(request.query_params.getlist("columns")) > 1:
        params["columns"] = ",".join(request.query_params.getlist("columns"))
    return params


def filters(store: Store, request: Request) -> Filters:
    """The filters a URL carries, resolved against the store (see filters.py), once per
    request: the page's data and its HTML pickers share them."""
    f = getattr(request.state, "filters", None)
    if f is None:
        f = request.state.filters = Filters.from_params(params_of(request)).resolve(store)
    return f


def _pickers(store: Store, request: Request, page: dict[str, Any]) -> dict[str, Any]:
    f = filters(store, request)
    return {"f": f, "choices": pages.choices(store, f), "all_columns": store.columns}


def _chart_context(store: Store, request: Request, page: dict[str, Any]) -> dict[str, Any]:
    return {**_pickers(store, request, page), "chart": page, "numeric": pages.numeric_columns(store),
            "categorical": [c for c, t in store.column_types.items() if t == "VARCHAR"],
            "top": page["top"], "per_accelerator": page["per_accelerator"]}


def _uids(request: Request) -> list[str]:
    return request.query_params.getlist("uid")


PAGES = [
    Page("/overview", "overview.html", lambda store, request: pages.overview(store), OverviewPage,
         "Imported sources (with commit and import time), leaders, submission counts."),
    Page("/leaderboard", "leaderboard.html", lambda store, request: pages.leaderboard(
             store, filters(store, request), page=pages.int_param(request, "page", 1), size=pages.int_param(request, "size", 0)),
         LeaderboardPage, "One page of leaderboard rows for these filters, with the total and facet counts.",
         params=[*FILTER_PARAMS, _q("page", "integer", minimum=1), _q("size", "integer", minimum=1, maximum=pages.MAX_PAGE_SIZE)],
         table=lambda page: (page["columns"], page["rows"]), html_context=_pickers),
    Page("/charts", "charts.html", lambda store, request: pages.chart(store, filters(store, request), params_of(request)),
         ChartPage, "Points of a scatter (with the Pareto front), top-N bars or a trend across rounds.",
         params=[*FILTER_PARAMS, *CHART_PARAMS],
         table=lambda page: (["x", "y", "uid", "label", "group"], page["points"]), html_context=_chart_context),
    Page("/result/{uid}", "result.html", lambda store, request: pages.result(store, request.path_params["uid"]),
         ResultPage, "Every field of one result, its runs, warnings and annotations.", missing="no result with uid {uid!r}",
         html_context=lambda store, request, page: {"r": page["result"]}),
    Page("/compare", "compare.html",
         lambda store, request: pages.compare(store, _uids(request), request.query_params.getlist("system")), ComparePage,
         "2 to 6 results (uid=) or systems (system=, on every benchmark they share) side by side, with "
         "direction-aware differences relative to the first.",
         params=[{"name": n, "in": "query", "required": False, "style": "form", "explode": True,
                  "schema": {"type": "array", "items": {"type": "string"}}} for n in ("uid", "system")]),
    Page("/system/{submitter}/{system}", "system.html",
         lambda store, request: pages.system(store, request.path_params["submitter"], request.path_params["system"]),
         SystemPage, "A system's description and all its results.", missing="no such system",
         table=lambda page: (pages.SYSTEM_COLUMNS, page["results"])),
    Page("/runs", "runs.html", lambda store, request: pages.my_runs(store), RunsPage,
         "Your local runs (`mlperf-explorer run add`), each ranked among the published results."),
]
