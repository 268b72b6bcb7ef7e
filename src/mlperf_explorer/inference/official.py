"""The official result of one performance run, as the submission checker computes it.

Input: the run's loadgen values (summary keys translated to detail keys, overridden by the
detail log's full-precision values where that log is present), the folder's scenario and the
round's rules. Output: the value, its units, and whether it was inferred from a run of
another scenario (an edge Offline result from a SingleStream run, a MultiStream result from
SingleStream x 8 samples, ...), following `check_performance_dir` and `get_inferred_result`
in the official checker. The unit labels and the text-to-video seconds follow the 2026
checker (`checks/performance_check.py`, `results.py` in
mlcommons/inference tools/submission/submission_checker/).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..records import as_float
from .rules import OFFICIAL_UNITS, RoundRules

NS_PER_MS = 1e6
MS_PER_S = 1e3
_TOKEN_FALLBACK = {"Offline": "result_tokens_per_second", "Server": "result_completed_tokens_per_second",
                   "Interactive": "result_completed_tokens_per_second"}


@dataclass
class Official:
    value: float | None
    units: str
    official_units: str
    metric: str | None
    log_scenario: str | None
    inferred: bool
    problem: str | None = None


def _num(values: dict[str, Any], key: str | None) -> float | None:
    return None if key is None else as_float(values.get(key))


def _latency(ns: float, seconds: bool) -> float:
    """A latency logged in ns, as published: ms, or s for text-to-video."""
    return ns / NS_PER_MS / (MS_PER_S if seconds else 1.0)


def _units(folder_scenario: str, metric: str | None, legacy_ms: bool, seconds: bool = False) -> str:
    """Our unit for the value: what it measures (tokens per second where the metric counts
    tokens, whatever label the official table gives it)."""
    if metric and "token" in metric and "latency" not in metric:
        return "Tokens/s"
    if folder_scenario == "MultiStream" and legacy_ms:
        return "Samples per query"
    if seconds and folder_scenario in ("SingleStream", "MultiStream"):
        return "Latency (s)"
    return OFFICIAL_UNITS.get(folder_scenario, "")


def official_result(values: dict[str, Any], folder_scenario: str, mlperf_model: str, rules: RoundRules,
                    folder_name: str | None = None) -> Official:
    """`folder_scenario` is the canonical scenario (`Offline`); `folder_name` the folder as
    written (`offline`), which the official unit label and inferred flag are taken from."""
    log_scenario = values.get("effective_scenario")
    folder_name = folder_name or folder_scenario
    official_units = rules.official_units(mlperf_model, folder_name)
    seconds = rules.latency_in_seconds(mlperf_model)
    if not isinstance(log_scenario, str) or not log_scenario:
        return Official(None, official_units, official_units, None, None, False, "the run does not name its scenario")
    metric = rules.result_field(log_scenario, mlperf_model)
    if mlperf_model not in rules.models and metric and "token" not in metric:
        # An open-division LLM whose folder name maps to no official model (its
        # submitter's model_mapping.json is not in the tree): MLCommons publishes such
        # results in tokens/s, the rate the run logged.
        token_key = _TOKEN_FALLBACK.get(log_scenario)
        if token_key and _num(values, token_key) is not None:
            metric = token_key
            if rules.table.get("special_units"):  # and labels them so from v5.0
                official_units = "Tokens/s"
    value = _num(values, metric)
    if metric == "effective_samples_per_query" and value is None:
        value = _num(values, "result_samples_per_query")
    units = _units(folder_scenario, metric, rules.legacy_multistream, seconds)
    if value is None:
        return Official(None, units, official_units, metric, log_scenario, False,
                        f"no {metric} in the run's logs")
    if log_scenario == "SingleStream" or (log_scenario == "MultiStream" and not rules.legacy_multistream):
        value = _latency(value, seconds)
    inferred = False
    if folder_scenario != log_scenario:
        inferred_value, metric_used = _infer(values, folder_scenario, log_scenario, rules)
        if metric_used is not None:
            if inferred_value is None:
                return Official(None, units, official_units, metric_used, log_scenario, True,
                                f"cannot infer {folder_scenario} from {log_scenario}: no {metric_used}")
            value, metric, inferred = inferred_value, metric_used, True
            units = _units(folder_scenario, metric, rules.legacy_multistream, seconds)
    return Official(value, units, official_units, metric, log_scenario, inferred)


def official_endpoints_result(values: dict[str, Any], folder_scenario: str, mlperf_model: str, rules: RoundRules,
                              folder_name: str | None = None) -> Official:
    """The official result of an endpoints-harness run (values already mapped to loadgen
    keys by `endpoints.parse_endpoints_run`): the scenario's RESULT_FIELD_ENDPOINTS key, or
    tokens per second for the models published in Tokens/s. Latency scenarios report the
    mean latency in ns, published in ms (seconds for text-to-video)."""
    folder_name = folder_name or folder_scenario
    official_units = rules.official_units(mlperf_model, folder_name)
    log_scenario = values.get("effective_scenario")
    log_scenario = log_scenario if isinstance(log_scenario, str) and log_scenario else None
    metric = rules.endpoints_result_field(folder_name, mlperf_model)
    seconds = rules.latency_in_seconds(mlperf_model)
    units = _units(folder_scenario, metric, False, seconds)
    value = _num(values, metric)
    if value is None:
        return Official(None, units, official_units, metric, log_scenario, False,
                        f"no {metric} in the run's result summary")
    if folder_scenario in ("SingleStream", "MultiStream"):
        value = _latency(value, seconds)
    return Official(value, units, official_units, metric, log_scenario, False)


def _infer(values: dict[str, Any], folder: str, log: str, rules: RoundRules) -> tuple[float | None, str | None]:
    """(value, metric) of a result inferred from a run of another scenario; metric None when
    the checker does not infer between these two scenarios (the run's own value stands)."""
    if folder == "Offline" and log == "SingleStream":
        qps = _num(values, "result_qps_without_loadgen_overhead")
        return qps, "result_qps_without_loadgen_overhead"
    if folder == "Offline" and log == "MultiStream" and not rules.legacy_multistream:
        spq = _num(values, "effective_samples_per_query")
        mean = _num(values, "result_mean_query_latency_ns")
        if spq is None or not mean:
            return None, "result_mean_query_latency_ns"
        return spq * 1000 / (mean / NS_PER_MS), "result_mean_query_latency_ns"
    if folder == "MultiStream" and log == "SingleStream" and not rules.legacy_multistream:
        key = "early_stopping_latency_ms" if rules.uses_early_stopping(log) else "result_99.00_percentile_latency_ns"
        latency = _num(values, key)
        if latency is None:
            return None, key
        return latency * 8 / NS_PER_MS, key
    return None, None
