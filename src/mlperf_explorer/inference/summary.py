"""Read `mlperf_log_summary.txt` into loadgen's own key names.

The summary is the human-readable twin of `mlperf_log_detail.txt`. The official checker
reads the detail log's keys (`result_samples_per_second`, `early_stopping_latency_ss`, ...)
from v1.0 on and the summary's labels before. Translating every summary label to the detail
key it prints lets one rule table serve both files: a result whose detail log is missing
(most non-power results in published repositories) is computed the same way from its
summary, at the summary's printed precision.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ..records import Parsed, Problem, decode_checked, to_number

# Summary label -> detail-log key, for labels whose meaning does not depend on the section.
_LABELS: dict[str, str] = {
    "SUT name": "sut_name",
    "Scenario": "effective_scenario",
    "Mode": "effective_test_mode",
    "Result is": "result_validity",
    "Samples per second": "result_samples_per_second",
    "Tokens per second": "result_tokens_per_second",
    "Tokens per second (inferred)": "result_inferred_tokens_per_second",
    "Scheduled samples per second": "result_scheduled_samples_per_sec",
    "Completed samples per second": "result_completed_samples_per_sec",
    "Completed tokens per second": "result_completed_tokens_per_second",
    "Completed tokens per second (inferred)": "result_inferred_completed_tokens_per_second",
    "Samples per query": "result_samples_per_query",
    "QPS w/ loadgen overhead": "result_qps_with_loadgen_overhead",
    "QPS w/o loadgen overhead": "result_qps_without_loadgen_overhead",
    "TPS w/ loadgen overhead": "result_tps_with_loadgen_overhead",
    "TPS w/o loadgen overhead": "result_tps_without_loadgen_overhead",
    "Min duration satisfied": "result_min_duration_met",
    "Min queries satisfied": "result_min_queries_met",
    "Early stopping satisfied": "early_stopping_met",
    "Performance constraints satisfied": "result_perf_constraints_met",
    "Mean First Token latency (ns)": "result_first_token_mean_latency_ns",
    "Min First Token latency (ns)": "result_first_token_min_latency_ns",
    "Max First Token latency (ns)": "result_first_token_max_latency_ns",
    "Mean Time to Output Token (ns)": "result_time_per_output_token_mean_ns",
    "Min Time to Output Token (ns)": "result_time_per_output_token_min_ns",
    "Max Time to Output Token (ns)": "result_time_per_output_token_max_ns",
    # Test parameters
    "samples_per_query": "effective_samples_per_query",
    "target_qps": "effective_target_qps",
    "target_latency (ns)": "effective_target_latency_ns",
    "max_async_queries": "effective_max_async_queries",
    "min_duration (ms)": "effective_min_duration_ms",
    "max_duration (ms)": "effective_max_duration_ms",
    "min_query_count": "effective_min_query_count",
    "max_query_count": "effective_max_query_count",
    "qsl_rng_seed": "effective_qsl_rng_seed",
    "sample_index_rng_seed": "effective_sample_index_rng_seed",
    "schedule_rng_seed": "effective_schedule_rng_seed",
    "accuracy_log_rng_seed": "effective_accuracy_log_rng_seed",
    "accuracy_log_probability": "effective_accuracy_log_probability",
    "accuracy_log_sampling_target": "effective_accuracy_log_sampling_target",
    "performance_sample_count": "effective_performance_sample_count",
}

_PERCENTILE = re.compile(r"^(\d+(?:\.\d+)?)(?:th)? percentile (first token )?latency \(ns\)$")
_TPOT_PERCENTILE = re.compile(r"^(\d+(?:\.\d+)?)(?:th)? percentile time to output token \(ns\)$", re.I)
_ESTIMATE = re.compile(r"Early stopping (\d+(?:\.\d+)?)(?:th)? percentile estimate: *(\S+)")
_PROCESSED = re.compile(r"Processed at least \d+ queries \((\d+)\)")
_LATENCY_STAT = re.compile(r"^(Min|Max|Mean) latency \(ns\)$")


@lru_cache(maxsize=4096)
def _resolve(label: str, per_query: bool) -> str | None:
    """The detail-log key a summary label stands for. `per_query`: inside MultiStream's
    headline or its "Per-query latency" block, where latencies are per query."""
    key = _LABELS.get(label)
    if key is not None:
        return key
    m = _PERCENTILE.match(label)
    if m:
        if m.group(2):
            return f"result_first_token_{_pct(m.group(1))}_percentile_latency_ns"
        if per_query:
            return f"result_{_pct(m.group(1))}_percentile_per_query_latency_ns"
        return f"result_{_pct(m.group(1))}_percentile_latency_ns"
    m = _TPOT_PERCENTILE.match(label)
    if m:
        return f"result_time_per_output_token_{_pct(m.group(1))}_percentile_ns"
    m = _LATENCY_STAT.match(label)
    if m:
        stat = m.group(1).lower()
        return f"result_{stat}_query_latency_ns" if per_query else f"result_{stat}_latency_ns"
    return None


def _pct(text: str) -> str:
    """'90' or '90.0' or '90.00' -> '90.00', the form loadgen's detail keys use."""
    return f"{float(text):.2f}"


def parse_summary(data: bytes, path: str = "mlperf_log_summary.txt") -> Parsed:
    """Parse a summary into detail-log keys; labels we do not know are kept under `raw`.

    Sections change a label's meaning: after "Per-query latency:" (MultiStream) latency
    statistics are per query, and the three "Early Stopping Result" blocks (plain, TTFT,
    TPOT) give estimates of different quantities.
    """
    out: dict[str, Any] = {}
    raw: dict[str, str] = {}
    problems: list[Problem] = []
    per_query = False
    es_block = ""  # "", "ttft", "tpot"
    text, bad = decode_checked(data, path)
    if not text.strip():
        return Parsed({}, [Problem(path, "empty summary file")])
    if bad:
        problems.append(bad)
    # Every loadgen summary ends with its test parameters (performance_sample_count last in
    # the oldest) and, but for a few v0.5 files, an "... encountered during test" line.
    if "encountered" not in text and "performance_sample_count" not in text:
        problems.append(Problem(path, "truncated: the summary stops before its test parameters"))
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("="):
            continue
        if stripped.startswith("Per-query latency"):
            per_query = True
            continue
        if stripped.endswith("Early Stopping Result:"):
            es_block = stripped.split()[0].lower() if not stripped.startswith("Early") else ""
            continue
        if stripped.startswith("*"):
            m = _ESTIMATE.search(stripped)
            if m:
                value = to_number(m.group(2))
                pct = float(m.group(1))
                if es_block:
                    key = f"{es_block}_early_stopping_{_pct(m.group(1))}_percentile_estimate_ns"
                elif out.get("effective_scenario") == "SingleStream" and "early_stopping_latency_ss" not in out:
                    # The first estimate is for the run's target percentile (90th, or
                    # 99.9th for some models): loadgen's early_stopping_latency_ss.
                    key = "early_stopping_latency_ss"
                elif pct == 99.0 or out.get("effective_scenario") == "MultiStream":
                    key = "early_stopping_latency_ms"
                else:
                    key = f"early_stopping_{_pct(m.group(1))}_percentile_estimate_ns"
                out.setdefault(key, value)
                continue
            m = _PROCESSED.search(stripped)
            if m and not es_block and (count := to_number(m.group(1))) is not None:
                out.setdefault("result_query_count", count)
            continue
        if ":" not in stripped or stripped.startswith("Intervals between"):
            continue
        label, _, value_text = stripped.partition(":")
        label = label.strip()
        value_text = value_text.strip()
        raw[label] = value_text
        per = per_query or (out.get("effective_scenario") == "MultiStream" and "result_validity" not in out)
        resolved = _resolve(label, per)
        if resolved is None:
            continue
        key = resolved
        field: Any
        if key in ("sut_name", "effective_test_mode", "result_validity"):
            field = value_text
        elif key == "effective_scenario":
            field = value_text.replace(" ", "")
        elif value_text in ("Yes", "No"):
            field = value_text == "Yes"
        else:
            field = to_number(value_text)
            if field is None:
                if value_text:
                    problems.append(Problem(path, f"{label!r} is not a finite number: {value_text[:40]!r}", lineno))
                continue
        if key in out and key.startswith("result_") and key.endswith("_percentile_latency_ns"):
            continue  # the headline repeats an Additional Stats line; keep the first
        out.setdefault(key, field)
    if "result_validity" not in out:
        problems.append(Problem(path, "no 'Result is' line: the summary is truncated or not a loadgen summary"))
    if "effective_scenario" not in out:
        problems.append(Problem(path, "no 'Scenario' line"))
    out["raw"] = raw
    return Parsed(out, problems)
