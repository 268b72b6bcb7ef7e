"""`run` (your own loadgen or training runs) and `serve` (the playground)."""

from __future__ import annotations

import json
import sys

import typer

from ..api import AnnotationError, ExpressionError, RunError
from .common import DbOption, _cell, _fail, _opened, app


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (127.0.0.1: this machine only)."),
    port: int = typer.Option(8000, "--port", help="Port."),
    open_browser: bool = typer.Option(False, "--open", help="Open the playground in a browser."),
    db: str | None = DbOption,
) -> None:
    """Serve the playground: leaderboards, charts, compare, results; every page has a
    permalink and a JSON twin (add .json), described at /docs."""
    import importlib.util

    missing = [m for m in ("fastapi", "uvicorn", "jinja2") if importlib.util.find_spec(m) is None]
    if missing:
        _fail(f"the playground needs {', '.join(missing)}: pip install 'mlperf-explorer[web]'")
    import uvicorn

    from ..web.app import create_app

    application = create_app(db)
    url = f"http://{host}:{port}/"
    print(f"playground at {url} (Ctrl-C stops it)", file=sys.stderr)
    if open_browser:
        import threading
        import webbrowser

        threading.Timer(1.0, lambda: webbrowser.open(url)).start()
    uvicorn.run(application, host=host, port=port, log_level="warning")


run_app = typer.Typer(help="Your own loadgen or training runs, ranked among the published results.", no_args_is_help=True)
app.add_typer(run_app, name="run")


@run_app.command("add")
def run_add(
    path: str = typer.Argument(..., help="A loadgen output folder (mlperf_log_summary.txt, mlperf_log_detail.txt, "
                                         "optional accuracy.txt) or training result logs (a file or a folder of result_*.txt)."),
    name: str | None = typer.Option(None, "--name", help="What to call it (default: the folder name)."),
    model: str | None = typer.Option(None, "--model", help="The MLPerf benchmark it ran (loadgen logs do not say), e.g. resnet."),
    round: str | None = typer.Option(None, "--round", help="Score it with this round's rules (default: the newest known)."),
    system_json: str | None = typer.Option(None, "--system-json", help="A system description, as submitters write them."),
    db: str | None = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Print the stored run as JSON."),
) -> None:
    """Add a run (family `local`: never mixed into the published results)."""
    import os

    name = name or os.path.basename(os.path.normpath(path))
    with _opened(db, errors=(RunError, ExpressionError)) as store:
        store.add_run(path, name, model=model, round=round, system_json=system_json)
        row = store.find(where=f"family = 'local' and system = '{name.replace(chr(39), chr(39) * 2)}'",
                         columns="uid,system,model,scenario,result,result_units,valid").records()[0]
    if as_json:
        print(json.dumps(row, default=str))
    else:
        print(f"run {row['system']}: {row['model']} {row['scenario'] or ''} {_cell(row['result'])} {row['result_units']}"
              f" ({'valid' if row['valid'] else 'NOT valid'})", file=sys.stderr)


@run_app.command("list")
def run_list(db: str | None = DbOption, as_json: bool = typer.Option(False, "--json")) -> None:
    """List your runs."""
    with _opened(db, read_only=True) as store:
        rows = store.runs()
    if as_json:
        print(json.dumps(rows, default=str, indent=2))
        return
    for r in rows:
        print(f"{r['system']}: {r['model']} {r['scenario'] or ''} {_cell(r['result'])} {r['result_units']} ({r['round']})")


@run_app.command("rank")
def run_rank(
    name: str = typer.Argument(...),
    round: str | None = typer.Option(None, "--round", help="Rank among this round (default: the newest with that benchmark)."),
    division: str = typer.Option("closed", "--division", help="closed, open, network, or 'all'."),
    db: str | None = DbOption,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Where a run would stand among the published results of its benchmark and scenario."""
    with _opened(db, read_only=True, errors=(RunError,)) as store:
        info = store.rank_run(name, round=round, division=None if division == "all" else division)
    if as_json:
        print(json.dumps(info, default=str, indent=2))
        return
    print(f"{name}: {_cell(info['result'])} {info['result_units']} ranks {info['rank']} of {info['of']} "
          f"({info['benchmark']} {info['scenario'] or ''}, {info['round']} {info['division'] or 'all divisions'})")
    if info["rank_same_accelerator"]:
        print(f"  among systems with the same accelerator and count: {info['rank_same_accelerator']} of {info['of_same_accelerator']}")
    for label in ("above", "below"):
        p = info[label]
        if p:
            print(f"  next {label}: {p['submitter']} {p['system_name'] or p['system']}: {_cell(p['result'])} (uid {p['uid']})")


@run_app.command("link")
def run_link(name: str = typer.Argument(...), uid: str = typer.Argument(..., help="The published result it reproduces."),
             db: str | None = DbOption) -> None:
    """Record a run as a reproduction attempt of a published result (a reproducibility
    report on that result, with the relative difference)."""
    with _opened(db, errors=(RunError, AnnotationError)) as store:
        annotation, diff = store.link_run(name, uid.strip())
    print(f"linked {name} to {annotation.uid}: {diff:+.2%} ({annotation.status})", file=sys.stderr)


@run_app.command("remove")
def run_remove(name: str, db: str | None = DbOption) -> None:
    """Remove a run."""
    with _opened(db) as store:
        if not store.remove_run(name):
            _fail(f"no local run named {name!r}")
