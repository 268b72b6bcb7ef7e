"""The playground: every page is server-rendered HTML (tables and filters work without
JavaScript) with a JSON twin at the same path plus `.json`, documented in the OpenAPI schema.

All state is in the URL, so every view is a permalink. Strings from results repositories
are untrusted: Jinja2 autoescapes every template, and data handed to the charts goes
through `tojson`. The chart library is plotly.js, served from the installed `plotly`
Python package (never a CDN, never copied into this repository).
"""

from __future__ import annotations

import csv
import io
import os
from typing import Any

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape

from ..api import ExpressionError, Store, open_store
from ..store.live import LiveStore
from . import pages
from .cache import ResponseCache
from .schemas import ChartPage, ComparePage, LeaderboardPage, OverviewPage, ResultPage, RunsPage, SystemPage

HERE = os.path.dirname(__file__)
# No inline or foreign script: every script is a file we serve; data for the charts travels
# in a non-executable <script type="application/json">. plotly.js injects styles, and draws
# WebGL from blob: workers for large scatters.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def safe_url(url: Any) -> str:
    """A link target from a results repository or an annotation: http(s) only, anything
    else (javascript:, data:, ...) becomes an inert '#'."""
    text = str(url or "").strip()
    return text if text.lower().startswith(("https://", "http://")) else "#"


def plotly_js() -> str | None:
    try:
        import plotly

        path = os.path.join(os.path.dirname(plotly.__file__), "package_data", "plotly.min.js")
        return path if os.path.isfile(path) else None
    except ImportError:
        return None


def create_app(db: str | None = None, store: Store | None = None) -> FastAPI:
    # The store reopens itself when an import replaces its file (store/live.py).
    store = store or LiveStore(db, lambda path: open_store(path, read_only=True))
    app = FastAPI(title="mlperf-explorer playground", version="1",
                  description="Every page of the playground as JSON: the same data the HTML shows.")
    app.state.store = store
    app.add_middleware(ResponseCache, generation=lambda: getattr(store, "generation", None))
    env = Environment(loader=PackageLoader("mlperf_explorer.web", "templates"), autoescape=select_autoescape(["html"]))
    env.filters["num"] = _num
    env.filters["safe_url"] = safe_url
    app.mount("/static", StaticFiles(directory=os.path.join(HERE, "static")), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        if not request.url.path.startswith(("/docs", "/redoc")):  # FastAPI's own pages load their UI inline
            response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    def render(name: str, request: Request, **context: Any) -> HTMLResponse:
        html = env.get_template(name).render(request=request, path=request.url.path, query=str(request.url.query),
                                             empty=store.status()["results"] == 0, **context)
        return HTMLResponse(html)

    def filters(request: Request) -> pages.Filters:
        return pages.Filters.from_params(dict(request.query_params)).with_latest_round(store)

    def found(data: dict | None, missing: str) -> dict:
        """A page's data, or the 404 both its HTML and its JSON twin answer."""
        if data is None:
            raise HTTPException(status_code=404, detail=missing)
        return data

    def guarded(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ExpressionError as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from None

    @app.get("/plotly.min.js", include_in_schema=False)
    def plotly_file():
        path = plotly_js()
        if path is None:
            raise HTTPException(404, "plotly is not installed")
        return FileResponse(path, media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})

    # ---- overview ----
    @app.get("/overview.json", response_model=OverviewPage, tags=["pages"])
    def overview_json() -> dict:
        """Imported sources (with commit and import time), leaders, submission counts."""
        return pages.overview(store)

    @app.get("/", include_in_schema=False)
    def overview_html(request: Request):
        return render("overview.html", request, page=pages.overview(store))

    # ---- leaderboard ----
    @app.get("/leaderboard.json", response_model=LeaderboardPage, tags=["pages"])
    def leaderboard_json(request: Request, family: str = "inference", round: str = "", division: str = "",
                         system_type: str = "", model: str = "", scenario: str = "", submitter: str = "",
                         accelerator: str = "", accelerators: str = "", availability: str = "", power: str = "",
                         valid: str = "", q: str = "", constraint: str = "", sort: str = "") -> dict:
        """The leaderboard rows (all of them) for these filters, with facet counts."""
        return guarded(pages.leaderboard, store, filters(request), limit=None)

    @app.get("/leaderboard.csv", include_in_schema=False)
    def leaderboard_csv(request: Request):
        page = guarded(pages.leaderboard, store, filters(request), limit=None)
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(page["columns"])
        for r in page["rows"]:
            writer.writerow(["" if r[c] is None else r[c] for c in page["columns"]])
        return Response(buf.getvalue(), media_type="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="leaderboard.csv"'})

    @app.get("/leaderboard", include_in_schema=False)
    def leaderboard_html(request: Request):
        f = filters(request)
        page = guarded(pages.leaderboard, store, f)
        return render("leaderboard.html", request, page=page, f=f, choices=pages.choices(store, f.family))

    # ---- charts ----
    @app.get("/charts.json", response_model=ChartPage, tags=["pages"])
    def charts_json(request: Request, kind: str = "scatter", x: str = "power_result", y: str = "result",
                    color: str = "submitter", top: int = Query(20, ge=1, le=200), per_accelerator: str = "",
                    family: str = "inference", round: str = "", model: str = "", scenario: str = "", division: str = "",
                    power: str = "", valid: str = "") -> dict:
        """Points of a scatter (with the Pareto front), top-N bars or a trend across rounds."""
        return guarded(pages.chart, store, filters(request), kind, x, y, color, top, per_accelerator == "1")

    @app.get("/charts", include_in_schema=False)
    def charts_html(request: Request, kind: str = "scatter", x: str = "power_result", y: str = "result",
                    color: str = "submitter", top: int = 20, per_accelerator: str = ""):
        f = filters(request)
        data = guarded(pages.chart, store, f, kind, x, y, color, max(1, min(top, 200)), per_accelerator == "1")
        return render("charts.html", request, chart=data, f=f, choices=pages.choices(store, f.family),
                      numeric=pages.numeric_columns(store), top=top, per_accelerator=per_accelerator == "1")

    # ---- result, compare, system ----
    @app.get("/result/{uid}.json", response_model=ResultPage, tags=["pages"])
    def result_json(uid: str) -> dict:
        """Every field of one result, its runs, warnings and annotations."""
        return {"result": found(pages.result(store, uid), f"no result with uid {uid!r}")}

    @app.get("/result/{uid}", include_in_schema=False)
    def result_html(request: Request, uid: str):
        return render("result.html", request, r=found(pages.result(store, uid), f"no result with uid {uid!r}"))

    @app.get("/compare.json", response_model=ComparePage, tags=["pages"])
    def compare_json(uid: list[str] = Query(default=[])) -> dict:
        """2 to 6 results side by side, with differences relative to the first."""
        return pages.compare(store, uid)

    @app.get("/compare", include_in_schema=False)
    def compare_html(request: Request, uid: list[str] = Query(default=[])):
        return render("compare.html", request, page=pages.compare(store, uid))

    @app.get("/system/{submitter}/{system}.json", response_model=SystemPage, tags=["pages"])
    def system_json(submitter: str, system: str) -> dict:
        """A system's description and all its results."""
        return found(pages.system(store, submitter, system), "no such system")

    @app.get("/system/{submitter}/{system}", include_in_schema=False)
    def system_html(request: Request, submitter: str, system: str):
        return render("system.html", request, page=found(pages.system(store, submitter, system), "no such system"))

    @app.get("/runs.json", response_model=RunsPage, tags=["pages"])
    def runs_json() -> dict:
        """Your local runs (`mlperf-explorer run add`), each ranked among the published results."""
        return pages.my_runs(store)

    @app.get("/runs", include_in_schema=False)
    def runs_html(request: Request):
        return render("runs.html", request, page=pages.my_runs(store))

    @app.exception_handler(ExpressionError)
    def expression_errors(request: Request, exc: ExpressionError):
        """A filter or lookup the expression language refuses is the user's 400, on every
        page, whether or not its handler guarded it."""
        return errors(request, HTTPException(status_code=400, detail=str(exc)))

    @app.exception_handler(HTTPException)
    def errors(request: Request, exc: HTTPException):
        if request.url.path.endswith(".json") or request.url.path.endswith(".csv"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        return HTMLResponse(env.get_template("error.html").render(request=request, path=request.url.path, query="",
                                                                  empty=False, status=exc.status_code, detail=exc.detail),
                            status_code=exc.status_code)

    return app


def _num(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:,.2f}" if abs(value) >= 10 else f"{value:.4g}"
    return str(value)
