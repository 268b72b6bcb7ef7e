"""`find`, `compare`, `export`, `show`, `tags` and `status`: reading the store."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

from ..api import ExpressionError
from ..formats import write_rows
from . import text
from .common import TABLE_PAGE, DbOption, _cell, _check_output, _fail, _opened, app


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
        body = [[_cell(r[c]) for c in rows.columns] for r in records]
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                print(text.table(rows.columns, body, max_width=40, room=text.PIPE_WIDTH, bold=False), file=fh)
        else:
            print(text.table(rows.columns, body, max_width=40))
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
    labels = [i["label"] for i in page["items"]]
    if page["kind"] == "results":
        header = ["field", *labels]
        body = [[row["field"], *_compared(row)] for row in page["rows"]]
    else:
        header = ["round", "benchmark", "scenario", "units", *labels]
        body = [[row["round"], row["benchmark"], row["scenario"], row["result_units"] or "", *_compared(row)]
                for row in page["rows"]]
        if not page["rows"]:
            print("these systems have no benchmark and scenario in common", file=sys.stderr)
    print(text.table(header, body, right=range(len(header) - len(labels), len(header))))


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
    fields = [(key, _cell(value)) for key, value in result.items() if key not in skip and value is not None]
    print(text.pairs([*fields, ("tags", _cell(result.get("tags")))]))
    if result["runs"]:
        print("\nruns:")
        for run in result["runs"]:
            state = "valid" if run["valid"] else "INVALID"
            text.say(f"  {run['run']}: {_cell(run['result'])} ({state}, {run['log_scenario']})")
    if result.get("annotations"):
        print("\nreproducibility reports and notes:")
        for a in result["annotations"]:
            head = " ".join(x for x in (a["created_at"][:10], a["status"] or "", f"by {a['by']}" if a["by"] else "") if x)
            text.say(f"  {head}: {a['report'] or ''} {a['note'] or ''}".rstrip())
    if result["warnings"]:
        print("\nwarnings:")
        for w in result["warnings"]:
            where = f"{w['path']}:{w['line']}" if w["line"] else w["path"]
            text.say(f"  {where}: {w['message']}")


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
    print(text.table(["tag", "results"], [[t, f"{n:,}"] for t, n in rows], right=[1]))


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
    text.say(f"store: {info['database']}  ({info['results']:,} results)")
    if not info["sources"]:
        print("nothing imported yet: run `mlperf-explorer import PATH` with a results folder or archive")
        return
    header = ["family", "round", "results", "valid", "power", "warnings", "source", "imported"]
    body = [[s["family"], s["round"], f"{s['results']:,}", f"{s['valid']:,}", f"{s['power']:,}", f"{s['warnings']:,}",
             f"{s['kind']}: {s['location']}" + (f" @ {s['commit'][:12]}" if s.get("commit") else ""),
             str(s["imported_at"])[:19]] for s in info["sources"]]
    print(text.table(header, body))
    for w in warning_rows:
        where = f"{w['path']}:{w['line']}" if w["line"] else w["path"]
        text.say(f"{w['round']} {where}: {w['message']}")
