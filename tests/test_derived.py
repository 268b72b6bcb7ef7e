"""Derived metrics (built in and user-defined), constraints, speedups and annotations."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import reference_tables as rt
from conftest import samples
from typer.testing import CliRunner

import mlperf_explorer
from mlperf_explorer.cli import app


def detail_value(run: Path, key: str):
    for line in (run / "mlperf_log_detail.txt").read_text(errors="replace").splitlines():
        if line.startswith(":::MLLOG") and f'"key": "{key}"' in line:
            return json.loads(line[8:])["value"]
    return None


@pytest.mark.parametrize("round_name", ["v3.0", "v4.1"])
def test_perf_per_watt_by_hand_for_every_scenario(rounds, round_dir, round_name):
    """Offline/Server: result / average Watts; SingleStream/MultiStream: samples per query
    x 1000 / (millijoules per query), the power taken from spl.txt by hand."""
    rounds.round(round_name)
    rows = rounds.store.find(where=f"round = '{round_name}' and family = 'inference' and has_power and valid and not inferred",
                             columns="location,scenario,result,perf_per_watt,energy_per_sample_j", sort="uid").records()
    checked: dict[str, int] = {}
    for r in rows:
        if checked.get(r["scenario"], 0) >= 3:
            continue
        run = round_dir(round_name) / r["location"] / "performance" / "run_1"
        if not (run / "spl.txt").exists() or not (run / "mlperf_log_detail.txt").exists():
            continue
        watts, seconds = rt.checker_power(run)
        if r["scenario"] in ("Offline", "Server"):
            by_hand = r["result"] / watts
        else:
            queries = float(detail_value(run, "result_query_count"))
            millijoules_per_query = watts * seconds * 1000 / queries
            by_hand = (8 if r["scenario"] == "MultiStream" else 1) * 1000 / millijoules_per_query
        assert r["perf_per_watt"] == pytest.approx(by_hand, rel=1e-9), r["location"]
        assert r["energy_per_sample_j"] == pytest.approx(1 / by_hand, rel=1e-9)
        checked[r["scenario"]] = checked.get(r["scenario"], 0) + 1
    assert {"Offline", "Server", "SingleStream"} <= set(checked), checked


def test_throughput_is_divided_per_accelerator_latency_is_not(rounds):
    rounds.round("v4.1")
    rows = rounds.store.find(where="round = 'v4.1' and family = 'inference'",
                             columns="scenario,result,accelerators_per_node,number_of_nodes,result_per_accelerator,result_per_node").records()
    for r in rows:
        if r["scenario"] in ("SingleStream", "MultiStream"):
            assert r["result_per_accelerator"] is None and r["result_per_node"] is None
        elif r["result"] is not None and r["accelerators_per_node"]:
            n = r["accelerators_per_node"] * (r["number_of_nodes"] or 1)
            assert r["result_per_accelerator"] == pytest.approx(r["result"] / n)


def test_throughput_per_host_core(rounds):
    rounds.round("v4.1")
    rows = rounds.store.find(where="round = 'v4.1' and family = 'inference'",
                             columns="scenario,result,host_processor_core_count,host_processors_per_node,number_of_nodes,"
                                     "result_per_core").records()
    divided = 0
    for r in rows:
        cores = r["host_processor_core_count"]
        if r["scenario"] in ("SingleStream", "MultiStream") or not cores or r["result"] is None:
            assert r["result_per_core"] is None
            continue
        total = cores * (r["host_processors_per_node"] or 1) * (r["number_of_nodes"] or 1)
        assert r["result_per_core"] == pytest.approx(r["result"] / total)
        divided += 1
    assert divided > 100


def test_training_accelerator_minutes(tmp_path):
    with mlperf_explorer.open_store(str(tmp_path / "s.duckdb")) as store:
        store.import_source(str(samples("training", "v3.0")), round="v3.0")
        rows = store.find(columns="result,accelerators_per_node,number_of_nodes,accelerator_minutes").records()
    assert any(r["accelerator_minutes"] for r in rows)
    for r in rows:
        if r["result"] is not None and r["accelerators_per_node"]:
            assert r["accelerator_minutes"] == pytest.approx(r["result"] * r["accelerators_per_node"] * (r["number_of_nodes"] or 1))


@pytest.fixture
def v30(tmp_path):
    db = str(tmp_path / "s.duckdb")
    with mlperf_explorer.open_store(db) as store:
        store.import_source(str(samples("inference", "v3.0")), round="v3.0")
    return db


def test_user_metric_survives_a_restart_and_works_everywhere(v30, tmp_path):
    runner = CliRunner()
    made = runner.invoke(app, ["derive", "--db", v30, "per_core", "result / host_processor_core_count",
                               "--description", "result per host core", "--units", "result/core"])
    assert made.exit_code == 0, made.stderr
    listed = json.loads(runner.invoke(app, ["metrics", "--db", v30, "--json"]).stdout)
    assert {"name": "per_core", "builtin": False, "units": "result/core", "description": "result per host core",
            "expression": "result / host_processor_core_count"} in listed
    with mlperf_explorer.open_store(v30) as store:  # a new process would see the same
        rows = store.find(columns="result,host_processor_core_count,per_core", where="per_core > 0", sort="-per_core").records()
        assert rows and all(r["per_core"] == pytest.approx(r["result"] / r["host_processor_core_count"]) for r in rows)
        store.export("csv", str(tmp_path / "all.csv"))
    header = (tmp_path / "all.csv").read_text().splitlines()[0].split(",")
    assert "per_core" in header and "perf_per_watt" in header
    found = runner.invoke(app, ["find", "--db", v30, "-c", "uid,per_core", "--sort", "-per_core", "-f", "json"])
    assert found.exit_code == 0 and "per_core" in json.loads(found.stdout)[0]


@pytest.mark.parametrize("expression,message", [
    ("__import__('os')", "unknown function"),
    ("__import__('os').system('true')", "unexpected character"),
    ("result; DROP TABLE results", "unexpected character"),
    ("result) FROM results; --", "unexpected"),
    ("10 * 1e999", "out of range"),
    ("result * 1e300 * 1e300", "overflows to infinity"),
    ("submitter + 1", "per_core"),
    ("no_such_column * 2", "unknown column"),
])
def test_hostile_or_broken_metrics_are_refused_clearly(v30, expression, message):
    result = CliRunner().invoke(app, ["derive", "--db", v30, "per_core", expression])
    assert result.exit_code == 1 and result.stderr.startswith("error: ") and message in result.stderr
    with mlperf_explorer.open_store(v30) as store:
        assert "per_core" not in store.columns


def test_division_by_zero_is_empty_not_an_error(v30):
    with mlperf_explorer.open_store(v30) as store:
        store.derive("zero", "result / (accelerators_per_node - accelerators_per_node)")
        rows = store.find(columns="zero").records()
    assert rows and all(r["zero"] is None for r in rows)


def test_metric_names_cannot_shadow_columns(v30):
    with mlperf_explorer.open_store(v30) as store:
        for name in ("result", "perf_per_watt", "Bad-Name", "1x"):
            with pytest.raises(mlperf_explorer.ExpressionError):
                store.derive(name, "result * 2")


def test_constraints_are_saved_filters(v30):
    runner = CliRunner()
    assert runner.invoke(app, ["constraint", "add", "--db", v30, "closed-only", "division = 'closed'"]).exit_code == 0
    assert runner.invoke(app, ["constraint", "add", "--db", v30, "broken", "nosuch > 1"]).exit_code == 1
    with mlperf_explorer.open_store(v30) as store:
        via = {r["uid"] for r in store.find(constraint="closed-only", columns="uid").records()}
        direct = {r["uid"] for r in store.find(where="division = 'closed'", columns="uid").records()}
        assert via == direct and 0 < len(via) < len(store.find(columns="uid"))
        with pytest.raises(mlperf_explorer.ExpressionError, match="no constraint"):
            store.find(constraint="nope")
    listed = runner.invoke(app, ["constraint", "list", "--db", v30, "--json"])
    assert [c["name"] for c in json.loads(listed.stdout)] == ["closed-only"]


def test_speedup_over_a_baseline_system(rounds):
    rounds.round("v4.1")
    base = rounds.store.find(where="round = 'v4.1' and family = 'inference' and valid and scenario = 'Offline' and mlperf_model = 'resnet'",
                             columns="system,result", sort="result", limit=1).records()[0]
    rows = rounds.store.find(where="round = 'v4.1' and family = 'inference' and valid and mlperf_model = 'resnet' and scenario = 'Offline'",
                             columns="system,result,speedup", baseline=base["system"]).records()
    assert len(rows) > 3
    for r in rows:
        assert r["speedup"] == pytest.approx(r["result"] / base["result"])
    latency = rounds.store.find(where="round = 'v4.1' and family = 'inference' and valid and scenario = 'SingleStream'",
                                columns="system,mlperf_model,result", limit=1).records()[0]
    same = rounds.store.find(where=f"round = 'v4.1' and family = 'inference' and mlperf_model = '{latency['mlperf_model']}' "
                                   "and scenario = 'SingleStream' and valid", columns="result,speedup",
                             baseline=latency["system"]).records()
    assert all(r["speedup"] == pytest.approx(min(x["result"] for x in [latency]) / r["result"]) for r in same)


def test_annotations_round_trip_and_survive_a_reimport(tmp_path):
    tree = tmp_path / "inference_results_v3.0"
    shutil.copytree(samples("inference", "v3.0"), tree)
    db = str(tmp_path / "team.duckdb")
    report = tmp_path / "repro.md"
    report.write_text("# reproduced on our lab's A2\n")
    runner = CliRunner()
    with mlperf_explorer.open_store(db) as store:
        store.import_source(str(tree))
        uid = store.find(tags="closed", columns="uid").records()[0]["uid"]
    made = runner.invoke(app, ["annotate", "--db", db, uid, "--report", str(report), "--status", "reproduced",
                               "--by", "lab <b>x</b>", "--note", "within 2%"])
    assert made.exit_code == 0, made.stderr
    assert runner.invoke(app, ["annotate", "--db", db, uid, "--status", "maybe", "--note", "x"]).exit_code == 1
    assert runner.invoke(app, ["annotate", "--db", db, "nosuchuid", "--note", "x"]).exit_code == 1
    shared = tmp_path / "team.annotations.jsonl"
    lines = [json.loads(x) for x in shared.read_text().splitlines()]
    assert len(lines) == 1 and lines[0]["uid"] == uid and lines[0]["report"] == f"file://{report}"
    with mlperf_explorer.open_store(db) as store:
        shutil.rmtree(tree / "open")  # the round changes; the annotated result stays
        store.import_source(str(tree))
        got = store.get(uid)["annotations"]
        store.export("cm", str(tmp_path / "cm"))
    assert [(a["status"], a["by"], a["note"]) for a in got] == [("reproduced", "lab <b>x</b>", "within 2%")]
    shown = runner.invoke(app, ["show", "--db", db, uid])
    assert "reproduced" in shown.stdout and "within 2%" in shown.stdout
    cm_rows = [row for p in (tmp_path / "cm").glob("experiment/*/*/cm-result.json") if "--all--" not in str(p)
               for row in json.loads(p.read_text())]
    assert [r["_reproducibility_report"][0]["status"] for r in cm_rows if r["uid"] == uid] == ["reproduced"]
    # Another teammate's store takes them from the shared file.
    other = str(tmp_path / "other.duckdb")
    with mlperf_explorer.open_store(other) as store:
        store.import_source(str(tree))
    assert runner.invoke(app, ["annotations", "import", "--db", other, str(shared)]).exit_code == 0
    assert runner.invoke(app, ["annotations", "import", "--db", other, str(shared)]).exit_code == 0  # idempotent
    with mlperf_explorer.open_store(other) as store:
        assert [a["id"] for a in store.annotations()] == [lines[0]["id"]]
    out = tmp_path / "exported.jsonl"
    assert runner.invoke(app, ["annotations", "export", "--db", other, str(out)]).exit_code == 0
    assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == [lines[0]["id"]]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1"}\nnot json\n')
    failed = runner.invoke(app, ["annotations", "import", "--db", other, str(bad)])
    assert failed.exit_code == 1 and re.search(r"bad.jsonl:1", failed.stderr)
