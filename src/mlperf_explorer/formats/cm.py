"""Writing results as a CM repository of experiments, the layout the CM framework (`cm find
experiment`) and the Collective Knowledge playground read, and `formats.tables` reads back:

    DIR/cmr.yaml                                      the repository (alias, uid), as `cm init repo` writes it
    DIR/experiment/<alias>/_cm.json                   alias, tags, uid
    DIR/experiment/<alias>/<timestamp>/cm-result.json [row, ...]

Aliases, tags and row keys follow cm4mlops' importers (import-mlperf-inference-to-experiment,
import-mlperf-training-to-experiment) and MLCommons' CM results repository: one experiment per
(family, round, system type, division, task, scenario) for inference, e.g.
`mlperf-inference--v3.0--datacenter--closed-power--image-classification--offline` (the network
division is `closed-network`), per (round, division, task) for training, e.g.
`mlperf-training--3.0--closed--object-detection-light-weight`, each also gathered into an
`--all--` experiment across rounds; tags are the alias' parts plus `mlperf` and the family
word (`inference`, `training`). Tasks and training datasets and quality targets come from the
importers' tables (cm.json).

Two choices differ from CM's importer, each kept as an option: a result with power is one row
holding both its performance and its power by default (CM's importer writes the power as a
second row whose Result is empty; `power_rows="separate"` does that), because one row per
result lets the playground plot Result_Power against Result and keeps counts honest; and every
row carries its complete record under `_mlperf_explorer`, which CM tools ignore and `import`
uses to give back every column.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import Any

CM_EXPERIMENT_AUTOMATION_UID = "a0a2d123ef064bcb"  # CM's `experiment` automation
RECORD_KEY = "_mlperf_explorer"  # the complete record, for a lossless round trip
POWER_ROWS = ("row", "separate")
_NOT_IN_RECORD = {"source_id", "imported_at"}


@lru_cache(maxsize=1)
def cm_tables() -> dict[str, Any]:
    """CM's task, dataset and quality-target tables (cm.json)."""
    return json.loads(resources.files(__package__).joinpath("cm.json").read_text())


def _slug(text: str | None, default: str) -> str:
    out = "".join(c if c.isalnum() or c in ".-_" else "-" for c in (text or "").strip().lower())
    return out.strip("-") or default


def cm_task(r: dict[str, Any]) -> str:
    """The task name CM's importers give a result (ours where their tables are silent)."""
    tables = cm_tables()
    if r["family"] == "inference":
        return tables["inference_tasks"].get(r.get("mlperf_model") or "", "") or _slug(r.get("task"), "unknown-task")
    model = tables["training_model_ids"].get(r.get("benchmark") or "", r.get("benchmark") or "")
    known = tables["training"].get(model)
    return known["task"] if known else _slug(r.get("task"), "unknown-task")


def aliases_of(r: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """The experiments a result belongs to (its round's and the `--all--` one), with tags."""
    family = r["family"]
    division = _slug(r.get("division"), "unknown")
    if family == "inference":
        division = "closed-network" if division == "network" else division + ("-power" if r.get("has_power") else "")
        types = [t for t in (r.get("system_type") or "").replace(" ", "").lower().split(",") if t]
        parts = ["mlperf-inference", "{round}", types[0] if types else "unknown", division, cm_task(r),
                 _slug(r.get("scenario"), "unknown")]
        rounds = [r["round"], "all"]
    elif family == "tiny":  # as cm4mlops' import-mlperf-tiny-to-experiment names them
        parts = ["mlperf-tiny", "{round}", division, _slug(r.get("benchmark"), "unknown")]
        rounds = [r["round"], "all"]
    else:
        parts = [f"mlperf-{family}", "{round}", division, cm_task(r)]
        rounds = [r["round"].lstrip("v"), "all"]
    out = []
    for rnd in rounds:
        alias_parts = [p.replace("{round}", rnd) for p in parts]
        tags = ["mlperf", *alias_parts, family]
        out.append(("--".join(alias_parts), list(dict.fromkeys(tags))))
    return out


def _published(value: Any) -> Any:
    """A number as the importers write summary.csv values: integral floats as ints."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _raw(desc: dict[str, Any] | None, key: str, stored: Any) -> Any:
    """A system field as the submitter wrote it (text stays text), else the stored value."""
    if desc and desc.get(key) not in (None, ""):
        return desc[key]
    return stored


def _notes(desc: dict[str, Any] | None, stored: str | None) -> str:
    """Notes as the checker's summary joins them, unstripped."""
    if not desc:
        return stored or ""
    hw, sw = desc.get("hw_notes") or "", desc.get("sw_notes") or ""
    return (f"{hw}. {sw}" if hw else str(sw)) if sw else str(hw)


def _git_url(r: dict[str, Any]) -> str | None:
    url = r.get("url") or ""
    return url.split("/tree/", 1)[0] if "/tree/" in url else None


def _inference_row(r: dict[str, Any], desc: dict[str, Any] | None) -> dict[str, Any]:
    """The checker's summary.csv columns plus what CM's importer adds (git_url, url,
    Accuracy_div_100, Result_Units)."""
    row = {
        "Organization": r["submitter"], "Availability": _raw(desc, "status", r.get("availability")),
        "Division": r.get("division"), "SystemType": r.get("system_type"), "SystemName": r.get("system_name"),
        "Platform": r["system"], "Model": r.get("model"), "MlperfModel": r.get("mlperf_model"),
        "Scenario": r.get("scenario"), "Result": r.get("result"), "Accuracy": r.get("accuracy"),
        "number_of_nodes": _published(_raw(desc, "number_of_nodes", r.get("number_of_nodes"))),
        "host_processor_model_name": _raw(desc, "host_processor_model_name", r.get("host_processor_model_name")),
        "host_processors_per_node": _published(_raw(desc, "host_processors_per_node", r.get("host_processors_per_node"))),
        "host_processor_core_count": _published(_raw(desc, "host_processor_core_count", r.get("host_processor_core_count"))),
        "accelerator_model_name": _raw(desc, "accelerator_model_name", r.get("accelerator_model_name")),
        "accelerators_per_node": _published(_raw(desc, "accelerators_per_node", r.get("accelerators_per_node"))),
        "Location": r.get("location"), "framework": _raw(desc, "framework", r.get("framework")),
        "operating_system": _raw(desc, "operating_system", r.get("operating_system")),
        "notes": _notes(desc, r.get("notes")),
        "compliance": None if r.get("compliance_pass") is None else int(bool(r["compliance_pass"])),
        "errors": 0 if r.get("valid") else 1, "version": r["round"], "inferred": int(bool(r.get("inferred"))),
        "has_power": bool(r.get("has_power")), "Units": r.get("official_units") or r.get("result_units"),
        "Result_Units": r.get("official_units") or r.get("result_units"),
        "weight_data_types": r.get("weight_data_types"), "total_accelerators": r.get("total_accelerators"),
        "git_url": _git_url(r), "url": r.get("url"), "uid": r["uid"],
    }
    if isinstance(r.get("accuracy"), (int, float)) and r["accuracy"] > 0:
        row["Accuracy_div_100"] = float(f"{r['accuracy'] / 100:.5f}")
    if r.get("has_power"):
        row.update(Result_Power=r.get("power_result"), Result_Power_Units=r.get("power_units"),
                   Inference_per_Joule=r.get("inferences_per_joule"))
    return row


def _training_row(r: dict[str, Any], desc: dict[str, Any] | None) -> dict[str, Any]:
    """The keys CM's training importer writes: its Model_ID, task, dataset and quality
    target (`Accuracy`), each also under a leading underscore, and the summary's columns."""
    tables = cm_tables()
    model = tables["training_model_ids"].get(r.get("benchmark") or "", r.get("benchmark") or "")
    known = tables["training"].get(model) or {}
    accuracy = known.get("accuracy", r.get("accuracy_target"))
    metric = known.get("metric", r.get("accuracy_metric"))
    task, dataset = cm_task(r), known.get("dataset")
    nodes = r.get("number_of_nodes") or 1
    hosts = r.get("host_processors_per_node")
    version = r["round"].lstrip("v")
    system_name = r.get("system_name") or r["system"]
    row: dict[str, Any] = {
        "Accuracy": accuracy, "Accuracy_Metric": metric, "Benchmark": task, "Dataset": dataset, "Model_ID": model,
        "Organization": r["submitter"], "Result": r.get("result"), "Result_Units": "min.", "Task": task,
        "_Accuracy": accuracy, "_Accuracy_Metric": metric, "_Dataset": dataset, "_Model_ID": model,
        "_Organization": r["submitter"], "_Result": r.get("result"), "_Result_Units": "min.",
        "_System": system_name, "_Task": task, "_version": version,
        "accelerator_model_name": _raw(desc, "accelerator_model_name", r.get("accelerator_model_name")),
        "accelerators_count": r.get("total_accelerators"),
        "availability": _raw(desc, "status", r.get("availability")),
        "division": r.get("division"), "framework": _raw(desc, "framework", r.get("framework")),
        "host_processor_model_name": _raw(desc, "host_processor_model_name", r.get("host_processor_model_name")),
        "host_processors_count": hosts * nodes if isinstance(hosts, int) else None,
        "notes": _notes(desc, r.get("notes")), "submitter": r["submitter"], "system": system_name,
        "scaling": r.get("scenario"), "Location": r.get("location"), model: r.get("result"),
        "git_url": _git_url(r), "url": r.get("url"), "uid": r["uid"], "version": version,
    }
    if isinstance(accuracy, (int, float)) and accuracy > 0:
        row["Accuracy_div_100"] = float(f"{accuracy / 100:.5f}")
    return row


def _tiny_row(r: dict[str, Any], desc: dict[str, Any] | None) -> dict[str, Any]:
    """The keys cm4mlops' Tiny importer wrote (median_throughput, median_energy_cost, ...)."""
    row: dict[str, Any] = {
        "Organization": r["submitter"], "Division": r.get("division"), "Benchmark": r.get("benchmark"),
        "Model": r.get("model"), "__System": r["system"], "Board Name": r.get("system_name"),
        "version": r["round"], "Result": r.get("result"), "median_throughput": r.get("result"),
        "median_throughput_metric": "inf./sec.", "Accuracy": r.get("accuracy"),
        "accuracy_metric": r.get("accuracy_metric"), "Availability": r.get("availability"),
        "Processor(s) Name": r.get("host_processor_model_name"), "Accelerator": r.get("accelerator_model_name"),
        "Inference Framework": r.get("framework"), "Location": r.get("location"), "git_url": r.get("url"),
        "uid": r["uid"],
    }
    if r.get("has_power"):
        row.update(median_energy_cost=r.get("power_result"), median_energy_cost_metric="uj/inf.",
                   Inference_per_Joule=r.get("inferences_per_joule"))
    return row


def _power_row(row: dict[str, Any]) -> dict[str, Any]:
    """CM's importer's second row for a power result: Result empty, Result_Power set."""
    return {**{k: v for k, v in row.items() if k not in ("Result_Power", "Result_Power_Units", "Inference_per_Joule")},
            "Result": None, "Result_Power": row.get("Result_Power"), "Units": row.get("Result_Power_Units"),
            "Result_Units": row.get("Result_Power_Units"), "uid": row["uid"] + "-power"}


def rows_of(r: dict[str, Any], desc: dict[str, Any] | None = None, power_rows: str = "row") -> list[dict[str, Any]]:
    """A result's CM rows (one, or two with `power_rows="separate"`)."""
    make = {"inference": _inference_row, "tiny": _tiny_row}.get(r["family"], _training_row)
    row = make(r, desc)
    row[RECORD_KEY] = {k: v for k, v in r.items() if k not in _NOT_IN_RECORD}
    if power_rows == "separate" and r["family"] == "inference" and r.get("has_power"):
        return [{k: v for k, v in row.items() if k not in ("Result_Power", "Result_Power_Units", "Inference_per_Joule")},
                _power_row(row)]
    return [row]


def write_cm(rows: Iterable[dict[str, Any]], out_dir: str, reports: dict[str, list[dict]] | None = None,
             when: _dt.datetime | None = None, descriptions: dict[tuple[str, str], dict] | None = None,
             power_rows: str = "row", repo_alias: str | None = None) -> dict[str, int]:
    """Write results as a CM repository under `out_dir` (a new one, or `merge` into an existing
    one: an experiment that exists gains a new timestamped result, nothing is overwritten).
    `reports` ({uid: [annotation, ...]}) become each row's `_reproducibility_report`;
    `descriptions` ({(submitter, system): system JSON}) give fields as submitters wrote them.
    Returns {alias: rows}."""
    if power_rows not in POWER_ROWS:
        raise ValueError(f"power_rows: {power_rows!r}; use 'row' or 'separate'")
    groups: dict[str, tuple[list[str], list[dict]]] = {}
    for r in rows:
        desc = (descriptions or {}).get((r["submitter"], r["system"]))
        made = rows_of(r, desc, power_rows)
        if reports and reports.get(r["uid"]):
            for row in made:
                row["_reproducibility_report"] = reports[r["uid"]]
        for alias, tags in aliases_of(r):
            groups.setdefault(alias, (tags, []))[1].extend(made)
    _write_repo_meta(out_dir, repo_alias)
    stamp = (when or _dt.datetime.now()).strftime("%Y-%m-%d.%H-%M-%S.%f")
    counts = {}
    for alias, (tags, group) in sorted(groups.items()):
        folder = os.path.join(out_dir, "experiment", alias)
        meta_path = os.path.join(folder, "_cm.json")
        os.makedirs(os.path.join(folder, stamp), exist_ok=True)
        if not os.path.isfile(meta_path):  # an existing experiment keeps its identity
            meta = {"alias": alias, "automation_alias": "experiment", "automation_uid": CM_EXPERIMENT_AUTOMATION_UID,
                    "tags": tags, "uid": hashlib.sha1(alias.encode()).hexdigest()[:16]}
            with open(meta_path, "w", encoding="utf-8") as f:
                json.dump(meta, f, indent=2)
        with open(os.path.join(folder, stamp, "cm-result.json"), "w", encoding="utf-8") as f:
            json.dump(group, f, indent=2, default=str)
        counts[alias] = len(group)
    return counts


def _write_repo_meta(out_dir: str, alias: str | None) -> None:
    """cmr.yaml and a README saying how to register the folder with CM, unless they exist."""
    os.makedirs(os.path.join(out_dir, "experiment"), exist_ok=True)
    cmr = os.path.join(out_dir, "cmr.yaml")
    if not os.path.isfile(cmr):
        name = alias or "mlperf-explorer@" + _slug(os.path.basename(os.path.abspath(out_dir)), "results")
        uid = hashlib.sha1(name.encode()).hexdigest()[:16]
        with open(cmr, "w", encoding="utf-8") as f:
            f.write(f"alias: {name}\ngit: false\nuid: {uid}\n")
    readme = os.path.join(out_dir, "README.md")
    if not os.path.isfile(readme):
        with open(cmr, encoding="utf-8") as f:
            name = next((line.split(":", 1)[1].strip() for line in f if line.startswith("alias:")), "")
        with open(readme, "w", encoding="utf-8") as f:
            f.write(f"# MLPerf results as CM experiments\n\nWritten by mlperf-explorer. Register this folder with CM, then "
                    f"query it:\n\n```bash\ncm init repo {name} --path={os.path.abspath(out_dir)}\n"
                    "cm find experiment --tags=mlperf,inference\n```\n")
