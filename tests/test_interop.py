"""Interoperability as the real tools see it: the CM framework (cmind, with cmx4mlops) finds
our CM export with the queries MLCommons' CM results repository answers, the CK playground's
row handling draws points from it, `import` gives back every column of every family, and
Spark reads the Parquet export.

Expected aliases are written out here from cm4mlops' importers (import-mlperf-inference-to-
experiment and import-mlperf-training-to-experiment, customize.py: `model2task`, the
`closed-network` division, `--all--` and version experiments, tags = alias parts + `mlperf`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS, need, samples

import mlperf_explorer

CM = str(Path(sys.executable).parent / "cm")
IGNORED = {"source_id", "imported_at", "origin"}  # where a row came from, not what it says

# cm4mlops import-mlperf-training-to-experiment: model2task (the only benchmarks it exports).
CM_TRAINING_TASKS = {"resnet": "image-classification", "maskrcnn": "object-detection-heavy-weight",
                     "ssd": "object-detection-light-weight", "minigo": "reinforcement-learning",
                     "rnnt": "speech-recognition", "bert": "language-processing", "dlrm": "recommendation",
                     "unet3d": "image-segmentation"}


def _store(tmp: Path, name: str, sources: list[tuple[str, str | None, str | None]]) -> str:
    db = str(tmp / f"{name}.duckdb")
    with mlperf_explorer.open_store(db) as s:
        for source, family, round_name in sources:
            s.import_source(source, family=family, round=round_name)
    return db


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Inference samples (v3.0 has closed, open, network and power results), the whole
    training v3.0 round, HPC v3.0 and Tiny v1.1, exported as one CM repository."""
    need(CORPUS / "training" / "v3.0.tar.zst")
    need(CORPUS / "tiny" / "v1.1.tar.zst")
    tmp = tmp_path_factory.mktemp("interop")
    for round_name in ("v3.0", "v4.1"):
        shutil.copytree(samples("inference", round_name), tmp / f"inference-{round_name}")
    shutil.copytree(samples("hpc", "v3.0"), tmp / "hpc-v3.0")
    db = _store(tmp, "src", [(str(tmp / "inference-v3.0"), None, "v3.0"), (str(tmp / "inference-v4.1"), None, "v4.1"),
                             (str(CORPUS / "training" / "v3.0.tar.zst"), None, None),
                             (str(tmp / "hpc-v3.0"), "hpc", "v3.0"), (str(CORPUS / "tiny" / "v1.1.tar.zst"), None, None)])
    with mlperf_explorer.open_store(db) as s:
        s.export("cm", str(tmp / "cm"))
        rows = s.find(columns="*").records()
    return tmp, db, rows


def _cm(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CM_REPOS": str(tmp / "CM")}
    return subprocess.run([CM, *args], capture_output=True, text=True, env=env, timeout=300, cwd=tmp)


@pytest.fixture(scope="module")
def registered(exported):
    tmp, _, _ = exported
    alias = next(line.split(":", 1)[1].strip() for line in (tmp / "cm" / "cmr.yaml").read_text().splitlines()
                 if line.startswith("alias:"))
    # The command the export's README gives.
    assert f"cm init repo {alias} --path=" in (tmp / "cm" / "README.md").read_text()
    done = _cm(tmp, "init", "repo", alias, f"--path={tmp / 'cm'}")
    assert done.returncode == 0, done.stderr
    return tmp


def _found(tmp: Path, tags: str) -> set[str]:
    done = _cm(tmp, "find", "experiment", f"--tags={tags}")
    assert done.returncode == 0, done.stderr
    return {Path(line.strip()).name for line in done.stdout.splitlines() if "/experiment/" in line}


def test_cm_finds_the_queries_mlcommons_repository_answers(registered, exported):
    tmp, _, rows = exported
    inference = [r for r in rows if r["family"] == "inference"]
    # The playground's entry links.
    assert _found(tmp, "mlperf-inference,all") == {
        a for a in _found(tmp, "mlperf,inference") if "--all--" in a} != set()
    assert {a.split("--")[1] for a in _found(tmp, "mlperf-training,all")} == {"all"}
    # `mlperf,inference,<round>`: every inference round imported, experiments named as CM's importer names them.
    expected_v30 = set()
    for r in (r for r in inference if r["round"] == "v3.0"):
        task = {"rnnt": "speech-recognition", "bert-99": "language-processing", "bert-99.9": "language-processing",
                "resnet": "image-classification"}[r["mlperf_model"]]
        division = "closed-network" if r["division"] == "network" else r["division"] + ("-power" if r["has_power"] else "")
        expected_v30.add(f"mlperf-inference--v3.0--{r['system_type'].split(',')[0]}--{division}--{task}--{r['scenario'].lower()}")
    assert _found(tmp, "mlperf,inference,v3.0") == expected_v30
    assert _found(tmp, "mlperf-inference,v3.0,closed-network") == {a for a in expected_v30 if "--closed-network--" in a} != set()
    # Training: CM's task names, per round and across rounds.
    training = [r for r in rows if r["family"] == "training" and r["division"] == "closed"]
    for benchmark, task in CM_TRAINING_TASKS.items():
        if any(r["benchmark"] == benchmark for r in training):
            assert _found(tmp, f"mlperf-training,3.0,closed,{task}") == {f"mlperf-training--3.0--closed--{task}"}
    assert _found(tmp, "mlperf-training,3.0,closed,object-detection-light-weight")  # ssd is in v3.0


def test_cmind_access_sees_every_exported_result(registered, exported):
    """cmind's Python API, as the CK playground calls it; every result is in its round's
    experiment and in the `--all--` one."""
    tmp, _, rows = exported
    code = f"""
import json, os
os.environ['CM_REPOS'] = {str(tmp / 'CM')!r}
import cmind
out = {{}}
for tags in ('mlperf-inference,all', 'mlperf-training,all', 'mlperf-inference,v4.1', 'mlperf-tiny,all'):
    r = cmind.access({{'action': 'find', 'automation': 'experiment', 'tags': tags}})
    assert r['return'] == 0, r
    uids = []
    for e in r['list']:
        for d in os.listdir(e.path):
            p = os.path.join(e.path, d, 'cm-result.json')
            if os.path.isfile(p):
                uids += [row['uid'] for row in json.load(open(p))]
    out[tags] = uids
print(json.dumps(out))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    by_family = {f: sorted(r["uid"] for r in rows if r["family"] == f) for f in ("inference", "training", "tiny")}
    assert sorted(found["mlperf-inference,all"]) == by_family["inference"]
    assert sorted(found["mlperf-training,all"]) == by_family["training"]
    assert sorted(found["mlperf-tiny,all"]) == by_family["tiny"]
    assert sorted(found["mlperf-inference,v4.1"]) == sorted(r["uid"] for r in rows if r["round"] == "v4.1"
                                                           and r["family"] == "inference")


def _playground_points(experiment_dirs: list[Path]) -> list[tuple]:
    """The CK playground's chart points, by its own key handling (cmx4mlops
    script/gui/graph.py, `visualize`): every row of every `<dir>/cm-result.json` of the
    selected experiments, x = 'Result' and y = 'Accuracy' by default, a point wherever both
    are not None."""
    points = []
    for path in experiment_dirs:
        for d in sorted(os.listdir(path)):
            result = path / d / "cm-result.json"
            if result.is_file():
                for row in json.loads(result.read_text()):
                    x, y = row.get("Result", None), row.get("Accuracy", None)
                    if x is not None and y is not None:
                        points.append((x, y))
    return points


def test_the_ck_playground_draws_inference_and_training_points(registered):
    tmp = registered
    for tags in ("mlperf-inference,all", "mlperf-training,all"):
        done = _cm(tmp, "find", "experiment", f"--tags={tags}")
        dirs = [Path(line.strip()) for line in done.stdout.splitlines() if "/experiment/" in line]
        assert dirs and len(_playground_points(dirs)) > 5, tags
    # Training rows carry CM's quality target as Accuracy, with its task and dataset.
    resnet = json.loads(next((tmp / "cm" / "experiment" / "mlperf-training--3.0--closed--image-classification")
                             .glob("*/cm-result.json")).read_text())
    assert {(r["Accuracy"], r["Accuracy_Metric"], r["Task"], r["Dataset"], r["Model_ID"]) for r in resnet} == {
        (75.9, "% classification", "image-classification", "ImageNet", "resnet")}
    assert all(r["Accuracy_div_100"] == 0.759 and r["git_url"].endswith("training_results_v3.0") for r in resnet)


def test_export_then_import_gives_back_every_column_of_every_family(exported):
    tmp, _, rows = exported
    back_db = _store(tmp, "back", [(str(tmp / "cm"), None, None)])
    with mlperf_explorer.open_store(back_db, read_only=True) as s:
        back = {r["uid"]: r for r in s.find(columns="*").records()}
        origins = {r["origin"] for r in back.values()}
    assert set(back) == {r["uid"] for r in rows}
    assert {r["family"] for r in rows} == {"inference", "training", "hpc", "tiny"}
    assert origins == {"cm"}
    for r in rows:
        assert {k: v for k, v in r.items() if k not in IGNORED} == {k: v for k, v in back[r["uid"]].items() if k not in IGNORED}


def test_values_as_submitters_wrote_them(exported):
    """Text stays text: a core count like '4 (big); 4 (LITTLE)' and notes with their own
    spacing are written as the system description has them."""
    tmp, _, _rows = exported
    for meta_path in (tmp / "cm" / "experiment").glob("mlperf-inference--v3.0--*/_cm.json"):
        for row in json.loads(next(meta_path.parent.glob("*/cm-result.json")).read_text()):
            system = next((tmp / "inference-v3.0").glob(f"*/{row['Organization']}/systems/{row['Platform']}.json"))
            desc = json.loads(system.read_text())
            assert row["host_processor_core_count"] == desc.get("host_processor_core_count", row["host_processor_core_count"])
            hw, sw = desc.get("hw_notes") or "", desc.get("sw_notes") or ""
            assert row["notes"] == ((f"{hw}. {sw}" if hw else sw) if sw else hw)


def test_merge_adds_a_result_and_overwrites_nothing(exported):
    tmp, db, _ = exported
    target = tmp / "merged"
    with mlperf_explorer.open_store(db, read_only=True) as s:
        s.export("cm", str(target), tags="mlperf-inference,v4.1")
        with pytest.raises(ValueError, match="--merge"):
            s.export("cm", str(target), tags="mlperf-inference")
        before = {p: p.read_bytes() for p in target.rglob("*") if p.is_file()}
        first = {d.name for d in (target / "experiment").iterdir()}
        s.export("cm", str(target), tags="mlperf-inference", merge=True)
    after = {p: p.read_bytes() for p in target.rglob("*") if p.is_file()}
    assert all(after[p] == content for p, content in before.items())  # nothing overwritten
    experiments = {d.name: len(list(d.glob("*/cm-result.json"))) for d in (target / "experiment").iterdir()}
    # The experiments of the first export gained a second result; the others are new, with one.
    assert {n for n, k in experiments.items() if k == 2} == first
    assert {n for n, k in experiments.items() if k == 1} == set(experiments) - first
    assert {n for n in experiments if "--v3.0--" in n} <= set(experiments) - first


def test_spark_reads_the_parquet_export(exported):
    if shutil.which("java") is None:
        pytest.skip("no Java runtime: Spark cannot run here")
    pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'mlperf-explorer[spark]')")
    tmp, db, rows = exported
    with mlperf_explorer.open_store(db, read_only=True) as s:
        s.export("parquet", str(tmp / "pq"))
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master("local[1]").appName("mlperf-explorer-test")
             .config("spark.ui.enabled", "false").getOrCreate())
    try:
        frame = spark.read.parquet(str(tmp / "pq"))
        got = {r["uid"]: (r["family"], r["round"], r["result"]) for r in frame.select("uid", "family", "round", "result").collect()}
    finally:
        spark.stop()
    assert pyspark.__version__
    assert got == {r["uid"]: (r["family"], r["round"], r["result"]) for r in rows}
