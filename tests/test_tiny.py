"""MLPerf Tiny: every corpus round imports, each value equals the number its own results.txt
prints (read here with plain regular expressions), accuracy is judged against the official
targets (mlcommons/tiny submission_checker.py: AUC 0.85 for ad, top-1 85/90/80 for ic/kws/vww),
and the playground shows a Tiny leaderboard and an energy chart in a real browser."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, unpacked
from web_server import serving

import mlperf_explorer
from mlperf_explorer.tiny.importer import find_system_json
from mlperf_explorer.tiny.results import parse_results_txt

TINY_ROUNDS = ["v0.5", "v0.7", "v1.0", "v1.1", "v1.2", "v1.3"]
TARGETS = {"ad": ("AUC", 0.85), "ic": ("Top", 85.0), "kws": ("Top", 90.0), "vww": ("Top", 80.0)}
RUNS = {"performance", "accuracy", "energy"}


@pytest.fixture(scope="module")
def tiny_store(tmp_path_factory):
    store = mlperf_explorer.open_store(str(tmp_path_factory.mktemp("tiny") / "tiny.duckdb"))
    reports = {r: store.import_source(str(unpacked("tiny", r))) for r in TINY_ROUNDS}
    yield store, reports
    store.close()


def result_folders(root: Path) -> set[str]:
    """Independently: folders below DIVISION/SUBMITTER/results that hold a run folder."""
    out = set()
    for dirpath, dirnames, _ in os.walk(root):
        rel = Path(dirpath).relative_to(root).parts
        if len(rel) >= 4 and rel[2] == "results" and RUNS & {d.lower() for d in dirnames}:
            out.add("/".join(rel))
            dirnames[:] = []
    return out


def printed(path: Path, what: str) -> float | None:
    """The last 'Median throughput is N' / 'Median energy cost is N' of a results.txt."""
    found = re.findall(rf"Median {what} is\s+([\d.]+)", path.read_text(errors="replace"))
    return float(found[-1]) if found else None


@pytest.mark.parametrize("round_name", TINY_ROUNDS)
def test_every_benchmark_folder_is_a_result_or_a_warning(tiny_store, round_name):
    store, reports = tiny_store
    root = unpacked("tiny", round_name)
    rows = store.find(where=f"family = 'tiny' and round = '{round_name}'", columns="location").records()
    locations = {r["location"] for r in rows}
    folders = result_folders(root)
    assert reports[round_name].family == "tiny"
    assert locations <= folders and len(rows) == len(locations)
    warned = {w["path"] for w in store.warnings(round=round_name)}
    for missing in folders - locations:
        assert any(p.startswith(missing + "/") for p in warned), missing
    assert len(locations) >= 0.9 * len(folders)


@pytest.mark.parametrize("round_name", TINY_ROUNDS)
def test_values_are_what_results_txt_prints(tiny_store, round_name):
    store, _ = tiny_store
    root = unpacked("tiny", round_name)
    rows = store.find(where=f"family = 'tiny' and round = '{round_name}'",
                      columns="location,result,power_result,accuracy,accuracy_metric,accuracy_pass,benchmark,division,valid").records()
    checked = 0
    for r in rows:
        perf = root / r["location"] / "performance" / "results.txt"
        if perf.exists() and (value := printed(perf, "throughput")) is not None:
            assert r["result"] == pytest.approx(value), r["location"]
            checked += 1
        elif perf.exists() and (found := re.findall(r"Estimated throughput:\s*([\d.]+)", perf.read_text())):
            assert r["result"] == pytest.approx(float(found[-1])), r["location"]  # streaming wakeword
            checked += 1
        energy = root / r["location"] / "energy" / "results.txt"
        if energy.exists() and (value := printed(energy, "energy cost")) is not None:
            assert r["power_result"] == pytest.approx(value), r["location"]
        acc_file = root / r["location"] / "accuracy" / "results.txt"
        if r["benchmark"] in TARGETS and acc_file.exists():
            label, target = TARGETS[r["benchmark"]]
            text = acc_file.read_text(errors="replace")
            found = re.findall(r"AUC\s*[:=]\s*([\d.]+)" if label == "AUC" else r"Top[- ]?1%?\s*[:=]\s*([\d.]+)", text)
            if found:
                assert r["accuracy"] == pytest.approx(float(found[-1])), r["location"]
                assert r["accuracy_pass"] is (float(found[-1]) >= target), r["location"]
                if r["division"] == "closed" and r["result"] is not None:
                    assert r["valid"] is (float(found[-1]) >= target)
    assert checked >= 0.75 * len(rows) > 0  # the rest have energy runs only


def test_tags_find_and_derived_metrics(tiny_store):
    store, _ = tiny_store
    rows = store.find(tags=["mlperf-tiny", "v1.1", "ic", "energy"],
                      columns="power_result,inferences_per_joule,perf_per_watt,energy_per_sample_j").records()
    assert rows
    for r in rows:
        assert r["inferences_per_joule"] == pytest.approx(1e6 / r["power_result"])
        assert r["perf_per_watt"] == pytest.approx(1e6 / r["power_result"])
        assert r["energy_per_sample_j"] == pytest.approx(r["power_result"] / 1e6)
    assert {r["family"] for r in store.find(tags=["mlperf-tiny"], columns="family").records()} == {"tiny"}


def test_cm_export_uses_the_tiny_importers_keys(tiny_store, tmp_path):
    import json

    store, _ = tiny_store
    store.export("cm", str(tmp_path / "cm"), tags=["v1.1"])
    aliases = sorted(p.name for p in (tmp_path / "cm" / "experiment").iterdir())
    assert "mlperf-tiny--v1.1--closed--ic" in aliases
    [result] = list((tmp_path / "cm" / "experiment" / "mlperf-tiny--v1.1--closed--ic").glob("*/cm-result.json"))
    rows = json.loads(result.read_text())
    assert all(r["median_throughput_metric"] == "inf./sec." and r["Benchmark"] == "ic" for r in rows)
    assert any("median_energy_cost" in r for r in rows)


def test_bad_tiny_files_are_warnings(tmp_path):
    root = tmp_path / "tiny_results_v1.1"
    shutil.copytree(unpacked("tiny", "v1.1") / "closed" / "Skymizer", root / "closed" / "Skymizer")
    perf = next(root.glob("closed/Skymizer/results/*/ad/performance/results.txt"))
    perf.write_bytes(perf.read_bytes()[:200])  # truncated before its median line
    system = next(root.glob("closed/Skymizer/systems/*.json"))
    system.write_text('{"Board Name": "x",, "Status": }')
    store = mlperf_explorer.open_store(str(tmp_path / "s.duckdb"))
    report = store.import_source(str(root))
    warnings = {w["path"]: w["message"] for w in store.warnings()}
    store.close()
    assert "no 'Median throughput is ...' line" in warnings[perf.relative_to(root).as_posix()]
    assert "invalid JSON" in warnings[system.relative_to(root).as_posix()]
    assert report.results >= 4


def test_parsers_and_system_lookup():
    run = parse_results_txt(b"0.1 ulp-mlperf: Median throughput is     26.898 inf./sec.\n", "p", "performance")
    assert run.median == 26.898 and not run.problems
    acc = parse_results_txt(b"0725.1 ulp-mlperf: Top 1% = 85.2\n0725.1 ulp-mlperf: AUC = 0.936\n", "a", "accuracy")
    assert acc.accuracy == {"top-1": 85.2, "auc": 0.936} and not acc.lenient
    names = ["system_description_NUCLEO_L4R5ZI_microtvm_cmsis_nn.json", "system_description_NUCLEO_L4R5ZI_microtvm_native.json",
             "Nucleo_L4R5ZI_System_Description.json", "NUCLEO-H7A3ZI-Q"]
    assert find_system_json(names, "microtvm_native/NUCLEO_L4R5ZI") == names[1]
    assert find_system_json(names, "NUCLEO-H7A3ZI-Q") == "NUCLEO-H7A3ZI-Q"
    assert find_system_json(["system_description_arty.json"], "arty-a7-100t") == "system_description_arty.json"


def test_tiny_leaderboard_and_energy_chart_in_a_browser(tmp_path):
    playwright_api = pytest.importorskip("playwright.sync_api")
    pytest.importorskip("uvicorn")

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    db = str(tmp_path / "web.duckdb")  # a store of its own: the server opens it read-only
    store = mlperf_explorer.open_store(db)
    store.import_source(str(unpacked("tiny", "v1.1")))
    expected = store.find(where="family = 'tiny' and round = 'v1.1' and mlperf_model = 'ic' and has_power "
                                "and result is not null", columns="uid").records()
    store.close()
    with serving(db) as base, playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True,
                                    args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                          "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(base + "/leaderboard?family=tiny&round=v1.1&model=ic")
        rows = page.locator("#leaderboard tbody tr")
        assert rows.count() >= 10
        assert "inf./sec." in page.locator("#leaderboard").inner_text()
        page.goto(base + "/charts?family=tiny&kind=scatter&x=power_result&y=result&round=v1.1&model=ic")
        page.wait_for_selector("#chart[data-ready='1']")
        drawn = page.evaluate("""() => document.getElementById('chart').data
            .filter(t => t.name !== 'Pareto front' && t.name !== 'my runs').reduce((n, t) => n + t.x.length, 0)""")
        assert drawn == len(expected) > 3
        assert int(page.locator("#front-count").inner_text()) >= 1
        shot = tmp_path / "tiny-energy.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        browser.close()


def test_screenshot_script_knows_the_tiny_pages():
    text = (ROOT / "scripts" / "screenshots.py").read_text()
    assert "family=tiny" in text
