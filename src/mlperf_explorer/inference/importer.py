"""Turn an inference results tree into result records, using both cores.

The work splits by system (DIVISION/SUBMITTER/results/SYSTEM, a few hundred per round):
each worker process walks one system's folders, reads its description and parses its
results, and hands back finished records. The main process only lists the systems and
gathers. Nothing here knows about the database.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ..records import Batch, Problem, as_float, make_uid, total_accelerators
from ..safe_files import TreeReader
from ..systems import as_text, columns_of, parse_system_json
from ..units import Unit, scan_tree, selects
from ..workers import parallel_map
from . import compliance as _compliance
from .accuracy import Accuracy, parse_accuracy, target_pairs
from .detail import parse_detail
from .endpoints import (
    ACCURACY_FILE,
    CONFIG_FILES,
    SUMMARY_FILE,
    compliance_test_of_audit,
    parse_audit,
    parse_endpoints_accuracy,
    parse_endpoints_run,
)
from .layout import SYSTEM_AREAS, ResultFiles, SystemDir, list_systems, model_mappings, walk_system
from .nameplate import design_power_watts, parse_nameplate, parse_private_id
from .official import Official, official_endpoints_result, official_result
from .power import average_watts, per_joule, power_metric, timestamp_seconds
from .rules import POWER_UNITS, SCENARIOS, TASKS, RoundRules, rules_for
from .summary import parse_summary

FAMILY = "inference"
PUBLIC_REPO = "https://github.com/mlcommons/inference_results_{round}/tree/{ref}/{location}"

PERCENTILES = ("50.00", "90.00", "95.00", "97.00", "99.00", "99.90")


def system_info(path: str | None, read: Callable[[str], bytes], location_hint: str) -> tuple[dict, list[Problem]]:
    if path is None:
        return {}, [Problem(location_hint, "no system description (systems/<system>.json is missing)")]
    try:
        data = read(path)
    except OSError as exc:
        return {}, [Problem(path, f"cannot read: {exc.strerror or exc}")]
    parsed = parse_system_json(data, path)
    return parsed.values, parsed.problems


def run_values(summary: dict[str, Any], detail: dict[str, Any]) -> dict[str, Any]:
    """One run's loadgen values: the summary's, overridden by the detail log's.

    Without a detail log, `QPS w/o loadgen overhead` (printed with two decimals) is rebuilt
    from the mean latency, which is what loadgen computes it from: 1e9 / mean latency (ns).
    """
    values = {k: v for k, v in summary.items() if k != "raw"}
    if not detail:
        mean = values.get("result_mean_latency_ns")
        if values.get("effective_scenario") == "SingleStream" and isinstance(mean, (int, float)) and mean > 0:
            values["result_qps_without_loadgen_overhead"] = 1e9 / mean
    for k, v in detail.items():
        if not k.startswith("_"):
            values[k] = v
    return values


def _ms(values: dict[str, Any], key: str) -> float | None:
    v = values.get(key)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return v / 1e6


def _run_order(name: str) -> tuple[int, str]:
    tail = name.rsplit("_", 1)[-1]
    return (int(tail) if tail.isdigit() else 10**6, name)


@dataclass
class SystemExtras:
    """What the 2026 checker reads about a system besides its description: the design power
    (from `systems/SYSTEM_power.yaml` or the description's `system_power_capacity`) and the
    private id (`results/SYSTEM/privateid.json`)."""

    nameplate_watts: float | None = None
    private_id: str | None = None


def _endpoints_run(files: dict[str, str], rf: ResultFiles, scenario: str, mlperf_model: str, rules: RoundRules,
                   load: Callable[[str], bytes | None], problems: list[Problem]) -> tuple[dict[str, Any], Official]:
    """An endpoints-harness performance run: its values as loadgen keys and its result."""
    spath = files[SUMMARY_FILE]
    cpath = next((rf.files[n] for n in CONFIG_FILES if n in rf.files), f"{rf.location}/{CONFIG_FILES[0]}")
    summary = load(spath)
    config = load(cpath) if cpath in rf.files.values() else None
    parsed = parse_endpoints_run(summary, config, spath, cpath)
    problems.extend(parsed.problems)
    values = parsed.values
    off = official_endpoints_result(values, scenario, mlperf_model, rules, rf.scenario_folder)
    if off.problem:
        problems.append(Problem(spath, off.problem))
    return values, off


@dataclass
class _RunsRead:
    """The performance runs of a result folder, and the one the checker's result comes from."""

    runs: list[dict[str, Any]] = field(default_factory=list)
    perf_runs: list[str] = field(default_factory=list)
    values: dict[str, Any] | None = None
    official: Any = None
    detail: dict[str, Any] = field(default_factory=dict)
    run: str = ""
    endpoints: bool = False


def _read_runs(rf: ResultFiles, rules: RoundRules, scenario: str, mlperf_model: str,
               load: Callable[[str], bytes | None], problems: list[Problem]) -> _RunsRead:
    """Every performance run (kept as runs), and the counted one the result comes from."""
    loc = rf.location
    out = _RunsRead(perf_runs=sorted((r for r in rf.runs if r.startswith("run_")), key=_run_order))
    # The checker reads run_1 only, except Server in v0.5/v0.7 (run_1..run_5, the last
    # one read stands). Other runs are kept, not counted.
    if rules.runs_read(scenario) > 1:
        counted = [r for r in out.perf_runs if _run_order(r)[0] <= rules.runs_read(scenario)]
    else:
        counted = out.perf_runs[:1]
        if out.perf_runs and out.perf_runs[0] != "run_1":
            problems.append(Problem(f"{loc}/performance/run_1", f"missing; using {out.perf_runs[0]}"))
    for run in out.perf_runs:
        files = rf.runs[run]
        spath = files.get("mlperf_log_summary.txt")
        detail: dict[str, Any] = {}
        if spath is None and SUMMARY_FILE in files:
            out.endpoints = True
            spath = files[SUMMARY_FILE]
            values, off = _endpoints_run(files, rf, scenario, mlperf_model, rules, load, problems)
            # The harness logs no validity: a complete run without failed samples.
            detail = {"_errors": ["samples failed"]} if values.get("_failed") else {}
            values["result_validity"] = "VALID" if values.get("_complete") is not False else "INVALID"
        elif spath is None:
            hint = (" (results.json here is a harness' own output, not a loadgen log)"
                    if "results.json" in files else "")
            problems.append(Problem(f"{loc}/performance/{run}/mlperf_log_summary.txt", "missing" + hint))
            continue
        else:
            loaded = _loadgen_run(files, spath, rf, scenario, mlperf_model, rules, load, problems)
            if loaded is None:
                continue
            values, off, detail = loaded
        if off.value is not None and not (off.value >= 0 and off.value != float("inf")):
            problems.append(Problem(spath, f"absurd result value {off.value}"))
            off.value = None
        valid = values.get("result_validity") == "VALID" and not detail.get("_errors") and off.value is not None
        out.runs.append({
            "location": loc, "run": run, "valid": valid, "log_scenario": off.log_scenario, "result": off.value,
            "has_detail": bool(detail) and not out.endpoints,
            "values": {k: v for k, v in values.items() if isinstance(v, (int, float, str, bool))},
        })
        if run in counted and (off.value is not None or out.values is None):
            out.values, out.official, out.detail, out.run = values, off, detail, run
    return out


def _loadgen_run(files: dict[str, str], spath: str, rf: ResultFiles, scenario: str, mlperf_model: str,
                 rules: RoundRules, load: Callable[[str], bytes | None],
                 problems: list[Problem]) -> tuple[dict[str, Any], Any, dict[str, Any]] | None:
    """(values, official result, detail values) of one loadgen run, None if unreadable."""
    data = load(spath)
    if data is None:
        return None
    summary = parse_summary(data, spath)
    problems.extend(summary.problems)
    detail: dict[str, Any] = {}
    dpath = files.get("mlperf_log_detail.txt")
    if dpath:
        ddata = load(dpath)
        if ddata is not None:
            parsed = parse_detail(ddata, dpath)
            problems.extend(parsed.problems)
            detail = parsed.values
    values = run_values(summary.values, detail)
    off = official_result(values, scenario, mlperf_model, rules, rf.scenario_folder)
    if off.problem:
        problems.append(Problem(spath, off.problem))
    return values, off, detail


def _accuracy(rf: ResultFiles, rules: RoundRules, mlperf_model: str, scenario: str, endpoints: bool,
              load: Callable[[str], bytes | None], problems: list[Problem]) -> Any:
    """The accuracy of a result folder (accuracy.txt, or the endpoints harness' JSON)."""
    apath = rf.accuracy.get("accuracy.txt")
    if endpoints and ACCURACY_FILE in rf.accuracy:
        return _endpoints_accuracy(rf.accuracy[ACCURACY_FILE], mlperf_model, scenario, rules, load, problems)
    if not apath:
        missing = ACCURACY_FILE if endpoints else "accuracy.txt"
        problems.append(Problem(f"{rf.location}/accuracy/{missing}", "missing"))
        return None
    data = load(apath)
    if data is None:
        return None
    acc = parse_accuracy(data, rules.accuracy_target(mlperf_model, scenario), rules.accuracy_patterns,
                         rules.accuracy_upper_limit(mlperf_model), apath)
    problems.extend(acc.problems)
    # From v0.7 accuracy.txt ends with the hash of its accuracy log, which the
    # official checker requires (submission_checker.py, check_accuracy_dir).
    if not acc.has_hash and rules.round != "v0.5" and data.strip():
        problems.append(Problem(apath, "no hash= line (truncated?); the official checker requires one"))
    return acc


def _compliance_result(rf: ResultFiles, rules: RoundRules, mlperf_model: str, scenario: str,
                       load: Callable[[str], bytes | None], problems: list[Problem]) -> tuple[dict, bool | None]:
    """(per-test outcome, all passed) from the TEST folders' verify files and the audits."""
    outcomes: dict[str, list[bool | None]] = {}
    for folder, paths in rf.verify.items():
        test = _compliance.compliance_test(folder)
        for p in paths:
            data = load(p)
            if data is not None:
                outcome = _compliance.parse_verify(data, test)
                if outcome is False and test == "TEST01" and p.endswith("/verify_accuracy.txt") and rf.test01_accuracy:
                    outcome = _test01_delta(rf.test01_accuracy, mlperf_model, scenario, rules, load)
                outcomes.setdefault(test, []).append(outcome)
    for p in rf.audits:
        data = load(p)
        if data is not None:
            _name, passed, probs = parse_audit(data, p)
            problems.extend(probs)
            outcomes.setdefault(compliance_test_of_audit(p.rsplit("/", 1)[-1]), []).append(passed)
    return _compliance.combine(outcomes)


def _log_columns(values: dict[str, Any], log_scenario: str | None) -> dict[str, Any]:
    """Latency, LLM and loadgen-setting columns, as logged."""
    per_query = log_scenario == "MultiStream"
    cols: dict[str, Any] = {
        "sut_name": as_text(values.get("sut_name")),
        "latency_mean_ms": _ms(values, "result_mean_query_latency_ns" if per_query else "result_mean_latency_ns"),
        "early_stopping_p90_ms": _ms(values, "early_stopping_latency_ss"),
        "early_stopping_p99_ms": _ms(values, "early_stopping_latency_ms"),
        "tokens_per_second": _first_number(values, "result_tokens_per_second", "result_completed_tokens_per_second",
                                           "result_inferred_tokens_per_second", "result_inferred_completed_tokens_per_second"),
        "ttft_mean_ms": _ms(values, "result_first_token_mean_latency_ns"),
        "ttft_p99_ms": _ms(values, "result_first_token_99.00_percentile_latency_ns"),
        "tpot_mean_ms": _ms(values, "result_time_per_output_token_mean_ns") or _ms(values, "result_time_per_output_token_mean"),
        "tpot_p99_ms": _ms(values, "result_time_per_output_token_99.00_percentile_ns"),
        "target_qps": _first_number(values, "effective_target_qps"),
        "query_count": _first_number(values, "result_query_count"),
        "min_duration_ms": _first_number(values, "effective_min_duration_ms"),
        "performance_sample_count": _first_number(values, "effective_performance_sample_count"),
    }
    for p in PERCENTILES:
        key = f"result_{p}_percentile_per_query_latency_ns" if per_query else f"result_{p}_percentile_latency_ns"
        cols[f"latency_p{p.replace('.00', '').replace('.', '')}_ms"] = _ms(values, key)
    return cols


def build_result(
    rf: ResultFiles,
    rules: RoundRules,
    system: dict[str, Any],
    extra_mapping: dict[str, str] | None,
    read: Callable[[str], bytes],
    source_ref: str = "main",
    extras: SystemExtras | None = None,
) -> tuple[dict[str, Any] | None, list[dict[str, Any]], list[Problem]]:
    """Parse one result directory. Returns (record or None, runs, problems).

    None means the directory has no performance summary to compute a result from (files
    missing from the tree): a problem names what is missing.
    """
    problems: list[Problem] = []
    loc = rf.location

    def load(path: str) -> bytes | None:
        try:
            return read(path)
        except OSError as exc:
            problems.append(Problem(path, f"cannot read: {exc.strerror or exc}"))
            return None

    scenario = SCENARIOS.get(rf.scenario_folder.lower(), rf.scenario_folder)
    mlperf_model = rules.mlperf_model(rf.model, extra_mapping)
    got = _read_runs(rf, rules, scenario, mlperf_model, load, problems)
    if got.values is None or got.official is None:
        if not got.perf_runs:
            problems.append(Problem(f"{loc}/performance/run_1/mlperf_log_summary.txt", "missing: no performance run"))
        return None, got.runs, problems
    extras = extras or SystemExtras()
    values, off = got.values, got.official
    detail_errors = got.detail.get("_errors") or []
    for err in detail_errors[:3]:
        problems.append(Problem(rf.runs[got.run].get("mlperf_log_detail.txt", loc), f"loadgen error: {err[:200]}"))
    acc = _accuracy(rf, rules, mlperf_model, scenario, got.endpoints, load, problems)

    has_power = False
    power_value = power_units = avg_w = duration = None
    n_samples = 0
    run_files = rf.runs.get(got.run, {})
    if "spl.txt" in run_files or rf.power_dir:
        has_power = True
        power_value, power_units, avg_w, duration, n_samples = _power(
            rf, run_files, got.detail, scenario, off.log_scenario or scenario, rules, load, problems)
    per_test, compliance_pass = _compliance_result(rf, rules, mlperf_model, scenario, load, problems)

    # A MultiStream result inferred from a SingleStream run stands for queries of 8 samples
    # (its energy per query is scaled the same way, see power.py); otherwise as logged.
    samples_per_query = _first_number(values, "effective_samples_per_query")
    if scenario == "MultiStream" and off.inferred and not rules.legacy_multistream:
        samples_per_query = 8.0

    record: dict[str, Any] = {
        "uid": make_uid(FAMILY, rules.round, rf.division, rf.submitter, rf.system, rf.model, scenario),
        "family": FAMILY, "round": rules.round, "division": rf.division, "submitter": rf.submitter,
        "system": rf.system, "system_name": as_text(system.get("system_name")),
        "system_type": as_text(system.get("system_type")),
        "availability": (as_text(system.get("status")) or "").lower() or None,
        "model": rf.model, "mlperf_model": mlperf_model, "task": TASKS.get(mlperf_model), "scenario": scenario,
        "log_scenario": off.log_scenario, "result": off.value, "result_units": off.units,
        "official_units": off.official_units, "result_metric": off.metric,
        "valid": values.get("result_validity") == "VALID" and not detail_errors and off.value is not None,
        "inferred": rules.official_inferred(rf.scenario_folder, off.log_scenario, off.inferred),
        "inferred_from": off.log_scenario if off.inferred else None,
        "harness": "endpoints" if got.endpoints else "loadgen",
        "accuracy": acc.value if acc else None, "accuracy_metric": acc.metric if acc else None,
        "accuracy_target": acc.target if acc else None, "accuracy_pass": acc.passed if acc else None,
        "has_power": has_power and power_value is not None, "power_result": power_value, "power_units": power_units,
        "power_avg_watts": avg_w, "power_duration_s": duration, "power_samples": n_samples or None,
        "inferences_per_joule": per_joule(scenario, off.value, power_value, samples_per_query),
        "compliance_pass": compliance_pass, "compliance": json.dumps(per_test) if per_test else None,
        **_log_columns(values, off.log_scenario),
        "samples_per_query": samples_per_query,
        "runs_total": len(got.runs), "has_detail_log": bool(got.detail),
        "location": loc, "url": PUBLIC_REPO.format(round=rules.round, ref=source_ref, location=loc),
        **columns_of(system),
        "private_id": extras.private_id,
    }
    record["total_accelerators"] = total_accelerators(record["number_of_nodes"], record["accelerators_per_node"])
    # Design power is reported for power results only (system_check.py, nameplate_power_check).
    record["design_power_watts"] = design_power_watts(system, extras.nameplate_watts) if record["has_power"] else None
    record["measurements"] = _measurements(rf.measurements, load, problems) if rf.measurements else None
    record["weight_data_types"] = _weight_data_types(record["measurements"])
    record["tags"] = tags_for(record)
    return record, got.runs, problems


def _weight_data_types(measurements: str | None) -> str | None:
    if not measurements:
        return None
    try:
        value = json.loads(measurements).get("weight_data_types")
    except (ValueError, AttributeError):
        return None
    return as_text(value) or None


def _endpoints_accuracy(path: str, mlperf_model: str, scenario: str, rules: RoundRules,
                        load: Callable[[str], bytes | None], problems: list[Problem]) -> Accuracy | None:
    """The endpoints harness' score against the round's target for this scenario; where the
    target also bounds tokens per sample, the accuracy run's mean output length is held to
    it (and to the upper limit)."""
    data = load(path)
    if data is None:
        return None
    parsed = parse_endpoints_accuracy(data, path)
    problems.extend(parsed.problems)
    acc = Accuracy(value=parsed.value)
    thresholds = target_pairs(rules.accuracy_target(mlperf_model, scenario))
    if thresholds:
        acc.metric, acc.target = thresholds[0]
        if acc.value is not None:
            acc.values[acc.metric] = acc.value
        if parsed.tokens_per_sample is not None:
            acc.values["TOKENS_PER_SAMPLE"] = parsed.tokens_per_sample
        checked = [(m, t) for m, t in thresholds if m in acc.values]
        limits = target_pairs(rules.accuracy_upper_limit(mlperf_model))
        acc.passed = acc.value is not None and all(acc.values[m] >= t for m, t in checked) and all(
            acc.values[m] <= t for m, t in limits if m in acc.values)
    return acc


def _test01_delta(paths: tuple[str, str], mlperf_model: str, scenario: str, rules: RoundRules,
                  load: Callable[[str], bytes | None]) -> bool:
    metrics = [(name, rules.accuracy_patterns[name]) for name, _ in target_pairs(rules.accuracy_target(mlperf_model, scenario))
               if name in rules.accuracy_patterns]
    baseline, compliance = load(paths[0]), load(paths[1])
    if baseline is None or compliance is None:
        return False
    return _compliance.within_test01_delta(
        baseline, compliance, metrics, lambda metric: rules.accuracy_delta_perc(mlperf_model, metric))


def _first_number(values: dict[str, Any], *keys: str) -> float | None:
    """The first of `keys` whose value is a finite number (as `as_float` reads one)."""
    for k in keys:
        v = as_float(values.get(k))
        if v is not None:
            return v
    return None


def _measurements(paths: list[str], load: Callable[[str], bytes | None], problems: list[Problem]) -> str | None:
    merged: dict[str, Any] = {}
    for p in sorted(paths):
        data = load(p)
        if data is None:
            continue
        parsed = parse_system_json(data, p)
        problems.extend(parsed.problems)
        merged.update(parsed.values)
    return json.dumps(merged, sort_keys=True, default=str) if merged else None


def _power(rf: ResultFiles, run_files: dict[str, str], detail: dict[str, Any], scenario: str, log_scenario: str,
           rules: RoundRules, load: Callable[[str], bytes | None], problems: list[Problem]) -> tuple[Any, Any, Any, Any, int]:
    """(value, units, avg watts, duration s, samples) for a power result; Nones on failure."""
    loc = rf.location
    spath = run_files.get("spl.txt")
    if spath is None:
        problems.append(Problem(f"{loc}/performance/run_1/spl.txt", "missing: power result without samples"))
        return None, None, None, None, 0
    begin_text, end_text = detail.get("power_begin"), detail.get("power_end")
    if "mlperf_log_detail.txt" not in run_files:
        problems.append(Problem(f"{loc}/performance/{_run_of(spath)}/mlperf_log_detail.txt",
                                "missing: needed for the power window (power_begin, power_end)"))
        return None, None, None, None, 0
    if not begin_text or not end_text:
        where = run_files.get("mlperf_log_detail.txt", f"{loc}/performance/run_1/mlperf_log_detail.txt")
        problems.append(Problem(where, "missing power_begin/power_end: power cannot be computed"))
        return None, None, None, None, 0
    begin, end = timestamp_seconds(str(begin_text)), timestamp_seconds(str(end_text))
    if begin is None or end is None or end <= begin:
        problems.append(Problem(run_files.get("mlperf_log_detail.txt", loc), "malformed power_begin/power_end"))
        return None, None, None, None, 0
    client_tz = server_tz = 0.0
    if not rules.power_timestamps_utc:
        # Before v1.1 the timestamps were local time: shift each by its machine's zone.
        for name in ("server.json", "client.json"):
            path = rf.power_dir.get(name)
            if path:
                data = load(path)
                try:
                    tz = float(json.loads(data)["timezone"]) if data else 0.0
                    if not abs(tz) <= 86400:  # seconds from UTC: a day at most; not NaN
                        raise ValueError(tz)
                except (ValueError, KeyError, TypeError, OverflowError, RecursionError):
                    problems.append(Problem(path, "no usable 'timezone'"))
                    tz = 0.0
                if name == "server.json":
                    server_tz = tz
                else:
                    client_tz = tz
    data = load(spath)
    if data is None:
        return None, None, None, None, 0
    # The checker compares spl time + server zone with detail time + client zone.
    shift = client_tz - server_tz
    avg, count, spl_problems = average_watts(data, begin + shift, end + shift, spath)
    problems.extend(spl_problems)
    if avg is None:
        problems.append(Problem(spath, "no power samples between power_begin and power_end"))
        return None, None, None, end - begin, 0
    duration = end - begin
    value, units = power_metric(scenario, log_scenario, avg, duration, detail,
                                rules.has_query_count_in_log, rules.legacy_multistream)
    if value is None:
        problems.append(Problem(run_files.get("mlperf_log_detail.txt", spath), "no query count: energy per query cannot be computed"))
    return value, units or POWER_UNITS.get(scenario), avg, duration, count


def _run_of(path: str) -> str:
    return path.rsplit("/", 2)[-2]


def tags_for(r: dict[str, Any]) -> list[str]:
    """The CM-style tags of a result (see DESIGN.md, Identity and tags)."""
    tags = ["mlperf-inference", r["round"]]
    division = r["division"]
    tags.append(division)
    if r.get("has_power"):
        tags.append(f"{division}-power")
        tags.append("power")
    system_type = r.get("system_type") or ""
    for t in system_type.replace(" ", "").split(","):
        if t:
            tags.append(t.lower())
    if r.get("task"):
        tags.append(r["task"])
    # A model tag means that model: the folder name always, the MLPerf model it is ranked
    # under only when it is that model (an open-division efficientnet ranked under resnet is
    # not a resnet; the task tag still groups them).
    model, mlperf = (r.get("model") or "").lower(), (r.get("mlperf_model") or "").lower()
    if model:
        tags.append(model)
    if mlperf and (division != "open" or not model or model.startswith(mlperf)):
        tags.append(mlperf)
    tags.append(r["scenario"].lower())
    tags.append(r["submitter"].lower())
    if r.get("inferred"):
        tags.append("inferred")
    if r.get("valid"):
        tags.append("valid")
    seen: list[str] = []
    for t in tags:
        if t not in seen:
            seen.append(t)
    return seen


# ---- the round as a whole -------------------------------------------------------------

def _read_file(root: str, folders: Iterable[str] = ()) -> Callable[[str], bytes]:
    """Every read of the tree goes through the safe reader (inside the tree, regular files,
    size-capped): see safe_files.py. `folders` are those a walk listed without following
    a link."""
    reader = TreeReader(root)
    reader.trust(folders)
    return reader.read


def _optional(root: str, rel: str, parse: Callable[[bytes, str], tuple[Any, list[Problem]]],
              read: Callable[[str], bytes], problems: list[Problem]) -> Any:
    """Parse a file that a system may have; None when it has not."""
    if not os.path.lexists(os.path.join(root, rel)):
        return None
    try:
        value, probs = parse(read(rel), rel)
    except OSError as exc:
        problems.append(Problem(rel, f"cannot read: {exc.strerror or exc}"))
        return None
    problems.extend(probs)
    return value


def _system_extras(root: str, sd: SystemDir, read: Callable[[str], bytes], problems: list[Problem]) -> SystemExtras:
    base = f"{sd.division}/{sd.submitter}"
    return SystemExtras(
        nameplate_watts=_optional(root, f"{base}/systems/{sd.system}_power.yaml", parse_nameplate, read, problems),
        private_id=_optional(root, f"{base}/results/{sd.system}/privateid.json", parse_private_id, read, problems),
    )


def _share_weight_types(records: list[dict]) -> None:
    """A scenario folder without its measurements.json takes the weight data types another
    scenario of the same system and model declares (the same weights serve every scenario)."""
    by_model = {r["model"]: r["weight_data_types"] for r in records if r.get("weight_data_types")}
    for r in records:
        if not r.get("weight_data_types") and r["model"] in by_model:
            r["weight_data_types"] = by_model[r["model"]]


def _work(args: tuple[Any, ...]) -> tuple[list[dict], list[dict], list[Problem], dict, int, dict | None]:
    """One system: walk its folders, read its description, parse its results."""
    root, round_name, ref, sd, mapping, listing = args
    rules = rules_for(round_name)
    problems: list[Problem] = []
    records: list[dict] = []
    runs: list[dict] = []
    try:
        walk = walk_system(root, sd)
        read = _read_file(root, walk.folders)
        # Present (even as a link or a FIFO): read through the safe reader, which says why not.
        path = sd.system_json if os.path.lexists(os.path.join(root, sd.system_json)) else None
        system, probs = system_info(path, read, sd.system_json)
        problems.extend(probs)
        extras = _system_extras(root, sd, read, problems)
    except Exception as exc:  # a walk bug must not lose the round
        return [], [], [Problem(sd.system_json, f"internal error: {type(exc).__name__}: {exc}")], {}, 0, None
    for rf in walk.results:
        try:
            record, rruns, probs = build_result(rf, rules, system, mapping, read, ref, extras)
        except Exception as exc:  # a parser bug must not lose the round: report it
            record, rruns, probs = None, [], [Problem(rf.location, f"internal error while parsing: {type(exc).__name__}: {exc}")]
        problems.extend(probs)
        if record is not None:
            record["warning_count"] = len(probs)  # the warnings of this result folder's files
            records.append(record)
            for run in rruns:
                run["uid"] = record["uid"]
                run["values"] = json.dumps(run["values"], default=str)
                runs.append(run)
    _share_weight_types(records)
    _dedupe_uids(records, runs, problems)
    description = {"division": sd.division, "submitter": sd.submitter, "system": sd.system,
                   "system_name": as_text(system.get("system_name")),
                   "description": json.dumps(system, sort_keys=True, default=str) if system else None}
    return records, runs, problems, description, walk.files_seen, walk.manifest if listing else None


def parse_round(
    root: str,
    round_name: str,
    ref: str = "main",
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    only: set[Unit] | None = None,
    listing: bool = False,
) -> Iterator[Batch]:
    """Parse every result of an unpacked round (or `only` those units), one system per
    task on every core, yielding each system's batch as it is done (the round is never
    held whole). With `listing`, the batches also carry the tree's manifest
    (`units.scan_tree`): each worker lists the folders of its system as it walks them, and
    a thread lists the rest of the tree meanwhile."""
    rules = rules_for(round_name)
    read = _read_file(root)
    problems: list[Problem] = []
    if not rules.exact and only is None:
        problems.append(Problem(".", f"round {round_name} is not in our checker tables; using the rules of the nearest known round"))
    mappings: dict[tuple, dict] = {}
    for key, path in model_mappings(root).items():
        info, probs = system_info(path, read, path)
        mappings[key] = info
        if only is None or Unit(key[0], key[1], None) in only:
            problems.extend(probs)
    if problems:
        yield Batch([], [], problems, [], 0, {} if listing else None)
    systems = [sd for sd in list_systems(root) if selects(only, sd.division, sd.submitter, sd.system)]
    tasks = [(root, round_name, ref, sd, mappings.get((sd.division, sd.submitter)), listing) for sd in systems]
    with ThreadPoolExecutor(1, thread_name_prefix="scan") as pool:
        rest = None
        if listing:
            listed = frozenset(f"{sd.division}/{sd.submitter}/{area}/{sd.system}" for sd in systems for area in SYSTEM_AREAS)
            rest = pool.submit(scan_tree, root, "inference", listed)
        for done, (records, runs, probs, description, seen, manifest) in enumerate(parallel_map(_work, tasks, workers), 1):
            yield Batch(records, runs, probs, [description], seen, manifest)
            if progress:
                progress(done, len(tasks))
        if rest is not None:
            yield Batch([], [], [], [], 0, rest.result())


def _dedupe_uids(records: list[dict], runs: list[dict], problems: list[Problem]) -> None:
    """Two folders differing only in case ('Offline' and 'offline') would share a uid;
    they can only be in the same system folder, so this runs per system."""
    seen: dict[str, dict] = {}
    for r in records:
        if r["uid"] in seen:
            problems.append(Problem(r["location"], f"same result as {seen[r['uid']]['location']} "
                                                   "(folder names differ only in case); kept as a separate row"))
            new = make_uid(r["uid"], r["location"])
            for run in runs:
                if run["location"] == r["location"]:
                    run["uid"] = new
            r["uid"] = new
        seen[r["uid"]] = r
