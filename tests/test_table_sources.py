"""Results tables as sources: the final report, checker summaries and CM experiments import
into the same rows (same uids, same values) as the raw files they were computed from."""

from __future__ import annotations

import glob
import json
from pathlib import Path

import pytest
from conftest import samples
from reference_tables import final_report, our_values, submitter_summaries
from typer.testing import CliRunner

import mlperf_explorer
from mlperf_explorer.cli import app


def table_values(store) -> dict[tuple[str, str], float]:
    rows = store.find(columns="location,result,result_units,official_units,power_result,power_units").records()
    return {k: v for k, v in our_values(rows).items() if v is not None}


def test_final_report_imports_every_value_it_holds(tmp_path, round_dir, rounds):
    report = Path(glob.glob(str(round_dir("v5.1") / "summary_results.json"))[0])
    with mlperf_explorer.open_store(str(tmp_path / "t.duckdb")) as store:
        imported = store.import_source(str(report))
        values = table_values(store)
        origins = {r["origin"] for r in store.find(columns="origin").records()}
        uids = {r["location"]: r["uid"] for r in store.find(columns="location,uid").records()}
    expected = final_report(str(report))
    assert imported.kind == "final-report" and imported.round == "v5.1" and origins == {"final-report"}
    assert {k: values.get(k) for k in expected} == expected
    # The same result, the same uid, as the raw import of the round.
    raw = {r["location"]: r["uid"] for r in rounds.rows("v5.1", "location,uid")}
    shared = set(raw) & set(uids)
    assert len(shared) > 0.95 * len(uids) and all(raw[loc] == uids[loc] for loc in shared)


def test_checker_summaries_import_as_published(tmp_path, round_dir):
    tree = round_dir("v3.0")
    files = sorted(glob.glob(str(tree / "*" / "*" / "summary.csv")))
    assert files
    expected: dict = {}
    for f in files:
        expected.update(submitter_summaries_of(f))
    with mlperf_explorer.open_store(str(tmp_path / "t.duckdb")) as store:
        for f in files:
            assert store.import_source(f).kind == "checker-summary"
        values = table_values(store)
    assert {k: values.get(k) for k in expected} == expected


def submitter_summaries_of(path: str) -> dict:
    """The independent reader, for one file (it reads DIVISION/SUBMITTER/summary.csv)."""
    root = Path(path).parent.parent.parent
    every = submitter_summaries(str(root))
    prefix = "/".join(Path(path).parent.relative_to(root).parts) + "/"
    return {k: v for k, v in every.items() if k[0].startswith(prefix)}


def write_cm(rows: list[dict], out: Path, power_rows_apart: bool) -> None:
    """A CM results folder in the public layout (test-side writer): one experiment per
    (round, system type, division[-power], task, scenario), rows keyed as CM keys them."""
    groups: dict[str, list] = {}
    for r in rows:
        division = r["division"] + ("-power" if r["has_power"] else "")
        alias = "--".join(["mlperf-inference", r["round"], r["system_type"] or "edge", division,
                           r["task"] or "unknown", r["scenario"].lower()])
        row = {"Organization": r["submitter"], "Division": r["division"], "SystemType": r["system_type"],
               "SystemName": r["system_name"], "Platform": r["system"], "Model": r["model"],
               "MlperfModel": r["mlperf_model"], "Scenario": r["scenario"], "Result": r["result"],
               "Result_Units": r["result_units"], "Units": r["result_units"], "Accuracy": r["accuracy"],
               "Location": r["location"], "version": r["round"], "has_power": r["has_power"],
               "inferred": int(bool(r["inferred"])), "errors": 0, "uid": "cm" + r["uid"]}
        group = groups.setdefault(alias, [])
        if r["has_power"] and power_rows_apart:
            group.append(row)
            group.append({**row, "Result": None, "Result_Power": r["power_result"], "Units": r["power_units"],
                          "Result_Units": r["power_units"]})
        else:
            if r["has_power"]:
                row.update(Result_Power=r["power_result"], Result_Power_Units=r["power_units"],
                           Inference_per_Joule=r["inferences_per_joule"])
            group.append(row)
    for alias, group in groups.items():
        folder = out / "experiment" / alias
        (folder / "2026-11-23.10-00-00.000000").mkdir(parents=True)
        (folder / "_cm.json").write_text(json.dumps({"alias": alias, "automation_alias": "experiment",
                                                     "tags": alias.split("--")}))
        (folder / "2026-11-23.10-00-00.000000" / "cm-result.json").write_text(json.dumps(group, indent=2))


@pytest.mark.parametrize("power_rows_apart", [True, False])
def test_cm_experiments_import_back_to_the_same_values(tmp_path, power_rows_apart):
    columns = "uid,location,round,division,submitter,system,system_name,system_type,model,mlperf_model,task,scenario," \
              "result,result_units,accuracy,has_power,power_result,power_units,inferences_per_joule,inferred"
    with mlperf_explorer.open_store(str(tmp_path / "raw.duckdb")) as store:
        store.import_source(str(samples("inference", "v4.1")), round="v4.1")
        raw = store.find(columns=columns).records()
    assert any(r["has_power"] for r in raw)
    write_cm(raw, tmp_path / "cm", power_rows_apart)
    with mlperf_explorer.open_store(str(tmp_path / "cm.duckdb")) as store:
        report = store.import_source(str(tmp_path / "cm"))
        back = {r["uid"]: r for r in store.find(columns=columns + ",origin").records()}
        assert [r.mode for r in store.update()] == ["unchanged"]
    assert report.kind == "cm" and report.results == len(raw)
    for r in raw:
        b = back[r["uid"]]
        assert b["origin"] == "cm"
        for key in ("location", "result", "result_units", "has_power", "power_result", "power_units", "system_name"):
            assert b[key] == r[key], (key, r["location"])
        if r["inferences_per_joule"] is not None:
            assert b["inferences_per_joule"] == pytest.approx(r["inferences_per_joule"], rel=1e-12)


def test_bad_tables_become_warnings_or_one_line_errors(tmp_path):
    good = tmp_path / "summary.csv"
    good.write_text("Organization,Location,Result,Units,version,Scenario\n"
                    "Acme,closed/Acme/results/box/resnet50/Offline,1000.5,Samples/s,v4.1,Offline\n"
                    "Acme,not/a/location,5,Samples/s,v4.1,Offline\n")
    with mlperf_explorer.open_store(str(tmp_path / "s.duckdb")) as store:
        report = store.import_source(str(good))
        warnings = store.warnings()
    assert report.results == 1 and report.warnings == 1
    assert warnings[0]["path"] == "summary.csv" and warnings[0]["line"] == 3 and "not/a/location" in warnings[0]["message"]
    empty = tmp_path / "other.csv"
    empty.write_text("Location,Result\n")
    result = CliRunner().invoke(app, ["import", "--db", str(tmp_path / "s.duckdb"), "--quiet", str(empty)])
    assert result.exit_code == 1 and "no MLPerf results" in result.stderr
