"""Exports: CM experiments (checked against the official v2.0 table), partitioned Parquet
read back by DuckDB and pyarrow, CSV/JSON Lines, and the README's Python examples."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest
import reference_tables as rt
from conftest import CORPUS, REFERENCE, need, samples
from test_inference_rounds import KNOWN_DIFFERENCES
from typer.testing import CliRunner

import mlperf_explorer
from mlperf_explorer.cli import app

ROOT = Path(__file__).resolve().parent.parent


def read_cm(folder: Path) -> list[tuple[dict, dict]]:
    """(experiment meta, row) pairs, read with plain json."""
    out = []
    for meta_path in sorted(folder.glob("experiment/*/_cm.json")):
        meta = json.loads(meta_path.read_text())
        for result in meta_path.parent.glob("*/cm-result.json"):
            out += [(meta, row) for row in json.loads(result.read_text())]
    return out


def test_cm_export_of_v2_0_gives_the_official_table(rounds, tmp_path):
    official = rt.checker_table(str(need(REFERENCE / "official" / "inference_v2.0_results.csv")))
    rounds.round("v2.0")
    info = rounds.store.export("cm", str(tmp_path / "cm"), where="round = 'v2.0' and family = 'inference'")
    pairs = [(m, r) for m, r in read_cm(tmp_path / "cm") if "--all--" not in m["alias"]]
    assert info["results"] == len(pairs)
    # Every row is also in its `--all--` experiment, as in MLCommons' CM repository.
    assert len(read_cm(tmp_path / "cm")) == 2 * len(pairs)
    ours = {}
    for meta, row in pairs:
        assert meta["alias"].startswith("mlperf-inference--v2.0--") and meta["tags"][:3] == ["mlperf", "mlperf-inference", "v2.0"]
        assert meta["alias"].endswith("--" + row["Scenario"].lower())
        assert ("-power--" in meta["alias"]) == row["has_power"]
        if row["Result"] is not None:
            ours[(row["Location"], row["Units"])] = row["Result"]
        if row.get("Result_Power") is not None:
            ours[(row["Location"], row["Result_Power_Units"])] = row["Result_Power"]
            # Performance per watt for every scenario with power, Offline and Server included.
            assert row["Inference_per_Joule"] > 0
    compared = {k for k in official if k not in KNOWN_DIFFERENCES}
    assert {k: ours.get(k) for k in compared} == pytest.approx({k: official[k] for k in compared}, rel=1e-4)
    # One row per result: power is never a row of its own.
    locations = [row["Location"] for _, row in pairs]
    assert len(locations) == len(set(locations))
    assert any(row["Scenario"] == "Offline" and row.get("Inference_per_Joule") for _, row in pairs)


def test_parquet_of_two_rounds_reads_back_identically(rounds, tmp_path):
    """Each reader's default call on the folder: pandas, pyarrow, polars, DuckDB (Spark in
    test_interop.py). Partition columns come from the path, every other column keeps the
    store's type and every value comes back."""
    import pandas as pd
    import polars as pl
    import pyarrow.parquet as pq

    for r in ("v4.1", "v5.1"):
        rounds.round(r)
    where = "family = 'inference' and round in ('v4.1', 'v5.1')"
    expected = rounds.store.find(where=where, columns="*", sort="uid").to_arrow()
    out = tmp_path / "pq"
    info = rounds.store.export("parquet", str(out), where=where)
    assert info["files"] >= 2
    assert sorted(p.parent.name for p in out.glob("family=inference/round=*/*.parquet")) == ["round=v4.1", "round=v5.1"]
    names = expected.schema.names
    want = expected.to_pylist()
    by_pandas = pd.read_parquet(out)
    by_arrow = pq.read_table(out)
    by_polars = pl.read_parquet(out)
    by_duckdb = duckdb.sql(f"SELECT * FROM read_parquet('{out}/**/*.parquet') ORDER BY uid").to_arrow_table()
    for name, table in (("pyarrow", by_arrow), ("polars", by_polars.to_arrow()), ("duckdb", by_duckdb)):
        assert sorted(table.schema.names) == sorted(names), name
        rows = sorted(table.to_pylist(), key=lambda r: r["uid"])
        got = [{k: (str(r[k]) if k in ("family", "round") else r[k]) for k in names} for r in rows]
        assert got == want, name
    assert sorted(by_pandas.columns) == sorted(names) and len(by_pandas) == len(want)
    assert sorted(by_pandas["uid"]) == [r["uid"] for r in want]
    # The stored columns keep their types (read the files themselves); derived metrics follow.
    store_types = dict(rounds.store.con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'results'").fetchall())
    read_types = dict(r[:2] for r in duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{out}/**/*.parquet')").fetchall())
    assert {k: read_types[k] for k in store_types} == store_types
    assert set(read_types) - set(store_types) == {m.name for m in rounds.store.metrics()}


def test_training_cm_export_imports_back(tmp_path):
    with mlperf_explorer.open_store(str(tmp_path / "s.duckdb")) as store:
        store.import_source(str(samples("training", "v3.0")), round="v3.0")
        raw = {r["uid"]: r for r in store.find(columns="uid,location,result,submitter,system,benchmark").records()}
        store.export("cm", str(tmp_path / "cm"))
    aliases = [m["alias"] for m, _ in read_cm(tmp_path / "cm")]
    assert all(re.fullmatch(r"mlperf-training--(3\.0|all)--closed--[a-z0-9-]+", a) for a in aliases)
    with mlperf_explorer.open_store(str(tmp_path / "back.duckdb")) as store:
        store.import_source(str(tmp_path / "cm"))
        back = {r["uid"]: r for r in store.find(columns="uid,location,result,submitter,system,benchmark,origin").records()}
    assert set(back) == set(raw)
    for uid, r in raw.items():
        assert {k: back[uid][k] for k in r} == r and back[uid]["origin"] == "cm"


def test_cli_export_formats_agree_with_find(tmp_path):
    db = str(tmp_path / "s.duckdb")
    runner = CliRunner()
    assert runner.invoke(app, ["import", "--db", db, "-q", str(samples("inference", "v3.0")), "--round", "v3.0"]).exit_code == 0
    found = json.loads(runner.invoke(app, ["find", "--db", db, "--format", "json", "-c", "*"]).stdout)
    assert runner.invoke(app, ["export", "--db", db, "-f", "jsonl", "-o", str(tmp_path / "a.jsonl")]).exit_code == 0
    lines = [json.loads(x) for x in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert sorted(r["uid"] for r in lines) == sorted(r["uid"] for r in found) and len(lines) == 3
    assert runner.invoke(app, ["export", "--db", db, "-f", "csv", "-o", str(tmp_path / "a.csv"), "--tags", "open"]).exit_code == 0
    assert len((tmp_path / "a.csv").read_text().splitlines()) == 2
    assert runner.invoke(app, ["export", "--db", db, "-f", "cm", "-o", str(tmp_path / "cm")]).exit_code == 0
    again = runner.invoke(app, ["export", "--db", db, "-f", "cm", "-o", str(tmp_path / "cm")])
    assert again.exit_code == 1 and "empty folder" in again.stderr
    bad = runner.invoke(app, ["export", "--db", db, "-f", "xml", "-o", str(tmp_path / "x")])
    assert bad.exit_code == 1 and "unknown export format" in bad.stderr


def test_readme_python_examples_run(tmp_path, monkeypatch):
    """Every ```python block of the README runs as written (corpus paths pointed at ours)."""
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    need(CORPUS / "inference" / "v4.1.tar.zst")
    monkeypatch.chdir(tmp_path)
    for code in blocks:
        code = code.replace("../shared/corpus", str(CORPUS))
        namespace: dict = {}
        exec(compile(code, "README.md", "exec"), namespace)
        assert namespace.get("store") is not None
    assert (tmp_path / "results.duckdb").exists()
