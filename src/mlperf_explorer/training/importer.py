"""Turn a Training or HPC results tree into scored results, one benchmark folder per task.

    SUBMITTER/results/SYSTEM/BENCHMARK/result_*.txt             (training, v0.6 on)
    SUBMITTER/results/SYSTEM/{strong,weak}/BENCHMARK/result_*.txt  (HPC)
    v0.5.0/ORG/SUBMISSION.../results/SYSTEM/BENCHMARK/result_*.txt (+ results/SYSTEM/entry.json)
    .../BENCHMARK/scaling.json, .../BENCHMARK/power/result_N/{node,sw}_*.txt
    SUBMITTER/systems/SYSTEM.json

Nothing is ever written into the tree.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..records import Batch, Problem, make_uid, total_accelerators
from ..safe_files import TreeReader, subfolders
from ..systems import as_int, as_text, columns_of, parse_system_json
from ..units import Unit, selects
from ..workers import parallel_map
from .mllog import RunLog, parse_log
from .power import node_energy, switch_energy
from .rules import TASKS, Target, TrainingRules, benchmark_name
from .scoring import RunFacts, olympic_score, run_facts

RESULT_FILE = re.compile(r"^result_.*\.txt$")
REPO = {"training": "training_results", "hpc": "hpc_results"}


@dataclass(frozen=True)
class BenchmarkDir:
    submitter: str
    system: str  # the systems/*.json stem (v0.5: SUBMISSION/SYSTEM)
    folder: str  # the benchmark folder's name
    location: str  # repo-relative benchmark folder
    system_json: str | None  # repo-relative description, if any
    scaling: str | None = None  # HPC: "strong" or "weak"


def _has_result_logs(path: str) -> bool:
    try:
        return any(e.is_file() and RESULT_FILE.match(e.name) for e in os.scandir(path))
    except OSError:
        return False


def _is(kind: Callable[[], bool]) -> bool:
    """A DirEntry's is_dir or is_file (a link is followed, as os.path.isdir would), False
    when it cannot be told."""
    try:
        return kind()
    except OSError:
        return False


def _logged_benchmark(root: str, location: str, names: list[str]) -> str:
    """The benchmark a folder's first log declares (`submission_benchmark`), for folders
    that are not named after one."""
    for name in names:
        try:
            log = parse_log(_read(root, f"{location}/{name}"))
        except OSError:
            continue
        value = log.value("submission_benchmark")
        if isinstance(value, str) and value.strip():
            return benchmark_name(value.strip())
    return ""


def list_benchmarks(root: str, family: str) -> list[BenchmarkDir]:
    out: list[BenchmarkDir] = []
    if os.path.isdir(os.path.join(root, "v0.5.0")):
        base = os.path.join(root, "v0.5.0")
        for dirpath, dirnames, _ in os.walk(base):
            if os.path.basename(dirpath) != "results":
                continue
            rel = os.path.relpath(dirpath, root).replace(os.sep, "/")
            parts = rel.split("/")
            org, submission = parts[1], "/".join(parts[2:-1])
            for system in sorted(dirnames):
                entry = f"{rel}/{system}/entry.json"
                for bench in subfolders(os.path.join(dirpath, system)):
                    out.append(BenchmarkDir(org, f"{submission}/{system}", bench, f"{rel}/{system}/{bench}",
                                            entry if _reader(root).is_file(entry) else None))
            dirnames[:] = []
        return out
    for sub in subfolders(root):
        for system in subfolders(os.path.join(root, sub, "results")):
            described = f"{sub}/systems/{system}.json"
            sys_json = described if os.path.lexists(os.path.join(root, described)) else None
            sys_path = os.path.join(root, sub, "results", system)
            children = subfolders(sys_path)
            if family == "hpc" and any(c in ("strong", "weak") for c in children):
                for kind in ("strong", "weak"):
                    for bench in subfolders(os.path.join(sys_path, kind)):
                        out.append(BenchmarkDir(sub, system, bench, f"{sub}/results/{system}/{kind}/{bench}", sys_json, kind))
            else:
                # HPC v0.7 had time-to-train (strong scaling) results only, without the folder.
                scaling = "strong" if family == "hpc" else None
                if _has_result_logs(sys_path):
                    # v0.7 Alibaba: logs straight in the system folder; the logs name the benchmark.
                    out.append(BenchmarkDir(sub, system, "", f"{sub}/results/{system}", sys_json, scaling))
                for bench in children:
                    out.append(BenchmarkDir(sub, system, bench, f"{sub}/results/{system}/{bench}", sys_json, scaling))
    return out


def system_fields(desc: dict[str, Any]) -> dict[str, Any]:
    """Columns from a systems/*.json, or from a v0.5 entry.json (nodes list)."""
    if "nodes" in desc and isinstance(desc["nodes"], list) and desc["nodes"] and isinstance(desc["nodes"][0], dict):
        node = desc["nodes"][0]
        return {
            "system_name": as_text(desc.get("hardware")) or as_text(node.get("accelerator")),
            "accelerator_model_name": as_text(node.get("accelerator")),
            "accelerators_per_node": as_int(node.get("num_accelerators")),
            "number_of_nodes": as_int(node.get("num_nodes")),
            "host_processor_model_name": as_text(node.get("cpu")),
            "host_processors_per_node": None,
            "host_processor_core_count": as_int(node.get("num_cores")),
            "framework": as_text(desc.get("framework")),
            "operating_system": as_text(desc.get("os")),
            "availability": (as_text(desc.get("status")) or "").lower() or None,
            "notes": as_text(desc.get("notes")) or None,
        }
    return {
        "system_name": as_text(desc.get("system_name")),
        **columns_of(desc),
        "availability": (as_text(desc.get("status")) or "").lower() or None,
    }


def _read(root: str, rel: str) -> bytes:
    """Read a file of the tree through the safe reader (see safe_files.py)."""
    return _reader(root).read(rel)


@lru_cache(maxsize=8)
def _reader(root: str) -> TreeReader:
    return TreeReader(root)


def _log_target(log: RunLog) -> Target | None:
    """v0.5 logs name their own target (`eval_target: 0.749`)."""
    value = log.value("eval_target")
    try:
        return Target("eval_accuracy", ((None, ">=", float(value)),))
    except (TypeError, ValueError, OverflowError):
        return None


def _scaling_factor(root: str, bd: BenchmarkDir, problems: list[Problem]) -> float:
    rel = f"{bd.location}/scaling.json"
    if not _reader(root).is_file(rel):
        return 1.0
    try:
        factor = float(json.loads(_read(root, rel))["scaling_factor"])
        if not 0 < factor < float("inf"):
            raise ValueError
        return factor
    except (ValueError, KeyError, TypeError, OverflowError, OSError, RecursionError):
        problems.append(Problem(rel, "no usable scaling_factor; using 1.0"))
        return 1.0


def _result_logs(root: str, bd: BenchmarkDir) -> tuple[str, list[str], list[Problem]]:
    """(benchmark, result_*.txt names, problems) of a benchmark folder; an empty list when
    nothing there can be scored."""
    problems: list[Problem] = []
    benchmark = benchmark_name(bd.folder)
    bench_path = os.path.join(root, *bd.location.split("/"))
    try:
        with os.scandir(bench_path) as listing:  # names and kinds in one listing
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        return benchmark, [], [Problem(bd.location, f"cannot list: {exc.strerror}")]
    result_files = [e.name for e in entries if RESULT_FILE.match(e.name)]
    if not bd.folder:
        benchmark = _logged_benchmark(root, bd.location, result_files)
        if not benchmark:
            return "", [], [Problem(bd.location, "result logs outside a benchmark folder, and no log names its benchmark")]
    for entry in entries:
        n = entry.name
        if bd.folder and n != "power" and _is(entry.is_dir) and _has_result_logs(entry.path):
            problems.append(Problem(f"{bd.location}/{n}", "result logs in a folder inside a benchmark folder: not read"))
        if n.startswith("result") and n not in result_files and _is(entry.is_file):
            problems.append(Problem(f"{bd.location}/{n}", "not named result_*.txt: not counted (as the official summarizer)"))
    if not result_files:
        problems.append(Problem(f"{bd.location}/result_0.txt", "missing: no result logs in this benchmark folder"))
    return benchmark, result_files, problems


@dataclass
class _Runs:
    facts: list[RunFacts]
    runs: list[dict]
    target: Target | None
    unofficial_time: bool  # a log timed in time_s: read, but the official parser rejects it


def _read_runs(root: str, bd: BenchmarkDir, rules: TrainingRules, benchmark: str, result_files: list[str],
               desc: dict[str, Any], problems: list[Problem]) -> _Runs:
    """Each result log's facts (time to train, quality, status) and its row of runs."""
    out = _Runs([], [], None, False)
    has_power = os.path.isdir(os.path.join(root, *bd.location.split("/"), "power"))
    for name in result_files:
        rel = f"{bd.location}/{name}"
        try:
            log = parse_log(_read(root, rel), rel)
        except OSError as exc:
            problems.append(Problem(rel, f"cannot read: {exc.strerror}"))
            continue
        problems.extend(log.problems)
        if log.seconds_lines:
            out.unofficial_time = True
            problems.append(Problem(rel, f"{log.seconds_lines} MLLOG line(s) timed in time_s, not time_ms: "
                                         "read here, rejected by the official parser, so the result is not valid"))
        target = rules.target(benchmark, log.value("global_batch_size")) or _log_target(log)
        out.target = out.target or target
        division = log.value("submission_division") or desc.get("division")
        f, probs = run_facts(log, name, target, rel, rules.init_limit_ms(division))
        problems.extend(probs)
        if has_power and f.counted and f.time_ms is not None:
            f.energy_joules = _run_energy(root, bd, name, f.time_ms, problems)
        out.facts.append(f)
        out.runs.append({"run": name, "valid": f.counted, "log_scenario": bd.scaling, "result": f.minutes,
                         "has_detail": True, "values": json.dumps({
                             "status": f.status, "reason": f.reason, "quality": f.quality,
                             "reached_target": f.reached_target, "epoch_num": f.epoch_num,
                             "samples_count": f.samples_count, "global_batch_size": f.global_batch_size,
                             "throughput": f.throughput, "energy_joules": f.energy_joules,
                             "time_to_train_ms": f.time_ms, **{f"submission_{k}": v for k, v in f.submission.items()}},
                             default=str)})
    return out


@dataclass
class _Score:
    minutes: float | None
    runs_counted: int
    reason: str | None
    energy: float | None
    instance_scale: int | None


def _score(facts: list[RunFacts], weak: bool, required: int | None, dropped: int, scaling: float) -> _Score:
    """Strong scaling (and training): the olympic mean. HPC weak scaling: from the first
    start to the last stop of the converged models, if enough converged."""
    if not weak:
        score = olympic_score(facts, dropped, scaling)
        return _Score(score.minutes, score.runs_counted, score.reason, score.energy_joules, None)
    counted = [f for f in facts if f.counted]
    enough = required is None or len(counted) >= required
    stops = [f.stop_ms for f in counted if f.stop_ms is not None]
    starts = [f.start_ms for f in counted if f.start_ms is not None]
    minutes = ((max(stops) - min(starts)) / 60000.0) if counted and enough and stops and starts else None
    reason = None if minutes is not None else f"not enough converged models ({len(counted)} of {required})"
    return _Score(minutes, len(counted), reason, None, next((f.instance_scale for f in counted if f.instance_scale), None))


def build_benchmark(root: str, family: str, round_name: str, bd: BenchmarkDir, desc: dict[str, Any],
                    ref: str = "main") -> tuple[dict[str, Any] | None, list[dict], list[Problem]]:
    """One benchmark folder: (record or None, runs, problems)."""
    rules = TrainingRules(family, round_name)
    benchmark, result_files, problems = _result_logs(root, bd)
    if not result_files:
        return None, [], problems
    got = _read_runs(root, bd, rules, benchmark, result_files, desc, problems)
    scaling = _scaling_factor(root, bd, problems)
    required = rules.required_runs(benchmark)
    weak = bd.scaling == "weak"
    score = _score(got.facts, weak, required, rules.max_dropped(benchmark), scaling)
    if score.reason:
        problems.append(Problem(bd.location, f"no score: {score.reason}"))
    if required is not None and len(result_files) < required:
        problems.append(Problem(bd.location, f"{len(result_files)} result logs, the rules ask for {required}"))
    if not rules.known_benchmark(benchmark):
        problems.append(Problem(bd.location, f"{benchmark!r} is not a benchmark of {family} {round_name} in mlperf_logging's tables"))
    division = (as_text(desc.get("division")) if desc else None) or next(
        (f.submission.get("division") for f in got.facts if f.submission.get("division")), None)
    division = (as_text(division) or "").lower() or None  # a log may give any JSON value
    qualities = sorted(f.quality for f in got.facts if f.counted and f.quality is not None)
    target = got.target
    record: dict[str, Any] = {
        "uid": make_uid(family, round_name, division or "", bd.submitter, bd.system, benchmark, bd.scaling or ""),
        "family": family, "round": round_name, "division": division, "submitter": bd.submitter, "system": bd.system,
        "benchmark": benchmark, "model": benchmark, "mlperf_model": benchmark, "task": TASKS.get(benchmark),
        "scenario": bd.scaling, "result": score.minutes, "result_units": "min.", "official_units": "min.",
        "result_metric": "time_to_train_all" if weak else "time_to_train",
        "valid": (score.minutes is not None and not got.unofficial_time
                  and (required is None or len(result_files) >= required)),
        "inferred": False,
        "accuracy": qualities[len(qualities) // 2] if qualities else None,
        "accuracy_metric": target.key if target else None,
        "accuracy_target": target.headline[2] if target and target.headline else None,
        "accuracy_pass": (all(f.reached_target for f in got.facts if f.counted) if target and score.runs_counted else None),
        "has_power": score.energy is not None, "energy_joules": score.energy,
        "runs_total": len(got.facts), "runs_counted": score.runs_counted, "scaling_factor": scaling,
        "samples_per_query": None, "location": bd.location,
        "url": f"https://github.com/mlcommons/{REPO[family]}_{round_name}/tree/{ref}/{bd.location}",
        **(system_fields(desc) if desc else {}),
    }
    record["total_accelerators"] = total_accelerators(record.get("number_of_nodes"), record.get("accelerators_per_node"))
    if weak:
        record["query_count"] = float(score.runs_counted)  # number of models trained
        record["samples_per_query"] = float(score.instance_scale) if score.instance_scale else None
    record["tags"] = _tags(record)
    for run in got.runs:
        run["uid"] = record["uid"]
    return record, got.runs, problems


def _run_energy(root: str, bd: BenchmarkDir, result_name: str, time_ms: float, problems: list[Problem]) -> float | None:
    stem = result_name.rsplit(".", 1)[0]
    rel_dir = f"{bd.location}/power/{stem}"
    try:
        names = sorted(os.listdir(os.path.join(root, *rel_dir.split("/"))))
    except OSError:
        problems.append(Problem(f"{rel_dir}/node_0.txt", "missing: power logs for this run"))
        return None
    nodes = [n for n in names if n.startswith("node_") and n.endswith(".txt")]
    if not nodes:
        problems.append(Problem(f"{rel_dir}/node_0.txt", "missing: no node power log"))
        return None
    total = 0.0
    for n in names:
        rel = f"{rel_dir}/{n}"
        if not n.endswith(".txt") or not n.startswith(("node_", "sw_")):
            continue
        try:
            log = parse_log(_read(root, rel), rel)
        except OSError as exc:
            problems.append(Problem(rel, f"cannot read: {exc.strerror or exc}"))
            return None
        problems.extend(p for p in log.problems if "no MLPerf log lines" not in p.message)
        if n.startswith("node_"):
            energy, probs = node_energy(log, time_ms, rel)
            problems.extend(probs)
            if energy is None:
                return None
            total += energy
        else:
            total += switch_energy(log, time_ms)
    return total


def _tags(r: dict[str, Any]) -> list[str]:
    tags = [f"mlperf-{r['family']}", r["round"]]
    if r.get("division"):
        tags.append(r["division"])
        if r.get("has_power"):
            tags += [f"{r['division']}-power", "power"]
    for t in (r.get("task"), r.get("benchmark"), r.get("scenario"), r["submitter"].lower()):
        if t and t not in tags:
            tags.append(t)
    if r.get("valid"):
        tags.append("valid")
    return tags


def _work(args: tuple[str, str, str, BenchmarkDir, str]) -> tuple[list[dict], list[dict], list[Problem], list[Problem], dict, int]:
    root, family, round_name, bd, ref = args
    problems: list[Problem] = []
    system_problems: list[Problem] = []  # reported once per system, not per benchmark
    desc: dict[str, Any] = {}
    if bd.system_json:
        try:
            parsed = parse_system_json(_read(root, bd.system_json), bd.system_json)
            desc = parsed.values
            system_problems.extend(parsed.problems)
        except OSError as exc:
            system_problems.append(Problem(bd.system_json, f"cannot read: {exc.strerror}"))
    else:
        if bd.location.startswith("v0.5.0/"):
            where = bd.location.rsplit("/", 1)[0] + "/entry.json"
        else:
            where = f"{bd.submitter}/systems/{bd.system}.json"
        system_problems.append(Problem(where, "missing: no system description"))
    try:
        record, runs, probs = build_benchmark(root, family, round_name, bd, desc, ref)
    except Exception as exc:  # a parser bug must not lose the round: report it
        record, runs, probs = None, [], [Problem(bd.location, f"internal error while parsing: {type(exc).__name__}: {exc}")]
    problems.extend(probs)
    if record is not None:
        record["warning_count"] = len(probs)  # the warnings of this benchmark folder's files
    description = {"division": (record or {}).get("division"), "submitter": bd.submitter, "system": bd.system,
                   "system_name": (record or {}).get("system_name"),
                   "description": json.dumps(desc, sort_keys=True, default=str) if desc else None}
    return ([record] if record else []), runs, problems, system_problems, description, len(runs)


def parse_round(root: str, family: str, round_name: str, workers: int | None = None,
                progress: Callable[[int, int], None] | None = None, only: set[Unit] | None = None,
                ref: str = "main") -> Iterator[Batch]:
    """Parse every benchmark folder of a round (or those of `only` these systems), one
    folder per task on every core, yielding each as it is done."""
    tasks = [(root, family, round_name, bd, ref) for bd in list_benchmarks(root, family)
             if selects(only, None, bd.submitter, bd.system)]
    seen_systems: set[tuple[str, str]] = set()
    outputs = parallel_map(_work, tasks, workers, chunksize=2)
    for done, (records, runs, problems, system_problems, description, files) in enumerate(outputs, 1):
        key = (description["submitter"], description["system"])
        first = key not in seen_systems
        seen_systems.add(key)
        yield Batch(records, runs, problems + (system_problems if first else []),
                    [description] if first else [], files)
        if progress:
            progress(done, len(tasks))
