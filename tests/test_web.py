"""The playground in a real browser (Debian's chromium driven by Playwright) over a store
imported from corpus rounds, plus its JSON twins checked against the OpenAPI schema."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from conftest import samples, unpacked
from typer.testing import CliRunner
from web_server import serving

import mlperf_explorer
from mlperf_explorer.cli import app as cli

pytest.importorskip("fastapi")
playwright_api = pytest.importorskip("playwright.sync_api")


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture(scope="module")
def web_db(tmp_path_factory):
    """inference v4.1 (whole round), training v3.0, and one hostile table row."""
    tmp = tmp_path_factory.mktemp("web")
    db = str(tmp / "web.duckdb")
    hostile = tmp / "summary.csv"
    hostile.write_text("Organization,Location,Result,Units,version,Scenario,SystemName\n"
                       'Evil,closed/Evil/results/box/resnet50/Offline,1,Samples/s,v3.1,Offline,'
                       '"<img src=x onerror=""window.__xss=1""><script>window.__xss=2</script>"\n')
    tree = tmp / "v3.0"
    shutil.copytree(samples("inference", "v3.0"), tree)
    system = next(tree.glob("closed/*/systems/*.json"))
    system.chmod(0o644)
    desc = json.loads(system.read_text())
    desc.update(system_name='<script>window.__xss=3</script>Planted', framework="javascript:window.__xss=4",
                notes='"><img src=x onerror="window.__xss=5">')
    system.write_text(json.dumps(desc))
    with mlperf_explorer.open_store(db) as store:
        store.import_source(str(unpacked("inference", "v4.1")), round="v4.1")
        store.import_source(str(samples("training", "v3.0")), round="v3.0")
        store.import_source(str(hostile))
        store.import_source(str(tree), round="v3.0")
        planted = store.find(where="system_name ~ 'Planted'", columns="uid").records()[0]["uid"]
        store.annotate(planted, report="javascript:window.__xss=6", note="<b>bold?</b>")
    return db


@pytest.fixture(scope="module")
def server(web_db):
    with serving(web_db) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    path = chromium()
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, headless=True,
                              args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                    "--disable-background-networking"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    yield pg
    context.close()


def find_rows(db: str, where: str, columns: str, sort: str) -> list[list[str]]:
    out = CliRunner().invoke(cli, ["find", "--db", db, "--where", where, "-c", columns, "--sort", sort, "-f", "csv"])
    assert out.exit_code == 0, out.stderr
    return list(csv.reader(io.StringIO(out.stdout)))


def test_every_page_loads(page, server):
    page.goto(server + "/")
    assert page.locator("#sources tbody tr").count() == 4
    assert page.locator("#leaders tbody tr").count() > 5
    uid = page.locator("#leaders tbody tr a[href^='/result/']").first.get_attribute("href")
    for path in ("/leaderboard", "/charts", "/compare", uid):
        page.goto(server + path)
        assert page.locator("main").inner_text().strip()
        assert page.locator("#json-twin").get_attribute("href").startswith(urlparse(path).path)
    page.locator("a", has_text="all results of this system").click()
    assert page.url.startswith(server + "/system/") and page.locator("#system-results tbody tr").count() >= 1
    assert not page.errors


def test_filter_sort_permalink_and_csv_download(page, server, web_db):
    page.goto(server + "/leaderboard")
    page.select_option("select[name=round]", "v4.1")
    page.select_option("select[name=division]", "closed")
    page.select_option("select[name=model]", "resnet")
    page.select_option("select[name=scenario]", "Offline")
    page.click("#apply")
    params = parse_qs(urlparse(page.url).query)
    assert params["model"] == ["resnet"] and params["scenario"] == ["Offline"]
    where = "family = 'inference' and round = 'v4.1' and division = 'closed' and coalesce(mlperf_model, benchmark) = 'resnet' and scenario = 'Offline'"
    expected = find_rows(web_db, where, "uid", "-result")[1:]
    assert int(page.locator("#total").inner_text()) == len(expected) > 3
    # Sort by system name, ascending (the second click of the header): the link carries it
    # into the URL, and the rows come in the order Python gives the same rows (names without
    # a system_name show the system folder and sort last; ties by uid).
    page.click("a.sort[data-column='system_name']")
    assert parse_qs(urlparse(page.url).query)["sort"] == ["-system_name"]
    page.click("a.sort[data-column='system_name']")
    assert parse_qs(urlparse(page.url).query)["sort"] == ["system_name"]
    rows = find_rows(web_db, where, "uid,system_name,system", "uid")[1:]
    rows.sort(key=lambda r: (r[1] == "", r[1], r[0]))
    names = [c.inner_text() for c in page.locator("#leaderboard tbody tr td:nth-child(3)").all()]
    assert names == [r[1] or r[2] for r in rows] and len(set(names)) > 1
    # The permalink reproduces the view.
    permalink = page.url
    first = page.locator("#leaderboard tbody tr").first.inner_text()
    page.goto(server + "/")
    page.goto(permalink)
    assert page.locator("#leaderboard tbody tr").first.inner_text() == first
    # The CSV download holds exactly the rows shown, as `find --format csv` gives them.
    with page.expect_download() as info:
        page.click("#download-csv")
    downloaded = list(csv.reader(io.StringIO(Path(info.value.path()).read_text())))
    columns = ",".join(downloaded[0])
    assert downloaded == find_rows(web_db, where, columns, "system_name")
    assert not page.errors


def test_chart_draws_every_point_and_opens_a_result(page, server, web_db):
    page.goto(server + "/charts?kind=scatter&x=power_result&y=result&round=v4.1&scenario=Offline&power=1")
    page.wait_for_selector("#chart[data-ready='1']")
    drawn = page.evaluate("""() => document.getElementById('chart').data
        .filter(t => t.name !== 'Pareto front' && t.name !== 'my runs').reduce((n, t) => n + t.x.length, 0)""")
    where = "family = 'inference' and round = 'v4.1' and scenario = 'Offline' and has_power and power_result is not null and result is not null"
    expected = len(find_rows(web_db, where, "uid", "uid")) - 1
    assert drawn == expected == int(page.locator("#point-count").inner_text()) > 3
    assert int(page.locator("#front-count").inner_text()) >= 1
    point = page.locator("#chart .scatterlayer .trace:first-child path.point").first
    box = point.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url("**/result/**")
    assert page.locator("#result-value").inner_text().strip()
    assert not page.errors


def test_compare_selected_results(page, server):
    page.goto(server + "/leaderboard?round=v4.1&model=resnet&scenario=Offline&division=closed")
    boxes = page.locator("#leaderboard input[name=uid]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.click("#compare-selected")
    assert page.url.startswith(server + "/compare?")
    assert page.locator("#compare thead th a").count() == 2
    assert "%" in page.locator("#compare").inner_text()


def test_untrusted_text_is_escaped(page, server):
    page.goto(server + "/leaderboard?round=v3.1")
    assert "<img src=x" in page.locator("#leaderboard").inner_text()
    assert page.evaluate("() => window.__xss === undefined")
    page.locator("#leaderboard a[href^='/result/']").first.click()
    assert page.evaluate("() => window.__xss === undefined")


def test_an_empty_store_says_how_to_import(page, tmp_path):
    from fastapi.testclient import TestClient

    from mlperf_explorer.web.app import create_app

    client = TestClient(create_app(str(tmp_path / "empty.duckdb")))
    html = client.get("/leaderboard").text
    assert "Nothing imported yet" in html and "mlperf-explorer import" in html
    assert client.get("/overview.json").json()["results"] == 0


def test_json_twins_follow_the_openapi_schema(web_db):
    import schemathesis
    from hypothesis import HealthCheck, settings

    from mlperf_explorer.web.app import create_app

    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(web_db))
    ops = list(schema.get_all_operations())
    assert len(ops) >= 6
    for result in ops:
        op = result.ok()
        strategy = op.as_strategy()

        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @__import__("hypothesis").given(case=strategy)
        def check(case):
            response = case.call()
            assert response.status_code in (200, 400, 404, 422), (case.path, response.status_code, response.text[:300])
            if response.status_code == 200:
                case.validate_response(response)

        check()


def test_planted_payloads_stay_text(page, server, web_db):
    with mlperf_explorer.open_store(web_db, read_only=True) as store:
        uid = store.find(where="system_name ~ 'Planted'", columns="uid").records()[0]["uid"]
    page.goto(f"{server}/result/{uid}")
    body = page.locator("main").inner_text()
    assert "<script>window.__xss=3</script>Planted" in body and "javascript:window.__xss=4" in body
    assert "<b>bold?</b>" in body and page.locator("main b").count() == 0
    assert page.locator("#annotations a").get_attribute("href") == "#"
    assert page.locator("#raw-files").get_attribute("href").startswith("https://github.com/mlcommons/")
    page.locator("#annotations a").click()
    page.goto(f"{server}/leaderboard?round=v3.0&q=Planted")
    assert "Planted" in page.locator("#leaderboard").inner_text()
    assert page.evaluate("() => window.__xss === undefined")


def test_headers_static_files_and_binding(server):
    import httpx

    r = httpx.get(server + "/leaderboard")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    for path in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py"):
        assert httpx.get(server + path).status_code == 404
    assert httpx.get(server + "/leaderboard.json?sort=result;drop").status_code == 400
    import inspect

    from mlperf_explorer.cli.local import serve

    assert inspect.signature(serve).parameters["host"].default.default == "127.0.0.1"


def test_responses_are_cached_only_when_ok(web_db):
    from fastapi.testclient import TestClient

    from mlperf_explorer.web.app import create_app
    from mlperf_explorer.web.cache import ResponseCache

    app = create_app(web_db)
    client = TestClient(app)
    first = client.get("/leaderboard.json?round=v4.1")
    again = client.get("/leaderboard.json?round=v4.1")
    assert first.status_code == again.status_code == 200 and first.content == again.content
    assert again.headers["content-security-policy"] == first.headers["content-security-policy"]
    assert client.get("/result/nope.json").status_code == 404
    cache = app.middleware_stack
    while not isinstance(cache, ResponseCache):
        cache = cache.app
    assert "/leaderboard.json?round=v4.1" in cache.entries and not any("nope" in k for k in cache.entries)
