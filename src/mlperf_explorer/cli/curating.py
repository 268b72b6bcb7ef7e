"""`derive`, `metrics`, `constraint`, `annotate` and `annotations`: what users add to the store."""

from __future__ import annotations

import json
import sys

import typer

from ..api import AnnotationError, ExpressionError
from . import text
from .common import DbOption, _check_output, _fail, _opened, app


@app.command()
def derive(
    name: str = typer.Argument(..., help="The new column's name (lower case, digits, _)."),
    expression: str = typer.Argument(..., help="In the --where language, e.g. \"result / (accelerators_per_node * number_of_nodes)\"."),
    description: str | None = typer.Option(None, "--description", "-d", help="What it means, shown by `metrics`."),
    units: str | None = typer.Option(None, "--units", help="Its units."),
    replace: bool = typer.Option(False, "--replace", help="Redefine an existing metric of yours."),
    db: str | None = DbOption,
) -> None:
    """Define a derived metric, stored in the database and usable in find, sort and exports.

    The expression is checked on every stored result now: unknown columns, type mismatches
    and overflows are refused with the reason. Division by zero gives an empty value."""
    with _opened(db, errors=(ExpressionError,)) as store:
        metric = store.derive(name, expression, description, units, replace=replace)
    print(f"metric {metric.name} = {expression}", file=sys.stderr)


@app.command()
def metrics(
    drop: str | None = typer.Option(None, "--drop", help="Remove one of your metrics."),
    db: str | None = DbOption,
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
    print(text.table(["name", "units", "description"], [
        [m["name"], m["units"], m["description"] if m["builtin"] else f"{m['description']} [= {m['expression']}]"]
        for m in items], wrap=True))


constraint_app = typer.Typer(help="Saved filters (constraints), used as `find --constraint NAME`.", no_args_is_help=True)
app.add_typer(constraint_app, name="constraint")


@constraint_app.command("add")
def constraint_add(
    name: str = typer.Argument(..., help="A short name, e.g. available-only."),
    expression: str = typer.Argument(..., help="A --where expression, e.g. \"availability = 'available'\"."),
    description: str | None = typer.Option(None, "--description", "-d"),
    db: str | None = DbOption,
) -> None:
    """Save a named filter."""
    with _opened(db, errors=(ExpressionError,)) as store:
        store.add_constraint(name, expression, description)


@constraint_app.command("list")
def constraint_list(db: str | None = DbOption, as_json: bool = typer.Option(False, "--json")) -> None:
    """List saved filters."""
    with _opened(db, read_only=True) as store:
        items = store.constraints()
    if as_json:
        print(json.dumps(items, indent=2))
        return
    for c in items:
        print(f"{c['name']}: {c['expression']}" + (f"  ({c['description']})" if c["description"] else ""))


@constraint_app.command("remove")
def constraint_remove(name: str, db: str | None = DbOption) -> None:
    """Remove a saved filter."""
    with _opened(db) as store:
        if not store.drop_constraint(name):
            _fail(f"no constraint named {name!r}")


@app.command()
def annotate(
    uid: str = typer.Argument(..., help="The result's uid (from `find`)."),
    report: str | None = typer.Option(None, "--report", help="A reproducibility report: URL or local file."),
    note: str | None = typer.Option(None, "--note", help="Free text."),
    status: str | None = typer.Option(None, "--status", help="reproduced, failed or partial."),
    by: str | None = typer.Option(None, "--by", help="Who reproduced it."),
    db: str | None = DbOption,
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
def annotations_export(path: str = typer.Argument(..., help="JSON Lines file to write."), db: str | None = DbOption) -> None:
    """Write every annotation to a JSON Lines file."""
    _check_output(path, "file")
    with _opened(db, read_only=True) as store:
        n = store.export_annotations(path)
    print(f"{n} annotations written to {path}", file=sys.stderr)


@annotations_app.command("import")
def annotations_import(path: str = typer.Argument(..., help="JSON Lines file to merge."), db: str | None = DbOption) -> None:
    """Merge annotations from a JSON Lines file (ones already present are skipped)."""
    with _opened(db, errors=(AnnotationError, OSError)) as store:
        n = store.import_annotations(path)
    print(f"{n} new annotations from {path}", file=sys.stderr)
