"""The playground: every page is server-rendered HTML (tables and filters work without
JavaScript) with a JSON twin at the same path plus `.json`, documented in the OpenAPI schema.

All state is in the URL, so every view is a permalink. Strings from results repositories
are untrusted: Jinja2 autoescapes every template, and data handed to the charts goes
through `tojson`. The chart library is plotly.js, served from the installed `plotly`
Python package (never a CDN, never copied into this repository).
"""

from __future__ import annotations

import csv
import gc
import io
import json
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape

from ..api import ExpressionError, Store, open_store
from ..query.results import is_empty
from ..store.live import LiveStore
from .cache import ResponseCache
from .routes import PAGES, Page

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


def _register(app: FastAPI, spec: Page, current: Callable[[], Store], render: Callable[..., HTMLResponse]) -> None:
    """One page, three renderings of the same data: HTML at `path`, JSON at `path.json`
    (documented in the OpenAPI schema by `spec.model` and `spec.params`) and, for pages that
    are a table, CSV at `path.csv`."""

    def data(request: Request) -> dict[str, Any]:
        page = spec.data(current(), request)
        if page is None:
            raise HTTPException(status_code=404, detail=spec.missing.format(**request.path_params))
        return page

    def as_json(request: Request) -> Any:
        # The page's data is already its JSON: every value cleaned (pages.py), every field of
        # its response model present (a test holds each page to its model). So it is written
        # as it is; FastAPI's validation against the model cost a whole round's chart about 25 ms.
        # A value JSON cannot carry as it is (NaN, a date) is left to the model to convert.
        page = data(request)
        try:
            body = json.dumps(page, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        except (TypeError, ValueError):
            return page
        return Response(body, media_type="application/json")

    def as_html(request: Request) -> HTMLResponse:
        page = data(request)
        extra = spec.html_context(current(), request, page) if spec.html_context else {}
        return render(spec.template, request, page=page, **extra)

    def as_csv(request: Request) -> Response:
        assert spec.table is not None
        columns, rows = spec.table(data(request))
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        for r in rows:
            writer.writerow(["" if r.get(c) is None else r[c] for c in columns])
        name = spec.path.strip("/").split("/")[0] or "page"
        return Response(buf.getvalue(), media_type="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})

    path_params = [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
                   for n in re.findall(r"{(\w+)}", spec.path)]
    app.add_api_route(spec.path + ".json", as_json, methods=["GET"], response_model=spec.model, tags=["pages"],
                      summary=spec.summary, openapi_extra={"parameters": path_params + spec.params},
                      name=f"{spec.template}-json")
    app.add_api_route("/" if spec.path == "/overview" else spec.path, as_html, methods=["GET"], include_in_schema=False,
                      name=f"{spec.template}-html")
    if spec.path == "/overview":
        app.add_api_route("/overview", as_html, methods=["GET"], include_in_schema=False)
    if spec.table is not None:
        app.add_api_route(spec.path + ".csv", as_csv, methods=["GET"], include_in_schema=False, name=f"{spec.template}-csv")


@asynccontextmanager
async def _long_lived_objects_frozen(app: FastAPI) -> AsyncIterator[None]:
    """While the app serves, what exists at its start (about 70,000 objects: the web
    stack's modules, the app, its routes and models) is moved out of the cyclic garbage
    collector's reach (`gc.freeze`). They live as long as the server, and each full
    collection traversed them again: 40-56 ms, landing on one request in six of the
    every-benchmark leaderboard (p95 95 ms against a p50 of 47 ms). Frozen, a full
    collection takes 1-6 ms. Objects are still freed by reference counting; they are
    unfrozen when the app stops."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def create_app(db: str | None = None, store: Store | None = None) -> FastAPI:
    """The playground as an ASGI app over the store at `db` (or an open `store`)."""
    # Each request reads the current store: a LiveStore reopens itself when an import
    # replaces its file (store/live.py).
    live = None if store is not None else LiveStore(db, lambda path: open_store(path, read_only=True))
    fixed = store

    def current() -> Store:
        return live.current() if live is not None else fixed  # type: ignore[return-value]

    # /docs is our own page (FastAPI's loads Swagger UI from a CDN, blank offline).
    app = FastAPI(title="mlperf-explorer playground", version="1", docs_url=None, redoc_url=None,
                  description="Every page of the playground as JSON: the same data the HTML shows.",
                  lifespan=_long_lived_objects_frozen)
    app.state.store = live or store
    app.add_middleware(ResponseCache, generation=lambda: live.generation if live is not None else None)
    env = Environment(loader=PackageLoader("mlperf_explorer.web", "templates"), autoescape=select_autoescape(["html"]))
    env.filters["num"] = _num
    env.filters["safe_url"] = safe_url
    app.mount("/static", StaticFiles(directory=os.path.join(HERE, "static")), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    def render(name: str, request: Request, **context: Any) -> HTMLResponse:
        html = env.get_template(name).render(request=request, path=request.url.path, query=str(request.url.query),
                                             empty=is_empty(current()), **context)
        return HTMLResponse(html)

    @app.get("/plotly.min.js", include_in_schema=False)
    def plotly_file() -> FileResponse:
        path = plotly_js()
        if path is None:
            raise HTTPException(404, "plotly is not installed")
        return FileResponse(path, media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})

    for spec in PAGES:
        _register(app, spec, current, render)

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        """The JSON twins, their parameters and shapes, from the OpenAPI schema; offline."""
        return render("docs.html", request, spec=app.openapi())

    @app.exception_handler(ExpressionError)
    def expression_errors(request: Request, exc: ExpressionError) -> Response:
        """A filter or lookup the expression language refuses is the user's 400, on every
        page, whether or not its handler guarded it."""
        return errors(request, HTTPException(status_code=400, detail=str(exc)))

    @app.exception_handler(HTTPException)
    def errors(request: Request, exc: HTTPException) -> Response:
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
