"""`import`, `update` and `sources`: bringing rounds into the store, with honest progress."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

import typer

from ..api import SourceError
from . import text
from .common import STARTED, DbOption, _fail, _opened, _plural, app

PHASES = {"read": "reading", "parse": "parsing", "write": "writing"}


def _run_imports(db: str | None, make_jobs: Callable[[Any], list[tuple[str, Callable[..., Any]]]], quiet: bool,
                 as_json: bool, label: str) -> None:
    """Run (source, callable(progress)) jobs on the store with a progress display on a
    terminal; errors are one line each and do not stop the other sources; exit 1 if any
    failed. The times printed are wall-clock: a source's from its start to its rows being in
    the store, and for the command from its start to the store being closed."""
    with _opened(db) as store:
        done, failed = _run_jobs(make_jobs(store), quiet or as_json or not sys.stderr.isatty(), label)
    wall = time.perf_counter() - STARTED
    if as_json:
        print(json.dumps([{**r.as_dict(), "wall_seconds": s} for r, s in done], indent=2, default=str))
    else:
        for report, seconds in done:
            text.say(_report_line(report, wall if len(done) == 1 else seconds))
        if len(done) > 1:
            print(f"{len(done)} sources in {wall:.1f}s")
    if failed:
        raise typer.Exit(1)


def _run_jobs(jobs: list[tuple[str, Callable[..., Any]]], plain: bool, label: str) -> tuple[list[tuple[Any, float]], bool]:
    if not plain:  # rich loads only to draw the bar on a terminal
        from rich.console import Console
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    done: list[tuple[Any, float]] = []
    failed = False
    for source, job in jobs:
        started = time.perf_counter()
        try:
            if plain:
                result = job(None)
            else:
                with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                              console=Console(stderr=True), transient=True) as bar:
                    result = job(_progress_display(bar, f"{label} {source}"))
        except SourceError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed = True
            continue
        seconds = time.perf_counter() - started
        done.extend((report, seconds) for report in (result if isinstance(result, list) else [result]))
    return done, failed


def _progress_display(bar: Any, title: str) -> Callable[[str, int, int], None]:
    """A progress callback that names the phase and counts in units: reading the source,
    parsing N systems (a bar), writing M results (a spinner until the commit is done)."""
    task = bar.add_task(f"{title}: reading the source", total=None)
    bar.refresh()
    shown = {"phase": "read"}

    def progress(phase: str, done: int, total: int) -> None:
        if phase == "parse" and total:
            bar.update(task, completed=done, total=total, description=f"{title}: parsing {done:,}/{_plural(total, 'system')}")
        elif phase == "write":
            bar.update(task, completed=0, total=None, description=f"{title}: writing {_plural(total, 'result')} to the store")
        elif phase == "read":
            bar.update(task, description=f"{title}: reading the source")
        else:  # a message from the source (cloning, fetching, checking out)
            bar.update(task, description=f"{title}: {phase}")
        if phase != shown["phase"]:  # every phase is drawn at least once, however short
            shown["phase"] = phase
            bar.refresh()

    return progress


def _report_line(report: Any, seconds: float) -> str:
    what = f"{report.family} {report.round}"
    if report.kind == "git":
        what += f" @ {report.commit[:12]} ({report.ref})"
    if report.mode == "unchanged":
        return f"{what}: unchanged ({report.location}), checked in {seconds:.1f}s"
    verb = f"{_plural(report.units, 'changed system')} re-imported: " if report.mode == "partial" else ""
    return (f"{what}: {verb}{_plural(report.results, 'result')} from {_plural(report.files, 'file')} in {seconds:.1f}s"
            + (f", {_plural(report.warnings, 'warning')} (see `mlperf-explorer status --warnings`)" if report.warnings else ""))


@app.command("import")
def import_cmd(
    sources: list[str] = typer.Argument(..., help="Results folders, archives (.tar.zst, .tar.gz, .tgz, .zip) or git "
                                                   "repositories (https/ssh/file URL or a bare repository), one round each."),
    db: str | None = DbOption,
    family: str | None = typer.Option(None, help="Force the family: inference, training, hpc or tiny (default: from the layout)."),
    round: str | None = typer.Option(None, "--round", help="Force the round, e.g. v3.0 (default: from the name or README)."),
    ref: str | None = typer.Option(None, "--ref", help="Git sources: the branch, tag or commit to import (default: the default branch)."),
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
    source: str | None = typer.Argument(None, help="An imported source (location, URL or source id); default: all."),
    db: str | None = DbOption,
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
    from ..sources.git import cache_root, list_clones

    clones = list_clones()
    if as_json:
        print(json.dumps(clones, indent=2))
        return
    if not clones:
        print(f"no cached clones in {cache_root()}", file=sys.stderr)
        return
    print(text.table(["name", "url", "commit", "size"], [
        [clone["name"], clone["url"], clone["commit"][:12], f"{clone['bytes'] / 1e6:,.1f} MB"] for clone in clones], right=[3]))


@sources_app.command("remove")
def sources_remove(name: str = typer.Argument(..., help="A cached clone's name (from `sources list`) or its URL.")) -> None:
    """Remove a cached clone (the store keeps what was imported from it)."""
    from ..sources.git import remove_clone

    removed = remove_clone(name)
    if not removed:
        _fail(f"no cached clone named {name!r} (see `mlperf-explorer sources list`)")
    for path in removed:
        print(f"removed {path}")
