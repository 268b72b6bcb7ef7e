"""Writing results as MLCommons CM experiments, the layout the Collective Knowledge
playground reads (and `formats.tables` reads back):

    DIR/experiment/<alias>/_cm.json                   alias, tags, uid
    DIR/experiment/<alias>/<timestamp>/cm-result.json [row, ...]

One experiment per (family, round, system type, division[-power], task, scenario) for
inference, e.g. `mlperf-inference--v3.0--datacenter--closed--image-classification--offline`,
and per (round, division, task) for training, e.g.
`mlperf-training--3.0--closed--image-classification`, with the row keys of MLCommons' CM
results repository. Two deliberate differences from that repository: a result with power
is one row holding both its performance and its power (not a second power row), and
Offline and Server results get their inferences per joule too.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from collections.abc import Iterable
from typing import Any

CM_EXPERIMENT_AUTOMATION_UID = "a0a2d123ef064bcb"  # CM's `experiment` automation


def _slug(text: str | None, default: str) -> str:
    out = "".join(c if c.isalnum() or c in ".-_" else "-" for c in (text or "").strip().lower())
    return out.strip("-") or default


def alias_of(r: dict[str, Any]) -> tuple[str, list[str]]:
    """The experiment alias a result belongs to, and the experiment's tags."""
    family = r["family"]
    division = _slug(r.get("division"), "unknown") + ("-power" if r.get("has_power") and family == "inference" else "")
    task = _slug(r.get("task"), "unknown-task")
    if family == "inference":
        types = [t for t in (r.get("system_type") or "").replace(" ", "").lower().split(",") if t]
        parts = ["mlperf-inference", r["round"], types[0] if types else "unknown", division, task,
                 _slug(r.get("scenario"), "unknown")]
        tags = parts + types[1:]
    elif family == "tiny":
        # as cm4mlops' import-mlperf-tiny-to-experiment names them
        parts = ["mlperf-tiny", r["round"], division, _slug(r.get("benchmark"), "unknown")]
        tags = ["mlperf"] + parts
    else:
        parts = [f"mlperf-{family}", r["round"].lstrip("v"), division, task]
        tags = list(parts)
    return "--".join(parts), list(dict.fromkeys(tags))


def _inference_row(r: dict[str, Any]) -> dict[str, Any]:
    row = {
        "Organization": r["submitter"], "Availability": r.get("availability"), "Division": r.get("division"),
        "SystemType": r.get("system_type"), "SystemName": r.get("system_name"), "Platform": r["system"],
        "Model": r.get("model"), "MlperfModel": r.get("mlperf_model"), "Scenario": r.get("scenario"),
        "Result": r.get("result"), "Result_Units": r.get("result_units"), "Units": r.get("official_units") or r.get("result_units"),
        "Accuracy": r.get("accuracy"), "Location": r.get("location"), "version": r["round"],
        "has_power": bool(r.get("has_power")), "inferred": int(bool(r.get("inferred"))),
        "compliance": None if r.get("compliance_pass") is None else int(bool(r["compliance_pass"])),
        "errors": 0 if r.get("valid") else 1,
        "accelerator_model_name": r.get("accelerator_model_name"), "accelerators_per_node": r.get("accelerators_per_node"),
        "number_of_nodes": r.get("number_of_nodes"), "host_processor_model_name": r.get("host_processor_model_name"),
        "host_processors_per_node": r.get("host_processors_per_node"),
        "host_processor_core_count": r.get("host_processor_core_count"), "framework": r.get("framework"),
        "operating_system": r.get("operating_system"), "notes": r.get("notes") or "", "url": r.get("url"),
        "uid": r["uid"],
    }
    if r.get("has_power"):
        row.update(Result_Power=r.get("power_result"), Result_Power_Units=r.get("power_units"),
                   Inference_per_Joule=r.get("inferences_per_joule"))
    return row


def _training_row(r: dict[str, Any]) -> dict[str, Any]:
    accelerators = None
    if r.get("accelerators_per_node") is not None:
        accelerators = r["accelerators_per_node"] * (r.get("number_of_nodes") or 1)
    return {
        "Organization": r["submitter"], "division": r.get("division"), "system": r["system"],
        "SystemName": r.get("system_name"), "Model_ID": r.get("benchmark"), "Benchmark": r.get("task") or r.get("benchmark"),
        "Result": r.get("result"), "Result_Units": r.get("result_units"), "scaling": r.get("scenario"),
        "accelerator_model_name": r.get("accelerator_model_name"), "accelerators_count": accelerators,
        "accelerators_per_node": r.get("accelerators_per_node"), "number_of_nodes": r.get("number_of_nodes"),
        "host_processor_model_name": r.get("host_processor_model_name"), "framework": r.get("framework"),
        "Location": r.get("location"), "url": r.get("url"), "version": r["round"].lstrip("v"), "uid": r["uid"],
    }


def _tiny_row(r: dict[str, Any]) -> dict[str, Any]:
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


def write_cm(rows: Iterable[dict[str, Any]], out_dir: str, reports: dict[str, list[dict]] | None = None,
             when: _dt.datetime | None = None) -> dict[str, int]:
    """Write rows as CM experiments under `out_dir`; returns {alias: rows}. `reports`
    ({uid: [annotation, ...]}) become each row's `_reproducibility_report`."""
    groups: dict[str, tuple[list[str], list[dict]]] = {}
    for r in rows:
        alias, tags = alias_of(r)
        row = {"inference": _inference_row, "tiny": _tiny_row}.get(r["family"], _training_row)(r)
        if reports and reports.get(r["uid"]):
            row["_reproducibility_report"] = reports[r["uid"]]
        groups.setdefault(alias, (tags, []))[1].append(row)
    stamp = (when or _dt.datetime.now()).strftime("%Y-%m-%d.%H-%M-%S.%f")
    counts = {}
    for alias, (tags, group) in sorted(groups.items()):
        folder = os.path.join(out_dir, "experiment", alias)
        os.makedirs(os.path.join(folder, stamp), exist_ok=True)
        meta = {"alias": alias, "automation_alias": "experiment", "automation_uid": CM_EXPERIMENT_AUTOMATION_UID,
                "tags": tags, "uid": hashlib.sha1(alias.encode()).hexdigest()[:16]}
        with open(os.path.join(folder, "_cm.json"), "w", encoding="utf-8") as f:
            json.dump(meta, f, indent=2)
        with open(os.path.join(folder, stamp, "cm-result.json"), "w", encoding="utf-8") as f:
            json.dump(group, f, indent=2, default=str)
        counts[alias] = len(group)
    return counts
