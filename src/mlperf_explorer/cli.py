"""The `mlperf-explorer` command: argument parsing and printing over the Python API."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from . import __version__
from .api import AnnotationError, ExpressionError, RunError, SourceError, open_store
from .formats import write_rows
from .store.database import default_path

app = typer.Typer(
    help="Import MLPerf results into one store, then find and explore them.\n\n"
    "Start with `mlperf-explorer import PATH` (a results folder or a .tar.zst/.tar.gz/.zip "
    "archive of one round), then `mlperf-explorer find --tags closed,offline`.",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
out = Console(width=None if sys.stdout.isatty() else 240)

DbOption = typer.Option(None, "--db", envvar="MLPERF_EXPLORER_DB",
                        help="Store file (default ~/.local/share/mlperf-explorer/results.duckdb).")

TABLE_PAGE = 50


def _check_output(path: str, kind: str) -> None:
    """An output path must be writable as asked: its folder exists, and a file is not a
    folder (or a folder a file)."""
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        _fail(f"{path}: the folder {parent} does not exist")
    if kind == "file" and os.path.isdir(path):
        _fail(f"{path} is a folder; name a file to write")
    if kind == "folder" and os.path.exists(path) and not os.path.isdir(path):
        _fail(f"{path} is a file; name a folder to write into")


@contextlib.contextmanager
def _opened(db: str | None, read_only: bool = False, errors: tuple[type[Exception], ...] = (),
            must_exist: bool = True):
    """The store for one command, closed afterwards; the errors named become one `error:` line.
    A reading command on a store that does not exist says so (instead of answering nothing)."""
    if read_only and must_exist:
        path = os.path.expanduser(db) if db else default_path()
        if path != ":memory:" and not os.path.exists(path):
            _fail(f"no store at {path}; import a round first (mlperf-explorer import SOURCE), or name one with --db")
    store = open_store(db, read_only=read_only)
    try:
        yield store
    except errors as exc:
        _fail(str(exc))
    finally:
        store.close()


def _fail(message: str, code: int = 1) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        print(__version__)
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    pass


def _run_imports(db: str | None, make_jobs, quiet: bool, as_json: bool, label: str) -> None:
    """Run (source, callable(progress)) jobs on the store with a progress bar on a terminal;
    errors are one line each and do not stop the other sources; exit 1 if any failed."""
    with _opened(db) as store:
        reports, failed = _run_jobs(make_jobs(store), quiet, as_json, label)
    if as_json:
        print(json.dumps([r.as_dict() for r in reports], indent=2, default=str))
    if failed:
        raise typer.Exit(1)


def _run_jobs(jobs, quiet: bool, as_json: bool, label: str) -> tuple[list, bool]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    reports, failed = [], False
    for source, job in jobs:
        try:
            if quiet or as_json or not err.is_terminal:
                result = job(None)
            else:
                with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                              console=err, transient=True) as bar:
                    task = bar.add_task(f"{label} {source}", total=None)

                    def progress(stage: str, done: int, total: int) -> None:
                        if total:
                            bar.update(task, completed=done, total=total, description=f"{label} {source}")
                        else:
                            bar.update(task, description=stage)

                    result = job(progress)
        except SourceError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed = True
            continue
        for report in result if isinstance(result, list) else [result]:
            reports.append(report)
            if not as_json:
                out.print(_report_line(report), highlight=False, markup=False)
    return reports, failed


def _report_line(report) -> str:
    what = f"{report.family} {report.round}"
    if report.kind == "git":
        what += f" @ {report.commit[:12]} ({report.ref})"
    if report.mode == "unchanged":
        return f"{what}: unchanged ({report.location}), checked in {report.seconds:.1f}s"
    verb = f"{report.units} changed system(s) re-imported: " if report.mode == "partial" else ""
    return (f"{what}: {verb}{report.results:,} results from {report.files:,} files in {report.seconds:.1f}s"
            + (f", {report.warnings:,} warnings (see `mlperf-explorer status --warnings`)" if report.warnings else ""))


@app.command("import")
def import_cmd(
    sources: list[str] = typer.Argument(..., help="Results folders, archives (.tar.zst, .tar.gz, .tgz, .zip) or git "
                                                   "repositories (https/ssh/file URL or a bare repository), one round each."),
    db: Optional[str] = DbOption,
    family: Optional[str] = typer.Option(None, help="Force the family: inference, training, hpc or tiny (default: from the layout)."),
    round: Optional[str] = typer.Option(None, "--round", help="Force the round, e.g. v3.0 (default: from the name or README)."),
    ref: Optional[str] = typer.Option(None, "--ref", help="Git sources: the branch, tag or commit to import (default: the default branch)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    as_json: bool = typer.Option(False, "--json", help="Print what was imported as JSON."),
) -> None:
    """Import one or more rounds. Re-importing a source replaces what it brought before.

    Git repositories are cloned without file contents and checked out sparsely (results,
    systems, measurements and compliance folders only) into a cache: see `sources list`.
    Private repositories use your own git credentials (ssh keys, credential helpers).
    """
    _run_imports(db, lambda store: [(source, lambda progress, source=source: store.import_source(
        source, family=family, round=round, ref=ref, progress=progress)) for source in sources],
        quiet, as_json, "importing")


@app.command()
def update(
    source: Optional[str] = typer.Argument(None, help="An imported source (location, URL or source id); default: all."),
    db: Optional[str] = DbOption,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    as_json: bool = typer.Option(False, "--json", help="Print what was updated as JSON."),
) -> None:
    """Re-import only what changed since the last import: git sources are fetched and
    compared commit to commit, folders by file size and time, archives by content hash.
    A changed result replaces its row; a deleted one goes."""
    _run_imports(db, lambda store: [(source or "all sources", lambda progress: store.update(source, progress=progress))],
                 quiet, as_json, "updating")


sources_app = typer.Typer(help="The git clones kept in the cache for `import` and `update`.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")


@sources_app.command("list")
def sources_list(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """List cached clones: URL, commit checked out, size on disk."""
    from .sources.git import cache_root, list_clones

    clones = list_clones()
    if as_json:
        print(json.dumps(clones, indent=2))
        return
    if not clones:
        print(f"no cached clones in {cache_root()}", file=sys.stderr)
        return
    table = Table(header_style="bold")
    for c in ("name", "url", "commit", "size"):
        table.add_column(c)
    for c in clones:
        table.add_row(c["name"], c["url"], c["commit"][:12], f"{c['bytes'] / 1e6:,.1f} MB")
    out.print(table)


@sources_app.command("remove")
def sources_remove(name: str = typer.Argument(..., help="A cached clone's name (from `sources list`) or its URL.")) -> None:
    """Remove a cached clone (the store keeps what was imported from it)."""
    from .sources.git import remove_clone

    removed = remove_clone(name)
    if not removed:
        _fail(f"no cached clone named {name!r} (see `mlperf-explorer sources list`)")
    for path in removed:
        print(f"removed {path}")


@app.command()
def find(
    tags: Optional[str] = typer.Option(None, "--tags", "-t", help="Comma-separated tags; all must match, -tag excludes. E.g. closed,offline,-inferred"),
    where: Optional[str] = typer.Option(None, "--where", "-w", help="Filter expression, e.g. \"result > 1000 and submitter in ('NVIDIA','Intel')\""),
    columns: Optional[str] = typer.Option(None, "--columns", "-c", help="Comma-separated columns, or '*' for all."),
    sort: Optional[str] = typer.Option(None, "--sort", "-s", help="Column to sort by; prefix with - for descending."),
    limit: Optional[int] = typer.Option(None, "--limit", "-n", help="At most this many rows (table format shows 50 by default)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv, json, jsonl or parquet."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Write to this file instead of standard output."),
    constraint: Optional[str] = typer.Option(None, "--constraint", help="Saved filters to apply (comma-separated names; see `constraint list`)."),
    baseline: Optional[str] = typer.Option(None, "--baseline", help="Add a `speedup` column over this system (name or system_name), same round, model and scenario."),
    db: Optional[str] = DbOption,
) -> None:
    """Find results by tags and filters.

    Derived metrics (perf_per_watt, energy_per_sample_j, result_per_accelerator,
    result_per_node, energy_per_run_j, accelerator_minutes, and your own from `derive`)
    work in --columns, --where and --sort like stored columns.
    """
    fmt = fmt.lower()
    if fmt not in ("table", "csv", "json", "jsonl", "parquet"):
        _fail(f"unknown format {fmt!r}: use table, csv, json, jsonl or parquet")
    if fmt == "parquet" and not output:
        _fail("--format parquet needs --output FILE")
    if output:
        _check_output(output, "file")
    page = limit if limit is not None else (TABLE_PAGE + 1 if fmt == "table" else None)
    with _opened(db, read_only=True, errors=(ExpressionError,)) as store:
        rows = store.find(tags=tags, where=where, columns=columns, sort=sort, limit=page,
                          constraint=constraint, baseline=baseline)
    if fmt == "table":
        records = rows.records()
        more = limit is None and len(records) > TABLE_PAGE
        records = records[:TABLE_PAGE] if more else records
        table = Table(show_lines=False, header_style="bold")
        for c in rows.columns:
            table.add_column(c, overflow="ellipsis", no_wrap=True, max_width=40)
        for r in records:
            table.add_row(*[_cell(r[c]) for c in rows.columns])
        console = Console(file=open(output, "w")) if output else out
        console.print(table)
        if more:
            print(f"(first {TABLE_PAGE} rows; use --limit N or --format csv for all)", file=sys.stderr)
        elif not records:
            print("no results match", file=sys.stderr)
        return
    write_rows(rows.to_arrow(), fmt, output)


@app.command()
def export(
    fmt: str = typer.Option(..., "--format", "-f", help="cm (CM experiment folders), csv, json, jsonl or parquet (a folder partitioned by family and round)."),
    output: str = typer.Option(..., "--output", "-o", help="The file (csv, json, jsonl) or folder (parquet, cm) to write."),
    tags: Optional[str] = typer.Option(None, "--tags", "-t", help="Only results with all these tags (-tag excludes)."),
    where: Optional[str] = typer.Option(None, "--where", "-w", help="Only results matching this filter expression."),
    db: Optional[str] = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Print what was written as JSON."),
) -> None:
    """Export every matching result, with all its columns.

    `--format cm` writes experiment/<alias>/_cm.json and <timestamp>/cm-result.json, as the
    MLCommons CM results repository does (and `import` reads back). `--format parquet`
    writes OUTPUT/family=F/round=R/*.parquet with the store's column names and types.
    """
    _check_output(output, "folder" if fmt.lower() in ("parquet", "cm") else "file")
    with _opened(db, read_only=True, errors=(ExpressionError, ValueError)) as store:
        info = store.export(fmt, output, tags=tags, where=where)
    if as_json:
        print(json.dumps(info))
    else:
        extra = f" in {info['experiments']} experiments" if "experiments" in info else (
            f" in {info['files']} files" if "files" in info else "")
        print(f"{info['results']:,} results written to {output}{extra}", file=sys.stderr)


@app.command()
def derive(
    name: str = typer.Argument(..., help="The new column's name (lower case, digits, _)."),
    expression: str = typer.Argument(..., help="In the --where language, e.g. \"result / (accelerators_per_node * number_of_nodes)\"."),
    description: Optional[str] = typer.Option(None, "--description", "-d", help="What it means, shown by `metrics`."),
    units: Optional[str] = typer.Option(None, "--units", help="Its units."),
    replace: bool = typer.Option(False, "--replace", help="Redefine an existing metric of yours."),
    db: Optional[str] = DbOption,
) -> None:
    """Define a derived metric, stored in the database and usable in find, sort and exports.

    The expression is checked on every stored result now: unknown columns, type mismatches
    and overflows are refused with the reason. Division by zero gives an empty value."""
    with _opened(db, errors=(ExpressionError,)) as store:
        metric = store.derive(name, expression, description, units, replace=replace)
    print(f"metric {metric.name} = {expression}", file=sys.stderr)


@app.command()
def metrics(
    drop: Optional[str] = typer.Option(None, "--drop", help="Remove one of your metrics."),
    db: Optional[str] = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """List the derived metrics (built in and yours), with descriptions and units."""
    with _opened(db, read_only=drop is None) as store:
        if drop:
            if not store.drop_metric(drop):
                _fail(f"no metric of yours named {drop!r}")
            return
        items = [{"name": m.name, "builtin": m.builtin, "units": m.units, "description": m.description,
                  "expression": m.expression} for m in store.metrics()]
    if as_json:
        print(json.dumps(items, indent=2))
        return
    table = Table(header_style="bold")
    for c in ("name", "units", "description"):
        table.add_column(c, overflow="fold")
    for m in items:
        table.add_row(m["name"], m["units"], m["description"] if m["builtin"] else f"{m['description']} [= {m['expression']}]")
    out.print(table)


constraint_app = typer.Typer(help="Saved filters (constraints), used as `find --constraint NAME`.", no_args_is_help=True)
app.add_typer(constraint_app, name="constraint")


@constraint_app.command("add")
def constraint_add(
    name: str = typer.Argument(..., help="A short name, e.g. available-only."),
    expression: str = typer.Argument(..., help="A --where expression, e.g. \"availability = 'available'\"."),
    description: Optional[str] = typer.Option(None, "--description", "-d"),
    db: Optional[str] = DbOption,
) -> None:
    """Save a named filter."""
    with _opened(db, errors=(ExpressionError,)) as store:
        store.add_constraint(name, expression, description)


@constraint_app.command("list")
def constraint_list(db: Optional[str] = DbOption, as_json: bool = typer.Option(False, "--json")) -> None:
    """List saved filters."""
    with _opened(db, read_only=True) as store:
        items = store.constraints()
    if as_json:
        print(json.dumps(items, indent=2))
        return
    for c in items:
        print(f"{c['name']}: {c['expression']}" + (f"  ({c['description']})" if c["description"] else ""))


@constraint_app.command("remove")
def constraint_remove(name: str, db: Optional[str] = DbOption) -> None:
    """Remove a saved filter."""
    with _opened(db) as store:
        if not store.drop_constraint(name):
            _fail(f"no constraint named {name!r}")


@app.command()
def annotate(
    uid: str = typer.Argument(..., help="The result's uid (from `find`)."),
    report: Optional[str] = typer.Option(None, "--report", help="A reproducibility report: URL or local file."),
    note: Optional[str] = typer.Option(None, "--note", help="Free text."),
    status: Optional[str] = typer.Option(None, "--status", help="reproduced, failed or partial."),
    by: Optional[str] = typer.Option(None, "--by", help="Who reproduced it."),
    db: Optional[str] = DbOption,
) -> None:
    """Attach a reproducibility report or note to a result. Kept in the store and appended
    to RESULTS.annotations.jsonl next to it (share that file through git); it survives
    re-imports, as it keys on the result's stable uid."""
    with _opened(db, errors=(AnnotationError,)) as store:
        a = store.annotate(uid.strip(), report=report, note=note, status=status, by=by)
    print(f"annotation {a.id} added to {a.uid}", file=sys.stderr)


annotations_app = typer.Typer(help="Share annotations as JSON Lines files.", no_args_is_help=True)
app.add_typer(annotations_app, name="annotations")


@annotations_app.command("export")
def annotations_export(path: str = typer.Argument(..., help="JSON Lines file to write."), db: Optional[str] = DbOption) -> None:
    """Write every annotation to a JSON Lines file."""
    _check_output(path, "file")
    with _opened(db, read_only=True) as store:
        n = store.export_annotations(path)
    print(f"{n} annotations written to {path}", file=sys.stderr)


@annotations_app.command("import")
def annotations_import(path: str = typer.Argument(..., help="JSON Lines file to merge."), db: Optional[str] = DbOption) -> None:
    """Merge annotations from a JSON Lines file (ones already present are skipped)."""
    with _opened(db, errors=(AnnotationError, OSError)) as store:
        n = store.import_annotations(path)
    print(f"{n} new annotations from {path}", file=sys.stderr)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (127.0.0.1: this machine only)."),
    port: int = typer.Option(8000, "--port", help="Port."),
    open_browser: bool = typer.Option(False, "--open", help="Open the playground in a browser."),
    db: Optional[str] = DbOption,
) -> None:
    """Serve the playground: leaderboards, charts, compare, results; every page has a
    permalink and a JSON twin (add .json), described at /docs."""
    import uvicorn

    from .web.app import create_app

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
    name: Optional[str] = typer.Option(None, "--name", help="What to call it (default: the folder name)."),
    model: Optional[str] = typer.Option(None, "--model", help="The MLPerf benchmark it ran (loadgen logs do not say), e.g. resnet."),
    round: Optional[str] = typer.Option(None, "--round", help="Score it with this round's rules (default: the newest known)."),
    system_json: Optional[str] = typer.Option(None, "--system-json", help="A system description, as submitters write them."),
    db: Optional[str] = DbOption,
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
def run_list(db: Optional[str] = DbOption, as_json: bool = typer.Option(False, "--json")) -> None:
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
    round: Optional[str] = typer.Option(None, "--round", help="Rank among this round (default: the newest with that benchmark)."),
    division: str = typer.Option("closed", "--division", help="closed, open, network, or 'all'."),
    db: Optional[str] = DbOption,
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
             db: Optional[str] = DbOption) -> None:
    """Record a run as a reproduction attempt of a published result (a reproducibility
    report on that result, with the relative difference)."""
    with _opened(db, errors=(RunError, AnnotationError)) as store:
        annotation, diff = store.link_run(name, uid.strip())
    print(f"linked {name} to {annotation.uid}: {diff:+.2%} ({annotation.status})", file=sys.stderr)


@run_app.command("remove")
def run_remove(name: str, db: Optional[str] = DbOption) -> None:
    """Remove a run."""
    with _opened(db) as store:
        if not store.remove_run(name):
            _fail(f"no local run named {name!r}")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


@app.command()
def show(
    uid: str = typer.Argument(..., help="A result's uid (from `find`)."),
    db: Optional[str] = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Show one result with its runs and warnings."""
    with _opened(db, read_only=True) as store:
        result = store.get(uid.strip())
    if result is None:
        _fail(f"no result with uid {uid!r}")
    if as_json:
        print(json.dumps(result, indent=2, default=str))
        return
    skip = {"runs", "warnings", "system_description", "measurements", "tags", "annotations"}
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in result.items():
        if key in skip or value is None:
            continue
        table.add_row(key, _cell(value))
    table.add_row("tags", _cell(result.get("tags")))
    out.print(table)
    if result["runs"]:
        out.print("\nruns:", highlight=False)
        for run in result["runs"]:
            out.print(f"  {run['run']}: {_cell(run['result'])} ({'valid' if run['valid'] else 'INVALID'}, {run['log_scenario']})", highlight=False, markup=False)
    if result.get("annotations"):
        out.print("\nreproducibility reports and notes:", highlight=False)
        for a in result["annotations"]:
            head = " ".join(x for x in (a["created_at"][:10], a["status"] or "", f"by {a['by']}" if a["by"] else "") if x)
            out.print(f"  {head}: {a['report'] or ''} {a['note'] or ''}".rstrip(), highlight=False, markup=False)
    if result["warnings"]:
        out.print("\nwarnings:", highlight=False)
        for w in result["warnings"]:
            where = f"{w['path']}:{w['line']}" if w["line"] else w["path"]
            out.print(f"  {where}: {w['message']}", highlight=False, markup=False)


@app.command()
def tags(
    contains: Optional[str] = typer.Argument(None, help="Only tags containing this text."),
    db: Optional[str] = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Print as JSON ({tag: results})."),
) -> None:
    """Every tag `find --tags` knows, with how many results carry it."""
    with _opened(db, read_only=True) as store:
        known = store.known_tags()
    rows = sorted((t, n) for t, n in known.items() if not contains or contains.lower() in t)
    if as_json:
        print(json.dumps(dict(rows), indent=2))
        return
    if not rows:
        _fail(f"no tag contains {contains!r}" if contains else "no tags: the store is empty")
    table = Table(header_style="bold")
    table.add_column("tag")
    table.add_column("results", justify="right")
    for t, n in rows:
        table.add_row(t, f"{n:,}")
    out.print(table)


@app.command()
def status(
    db: Optional[str] = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
    warnings: bool = typer.Option(False, "--warnings", help="List the import warnings too."),
    round: Optional[str] = typer.Option(None, "--round", help="Only this round's warnings."),
) -> None:
    """What is imported: rounds, counts, warnings."""
    with _opened(db, read_only=True, must_exist=False) as store:  # an empty store says how to fill it
        info = store.status()
        known = sorted({s["round"] for s in info["sources"]})
        if round and round not in known:
            _fail(f"no round {round!r} in the store; imported: {', '.join(known) or 'none'}")
        warning_rows = store.warnings(round) if warnings else []
    if as_json:
        if warnings:
            info["warnings"] = warning_rows
        print(json.dumps(info, indent=2, default=str))
        return
    out.print(f"store: {info['database']}  ({info['results']:,} results)", highlight=False, markup=False)
    if not info["sources"]:
        out.print("nothing imported yet: run `mlperf-explorer import PATH` with a results folder or archive", highlight=False, markup=False)
        return
    table = Table(header_style="bold")
    for c in ("family", "round", "results", "valid", "power", "warnings", "source", "imported"):
        table.add_column(c)
    for s in info["sources"]:
        table.add_row(s["family"], s["round"], f"{s['results']:,}", f"{s['valid']:,}", f"{s['power']:,}",
                      f"{s['warnings']:,}", f"{s['kind']}: {s['location']}"
                      + (f" @ {s['commit'][:12]}" if s.get("commit") else ""), str(s["imported_at"])[:19])
    out.print(table)
    for w in warning_rows:
        where = f"{w['path']}:{w['line']}" if w["line"] else w["path"]
        out.print(f"{w['round']} {where}: {w['message']}", highlight=False, markup=False)


_STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS, errno.EACCES, errno.EPERM}


def main() -> None:
    """Run a command. A full disk or an unwritable store is one line, not a traceback: every
    write is one transaction, so the store is left as it was."""
    import duckdb

    try:
        app()
    except BrokenPipeError:  # `mlperf-explorer find | head`
        sys.stderr.close()
    except OSError as exc:
        if exc.errno not in _STORAGE_ERRNOS:
            raise
        print(f"error: {exc.strerror or exc}{': ' + exc.filename if exc.filename else ''}; nothing was changed",
              file=sys.stderr)
        sys.exit(1)
    except duckdb.IOException as exc:
        print(f"error: cannot write the store ({str(exc).splitlines()[0][:200]}); nothing was changed", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
