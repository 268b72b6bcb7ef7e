"""The published static site, as a visitor sees it: served by `python -m http.server` under a
sub-path (as GitHub Pages serves https://ORG.github.io/REPO/), in Debian's chromium with the
network cut off except loopback. Expected rows come from `find`, computed independently."""

from __future__ import annotations

import contextlib
import csv
import functools
import http.server
import io
import json
import shutil
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

import pytest
from browser_pages import new_page
from cli_rows import find_rows
from conftest import samples
from typer.testing import CliRunner

import mlperf_explorer
from mlperf_explorer.cli import app as cli

playwright_api = pytest.importorskip("playwright.sync_api")


@contextlib.contextmanager
def static_server(root: Path) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(root))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        httpd.shutdown()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("publish")
    for r in ("v4.1", "v5.1"):
        shutil.copytree(samples("inference", r), tmp / r)
    db = str(tmp / "s.duckdb")
    with mlperf_explorer.open_store(db) as store:
        for r in ("v4.1", "v5.1"):
            store.import_source(str(tmp / r), round=r)
        store.import_source(str(samples("training", "v3.0")), round="v3.0")
        run = tmp / "my-resnet"  # a local run: a copy of a published training result
        shutil.copytree(samples("training", "v3.0") / "Intel-HabanaLabs/results/HLS-Gaudi2-PT/resnet", run)
        store.add_run(str(run), "my-resnet", round="v3.0")
    out = tmp / "www" / "REPO"  # served at /REPO/, a sub-path
    out.parent.mkdir()
    done = CliRunner().invoke(cli, ["publish", "--db", db, "--output", str(out), "--with-my-runs"])
    assert done.exit_code == 0, done.stderr
    return db, tmp / "www"


@pytest.fixture(scope="module")
def served(site):
    with static_server(site[1]) as base:
        yield base + "/REPO/"


@pytest.fixture
def page(served):
    path = shutil.which("chromium")
    if not path:
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True,
                                    args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 900})
        pg = new_page(context)
        origin = served.split("/REPO/")[0]
        pg.route("**/*", lambda route: route.continue_() if route.request.url.startswith(origin) else route.abort())
        yield pg
        browser.close()



def test_the_index_lists_every_round(page, served):
    page.goto(served)
    page.wait_for_selector("#rounds tbody tr")
    assert sorted(page.locator("#rounds tbody tr td:nth-child(2)").all_inner_texts()) == ["v3.0", "v4.1", "v5.1"]
    assert not page.errors


def test_the_default_leaderboard_and_a_filtered_permalink(page, served, site):
    db = site[0]
    page.goto(served + "leaderboard.html")
    page.wait_for_selector("#leaderboard tbody tr")
    params = parse_qs(urlparse(page.url).query)  # the defaults are written into the URL
    assert params["round"] == ["v5.1"] and params["division"] == ["closed"]
    model, scenario = params["model"][0], params["scenario"][0]
    where = (f"family = 'inference' and round = 'v5.1' and division = 'closed' and scenario = '{scenario}' "
             f"and (coalesce(mlperf_model, benchmark) = '{model}' or model = '{model}')")
    expected = find_rows(db, where, "uid", "uid")[1:]
    assert page.locator("#leaderboard tbody tr").count() == len(expected) >= 1
    assert page.locator(".board-title").count() == 1
    # A permalink with everything: all benchmarks of v4.1, one ranked table per benchmark and scenario.
    page.goto(served + "leaderboard.html?round=v4.1&model=all&scenario=all&division=all")
    page.wait_for_selector("#leaderboard")
    groups = {tuple(r[1:]) for r in find_rows(db, "family = 'inference' and round = 'v4.1'", "uid,mlperf_model,scenario", "uid")[1:]}
    assert page.locator(".board-title").count() == len(groups)
    assert int(page.locator("#total").inner_text()) == len(find_rows(db, "family = 'inference' and round = 'v4.1'", "uid", "uid")) - 1
    assert not page.errors


def test_csv_download_holds_the_rows_shown(page, served, site):
    db = site[0]
    page.goto(served + "leaderboard.html?round=v4.1&model=all&scenario=all&division=all")
    page.wait_for_selector("#leaderboard")
    with page.expect_download() as info:
        page.click("#download-csv")
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text())))
    expected = {r[0]: r[1] for r in find_rows(db, "family = 'inference' and round = 'v4.1'", "uid,result", "uid")[1:]}
    assert {r["uid"] for r in rows} == set(expected)
    assert all(float(r["result"]) == pytest.approx(float(expected[r["uid"]])) for r in rows if r["result"])


def test_compare_and_chart(page, served):
    page.goto(served + "leaderboard.html?round=v4.1&model=all&scenario=all&division=all")
    page.wait_for_selector("#leaderboard")
    boxes = page.locator("input[name=uid]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.click("#compare-selected")
    page.wait_for_selector("#compare tbody tr")
    assert page.locator("#compare thead th").count() == 3
    page.goto(served + "charts.html?round=v4.1&model=all&scenario=all&division=all&x=total_accelerators&y=result")
    page.wait_for_selector("#chart[data-ready='1']")
    assert int(page.locator("#point-count").inner_text()) >= 1
    assert not page.errors


def test_a_filter_change_redraws_in_place_and_the_url_keeps_it(page, served, site):
    db = site[0]
    page.goto(served + "leaderboard.html?round=v4.1&model=all&scenario=all&division=all")
    page.wait_for_selector("#leaderboard")
    page.fill("input[name=accelerator]", "instinct MI300X")
    before = page.evaluate("() => document.body.dataset.rendered")
    page.click("#apply")
    page.wait_for_function(f"() => document.body.dataset.rendered !== '{before}'")
    assert parse_qs(urlparse(page.url).query)["accelerator"] == ["instinct MI300X"]
    rows = find_rows(db, "family = 'inference' and round = 'v4.1'", "uid,accelerator_model_name", "uid")[1:]
    expected = [r for r in rows if "instinct" in r[1].lower() and "mi300x" in r[1].lower()]
    assert int(page.locator("#total").inner_text()) == len(expected) >= 1
    page.go_back()
    page.wait_for_function("() => !location.search.includes('accelerator')")
    assert int(page.locator("#total").inner_text()) == len(rows)


def test_a_result_page_shows_every_published_field(page, served, site):
    db = site[0]
    uid, system = find_rows(db, "family = 'inference' and round = 'v4.1'", "uid,system", "uid")[1]
    page.goto(served + "leaderboard.html?round=v4.1&model=all&scenario=all&division=all")
    page.wait_for_selector("#leaderboard")
    page.locator(f"a[href*='uid={uid}']").first.click()
    page.wait_for_selector("#fields tbody tr")
    fields = dict(zip(page.locator("#fields th").all_inner_texts(), page.locator("#fields td").all_inner_texts(), strict=True))
    assert fields["uid"] == uid and fields["system"] == system and fields["round"] == "v4.1"
    assert not page.errors


def chart_data(page) -> dict:
    page.wait_for_selector("#chart[data-ready='1']")
    return json.loads(page.locator("#chart-data").text_content())


def test_bars_rank_best_first_and_the_chart_saves_as_svg(page, served, site):
    db = site[0]
    page.goto(served + "charts.html?kind=bars&top=5")
    data = chart_data(page)
    params = parse_qs(urlparse(page.url).query)
    assert params["kind"] == ["bars"] and params["top"] == ["5"]  # the chart's choices stay in the link
    model, scenario = params["model"][0], params["scenario"][0]
    rows = find_rows(db, f"family = 'inference' and round = 'v5.1' and division = 'closed' and scenario = '{scenario}' "
                         f"and coalesce(mlperf_model, benchmark) = '{model}' and result is not null", "uid,result,result_units", "uid")[1:]
    units = {r[2] for r in rows}
    assert len(units) == 1
    lower = units.pop().startswith("Latency")
    expected = sorted(rows, key=lambda r: float(r[1]) if lower else -float(r[1]))[:5]
    assert [p["uid"] for p in data["points"]] == [r[0] for r in expected]
    assert [p["y"] for p in data["points"]] == pytest.approx([float(r[1]) for r in expected])
    with page.expect_download() as info:
        page.click("#save-svg")
    assert Path(info.value.path()).read_text()[:200].lstrip().startswith("<svg")
    assert not page.errors


def test_a_trend_draws_each_rounds_best_valid_result(page, served, site):
    db = site[0]
    rows = find_rows(db, "family = 'inference' and division = 'closed' and valid and result is not null",
                     "uid,round,mlperf_model,scenario,result,result_units", "uid")[1:]
    by_key: dict = {}
    for uid, rnd, model, scenario, value, units in rows:
        by_key.setdefault((model, scenario, units), []).append((rnd, float(value), uid))
    # a benchmark and scenario both rounds have, in one unit
    (model, scenario, units), found = next((k, v) for k, v in sorted(by_key.items()) if {r for r, _, _ in v} == {"v4.1", "v5.1"})
    page.goto(served + f"charts.html?kind=trend&round=v5.1&model={model}&scenario={scenario}")
    data = chart_data(page)
    lower = units.startswith("Latency")
    best = {rnd: (min if lower else max)(v for r, v, _ in found if r == rnd) for rnd in ("v4.1", "v5.1")}
    assert [p["x"] for p in data["points"]] == ["v4.1", "v5.1"]
    assert [p["y"] for p in data["points"]] == pytest.approx([best["v4.1"], best["v5.1"]])
    assert data["y_units"] == units
    # a point opens its own round's result page
    first = data["points"][0]
    assert first["href"] == f"result.html?family=inference&round=v4.1&uid={quote(first['uid'], safe='')}"
    assert not page.errors


def test_a_chart_redraws_in_place(page, served, site):
    page.goto(served + "charts.html?round=v4.1&model=all&scenario=all&division=all&x=total_accelerators&y=result")
    before = chart_data(page)
    page.select_option("select[name=kind]", "bars")
    page.fill("input[name=top]", "3")
    rendered = page.evaluate("() => document.body.dataset.rendered")
    page.click("#apply")
    page.wait_for_function(f"() => document.body.dataset.rendered !== '{rendered}'")
    after = chart_data(page)
    units = Counter(r[1] for r in find_rows(site[0], "family = 'inference' and round = 'v4.1' and result is not null",
                                            "uid,result_units", "uid")[1:])
    kept, count = units.most_common(1)[0]
    assert before["kind"] == "scatter" and after["kind"] == "bars" and len(after["points"]) == min(3, count)
    assert after["y_units"] == kept
    assert "kind=bars" in page.url
    if len(units) > 1:  # one unit per axis, and the page says what it left out
        assert "left out" in page.locator("#messages").inner_text()
    assert not page.errors


def test_a_system_page_lists_every_result_of_the_system(page, served, site):
    db = site[0]
    uid, submitter, system = find_rows(db, "family = 'inference' and round = 'v4.1'", "uid,submitter,system", "uid")[1]
    page.goto(served + f"result.html?family=inference&round=v4.1&uid={quote(uid)}")
    page.click("#system-link")
    page.wait_for_selector("#system-results tbody tr")
    expected = find_rows(db, f"family = 'inference' and submitter = '{submitter}' and system = '{system}'", "uid,round", "uid")[1:]
    assert int(page.locator("#system-count").inner_text()) == len(expected) == page.locator("#system-results tbody tr").count()
    assert page.locator("#system-title").inner_text() == f"{submitter}: {system}"
    assert page.locator("#description tr").count() > 5  # the submitter's system description JSON
    page.goto(served + "system.html?family=inference&submitter=nobody&system=x")
    page.wait_for_selector("#messages li")
    assert "no submitter" in page.locator("#messages").inner_text()
    assert not page.errors


def test_my_runs_are_ranked_and_never_mixed_into_the_rounds(page, served, site):
    db = site[0]
    page.goto(served + "index.html")
    page.click("text=My runs")
    page.wait_for_selector("#runs tbody tr")
    cells = page.locator("#runs tbody tr td").all_inner_texts()
    published = find_rows(db, "family = 'training' and round = 'v3.0' and division = 'closed' and valid "
                              "and benchmark = 'resnet'", "uid,result", "uid")[1:]
    mine = float(find_rows(db, "family = 'local'", "result", "uid")[1][0])
    rank = 1 + sum(1 for _, v in published if float(v) < mine)  # minutes: less is better
    assert cells[0] == "my-resnet" and cells[5].startswith(f"{rank} of {len(published) + 1} (v3.0 closed)")
    # the local run is in no round's data
    every = json.loads((site[1] / "REPO" / "data" / "training" / "v3.0.json").read_text())
    local_uid = find_rows(db, "family = 'local'", "uid", "uid")[1][0]
    assert local_uid not in {r[0] for r in every["rows"]}
    assert not page.errors
