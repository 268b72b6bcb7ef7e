"""`publish`: the playground as a static site any host can serve (a folder, `python -m
http.server`, GitHub Pages under a sub-path), offline.

The site is the selected results as JSON, one file per round (`data/<family>/<round>.json`,
the columns a leaderboard, chart or compare needs, derived metrics included), per family the
candidates of a trend across rounds (`trend.json`) and one file per submitter for the system
pages (`systems/<slug>.json`), your local runs when asked (`runs.json`), an index of all
these, and pages that filter, rank, sort, page, chart and compare in the browser
(`static/site.js`), with every selection in the URL and CSV/JSON of exactly the rows shown.
The look (style.css) and the chart drawing (charts.js with plotly.js from the installed
`plotly` package) are the playground's own files. Every link is relative, so a sub-path works;
nothing loads from another host.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .records import FIELD_DIRECTION, LOWER_IS_BETTER, higher_is_better, round_key

if TYPE_CHECKING:
    from .api import Store

HERE = os.path.dirname(__file__)
SITE_COLUMNS = ["uid", "family", "round", "division", "system_type", "submitter", "system", "system_name", "model",
                "mlperf_model", "scenario", "result", "result_units", "valid", "inferred", "accuracy", "power_result",
                "power_units", "perf_per_watt", "result_per_accelerator", "result_per_core", "energy_per_sample_j",
                "accelerator_model_name", "total_accelerators", "host_processor_model_name", "framework",
                "availability", "runs_counted", "url"]
PAGES = ("index.html", "leaderboard.html", "charts.html", "compare.html", "result.html", "system.html")
# A trend draws the best valid result of each round; these are the candidates: the best row of
# each (round, division, benchmark, scenario, units, submitter, accelerator) for each metric a
# trend can draw, so its division, benchmark, scenario, submitter and accelerator filters
# give the same best as over every row, in a file far smaller than every round's rows.
TREND_METRICS = ("result", "result_per_accelerator")
TREND_GROUP = ("round", "division", "mlperf_model", "model", "scenario", "result_units", "submitter", "accelerator_model_name")
TREND_COLUMNS = ["uid", *TREND_GROUP, "system_name", "system", *TREND_METRICS]
SYSTEM_RESULT_COLUMNS = ["uid", "round", "division", "model", "mlperf_model", "scenario", "result", "result_units",
                         "valid", "perf_per_watt"]
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "worker-src 'self' blob:; object-src 'none'; base-uri 'none'")
SHELL = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<link rel="stylesheet" href="static/style.css">
<title>{title}</title>
{head}
</head>
<body data-page="{page}">
<header>
  <a class="brand" href="index.html">mlperf-explorer</a>
  <nav><a href="index.html">Rounds</a> <a href="leaderboard.html">Leaderboard</a> <a href="charts.html">Charts</a>
  <a href="compare.html">Compare</a>{nav}</nav>
</header>
<main>
{main}</main>
<script src="static/site.js"></script>
</body>
</html>
"""


def publish(store: Store, output: str, tags: str | Sequence[str] | None = None, where: str | None = None,
            mine: bool = False) -> dict[str, Any]:
    """See `Store.publish`."""
    columns = [c for c in SITE_COLUMNS if c in store.columns]
    published = "family <> 'local'"  # your own runs are never mixed into the published rounds
    rows = store.find(tags=tags, where=f"({where}) and {published}" if where else published, columns=columns,
                      sort="uid", arrow=False)
    by_round: dict[tuple[str, str], list[list[Any]]] = {}
    family_at, round_at = columns.index("family"), columns.index("round")
    for r in rows.tuples():
        by_round.setdefault((r[family_at], r[round_at]), []).append(list(r))
    if not by_round:
        raise ValueError("no results match: nothing to publish")
    os.makedirs(os.path.join(output, "data"), exist_ok=True)
    index = []
    for (family, round_name), items in sorted(by_round.items(), key=lambda kv: (kv[0][0], round_key(kv[0][1]))):
        _write(os.path.join(output, "data", family, f"{round_name}.json"), {"columns": columns, "rows": items})
        index.append({"family": family, "round": round_name, "results": len(items)})
    by_family: dict[str, list[dict[str, Any]]] = {}
    for (family, _), items in by_round.items():
        by_family.setdefault(family, []).extend(dict(zip(columns, r, strict=True)) for r in items)
    for family, of_family in sorted(by_family.items()):
        _write(os.path.join(output, "data", family, "trend.json"), _table(TREND_COLUMNS, trend_candidates(of_family)))
    submitters = _write_systems(store, output, [r for of_family in by_family.values() for r in of_family])
    runs = _write_runs(store, output, columns) if mine else None
    from .web.pages import UNIT_RULES

    _write(os.path.join(output, "data", "index.json"), {
        "rounds": index, "lower_is_better": list(LOWER_IS_BETTER), "directions": FIELD_DIRECTION, "units": UNIT_RULES,
        "columns": columns, "submitters": submitters, "runs": runs is not None}, indent=1)
    _copy_assets(output, mine)
    return {"output": output, "results": len(rows), "rounds": len(index), "runs": runs,
            "bytes": sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(output) for f in fs)}


def trend_candidates(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows a trend across rounds can pick (see TREND_GROUP): valid, and best of their
    group on a trend metric by that metric's direction."""
    best: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in records:
        if not r.get("valid"):
            continue
        for metric in TREND_METRICS:
            value = r.get(metric)
            if not isinstance(value, (int, float)):
                continue
            key = (metric, *(r.get(c) for c in TREND_GROUP))
            cur = best.get(key)
            up = higher_is_better(metric, r.get("result_units")) is not False
            if cur is None or (value > cur[metric] if up else value < cur[metric]):
                best[key] = r
    unique = {r["uid"]: r for r in best.values()}
    return [unique[u] for u in sorted(unique)]


def submitter_slug(name: str) -> str:
    """A file name for a submitter's systems: its letters and digits for reading, and a hash
    of the exact name so that no two submitters share a file and no name chooses a path."""
    readable = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40]
    return f"{readable or 'submitter'}-{hashlib.sha1(name.encode('utf-8', 'replace')).hexdigest()[:10]}"


def _write_systems(store: Store, output: str, records: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """One file per family and submitter: each of its systems with its description and every
    published result (the system page). Returns {family: {submitter: slug}} for the index."""
    from .query.results import system_descriptions

    descriptions = system_descriptions(store)
    grouped: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = {}
    for r in records:
        grouped.setdefault((r["family"], r["submitter"] or ""), {}).setdefault(r["system"] or "", []).append(r)
    slugs: dict[str, dict[str, str]] = {}
    for (family, submitter), systems in sorted(grouped.items()):
        slug = slugs.setdefault(family, {})[submitter] = submitter_slug(submitter)
        body = {"submitter": submitter, "systems": {
            system: {"description": descriptions.get((submitter, system)),
                     **_table(SYSTEM_RESULT_COLUMNS, sorted(items, key=lambda r: (round_key(r["round"]), r["model"] or "",
                                                                                   r["scenario"] or "", r["uid"])))}
            for system, items in sorted(systems.items())}}
        _write(os.path.join(output, "data", family, "systems", f"{slug}.json"), body)
    return slugs


def _write_runs(store: Store, output: str, columns: list[str]) -> int:
    """Your local runs, ranked as the playground's "My runs" page ranks them, with the site's
    columns (a chart draws them by these)."""
    from .web.pages import my_runs

    page = my_runs(store)
    rows = store.find(where="family = 'local'", columns=columns, sort="uid", arrow=False)
    _write(os.path.join(output, "data", "runs.json"), {**page, "columns": columns, "rows": [list(r) for r in rows.tuples()]})
    return len(page["runs"])


def _table(columns: list[str], records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {"columns": columns, "rows": [[r.get(c) for c in columns] for r in records]}


def _write(path: str, data: Any, indent: int | None = None) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, separators=None if indent else (",", ":"), indent=indent, default=str)


def page_html(name: str, fragment: str, mine: bool = False) -> str:
    """A page of the site: the shared head and navigation around its fragment (web/site/),
    whose first lines may say its title and extra head elements in comments."""
    title, head, lines = "mlperf-explorer", "", fragment.splitlines(keepends=True)
    while lines and lines[0].startswith("<!-- ") and lines[0].rstrip().endswith(" -->"):
        key, _, value = lines.pop(0).strip()[5:-4].partition(": ")
        if key == "title":
            title = value
        elif key == "head":
            head = value
    main = "".join(_included(line) for line in lines)
    nav = ' <a href="runs.html">My runs</a>' if mine else ""
    return SHELL.format(csp=CSP, title=title, head=head, page=name.removesuffix(".html"), main=main, nav=nav)


def _included(line: str) -> str:
    """`<!-- include: _part.html -->` is that part of web/site/ (the pickers pages share)."""
    m = re.fullmatch(r"<!-- include: (_[a-z]+\.html) -->\s*", line)
    if not m:
        return line
    with open(os.path.join(HERE, "web", "site", m.group(1)), encoding="utf-8") as f:
        return f.read()


def _copy_assets(output: str, mine: bool) -> None:
    """The pages, the playground's style and chart drawing, the site's script, plotly.js."""
    static = os.path.join(output, "static")
    os.makedirs(static, exist_ok=True)
    for name in ("style.css", "charts.js", "site.js"):
        shutil.copyfile(os.path.join(HERE, "web", "static", name), os.path.join(static, name))
    for name in (*PAGES, "runs.html") if mine else PAGES:
        with open(os.path.join(HERE, "web", "site", name), encoding="utf-8") as f:
            fragment = f.read()
        with open(os.path.join(output, name), "w", encoding="utf-8") as f:
            f.write(page_html(name, fragment, mine))
    try:
        import plotly

        shutil.copyfile(os.path.join(os.path.dirname(plotly.__file__), "package_data", "plotly.min.js"),
                        os.path.join(static, "plotly.min.js"))
    except (ImportError, OSError):  # charts then say plotly.js is not available; the rest works
        pass
