"""Results of the MLPerf endpoints harness (from v6.1): no loadgen logs, but

    SCENARIO/config.yaml                          the run's settings (its `type` is the scenario)
    SCENARIO/performance/result_summary.json      the performance run's metrics
    SCENARIO/accuracy/accuracy_results.json       the accuracy run's scores
    SCENARIO/audit/audit_<test>.json              compliance audits, where run

The 2026 checker reads them by translating each harness field into the loadgen key it stands
for (ENDPOINTS_MAPPINGS, with alternative JSON paths and config.yaml paths), so that every
later rule can treat the run like a loadgen log. We do the same with the same tables (kept in
rules.json), following `parsers/endpoints_parser.py` of mlcommons/inference
tools/submission/submission_checker: a field is looked up in the summary first, then in
config.yaml; a missing sample rate is count / duration.

Pure parsing: bytes in, values and problems out. Every file comes from another organisation,
so invalid JSON or YAML, a missing field or a non-finite number is a problem naming the file,
never an exception.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from ..records import Parsed, Problem, as_float, decode_checked, fits_float
from .rules import constants

SUMMARY_FILE = "result_summary.json"
ACCURACY_FILE = "accuracy_results.json"
CONFIG_FILES = ("config.yaml", "config.yml")
AUDIT_PREFIX = "audit_"


def lookup(doc: Any, dotted: str) -> Any:
    """The value at a dotted path, matching the longest key at each level first, so that
    `latency.percentiles.99.9` finds the key `99.9`. A trailing `.0` past a number is
    accepted (`...50.0` finds the key `50`). Empty containers count as absent."""
    parts = dotted.split(".")
    current = doc
    i = 0
    while i < len(parts):
        if not isinstance(current, dict):
            if parts[i:] == ["0"] and not isinstance(current, list):
                return current
            return None
        for j in range(len(parts), i, -1):
            candidate = ".".join(parts[i:j])
            if candidate in current:
                current = current[candidate]
                i = j
                break
        else:
            return None
    if isinstance(current, (dict, list)) and not current:
        return None
    return current


def _load_json(data: bytes | None, path: str, problems: list[Problem]) -> dict[str, Any]:
    if data is None:
        return {}
    text, bad = decode_checked(data, path)
    if bad:
        problems.append(bad)
    if not text.strip():
        problems.append(Problem(path, "empty file"))
        return {}
    try:
        doc = json.loads(text)
    except ValueError as exc:
        problems.append(Problem(path, f"invalid JSON: {getattr(exc, 'msg', exc)}", getattr(exc, "lineno", None)))
        return {}
    except RecursionError:
        problems.append(Problem(path, "JSON nested too deeply"))
        return {}
    if not isinstance(doc, dict):
        problems.append(Problem(path, "not a JSON object"))
        return {}
    return doc


def _load_yaml(data: bytes | None, path: str, problems: list[Problem]) -> dict[str, Any]:
    if data is None:
        return {}
    import yaml  # only endpoints results need it

    text, bad = decode_checked(data, path)
    if bad:
        problems.append(bad)
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        doc = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(Problem(path, f"invalid YAML: {getattr(exc, 'problem', None) or exc}",
                                mark.line + 1 if mark is not None else None))
        return {}
    except (RecursionError, ValueError, TypeError) as exc:
        problems.append(Problem(path, f"invalid YAML: {type(exc).__name__}"))
        return {}
    if doc is None:
        problems.append(Problem(path, "empty file"))
        return {}
    if not isinstance(doc, dict):
        problems.append(Problem(path, "not a YAML mapping"))
        return {}
    return doc


def _finite(value: Any, key: str, path: str, problems: list[Problem]) -> Any:
    """Numbers must be finite: NaN, infinity or an integer too large for a float in a summary
    is damage, not a result."""
    if isinstance(value, float) and not math.isfinite(value):
        problems.append(Problem(path, f"{key} is {value}: not a number; ignored"))
        return None
    if type(value) is int and not fits_float(value):
        problems.append(Problem(path, f"{key} is too large for a number; ignored"))
        return None
    return value


def parse_endpoints_run(summary: bytes | None, config: bytes | None, summary_path: str,
                        config_path: str) -> Parsed:
    """One performance run as loadgen keys (`result_completed_samples_per_sec`,
    `result_99.00_percentile_latency_ns`, `effective_scenario`, ...), plus `_complete` and
    `_failed` for validity."""
    problems: list[Problem] = []
    doc = _load_json(summary, summary_path, problems)
    settings = _load_yaml(config, config_path, problems)
    if config is None:
        problems.append(Problem(config_path, "missing: the run's scenario and settings are unknown"))
    tables = constants()
    alt = tables.get("ENDPOINTS_JSON_ALT_PATHS", {})
    yaml_map = tables.get("ENDPOINTS_YAML_FIELD_MAP", {})
    values: dict[str, Any] = {}
    for harness_key, loadgen_key in tables.get("ENDPOINTS_MAPPINGS", {}).items():
        key = harness_key.strip()
        value = lookup(doc, key)
        if value is None and key in alt:
            value = lookup(doc, alt[key])
        where = summary_path
        if value is None:
            where = config_path
            value = lookup(settings, yaml_map[key]) if key in yaml_map else None
            if value is None:
                value = lookup(settings, key)
        if value is None or isinstance(value, (dict, list)):
            continue
        value = _finite(value, key, where, problems)
        if value is not None:
            values.setdefault(loadgen_key, value)
    for target, source in tables.get("ENDPOINTS_INFERRED_FIELDS", {}).items():
        if target not in values and source in values:
            values[target] = values[source]
    duration, count = values.get("generated_query_duration"), values.get("generated_query_count")
    scenario = values.get("effective_scenario")
    if _positive(duration) and _positive(count) and isinstance(scenario, str):
        rate_key = "result_samples_per_second" if scenario.lower() == "offline" else "result_completed_samples_per_sec"
        values.setdefault(rate_key, float(count) / (float(duration) / 1e9))  # type: ignore[arg-type]
    if summary is not None and doc:
        if not any(k.startswith("result_") for k in values):
            problems.append(Problem(summary_path, "no metrics found (not an endpoints result summary?)"))
        complete = doc.get("complete")
        values["_complete"] = complete if isinstance(complete, bool) else None
    failed = values.get("num_errors")
    values["_failed"] = failed if isinstance(failed, (int, float)) and not isinstance(failed, bool) else None
    return Parsed(values, problems)


def _positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


@dataclass
class EndpointsAccuracy:
    value: float | None = None
    tokens_per_sample: float | None = None
    problems: list[Problem] = field(default_factory=list)


def parse_endpoints_accuracy(data: bytes, path: str) -> EndpointsAccuracy:
    """The accuracy run's score: the first score of an `accuracy` data set (the value the
    official table prints), else `average_accuracy`; with its mean output length (tokens per
    sample) where given."""
    out = EndpointsAccuracy()
    doc = _load_json(data, path, out.problems)
    if not doc:
        return out
    scores = doc.get("accuracy_scores")
    entries = [e for e in scores if isinstance(e, dict)] if isinstance(scores, list) else []
    chosen = next((e for e in entries if e.get("dataset_type") in (None, "accuracy") and as_float(e.get("score"))), None)
    if chosen is not None:
        out.value = as_float(chosen.get("score"))
        out.tokens_per_sample = as_float(lookup(chosen, "output_sequence_lengths.avg"))
    else:
        out.value = as_float(doc.get("average_accuracy"))
    if out.value is None:
        out.problems.append(Problem(path, "no accuracy score found"))
    return out




def parse_audit(data: bytes, path: str) -> tuple[str | None, bool | None, list[Problem]]:
    """(test name as the harness writes it, passed) of `audit/audit_<name>.json`."""
    problems: list[Problem] = []
    doc = _load_json(data, path, problems)
    name = doc.get("test") if isinstance(doc.get("test"), str) else None
    passed = doc.get("passed") if isinstance(doc.get("passed"), bool) else None
    if doc and passed is None:
        problems.append(Problem(path, "no boolean 'passed'"))
    return name, passed, problems


def compliance_test_of_audit(file_name: str) -> str:
    """`audit_output_caching_test.json` -> `TEST04` (ENDPOINTS_COMPLIANCE_MAPPING)."""
    name = file_name[len(AUDIT_PREFIX):] if file_name.startswith(AUDIT_PREFIX) else file_name
    name = name.rsplit(".", 1)[0]
    for test, harness_name in constants().get("ENDPOINTS_COMPLIANCE_MAPPING", {}).items():
        if harness_name == name:
            return str(test)
    return name
