"""Results tables as sources: MLCommons CM experiments, checker summaries, final reports.

Some users hold only what others computed from the raw files:

- a CM results repository: `experiment/<alias>/_cm.json` (tags) and
  `experiment/<alias>/<timestamp>/cm-result.json` (a list of rows: Organization, Division,
  Platform, Model, Scenario, Result, Units, Result_Power, Location, version, ...);
- the submission checker's `summary.csv` (one row per Location and Units);
- the `summary_results.json` of MLCommons' final-report script (Performance_Result,
  Power_Result, ...), and its 2026 form, `summary.json`: an object of rows keyed "0".."N"
  with the checker's columns (Result, Units, and new: total_accelerators,
  weight_data_types, design_power_watts, PrivateID), whose `Location` names the run
  (`./closed/.../Offline/performance/run_1`) rather than the result folder.

All three key a result by its repository Location, with power either on the result's row or
on a row of its own (Units Watts or millijoules). Rows become the same records a raw import
makes, with the same uid, so a table and the raw round line up; `origin` says which it was.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Iterator
from typing import Any

from ..inference.importer import PUBLIC_REPO, tags_for
from ..inference.power import per_joule
from ..inference.rules import SCENARIOS, TASKS
from ..records import Batch, Problem, as_float, decode_text, make_uid, total_accelerators
from ..sources.tables import KINDS, table_files
from ..systems import as_int, as_text
from ..training.importer import REPO as TRAINING_REPO
from .cm import RECORD_KEY, cm_tables

__all__ = ["KINDS", "parse_tables"]

POWER = {"Watts", "millijoules"}


# ---- reading --------------------------------------------------------------------------

def _rows(path: str, kind: str, root: str) -> tuple[list[tuple[dict, dict]], list[Problem]]:
    """(row, context) pairs of one file; context carries the CM experiment's tags."""
    rel = os.path.relpath(path, root).replace(os.sep, "/") if kind == "cm" else os.path.basename(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        return [], [Problem(rel, f"cannot read: {exc.strerror}")]
    text = decode_text(data)
    context: dict[str, Any] = {"file": rel}
    if kind == "cm":
        meta_path = os.path.join(os.path.dirname(os.path.dirname(path)), "_cm.json")
        try:
            with open(meta_path, "rb") as f:
                context["tags"] = [str(t) for t in json.loads(f.read()).get("tags", [])]
        except (OSError, ValueError, AttributeError):
            context["tags"] = []
    try:
        if kind == "checker-summary":
            rows = list(csv.DictReader(io.StringIO(text)))
        else:
            rows = json.loads(text)
            if isinstance(rows, dict):  # 2026: rows keyed "0", "1", ...
                rows = [rows[k] for k in sorted(rows, key=lambda k: (not str(k).isdigit(), int(k) if str(k).isdigit() else 0, str(k)))]
            if not isinstance(rows, list):
                raise ValueError("not a list of rows")
    except (ValueError, csv.Error) as exc:
        return [], [Problem(rel, f"unreadable {kind} table: {exc}")]
    return [(r, context) for r in rows if isinstance(r, dict)], []




def _flag(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "pass")


def _round(value: Any) -> str | None:
    m = re.search(r"(\d+)\.(\d+)", str(value or ""))
    return f"v{int(m.group(1))}.{int(m.group(2))}" if m else None


def _first(row: dict, *keys: str) -> Any:
    for k in keys:
        v = row.get(k)
        if v not in (None, ""):
            return v
    return None


_RUN_SUFFIX = re.compile(r"/performance/run_\d+$")


def result_location(location: str) -> str:
    """A table's Location as the result folder: `./closed/X/results/S/M/Offline/performance/run_1`
    (the 2026 form) and `closed/X/results/S/M/Offline` are the same result."""
    loc = location.strip().replace("\\", "/")
    while loc.startswith("./"):
        loc = loc[2:]
    return _RUN_SUFFIX.sub("", loc.strip("/"))


def _accuracy(value: Any) -> float | None:
    """'80.6', 80.6, 'acc: 77.805' or 'ROUGE1: 44.45  ROUGE2: 22.0': the first metric's value."""
    number = as_float(value)
    if number is not None or value is None:
        return number
    m = re.search(r"[:=]\s*(-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)", str(value))
    return float(m.group(1)) if m else None


def _inference_record(row: dict, origin: str, round_name: str) -> tuple[dict | None, str | None]:
    loc = result_location(str(_first(row, "Location") or ""))
    parts = loc.split("/")
    if len(parts) != 6 or parts[2] != "results":
        return None, f"Location {loc!r} is not DIVISION/SUBMITTER/results/SYSTEM/MODEL/SCENARIO"
    division, submitter, _, system, model, folder = parts
    scenario = SCENARIOS.get(folder.lower(), folder)
    mlperf_model = as_text(_first(row, "MlperfModel", "UsedModel", "Model")) or model
    record: dict[str, Any] = {
        "uid": make_uid("inference", round_name, division, submitter, system, model, scenario),
        "family": "inference", "round": round_name, "division": division, "submitter": submitter,
        "system": system, "model": model, "mlperf_model": mlperf_model, "task": TASKS.get(mlperf_model),
        "scenario": scenario, "location": loc, "origin": origin,
        "system_name": as_text(_first(row, "SystemName", "System")),
        "system_type": as_text(_first(row, "SystemType", "Suite")),
        "availability": (as_text(_first(row, "Availability")) or "").lower() or None,
        "accuracy": _accuracy(_first(row, "Accuracy")),
        "inferred": _flag(_first(row, "inferred")) or False,
        "compliance_pass": _flag(_first(row, "compliance", "compilance")),
        "number_of_nodes": as_int(_first(row, "number_of_nodes", "Nodes")),
        "host_processor_model_name": as_text(_first(row, "host_processor_model_name", "Processor")),
        "host_processors_per_node": as_int(_first(row, "host_processors_per_node")),
        "host_processor_core_count": as_int(_first(row, "host_processor_core_count")),
        "accelerator_model_name": as_text(_first(row, "accelerator_model_name", "Accelerator")),
        "accelerators_per_node": as_int(_first(row, "accelerators_per_node", "a#")),
        "framework": as_text(_first(row, "framework", "Software")),
        "operating_system": as_text(_first(row, "operating_system")),
        "notes": as_text(_first(row, "notes", "Notes")) or None,
        "total_accelerators": as_int(_first(row, "total_accelerators")),
        "weight_data_types": as_text(_first(row, "weight_data_types")) or None,
        "design_power_watts": as_float(_first(row, "design_power_watts")),
        "private_id": as_text(_first(row, "PrivateID", "private_id")) or None,
        "url": PUBLIC_REPO.format(round=round_name, ref="main", location=loc),
        "has_power": False,
    }
    if record["total_accelerators"] is None:
        record["total_accelerators"] = total_accelerators(record["number_of_nodes"], record["accelerators_per_node"])
    errors = as_float(_first(row, "errors"))
    record["_errors"] = errors
    return record, None


def _training_record(row: dict, origin: str, round_name: str, family: str) -> tuple[dict | None, str | None]:
    submitter = as_text(_first(row, "Organization", "submitter"))
    system = as_text(_first(row, "system", "Platform"))
    benchmark = as_text(_first(row, "Model_ID", "Benchmark"))
    # CM's Model_ID for a benchmark we name otherwise (3dunet is our unet3d)
    benchmark = {v: k for k, v in cm_tables()["training_model_ids"].items()}.get(benchmark or "", benchmark)
    if not (submitter and system and benchmark):
        return None, "a training row needs Organization, system and Model_ID"
    division = (as_text(_first(row, "division", "Division")) or "").lower() or None
    scaling = (as_text(_first(row, "scaling")) or "").lower() or (None if family == "training" else "strong")
    loc = as_text(_first(row, "Location")) or f"{submitter}/results/{system}/{benchmark}"
    result = as_float(_first(row, "Result"))
    record: dict[str, Any] = {
        "uid": make_uid(family, round_name, division or "", submitter, system, benchmark, scaling or ""),
        "family": family, "round": round_name, "division": division, "submitter": submitter, "system": system,
        "benchmark": benchmark, "model": benchmark, "mlperf_model": benchmark, "scenario": scaling,
        "result": result, "result_units": "min.", "official_units": "min.", "valid": result is not None,
        "location": loc, "origin": origin, "has_power": False,
        "system_name": as_text(_first(row, "SystemName", "system_name")) or system,
        "accelerator_model_name": as_text(_first(row, "accelerator_model_name")),
        "accelerators_per_node": as_int(_first(row, "accelerators_per_node", "accelerators_count")),
        "number_of_nodes": as_int(_first(row, "number_of_nodes")),
        "host_processor_model_name": as_text(_first(row, "host_processor_model_name")),
        "framework": as_text(_first(row, "framework")),
        "url": f"https://github.com/mlcommons/{TRAINING_REPO[family]}_{round_name}/tree/main/{loc}",
    }
    tags = [f"mlperf-{family}", round_name] + ([division] if division else []) + [benchmark.lower(), submitter.lower()]
    record["tags"] = list(dict.fromkeys(tags + (["valid"] if record["valid"] else [])))
    return record, None


def _restored(row: dict, kind: str) -> dict | None:
    """The complete record a CM row written by mlperf-explorer carries (`_mlperf_explorer`),
    as written (the store keeps the keys that are its columns); None for rows of other writers."""
    record = row.get(RECORD_KEY) if kind == "cm" else None
    if not isinstance(record, dict):
        return None
    if not all(isinstance(record.get(k), str) and record.get(k) for k in ("uid", "family", "round")):
        return None
    out = {k: v for k, v in record.items() if k not in ("source_id", "imported_at")}
    if not isinstance(out.get("tags"), list):
        out["tags"] = []
    out["tags"] = [str(t) for t in out["tags"]]
    out["origin"] = "cm"
    return out


def parse_tables(path: str, kind: str) -> Iterator[Batch]:
    """Every result in the table source at `path`, as one batch."""
    root = path if os.path.isdir(path) else os.path.dirname(path)
    problems: list[Problem] = []
    records: dict[str, dict] = {}
    files = table_files(path, kind)
    for file in files:
        rows, probs = _rows(file, kind, root)
        problems.extend(probs)
        for i, (row, context) in enumerate(rows, 1):
            where = context["file"]
            line = i + 1 if kind == "checker-summary" else None  # CSV: the header is line 1
            tags = context.get("tags", [])
            restored = _restored(row, kind)
            if restored is not None:
                records.setdefault(restored["uid"], restored)  # an `--all--` experiment repeats rows
                continue
            family = next((t.removeprefix("mlperf-") for t in tags if t in ("mlperf-training", "mlperf-hpc")), "inference")
            if "mlperf-tiny" in tags:
                problems.append(Problem(where, f"row {i}: a Tiny CM row without its mlperf-explorer record is not read"))
                continue
            round_name = _round(_first(row, "version"))
            if round_name is None:
                problems.append(Problem(where, f"row {i}: no version (round)", line))
                continue
            if family == "inference":
                record, error = _inference_record(row, kind, round_name)
            else:
                record, error = _training_record(row, kind, round_name, family)
            if record is None:
                problems.append(Problem(where, f"row {i}: {error}", line))
                continue
            merged = records.setdefault(record["uid"], record)
            if family == "inference":
                _merge_inference(merged, row, record["scenario"], where, i, line, problems)
    out = []
    for r in records.values():
        if r["family"] == "inference":
            errors = r.pop("_errors", None)
            r["valid"] = r.get("result") is not None and not errors
            r["inferences_per_joule"] = r.get("inferences_per_joule") or per_joule(
                r["scenario"], r.get("result"), r.get("power_result"))
            r["tags"] = tags_for(r)
        out.append(r)
    yield Batch(out, [], problems, [], len(files))


def _merge_inference(record: dict, row: dict, scenario: str, where: str, i: int, line: int | None,
                     problems: list[Problem]) -> None:
    """Fold a row's performance or power value into the result's record."""
    units = as_text(_first(row, "Units", "Result_Units", "Performance_Units"))
    value = as_float(_first(row, "Result", "Performance_Result"))
    if units in POWER and _first(row, "Result") is not None:
        record.update(has_power=True, power_result=value, power_units=units)
    elif value is not None:
        if record.get("result") is not None and record["result"] != value:
            problems.append(Problem(where, f"row {i}: {record['location']} has two {units} values "
                                           f"({record['result']} and {value}); keeping the first", line))
        else:
            record.update(result=value, result_units=units, official_units=units)
    power = as_float(_first(row, "Result_Power", "Power_Result"))
    if power is not None:
        record.update(has_power=True, power_result=power,
                      power_units=as_text(_first(row, "Result_Power_Units", "Power_Units"))
                      or ("millijoules" if scenario in ("SingleStream", "MultiStream") else "Watts"))
    ipj = as_float(_first(row, "Inference_per_Joule"))
    if ipj is not None:
        record["inferences_per_joule"] = ipj
