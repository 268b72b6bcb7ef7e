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

# Newest checker first: a round takes its tables from the first file that lists it.
CHECKER_FILES = ["master.json", "v5.1.json", "v5.0.json", "v4.1.json", "v4.0.json", "v3.0.json"]
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
]


def build(reference: Path) -> dict:
    rounds: dict[str, dict] = {}
    for name in CHECKER_FILES:
        data = json.loads((reference / name).read_text())
        constants = data["constants"]
        result_fields = constants.get("RESULT_FIELD_NEW", {})
        overwrite = constants.get("RESULT_FIELD_BENCHMARK_OVERWRITE", {})
        # Before v4.1 the overwrite table was flat and applied to the checker's own round.
        if overwrite and not all(k.startswith("v") for k in overwrite):
            overwrite = {"v4.0": overwrite}
        for rnd, cfg in data["configs"].items():
            if rnd in rounds:
                continue
            entry = {k: cfg[k] for k in ROUND_KEYS if k in cfg}
            entry["result_field"] = result_fields.get(rnd, {})
            entry["result_field_overwrite"] = overwrite.get(rnd, {})
            entry["accuracy_patterns"] = constants["ACC_PATTERN"]
            entry["llm_latency_limits"] = constants.get("LLM_LATENCY_LIMITS", {})
            entry["checker"] = name
            rounds[rnd] = entry
    ordered = dict(sorted(rounds.items(), key=lambda kv: tuple(int(p) for p in kv[0][1:].split("."))))
    return {
        "source": "mlcommons/inference tools/submission/submission_checker.py (per-round tables)",
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
