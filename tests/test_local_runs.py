"""Your own runs: real LoadGen output (mlcommons-loadgen driving a tiny in-process SUT) and a
corpus training run, added, ranked among the published results, and linked to one."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import unpacked
from typer.testing import CliRunner

import mlperf_explorer
from mlperf_explorer.cli import app

pytest.importorskip("mlperf_loadgen")
from loadgen_runs import run_loadgen


@pytest.fixture(scope="module")
def loadgen_out(tmp_path_factory):
    root = tmp_path_factory.mktemp("loadgen")
    return {s: run_loadgen(root / s, s) for s in ("Offline", "Server", "SingleStream")}


@pytest.fixture(scope="module")
def store_db(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("runs") / "runs.duckdb")
    with mlperf_explorer.open_store(db) as store:
        store.import_source(str(unpacked("inference", "v4.1")), round="v4.1")
        store.import_source(str(unpacked("training", "v3.0")), round="v3.0")
    return db


def printed(summary: Path) -> dict[str, str]:
    """What LoadGen printed in its summary, read independently."""
    out = {}
    for line in summary.read_text().splitlines():
        m = re.match(r"\s*(?:\* )?([^:]+?)\s*:\s*(.+?)\s*$", line)
        if m:
            out.setdefault(m.group(1), m.group(2))
    return out


@pytest.mark.parametrize("scenario", ["Offline", "Server", "SingleStream"])
def test_loadgen_runs_parse_as_loadgen_printed(loadgen_out, store_db, scenario):
    folder = loadgen_out[scenario]
    name = f"lab-{scenario.lower()}"
    result = CliRunner().invoke(app, ["run", "add", "--db", store_db, str(folder), "--model", "resnet", "--name", name, "--json"])
    assert result.exit_code == 0, result.stderr
    row = json.loads(result.stdout)
    said = printed(folder / "mlperf_log_summary.txt")
    assert row["scenario"] == said["Scenario"]
    assert row["valid"] == (said["Result is"] == "VALID")
    if scenario == "Offline":
        assert row["result"] == pytest.approx(float(said["Samples per second"]), rel=1e-4)
    elif scenario == "Server":
        # Scored with the newest rules: completed (not scheduled) samples per second since v4.1.
        assert row["result"] == pytest.approx(float(said["Completed samples per second"]), rel=1e-4)
    else:
        latency = next(v for k, v in said.items() if re.fullmatch(r"Early stopping 90(\.0)?th percentile estimate", k))
        assert row["result"] == pytest.approx(float(latency) / 1e6, rel=1e-6)
    with mlperf_explorer.open_store(store_db, read_only=True) as store:
        # Never counted with the published results.
        assert store.find(tags="v4.1", where=f"system = '{name}'").records() == []
        assert store.find(where=f"system = '{name}'", columns="family,round").records() == [{"family": "local", "round": "local-v6.1"}]


def test_rank_equals_an_independent_count(loadgen_out, store_db):
    runner = CliRunner()
    assert runner.invoke(app, ["run", "add", "--db", store_db, str(loadgen_out["Offline"]), "--model", "resnet",
                               "--name", "rank-me"]).exit_code == 0
    info = json.loads(runner.invoke(app, ["run", "rank", "--db", store_db, "rank-me", "--round", "v4.1", "--json"]).stdout)
    with mlperf_explorer.open_store(store_db, read_only=True) as store:
        mine = store.find(where="system = 'rank-me'", columns="result").records()[0]["result"]
        published = [r["result"] for r in store.find(columns="family,round,division,mlperf_model,scenario,valid,result").records()
                     if r["family"] == "inference" and r["round"] == "v4.1" and r["division"] == "closed"
                     and r["mlperf_model"] == "resnet" and r["scenario"] == "Offline" and r["valid"] and r["result"] is not None]
    assert published
    assert info["rank"] == 1 + sum(1 for v in published if v > mine) and info["of"] == len(published) + 1
    if info["above"]:
        assert info["above"]["result"] == min(v for v in published if v > mine)


def test_a_published_training_run_ranks_at_its_own_position(store_db, tmp_path):
    folder = unpacked("training", "v3.0") / "NVIDIA/results/dgxh100_n8_ngc23.04_pytorch/bert"
    copy = tmp_path / "my-bert"
    shutil.copytree(folder, copy)
    with mlperf_explorer.open_store(store_db) as store:
        store.add_run(str(copy), "my-bert", round="v3.0")
        info = store.rank_run("my-bert", round="v3.0")
        published = store.find(where="family = 'training' and round = 'v3.0' and benchmark = 'bert' and valid and division = 'closed'",
                               columns="location,result").records()
    own = next(r for r in published if r["location"] == "NVIDIA/results/dgxh100_n8_ngc23.04_pytorch/bert")
    assert info["result"] == pytest.approx(own["result"], rel=1e-12)
    assert info["rank"] == 1 + sum(1 for r in published if r["result"] < own["result"])


def test_link_records_a_reproduction_report(loadgen_out, store_db):
    runner = CliRunner()
    runner.invoke(app, ["run", "add", "--db", store_db, str(loadgen_out["Offline"]), "--model", "resnet", "--name", "repro"])
    with mlperf_explorer.open_store(store_db, read_only=True) as store:
        target = store.find(where="round = 'v4.1' and mlperf_model = 'resnet' and scenario = 'Offline' and valid",
                            columns="uid,result").records()[0]
        mine = store.find(where="system = 'repro'", columns="result").records()[0]["result"]
    linked = runner.invoke(app, ["run", "link", "--db", store_db, "repro", target["uid"]])
    assert linked.exit_code == 0, linked.stderr
    with mlperf_explorer.open_store(store_db, read_only=True) as store:
        notes = store.get(target["uid"])["annotations"]
    assert notes[-1]["report"] == "local-run:repro"
    assert f"{(mine - target['result']) / target['result']:+.2%}" in notes[-1]["note"]
    assert runner.invoke(app, ["run", "link", "--db", store_db, "nope", target["uid"]]).exit_code == 1


def test_bad_runs_are_one_line_errors(tmp_path, store_db):
    (tmp_path / "empty").mkdir()
    runner = CliRunner()
    for args in (["run", "add", "--db", store_db, str(tmp_path / "empty")],
                 ["run", "add", "--db", store_db, str(tmp_path / "missing")],
                 ["run", "rank", "--db", store_db, "no-such-run"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1 and result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1


def test_remove_a_run(loadgen_out, store_db):
    runner = CliRunner()
    assert runner.invoke(app, ["run", "add", "--db", store_db, str(loadgen_out["Offline"]), "--model", "resnet",
                               "--name", "short-lived"]).exit_code == 0
    assert runner.invoke(app, ["run", "remove", "--db", store_db, "short-lived"]).exit_code == 0
    with mlperf_explorer.open_store(store_db, read_only=True) as store:
        assert "short-lived" not in [r["system"] for r in store.runs()]
        assert store.find(where="system = 'short-lived'", columns="uid").records() == []
    assert runner.invoke(app, ["run", "remove", "--db", store_db, "short-lived"]).exit_code == 1


def test_my_runs_page_and_chart_marker(loadgen_out, store_db):
    from fastapi.testclient import TestClient

    from mlperf_explorer.web.app import create_app

    with mlperf_explorer.open_store(store_db) as store:
        store.add_run(str(loadgen_out["Offline"]), "page-run", model="resnet")
    client = TestClient(create_app(store_db))
    page = client.get("/runs.json").json()
    entry = next(e for e in page["runs"] if e["run"]["system"] == "page-run")
    assert entry["rank"]["rank"] >= 1 and entry["rank"]["benchmark"] == "resnet"
    assert "page-run" in client.get("/runs").text
    chart = client.get("/charts.json?kind=scatter&x=result&y=result&round=v4.1&model=resnet&scenario=Offline").json()
    assert any(p["label"] == "my run: page-run" for p in chart["mine"])
