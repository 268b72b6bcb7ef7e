"""`find`, `compare`, `export`, `show`, `tags` and `status`: reading the store."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from ..api import ExpressionError
from ..formats import write_rows
from .common import TABLE_PAGE, DbOption, _cell, _check_output, _fail, _opened, _row, app, out


@app.command()
def find(
    tags: str | None = typer.Option(None, "--tags", "-t", help="Comma-separated tags; all must match, -tag excludes. "
                                                                     "E.g. closed,offline,-inferred"),
    where: str | None = typer.Option(None, "--where", "-w", help="Filter expression, e.g. "
                                                                         "\"result > 1000 and submitter in ('NVIDIA','Intel')\""),
    columns: str | None = typer.Option(None, "--columns", "-c", help="Comma-separated columns, or '*' for all."),
    sort: str | None = typer.Option(None, "--sort", "-s", help="Column to sort by; prefix with - for descending."),
    limit: int | None = typer.Option(None, "--limit", "-n", help="At most this many rows (table format shows 50 by default)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv, json, jsonl or parquet."),
    output: str | None = typer.Option(None, "--output", "-o", help="Write to this file instead of standard output."),
    constraint: str | None = typer.Option(None, "--constraint", help="Saved filters to apply (comma-separated names; "
                                                                         "see `constraint list`)."),
    baseline: str | None = typer.Option(None, "--baseline", help="Add a `speedup` column over this system (name or "
                                                                     "system_name), same round, model and scenario."),
    best_per: str | None = typer.Option(None, "--best-per", help="Only the best valid result per group of these columns "
                                                                 "(e.g. round or round,scenario): the most throughput, the "
                                                                 "least latency or time to train."),
    db: str | None = DbOption,
) -> None:
    """Find results by tags and filters.

    Examples:

      mlperf-explorer find --tags closed,resnet50,offline --sort=-result --limit 5

      mlperf-explorer find --tags closed,bert-99,offline --best-per round

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
                          constraint=constraint, baseline=baseline, best_per=best_per, arrow=fmt == "parquet")
    if fmt == "table":
        records = rows.records()
        more = limit is None and len(records) > TABLE_PAGE
        records = records[:TABLE_PAGE] if more else records
        table = Table(show_lines=False, header_style="bold")
        for c in rows.columns:
            table.add_column(c, overflow="ellipsis", no_wrap=True, max_width=40)
        for r in records:
            _row(table, *[_cell(r[c]) for c in rows.columns])
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                Console(file=fh).print(table)
        else:
            out.print(table)
        if more:
            print(f"(first {TABLE_PAGE} rows; use --limit N or --format csv for all)", file=sys.stderr)
        elif not records:
            print("no results match", file=sys.stderr)
        return
    write_rows(rows, fmt, output)


@app.command()
def compare(
    items: list[str] = typer.Argument(..., help="2 to 6 result uids, or 2 to 6 system names (folder name or system_name)."),
    where: str | None = typer.Option(None, "--where", "-w", help="Systems: only results matching this filter (e.g. \"round = 'v4.1'\")."),
    db: str | None = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Print the comparison as JSON."),
) -> None:
    """Compare results or systems side by side, with differences relative to the first.

    Given uids, every field of those results; given system names, the best valid result of
    each system on every benchmark and scenario they all ran. A difference is marked better
    or worse by its direction: more throughput is better, more latency or time to train is
    worse.

      mlperf-explorer compare 1a2b3c4d5e6f7a8b 9c8d7e6f5a4b3c2d

      mlperf-explorer compare "NVIDIA DGX H100" "NVIDIA DGX B200" --where "division = 'closed'"
    """
    with _opened(db, read_only=True, errors=(ExpressionError,)) as store:
        page = store.compare(items, where=where)
    if as_json:
        print(json.dumps(page, indent=1, default=str))
        return
    table = Table(header_style="bold")
    labels = [i["label"] for i in page["items"]]
    if page["kind"] == "results":
        table.add_column("field")
        for label in labels:
            table.add_column(label, justify="right")
        for row in page["rows"]:
            _row(table, row["field"], *_compared(row))
    else:
        for c in ("round", "benchmark", "scenario", "units"):
            table.add_column(c)
        for label in labels:
            table.add_column(label, justify="right")
        for row in page["rows"]:
            _row(table, row["round"], row["benchmark"], row["scenario"], row["result_units"] or "", *_compared(row))
        if not page["rows"]:
            print("these systems have no benchmark and scenario in common", file=sys.stderr)
    out.print(table)


def _compared(row: dict[str, Any]) -> list[str]:
    """Each value with its difference to the first, marked better or worse."""
    cells = []
    for i, v in enumerate(row["values"]):
        text = _cell(v)
        rel = row["relative"][i] if row.get("relative") and i else None
        if rel is not None:
            better = row["better"][i]
            mark = "" if better is None else (", better" if better else ", worse")
            text += f" ({rel * 100:+.1f}%{mark})"
        cells.append(text)
    return cells


@app.command()
def export(
    fmt: str = typer.Option(..., "--format", "-f", help="cm (CM experiment folders), csv, json, jsonl or "
                                                                 "parquet (a folder partitioned by family and round)."),
    output: str = typer.Option(..., "--output", "-o", help="The file (csv, json, jsonl) or folder (parquet, cm) to write."),
    tags: str | None = typer.Option(None, "--tags", "-t", help="Only results with all these tags (-tag excludes)."),
    where: str | None = typer.Option(None, "--where", "-w", help="Only results matching this filter expression."),
    merge: bool = typer.Option(False, "--merge", help="cm: add to an existing CM repository (each experiment gains "
                                                     "a new timestamped result; nothing is overwritten)."),
    cm_power_rows: str = typer.Option("row", "--cm-power-rows", help="cm: 'row' (power on the result's row, the "
                                                                    "default) or 'separate' (a second row, as CM's importer)."),
    db: str | None = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Print what was written as JSON."),
) -> None:
    """Export every matching result, with all its columns.

    `--format cm` writes a CM repository: cmr.yaml, experiment/<alias>/_cm.json and
    <timestamp>/cm-result.json, with the aliases, tags and keys of MLCommons' CM results
    repository (register it with `cm init repo NAME --path=OUTPUT`; `import` reads it back).
    `--format parquet` writes OUTPUT/family=F/round=R/*.parquet with the store's column names
    and types, readable by pandas, pyarrow, polars, DuckDB and Spark.
    """
    _check_output(output, "folder" if fmt.lower() in ("parquet", "cm") else "file")
    with _opened(db, read_only=True, errors=(ExpressionError, ValueError)) as store:
        info = store.export(fmt, output, tags=tags, where=where, merge=merge, power_rows=cm_power_rows)
    if as_json:
        print(json.dumps(info))
    else:
        extra = f" in {info['experiments']} experiments" if "experiments" in info else (
            f" in {info['files']} files" if "files" in info else "")
        print(f"{info['results']:,} results written to {output}{extra}", file=sys.stderr)


@app.command()
def publish(
    output: str = typer.Option(..., "--output", "-o", help="The folder to write the site into."),
    tags: str | None = typer.Option(None, "--tags", "-t", help="Only results with all these tags (-tag excludes)."),
    where: str | None = typer.Option(None, "--where", "-w", help="Only results matching this filter expression."),
    mine: bool = typer.Option(False, "--with-my-runs", help="Add a 'My runs' page (your local runs, ranked) and "
                              "draw them on the charts."),
    db: str | None = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Print what was written as JSON."),
) -> None:
    """Publish the selected results as a static site any host can serve, offline.

    Leaderboards, charts and compare work in the browser from per-round JSON files; every
    view is a link; CSV and JSON of the rows shown; links are relative, so a sub-path such as
    GitHub Pages' https://ORG.github.io/REPO/ works. Try it: python -m http.server -d OUTPUT
    """
    _check_output(output, "folder")
    with _opened(db, read_only=True, errors=(ExpressionError, ValueError)) as store:
        info = store.publish(output, tags=tags, where=where, mine=mine)
    if as_json:
        print(json.dumps(info))
    else:
        runs = f" and {info['runs']} of your runs" if info["runs"] is not None else ""
        print(f"{info['results']:,} results of {info['rounds']} round(s){runs} published to {output} "
              f"({info['bytes'] / 1e6:,.1f} MB); open {output}/index.html through a web server", file=sys.stderr)


@app.command()
def show(
    uid: str = typer.Argument(..., help="A result's uid (from `find`)."),
    db: str | None = DbOption,
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
        _row(table, key, _cell(value))
    _row(table, "tags", _cell(result.get("tags")))
    out.print(table)
    if result["runs"]:
        out.print("\nruns:", highlight=False)
        for run in result["runs"]:
            state = "valid" if run["valid"] else "INVALID"
            out.print(f"  {run['run']}: {_cell(run['result'])} ({state}, {run['log_scenario']})", highlight=False, markup=False)
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
    contains: str | None = typer.Argument(None, help="Only tags containing this text."),
    db: str | None = DbOption,
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
        _row(table, t, f"{n:,}")
    out.print(table)


@app.command()
def status(
    db: str | None = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
    warnings: bool = typer.Option(False, "--warnings", help="List the import warnings too."),
    round: str | None = typer.Option(None, "--round", help="Only this round's warnings."),
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
        _row(table, s["family"], s["round"], f"{s['results']:,}", f"{s['valid']:,}", f"{s['power']:,}",
                      f"{s['warnings']:,}", f"{s['kind']}: {s['location']}"
                      + (f" @ {s['commit'][:12]}" if s.get("commit") else ""), str(s["imported_at"])[:19])
    out.print(table)
    for w in warning_rows:
        where = f"{w['path']}:{w['line']}" if w["line"] else w["path"]
        out.print(f"{w['round']} {where}: {w['message']}", highlight=False, markup=False)
