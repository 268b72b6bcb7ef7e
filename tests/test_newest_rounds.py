"""The newest rounds as MLCommons publishes them: the 2026 layout (v6.0), the endpoints
harness (v6.1), the 2026 final report, per-model units, and the 2026 `inferred` flag.

Expected values come from the official tables (read with plain csv/json here), never from
our importer: the v6.1 final report rows in ../shared/reference/official, and the v5.1 final
report (`summary_results.json` in the v5.1 archive) for the v6.0 sample's runs, which AMD
published in v5.1.
"""

from __future__ import annotations

import csv
import json
import shutil

import pytest
from conftest import REFERENCE, need, samples

import mlperf_explorer
from mlperf_explorer.inference.compliance import parse_verify, within_test01_delta
from mlperf_explorer.inference.endpoints import lookup, parse_endpoints_run
from mlperf_explorer.inference.nameplate import parse_nameplate, sum_design_power
from mlperf_explorer.inference.official import official_result
from mlperf_explorer.inference.rules import rules_for

OFFICIAL_V61 = "official/inference_v6.1_endpoints_sample.csv"


def official_v61_rows() -> list[dict]:
    with open(need(REFERENCE / OFFICIAL_V61), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def folder_of(location: str) -> str:
    """'./closed/.../Offline/performance/run_1' -> 'closed/.../Offline' (written here, not ours)."""
    loc = location[2:] if location.startswith("./") else location
    parts = loc.split("/")
    return "/".join(parts[:6])


@pytest.fixture(scope="module")
def store_v6(tmp_path_factory):
    store = mlperf_explorer.open_store(str(tmp_path_factory.mktemp("v6") / "v6.duckdb"))
    reports = {
        "v6.0": store.import_source(str(samples("inference", "v6.0"))),
        "v6.1": store.import_source(str(samples("inference", "v6.1"))),
    }
    yield store, reports
    store.close()


def _rows(store, round_name: str) -> dict[str, dict]:
    rows = store.find(where=f"round = '{round_name}'", columns="*").records()
    return {r["location"]: r for r in rows}


def test_endpoints_results_equal_the_official_rows(store_v6):
    store, _ = store_v6
    ours = _rows(store, "v6.1")
    checked = 0
    for row in official_v61_rows():
        loc = folder_of(row["Location"])
        if not (samples("inference", "v6.1") / loc / "performance" / "result_summary.json").exists():
            continue  # loadgen-harness rows of the same report: their logs are not in the sample
        r = ours[loc]
        assert r["harness"] == "endpoints"
        assert r["result"] == pytest.approx(float(row["Result"]), rel=1e-12), loc
        assert r["official_units"] == row["Units"], loc
        assert r["accuracy"] == pytest.approx(float(row["Accuracy"]), rel=1e-12), loc
        assert r["inferred"] is (row["inferred"] == "1"), loc
        assert r["total_accelerators"] == int(row["total_accelerators"])
        assert r["weight_data_types"] == row["weight_data_types"]
        assert r["system_name"] == row["SystemName"] and r["availability"] == row["Availability"]
        assert r["accuracy_pass"] is True and r["valid"] is True
        checked += 1
    assert checked == 6  # deepseek-r1 and qwen3-vl, three scenarios each


def test_harness_output_that_is_not_a_loadgen_log_is_named(store_v6):
    """The two HPE folders in the sample hold only their harness' results.json: no result,
    a warning that says why, and the rest of the round imports."""
    store, reports = store_v6
    warnings = [w for w in store.warnings(round="v6.1") if "/HPE/" in w["path"]]
    assert len(warnings) >= 2
    assert all("not a loadgen log" in w["message"] for w in warnings if w["path"].endswith("mlperf_log_summary.txt"))
    assert reports["v6.1"].results == 6


def test_2026_layout_values_and_units_equal_the_v51_final_report(store_v6, round_dir):
    store, _ = store_v6
    report = need(round_dir("v5.1") / "summary_results.json")
    published = {r["Location"]: r for r in json.loads(report.read_text())}
    ours = _rows(store, "v6.0")
    compared = 0
    for loc, r in ours.items():
        row = published.get(loc)
        if row is None:
            continue
        assert r["result"] == pytest.approx(float(row["Performance_Result"]), rel=1e-6), loc
        assert r["official_units"] == row["Performance_Units"], loc
        assert r["weight_data_types"] == row["weight_data_types"], loc
        compared += 1
    assert compared >= 18


def test_2026_layout_flags_follow_the_2026_checker(store_v6):
    store, _ = store_v6
    ours = _rows(store, "v6.0")
    assert len(ours) == 22
    for loc, r in ours.items():
        # results.py from 2026: Interactive folders hold Server runs, so they are flagged.
        assert r["inferred"] is (r["scenario"] == "Interactive"), loc
        assert r["inferred_from"] is None
        if loc.startswith("closed/"):
            # compliance runs now sit inside the result folder (TEST01, TEST04, TEST06)
            assert r["compliance_pass"] is True, loc
            assert r["compliance"]
    sdxl = ours["closed/AMD/results/8xMI325x_2xEPYC-9655/stable-diffusion-xl/Offline"]
    assert json.loads(sdxl["compliance"]) == {"TEST01": True, "TEST04": True}


def test_v51_published_unit_labels_and_compliance(rounds, round_dir):
    """Every v5.1 result carries the unit label of the final report (Tokens/s for LLMs,
    Samples/s for whisper, Queries/s for llama3.1-8b Interactive), and every closed result
    the report marks compliant passes its compliance tests (TEST06 line checks, TEST01 in
    non-deterministic mode)."""
    published = {r["Location"]: r for r in json.loads(need(round_dir("v5.1") / "summary_results.json").read_text())}
    ours = {r["location"]: r for r in rounds.rows("v5.1", "location,official_units,compliance_pass,division")}
    for loc, row in published.items():
        assert ours[loc]["official_units"] == row["Performance_Units"], loc
        if row["Category"] == "closed":
            assert ours[loc]["compliance_pass"] is (row["compliance"] == 1), loc


def test_final_report_2026_form_imports_with_the_raw_uids(tmp_path, store_v6):
    """summary.json (rows keyed "0".."N", Location ending in /performance/run_1), built here
    from the official rows, lines up with the raw import of the same results."""
    store, _ = store_v6
    rows = official_v61_rows()
    doc = {str(i): {**r, "Result": float(r["Result"]), "inferred": int(r["inferred"])} for i, r in enumerate(rows)}
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(doc))
    table = mlperf_explorer.open_store(str(tmp_path / "t.duckdb"))
    report = table.import_source(str(path))
    assert report.results == len(rows)
    got = {r["location"]: r for r in table.find(columns="uid,location,result,origin,total_accelerators").records()}
    table.close()
    raw = _rows(store, "v6.1")
    for loc, r in got.items():
        assert r["origin"] == "final-report"
        assert "/performance/" not in loc and not loc.startswith("./")
        if loc in raw:
            assert r["uid"] == raw[loc]["uid"]
            assert r["result"] == pytest.approx(raw[loc]["result"], rel=1e-9)
    assert sum(loc in raw for loc in got) == 6


def test_official_units_per_model_and_round():
    assert rules_for("v6.0").official_units("whisper", "Offline") == "Samples/s"
    assert rules_for("v6.0").official_units("wan-2.2-t2v-a14b", "SingleStream") == "Latency (s)"
    assert rules_for("v6.1").official_units("e2e-rag-qna", "Offline") == "Tasks/s"
    assert rules_for("v6.1").official_units("deepseek-r1", "Interactive") == "Tokens/s"
    assert rules_for("v6.1").official_units("resnet", "multistream") == "Latency (ms)"
    assert rules_for("v5.1").official_units("llama3.1-8b", "Interactive") == "Queries/s"
    assert rules_for("v4.1").official_units("llama2-70b-99", "Offline") == "Samples/s"


def test_text_to_video_latency_is_published_in_seconds():
    rules = rules_for("v6.0")
    ns = 61_234_567_890  # a 61.2 s early-stopping latency, as loadgen logs it (ns)
    off = official_result({"effective_scenario": "SingleStream", "early_stopping_latency_ss": ns},
                          "SingleStream", "wan-2.2-t2v-a14b", rules)
    assert off.value == pytest.approx(ns / 1e9) and off.units == off.official_units == "Latency (s)"
    ms = official_result({"effective_scenario": "SingleStream", "early_stopping_latency_ss": ns},
                         "SingleStream", "resnet", rules)
    assert ms.value == pytest.approx(ns / 1e6) and ms.official_units == "Latency (ms)"


def test_inferred_flag_by_round():
    assert rules_for("v6.0").official_inferred("Interactive", "Server", False) is True
    assert rules_for("v6.1").official_inferred("interactive", "server", False) is False
    assert rules_for("v6.1").official_inferred("Offline", "offline", False) is True
    assert rules_for("v6.1").official_inferred("Offline", "Offline", False) is False
    assert rules_for("v5.1").official_inferred("Interactive", "Server", False) is False
    assert rules_for("v5.1").official_inferred("Offline", "SingleStream", True) is True


def test_open_model_guess_follows_the_checker_of_the_round():
    assert rules_for("v5.1").mlperf_model("ssdlite-v2") == "ssd-small"
    assert rules_for("v6.0").mlperf_model("ssdlite-v2") == "ssdlite-v2"
    # the 2026 guess looks for "mobilenet" first, whatever the task
    assert rules_for("v5.1").mlperf_model("ssd-mobilenet-v2") == "ssd-small"
    assert rules_for("v6.0").mlperf_model("ssd-mobilenet-v2") == "resnet"
    assert rules_for("v6.0").mlperf_model("efficientnet-b0") == "resnet"


def test_test06_and_test01_delta_rules():
    ok = b"First token check pass: True\nEOS check pass: True\nSample length check pass: True\nTEST06 verification complete\n"
    assert parse_verify(ok, "TEST06") is True
    assert parse_verify(ok.replace(b"EOS check pass: True", b"EOS check pass: False"), "TEST06") is False
    assert parse_verify(ok.replace(b"First token check pass: True", b"First token check pass: Skipped"), "TEST06") is True
    assert parse_verify(b"something else\n", "TEST06") is None
    pattern = [("ACCURACY", r"Word Error Rate\:.*, accuracy=([0-9\.]+)%")]
    line = "Word Error Rate: 2.1%, accuracy={}%\n"
    assert within_test01_delta(line.format(97.9).encode(), line.format(97.5).encode(), pattern, lambda m: 1.0)
    assert not within_test01_delta(line.format(97.9).encode(), line.format(95.0).encode(), pattern, lambda m: 1.0)
    assert not within_test01_delta(b"", line.format(95.0).encode(), pattern, lambda m: 1.0)


def test_nameplate_design_power_from_the_official_template():
    """The template of ../shared/reference/inference_submission_structure.md: one PSU needed
    of two 1200 W for the server and one for the switch: 2400 W of design power."""
    text = (need(REFERENCE / "inference_submission_structure.md")).read_text()
    template = text.split("## Template for <system_desc_id_1>_power.yaml file (optional)", 1)[1].split("```")[1]
    watts, problems = parse_nameplate(template.encode(), "systems/X_power.yaml")
    assert watts == 2400.0 and problems == []
    assert sum_design_power({"PSUs": [{"PowerCapacityWatts": 900}, {"PowerCapacityWatts": 1500}],
                             "Min PSUs Needed": 1}) == 1500.0
    watts, problems = parse_nameplate(b"a: [unclosed", "systems/X_power.yaml")
    assert watts is None and "invalid YAML" in problems[0].message


def test_endpoints_lookup_matches_dotted_numeric_keys():
    doc = {"latency": {"percentiles": {"99.9": 5.0, "50": 1.0}}, "empty": {}}
    assert lookup(doc, "latency.percentiles.99.9") == 5.0
    assert lookup(doc, "latency.percentiles.50.0") == 1.0
    assert lookup(doc, "empty") is None and lookup(doc, "nope.x") is None


@pytest.mark.parametrize("damage", ["truncated", "invalid_yaml", "missing_fields", "nan", "empty", "not_utf8"])
def test_bad_endpoints_files_are_warnings_and_the_rest_imports(tmp_path, damage):
    src = samples("inference", "v6.1")
    root = tmp_path / "inference_results_v6.1"
    shutil.copytree(src / "closed" / "NVIDIA", root / "closed" / "NVIDIA")
    scen = root / "closed/NVIDIA/results/VR-NVL72_VR-288GB_aarch64x72_TRT/deepseek-r1/Offline"
    summary, config = scen / "performance" / "result_summary.json", scen / "config.yaml"
    if damage == "truncated":
        summary.write_bytes(summary.read_bytes()[:400])
        bad = summary
    elif damage == "invalid_yaml":
        config.write_text("type: offline\n  model_params: [unclosed\n")
        bad = config
    elif damage == "missing_fields":
        summary.write_text(json.dumps({"version": "0.1.0"}))
        bad = summary
    elif damage == "nan":
        doc = json.loads(summary.read_text())
        doc["tps"] = float("nan")
        summary.write_text(json.dumps(doc))  # json writes NaN, as a careless harness would
        bad = summary
    elif damage == "empty":
        summary.write_bytes(b"")
        bad = summary
    else:
        summary.write_bytes(summary.read_bytes().replace(b'"version"', b'"vers\xffion"', 1))
        bad = summary
    store = mlperf_explorer.open_store(str(tmp_path / "s.duckdb"))
    report = store.import_source(str(root), round="v6.1")
    rows = {r["location"]: r for r in store.find(columns="location,result,valid").records()}
    rel = bad.relative_to(root).as_posix()
    warned = [w for w in store.warnings() if w["path"] == rel]
    store.close()
    assert warned, f"no warning names {rel}"
    assert report.results >= 5  # the other five results import untouched
    damaged = rows.get(scen.relative_to(root).as_posix())
    if damage in ("truncated", "missing_fields", "nan", "empty"):
        assert damaged is None or damaged["result"] is None or damaged["valid"] is False


def test_endpoints_parser_takes_any_bytes():
    for data in (b"", b"[]", b"{\"tps\": Infinity}", b"\xff\xfe", b"{" * 100_000, b"null"):
        parsed = parse_endpoints_run(data, b"type: [", "s.json", "config.yaml")
        assert isinstance(parsed.values, dict)
        assert all(p.path in ("s.json", "config.yaml") for p in parsed.problems)
