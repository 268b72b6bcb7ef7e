"""`publish`: the playground as a static site any host can serve (a folder, `python -m
http.server`, GitHub Pages under a sub-path), offline.

The site is the selected results as JSON, one file per round (`data/<family>/<round>.json`,
the columns a leaderboard, chart or compare needs, derived metrics included), an index of the
rounds, and pages that filter, rank, sort, page, chart and compare in the browser
(`static/site.js`), with every selection in the URL and CSV/JSON of exactly the rows shown.
The look (style.css) and the chart drawing (charts.js with plotly.js from the installed
`plotly` package) are the playground's own files. Every link is relative, so a sub-path works;
nothing loads from another host.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .records import LOWER_IS_BETTER, round_key

if TYPE_CHECKING:
    from .api import Store

HERE = os.path.dirname(__file__)
SITE_COLUMNS = ["uid", "family", "round", "division", "system_type", "submitter", "system", "system_name", "model",
                "mlperf_model", "scenario", "result", "result_units", "valid", "inferred", "accuracy", "power_result",
                "power_units", "perf_per_watt", "result_per_accelerator", "result_per_core", "energy_per_sample_j",
                "accelerator_model_name", "total_accelerators", "host_processor_model_name", "framework",
                "availability", "runs_counted", "url"]
PAGES = ("index.html", "leaderboard.html", "charts.html", "compare.html", "result.html")
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
  <a href="compare.html">Compare</a></nav>
</header>
<main>
{main}</main>
<script src="static/site.js"></script>
</body>
</html>
"""


def publish(store: Store, output: str, tags: str | Sequence[str] | None = None, where: str | None = None) -> dict[str, Any]:
    """See `Store.publish`."""
    columns = [c for c in SITE_COLUMNS if c in store.columns]
    rows = store.find(tags=tags, where=where, columns=columns, sort="uid", arrow=False)
    by_round: dict[tuple[str, str], list[list[Any]]] = {}
    for r in rows.tuples():
        by_round.setdefault((r[columns.index("family")], r[columns.index("round")]), []).append(list(r))
    if not by_round:
        raise ValueError("no results match: nothing to publish")
    os.makedirs(os.path.join(output, "data"), exist_ok=True)
    index = []
    for (family, round_name), items in sorted(by_round.items(), key=lambda kv: (kv[0][0], round_key(kv[0][1]))):
        folder = os.path.join(output, "data", family)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"{round_name}.json"), "w", encoding="utf-8") as f:
            json.dump({"columns": columns, "rows": items}, f, separators=(",", ":"), default=str)
        index.append({"family": family, "round": round_name, "results": len(items)})
    with open(os.path.join(output, "data", "index.json"), "w", encoding="utf-8") as f:
        json.dump({"rounds": index, "lower_is_better": list(LOWER_IS_BETTER), "columns": columns}, f, indent=1)
    _copy_assets(output)
    return {"output": output, "results": len(rows), "rounds": len(index),
            "bytes": sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(output) for f in fs)}


def page_html(name: str, fragment: str) -> str:
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
    return SHELL.format(csp=CSP, title=title, head=head, page=name.removesuffix(".html"), main=main)


def _included(line: str) -> str:
    """`<!-- include: _part.html -->` is that part of web/site/ (the pickers pages share)."""
    m = re.fullmatch(r"<!-- include: (_[a-z]+\.html) -->\s*", line)
    if not m:
        return line
    with open(os.path.join(HERE, "web", "site", m.group(1)), encoding="utf-8") as f:
        return f.read()


def _copy_assets(output: str) -> None:
    """The pages, the playground's style and chart drawing, the site's script, plotly.js."""
    static = os.path.join(output, "static")
    os.makedirs(static, exist_ok=True)
    for name in ("style.css", "charts.js", "site.js"):
        shutil.copyfile(os.path.join(HERE, "web", "static", name), os.path.join(static, name))
    for name in PAGES:
        with open(os.path.join(HERE, "web", "site", name), encoding="utf-8") as f:
            fragment = f.read()
        with open(os.path.join(output, name), "w", encoding="utf-8") as f:
            f.write(page_html(name, fragment))
    try:
        import plotly

        shutil.copyfile(os.path.join(os.path.dirname(plotly.__file__), "package_data", "plotly.min.js"),
                        os.path.join(static, "plotly.min.js"))
    except (ImportError, OSError):  # charts then say plotly.js is not available; the rest works
        pass
