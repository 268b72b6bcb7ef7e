"""Regenerate src/mlperf_explorer/training/rules.json from the installed mlperf-logging.

The official training and HPC rules live in MLCommons' mlperf_logging package
(`benchmark_meta.py`: benchmarks per round, result files needed per benchmark;
`compliance_checker/<usage>_<ruleset>/closed_<benchmark>.yaml`: the quality target, as the
`ATLEAST_ONE_CHECK` of the `eval_accuracy` or `eval_error` key). This script reads them as
data (`pip install mlperf-logging`); nothing of the package is needed at run time.

Usage: python scripts/build_training_rules.py
"""

from __future__ import annotations

import importlib.metadata
import json
import re
from pathlib import Path

import mlperf_logging
import yaml
from mlperf_logging import benchmark_meta

_COMPARE = re.compile(r"v\['value'\](?:\['(\w+)'\])?\s*(>=|<=|>|<)\s*([0-9.]+)")
_CHAINED = re.compile(r"([0-9.]+)\s*(<=|<)\s*v\['value'\](?:\['(\w+)'\])?\s*(<=|<)\s*([0-9.]+)")
_FLIP = {"<=": ">=", "<": ">"}
_CONDITIONAL = re.compile(
    r"v\['value'\]\s*>=\s*([0-9.]+)\s*if\s*s\['global_batch_size'\]\s*<\s*(\d+)\s*else\s*v\['value'\]\s*>=\s*([0-9.]+)")


def conditions(check: str) -> list[list]:
    """Every comparison of the check as [field or None, op, number] (all must hold)."""
    out = []
    for lo, op1, fld, op2, hi in _CHAINED.findall(check):
        out.append([fld or None, _FLIP[op1], float(lo)])
        out.append([fld or None, op2, float(hi)])
    rest = _CHAINED.sub("", check)
    for fld, op, num in _COMPARE.findall(rest):
        out.append([fld or None, op, float(num)])
    return out


def quality_target(path: Path) -> dict | None:
    """The quality check of a closed yaml: metric key, every condition, and the headline
    (direction and threshold) of the first one."""
    docs = yaml.safe_load(path.read_text()) or []
    for item in docs:
        key = (item or {}).get("KEY") or {}
        if key.get("NAME") not in ("eval_accuracy", "eval_error"):
            continue
        check = key.get("ATLEAST_ONE_CHECK")
        if not check:
            continue
        cond = _CONDITIONAL.search(check)
        if cond:
            rest = conditions(check[cond.end():])
            return {"key": key["NAME"], "op": ">=", "value": float(cond.group(1)),
                    "gbs_below": int(cond.group(2)), "value_otherwise": float(cond.group(3)),
                    "conditions": [[None, ">=", float(cond.group(1))]] + rest, "check": check}
        conds = conditions(check)
        if conds:
            return {"key": key["NAME"], "op": conds[0][1], "value": conds[0][2], "conditions": conds, "check": check}
    return None


def init_limit(common: Path) -> dict | None:
    """The compliance checker's limit on initialization (first init_start to init_stop), in
    minutes per division, from a round's common.yaml: `< (20*60*1e3)` in early rounds,
    `compile_time_mins` (240 if open else 30) from 2.0."""
    if not common.exists():
        return None
    text = common.read_text()
    m = re.search(r"s\['compile_time_mins'\]\s*=\s*(\d+)\s*if v\['value'\]\s*==\s*'open'\s*else\s*(\d+)", text)
    if m:
        return {"open": int(m.group(1)), "closed": int(m.group(2))}
    m = re.search(r"ll\.timestamp - s\['first_init_start'\]\s*<\s*\((\d+)\*60\*1e3\)", text)
    if m:
        return {"open": int(m.group(1)), "closed": int(m.group(1))}
    return None


def build() -> dict:
    base = Path(mlperf_logging.__file__).parent / "compliance_checker"
    out: dict = {"source": f"mlperf-logging {importlib.metadata.version('mlperf-logging')}",
                 "result_file_counts": {}, "rounds": {}}
    for usage in ("training", "hpc"):
        out["result_file_counts"][usage] = benchmark_meta.get_result_file_counts(usage)
        for round_short, benchmarks in benchmark_meta._ALL_ALLOWED_BENCHMARKS[usage].items():
            folder = base / f"{usage}_{round_short}.0"
            targets = {}
            for bench in sorted(set(benchmarks)):
                path = folder / f"closed_{bench}.yaml"
                if path.exists():
                    target = quality_target(path)
                    if target:
                        targets[bench] = target
            entry = {"benchmarks": sorted(set(benchmarks)), "targets": targets}
            limit = init_limit(folder / "common.yaml")
            if limit:
                entry["init_limit_mins"] = limit
            out["rounds"][f"{usage}/v{round_short}"] = entry
    return out


def main() -> None:
    dest = Path(__file__).resolve().parent.parent / "src/mlperf_explorer/training/rules.json"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(build(), indent=1) + "\n")
    print(f"wrote {dest}")


if __name__ == "__main__":
    main()
