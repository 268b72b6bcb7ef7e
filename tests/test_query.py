"""find: tags and the --where language, checked against an independent filter of the rows."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from conftest import samples

import mlperf_explorer
from mlperf_explorer.query.expr import ExpressionError, compile_expression
from mlperf_explorer.query.find import parse_tags


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("q")
    db = str(tmp / "q.duckdb")
    s = mlperf_explorer.open_store(db)
    for round_name in ("v0.5", "v0.7", "v1.0", "v1.1", "v2.0", "v2.1", "v3.0", "v4.1", "v5.1"):
        dest = tmp / round_name
        shutil.copytree(samples("inference", round_name), dest)
        s.import_source(str(dest))
    yield s
    s.close()


def everything(store):
    return store.find(columns="*").records()


def test_tags_mean_all_of_them_and_minus_excludes(store):
    rows = everything(store)
    assert len(rows) > 20
    got = {r["uid"] for r in store.find(tags="closed,offline", columns="uid").records()}
    assert got == {r["uid"] for r in rows if r["division"] == "closed" and r["scenario"] == "Offline"}
    got = {r["uid"] for r in store.find(tags="v3.0,-power", columns="uid").records()}
    assert got == {r["uid"] for r in rows if r["round"] == "v3.0" and not r["has_power"]}
    assert store.find(tags=["Closed", "OFFLINE"], columns="uid").records()  # case-insensitive
    assert parse_tags("a, -b,,c") == (["a", "c"], ["b"])


def test_tags_carry_the_vocabulary(store):
    r = store.find(where="round = 'v4.1' and mlperf_model = 'llama2-70b-99' and scenario = 'Server'", columns="tags").records()[0]
    for tag in ("mlperf-inference", "v4.1", "closed", "datacenter", "llm-question-answering", "llama2-70b-99", "server", "amd"):
        assert tag in r["tags"]


@pytest.mark.parametrize("where,check", [
    ("result > 1000", lambda r: r["result"] is not None and r["result"] > 1000),
    ("division = 'open' or has_power", lambda r: r["division"] == "open" or bool(r["has_power"])),
    ("not valid", lambda r: r["valid"] is False),
    ("submitter in ('NVIDIA', 'Dell')", lambda r: r["submitter"] in ("NVIDIA", "Dell")),
    ("submitter not in ('NVIDIA')", lambda r: r["submitter"] != "NVIDIA"),
    ("system_name ~ 'a30'", lambda r: r["system_name"] is not None and "a30" in r["system_name"].lower()),
    ("model like 'bert%'", lambda r: r["model"].lower().startswith("bert")),
    ("power_result is not null and scenario = \"SingleStream\"", lambda r: r["power_result"] is not None and r["scenario"] == "SingleStream"),
    ("result / accelerators_per_node >= 100", lambda r: r["result"] is not None and bool(r["accelerators_per_node"]) and r["result"] / r["accelerators_per_node"] >= 100),
    ("(round = 'v3.0' or round = 'v2.1') and not (scenario = 'Offline')", lambda r: r["round"] in ("v3.0", "v2.1") and r["scenario"] != "Offline"),
])
def test_where_equals_an_independent_filter(store, where, check):
    rows = everything(store)
    expected = {r["uid"] for r in rows if check(r)}
    got = {r["uid"] for r in store.find(where=where, columns="uid").records()}
    assert got == expected
    assert 0 < len(expected) < len(rows) or where.startswith("not")


def test_hostile_and_odd_text_is_only_ever_a_literal(store):
    n = len(everything(store))
    for text in ["submitter = '; DROP TABLE results; --'", "submitter = 'O''Brien'", "system_name ~ 'ñ✓'",
                 "submitter = \"x\" or 1 = 1"]:
        store.find(where=text, columns="uid")
    assert len(everything(store)) == n
    assert store.find(where="submitter = 'x' or 1 = 1", columns="uid").records()  # a tautology, not an injection
    sql, params = compile_expression("submitter = '; DROP TABLE results; --'", ["submitter"])
    assert "DROP" not in sql and params == ["; DROP TABLE results; --"]


@pytest.mark.parametrize("bad,message", [
    ("1; DROP TABLE results", "unexpected character"),
    ("__import__('os')", "unknown function"),
    ("nosuchcolumn > 1", "unknown column"),
    ("result >", "ends too early"),
    ("result > 1 1", "unexpected"),
    ("(" * 100 + "1" + ")" * 100, "nested too deeply"),
    ("select * from results", "unknown column"),
])
def test_bad_expressions_are_refused_clearly(store, bad, message):
    with pytest.raises(ExpressionError, match=message):
        store.find(where=bad)


def test_empty_expression():
    with pytest.raises(ExpressionError, match="empty"):
        compile_expression("  ", ["result"])


def test_type_mismatch_is_an_expression_error(store):
    with pytest.raises(ExpressionError, match="cannot be applied"):
        store.find(where="result > 'fast'")


def test_sort_limit_columns(store):
    rows = store.find(where="result_units = 'Samples/s'", columns="uid,result", sort="-result", limit=3).records()
    assert len(rows) == 3 and list(rows[0]) == ["uid", "result"]
    assert rows[0]["result"] >= rows[1]["result"] >= rows[2]["result"]
    with pytest.raises(ExpressionError):
        store.find(columns="uid,nope")
    with pytest.raises(ExpressionError):
        store.find(sort="nope")


def test_result_set_hands_over_to_arrow(store):
    rs = store.find(tags="v3.0")
    table = rs.to_arrow()
    assert table.num_rows == len(rs) == len(rs.records())
    con = duckdb.connect()
    assert con.from_arrow(table).aggregate("count(*)").fetchall()[0][0] == len(rs)


@pytest.mark.parametrize("tags,check", [
    ("closed,offline,power", lambda r: r["division"] == "closed" and r["scenario"] == "Offline" and r["has_power"]),
    ("edge,-inferred", lambda r: "edge" in (r["system_type"] or "").lower() and not r["inferred"]),
    ("nvidia,server,-v4.1", lambda r: r["submitter"].lower() == "nvidia" and r["scenario"] == "Server" and r["round"] != "v4.1"),
    ("open,image-classification", lambda r: r["division"] == "open" and r["task"] == "image-classification"),
])
def test_tags_over_whole_rounds_equal_a_filter_of_the_columns(rounds, tags, check):
    for r in ("v3.0", "v4.1"):
        rounds.round(r)
    where = "family = 'inference' and round in ('v3.0', 'v4.1')"
    rows = rounds.store.find(where=where, columns="*").records()
    expected = {r["uid"] for r in rows if check(r)}
    got = {r["uid"] for r in rounds.store.find(tags=tags, where=where, columns="uid").records()}
    assert got == expected and 0 < len(expected) < len(rows)
