"""Bad input never crashes an import: each damaged file becomes a warning naming it, and
every other result comes out exactly as from the clean tree."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import samples

import mlperf_explorer

ROUND = "v3.0"


@pytest.fixture
def tree(tmp_path) -> Path:
    """The v3.0 samples, with the detail logs of non-power runs removed, as in most published
    rounds: the summary is then what the result is read from."""
    dest = tmp_path / ROUND
    shutil.copytree(samples("inference", ROUND), dest)
    for detail in dest.rglob("performance/run_1/mlperf_log_detail.txt"):
        if not (detail.parent / "spl.txt").exists():
            detail.unlink()
    return dest


def perf_summaries(root: Path) -> list[Path]:
    """Summaries of runs without a detail log (the victims of these tests)."""
    found = sorted(p for p in root.glob("*/*/results/*/*/*/performance/run_1/mlperf_log_summary.txt")
                   if not (p.parent / "mlperf_log_detail.txt").exists())
    assert found
    return found


def import_rows(root: Path, db: Path):
    with mlperf_explorer.open_store(str(db)) as store:
        report = store.import_source(str(root), round=ROUND)
        rows = {r["location"]: r for r in store.find(columns="*").records()}
        warnings = store.warnings()
    return report, rows, warnings


@pytest.fixture
def clean(tree, tmp_path):
    return import_rows(tree, tmp_path / "clean.duckdb")


COMPARED = ("result", "result_units", "valid", "accuracy", "accuracy_pass", "power_result", "system_name",
            "accelerator_model_name", "compliance_pass")


def damage_and_import(tree: Path, tmp_path: Path, victim: Path, data: bytes | None):
    if data is None:
        victim.unlink()
    else:
        victim.write_bytes(data)
    return import_rows(tree, tmp_path / "damaged.duckdb")


def assert_others_intact(clean_rows: dict, rows: dict, damaged_location: str) -> None:
    for location, before in clean_rows.items():
        if location == damaged_location:
            continue
        after = rows[location]
        for column in COMPARED:
            assert after[column] == before[column], (location, column)


def _location(path: Path, root: Path) -> str:
    return "/".join(path.relative_to(root).parts[:6])


@pytest.mark.parametrize("damage", [
    pytest.param(lambda b: b[: len(b) // 3], id="truncated"),
    pytest.param(lambda b: bytes((i * 37) % 256 for i in range(4000)), id="garbage-bytes"),
    pytest.param(lambda b: b"", id="empty"),
    pytest.param(lambda b: b.replace(b"Scenario", "Sc\xe9nario".encode("latin-1")).replace(b"SUT name", b"SUT \xff\xfe name"), id="non-utf8"),
])
def test_a_damaged_summary_is_a_warning(tree, tmp_path, clean, damage):
    _, clean_rows, _ = clean
    victim = perf_summaries(tree)[0]
    rel = victim.relative_to(tree).as_posix()
    _report, rows, warnings = damage_and_import(tree, tmp_path, victim, damage(victim.read_bytes()))
    assert_others_intact(clean_rows, rows, _location(victim, tree))
    if damage(b"Scenario") == b"":
        assert any(w["path"] == rel for w in warnings), warnings


def test_non_utf8_summary_still_reads(tree, tmp_path, clean):
    _, clean_rows, _ = clean
    victim = perf_summaries(tree)[0]
    location = _location(victim, tree)
    data = victim.read_bytes().replace(b"SUT name : ", "SUT name : Caf\xe9 ".encode("latin-1"))
    _, rows, _ = damage_and_import(tree, tmp_path, victim, data)
    assert rows[location]["result"] == clean_rows[location]["result"]
    from mlperf_explorer.inference.summary import parse_summary

    assert parse_summary(data).values["sut_name"].startswith("Café")


def test_truncated_summary_names_the_file(tree, tmp_path, clean):
    victim = perf_summaries(tree)[0]
    rel = victim.relative_to(tree).as_posix()
    text = victim.read_bytes()
    _, rows, warnings = damage_and_import(tree, tmp_path, victim, text[: text.index(b"Result is")])
    assert any(w["path"] == rel and "truncated" in w["message"] for w in warnings)
    assert rows[_location(victim, tree)]["valid"] is False


@pytest.mark.parametrize("value", [b"nan", b"-5", b"inf"])
def test_absurd_metric_is_a_warning_not_a_value(tree, tmp_path, clean, value):
    _, clean_rows, _ = clean
    victim = perf_summaries(tree)[0]
    rel = victim.relative_to(tree).as_posix()
    import re

    # The headline metric is the line just before "Result is", in every scenario.
    data, n = re.subn(rb"(\n[^\n:]+:\s*)[-+\d.eE]+(\s*\nResult is)", rb"\g<1>" + value + rb"\g<2>", victim.read_bytes())
    assert n == 1
    _, rows, warnings = damage_and_import(tree, tmp_path, victim, data)
    location = _location(victim, tree)
    assert rows[location]["result"] is None
    assert rows[location]["valid"] is False
    assert any(w["path"] == rel for w in warnings)
    assert_others_intact(clean_rows, rows, location)


def test_missing_system_json(tree, tmp_path, clean):
    _, clean_rows, _ = clean
    system_json = sorted(tree.glob("*/*/systems/*.json"))[0]
    division, submitter, _, name = system_json.relative_to(tree).parts
    system = name[:-5]
    system_json.unlink()
    _, rows, warnings = import_rows(tree, tmp_path / "nosys.duckdb")
    affected = [loc for loc in rows if loc.startswith(f"{division}/{submitter}/results/{system}/")]
    assert affected
    for loc in affected:
        assert rows[loc]["result"] == clean_rows[loc]["result"]  # kept, without a description
        assert rows[loc]["system_name"] is None
    assert any(w["path"] == system_json.relative_to(tree).as_posix() and "missing" in w["message"] for w in warnings)


def test_invalid_system_json(tree, tmp_path):
    system_json = sorted(tree.glob("*/*/systems/*.json"))[0]
    system_json.write_bytes(b'{"system_name": "x", ')
    _, rows, warnings = import_rows(tree, tmp_path / "badsys.duckdb")
    rel = system_json.relative_to(tree).as_posix()
    assert any(w["path"] == rel and "invalid JSON" in w["message"] for w in warnings)
    assert rows


def test_garbage_detail_log_and_spl(tree, tmp_path, clean):
    _, clean_rows, _ = clean
    spl = sorted(tree.rglob("performance/run_1/spl.txt"))[0]
    spl.write_bytes(b"Time,not a time,Watts,abc\n" * 10)
    _, rows, warnings = import_rows(tree, tmp_path / "spl.duckdb")
    rel = spl.relative_to(tree).as_posix()
    location = _location(spl, tree)
    assert rows[location]["result"] == clean_rows[location]["result"]
    assert rows[location]["power_result"] is None
    assert any(w["path"] == rel for w in warnings)
