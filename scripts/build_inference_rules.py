"""Regenerate src/mlperf_explorer/inference/rules.json from the official checker tables.

The MLCommons inference submission checker (tools/submission/submission_checker.py in
mlcommons/inference, and since 2026 its split-out configuration module) holds the per-round
tables: models, scenarios, accuracy targets, model-name mappings, and which loadgen key is
the official result of each scenario. ../shared/reference/inference_checker_configs/ holds
those tables as JSON, one file per checker version. Each round is taken from the newest
checker that knows it, since later checkers fixed earlier tables.

Usage: python scripts/build_inference_rules.py [REFERENCE_DIR]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# Newest checker first: a round takes its tables from the first file that lists it. The 2026
# modular checker keeps its per-round tables under constants.MODEL_CONFIG; older files under
# "configs".
CHECKER_FILES = ["checker-2026-08-20.json", "master.json", "v5.1.json", "v5.0.json", "v4.1.json", "v4.0.json",
                 "v3.0.json"]
# The first round whose published tables label results with the checker's per-model units
# (SPECIAL_UNIT_DICT: Tokens/s for LLMs, Latency (s) for text-to-video...); before it every
# result was labelled by its scenario alone (UNIT_DICT), LLMs included.
SPECIAL_UNITS_SINCE = "v5.0"
# Where a round's published table labels a result otherwise than the newest checker's unit
# table: the v5.1 final report (summary_results.json of inference_results_v5.1) labels
# llama3.1-8b Interactive "Queries/s" (its value is tokens per second, as for Server).
PUBLISHED_UNIT_OVERRIDES = {"v5.1": {"llama3.1-8b": {"Interactive": "Queries/s"}}}
# From the 2026 checker, the same for every round: units, the endpoints harness' key
# mappings, and compliance audit names.
GLOBAL_KEYS = ["UNIT_DICT", "POWER_UNIT_DICT", "SPECIAL_UNIT_DICT", "ENDPOINTS_MAPPINGS", "ENDPOINTS_JSON_ALT_PATHS",
               "ENDPOINTS_YAML_FIELD_MAP", "ENDPOINTS_INFERRED_FIELDS", "ENDPOINTS_COMPLIANCE_MAPPING",
               "ENDPOINTS_ALLOWED_MODELS"]
ROUND_KEYS = [
    "models",
    "required-scenarios-datacenter",
    "optional-scenarios-datacenter",
    "required-scenarios-edge",
    "optional-scenarios-edge",
    "required-scenarios-datacenter-edge",
    "optional-scenarios-datacenter-edge",
    "accuracy-target",
    "accuracy-upper-limit",
    "performance-sample-count",
    "latency-constraint",
    "model_mapping",
    "accuracy-delta-perc",
]


def _key(name: str) -> tuple[int, ...]:
    return tuple(int(p) for p in name[1:].split("."))


def _special_units(constants: dict, rnd: str) -> dict:
    table = {m: dict(s) for m, s in constants.get("SPECIAL_UNIT_DICT", {}).items()}
    for model, scenarios in PUBLISHED_UNIT_OVERRIDES.get(rnd, {}).items():
        table.setdefault(model, {}).update(scenarios)
    return table


def build(reference: Path) -> dict:
    rounds: dict[str, dict] = {}
    newest = json.loads((reference / CHECKER_FILES[0]).read_text())["constants"]
    for name in CHECKER_FILES:
        data = json.loads((reference / name).read_text())
        constants = data["constants"]
        configs = data.get("configs") or constants.get("MODEL_CONFIG", {})
        result_fields = constants.get("RESULT_FIELD_NEW", {})
        overwrite = constants.get("RESULT_FIELD_BENCHMARK_OVERWRITE", {})
        # Before v4.1 the overwrite table was flat and applied to the checker's own round.
        if overwrite and not all(k.startswith("v") for k in overwrite):
            overwrite = {"v4.0": overwrite}
        for rnd, cfg in configs.items():
            if rnd in rounds:
                continue
            entry = {k: cfg[k] for k in ROUND_KEYS if k in cfg}
            entry["compliance_tests"] = {k.split("_", 1)[1]: v for k, v in cfg.items() if k.startswith("models_TEST")}
            if _key(rnd) >= _key(SPECIAL_UNITS_SINCE):
                entry["special_units"] = _special_units(newest, rnd)
            if rnd in newest.get("RESULT_FIELD_ENDPOINTS", {}):
                entry["endpoints_result_field"] = newest["RESULT_FIELD_ENDPOINTS"][rnd]
            entry["result_field"] = result_fields.get(rnd, {})
            entry["result_field_overwrite"] = overwrite.get(rnd, {})
            entry["accuracy_patterns"] = constants["ACC_PATTERN"]
            entry["llm_latency_limits"] = constants.get("LLM_LATENCY_LIMITS", {})
            entry["checker"] = name
            rounds[rnd] = entry
    ordered = dict(sorted(rounds.items(), key=lambda kv: _key(kv[0])))
    return {
        "source": "mlcommons/inference tools/submission/submission_checker.py (per-round tables); "
                  "since 2026 tools/submission/submission_checker/constants.py",
        "constants": {k: newest[k] for k in GLOBAL_KEYS if k in newest},
        "rounds": ordered,
    }


def main() -> None:
    here = Path(__file__).resolve().parent.parent
    reference = Path(sys.argv[1]) if len(sys.argv) > 1 else here.parent / "shared/reference/inference_checker_configs"
    out = here / "src/mlperf_explorer/inference/rules.json"
    out.write_text(json.dumps(build(reference), indent=1, sort_keys=False) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
