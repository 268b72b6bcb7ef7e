"""Turn an MLPerf Tiny results tree into result records.

    DIVISION/SUBMITTER/results/SYSTEM/BENCHMARK/{performance,accuracy,energy}/results.txt
    DIVISION/SUBMITTER/results/FRAMEWORK/BOARD/BENCHMARK/...      (v1.0, some submitters)
    DIVISION/SUBMITTER/results/BOARD/BENCHMARK/VARIANT/...        (open division variants)
    DIVISION/SUBMITTER/systems/*.json                             (names vary by submitter)

A result is a folder holding `performance/`, `accuracy/` or `energy/`; the folder names
above it are the system, the first that names a Tiny benchmark (ad, ic, kws, vww, sww) is
the benchmark. Values as the Tiny submission checker reads them (rules.py). Every file is
read through the safe reader; nothing here knows about the database.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from typing import Any

from ..records import Batch, Problem, make_uid
from ..safe_files import TreeReader, subfolders
from ..systems import as_text, parse_system_json
from ..units import Unit, selects
from ..workers import parallel_map
from .layout import RUN_KINDS, TinyResult, list_units, walk_unit
from .results import RunText, parse_results_json, parse_results_txt
from .rules import Benchmark, benchmark

FAMILY = "tiny"
PUBLIC_REPO = "https://github.com/mlcommons/tiny_results_{round}/tree/{ref}/{location}"


def split(parts: tuple[str, ...]) -> tuple[str, str, Benchmark | None]:
    """(system, model, benchmark): the system is the folders before the first that names a
    benchmark, the model that folder and any below it."""
    for i in range(1, len(parts)):
        b = benchmark(parts[i])
        if b is not None:
            return "/".join(parts[:i]), "/".join(parts[i:]), b
    return "/".join(parts[:-1]) or parts[0], parts[-1], None


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def find_system_json(names: list[str], system: str) -> str | None:
    """The system description of a system path among a submitter's systems/ entries, whose
    names vary: `BOARD.json`, `BOARD` (a folder), `system_description_BOARD_FRAMEWORK.json`,
    `Board_System_Description.json`. Exact name first, then the entry naming every folder
    of the path, then the one naming the board, then the most words of the board's name."""
    parts = [p for p in system.split("/") if p]
    stems = {n: (n[:-5] if n.lower().endswith(".json") else n) for n in names}
    for want in (parts[-1], "_".join(parts)):
        exact = [n for n, stem in stems.items() if stem.lower() == want.lower()]
        if exact:
            return exact[0]
    normed = {n: _norm(stem) for n, stem in stems.items()}
    for needed in ([_norm(p) for p in parts], [_norm(parts[-1])]):
        found = [n for n, stem in normed.items() if all(x and x in stem for x in needed)]
        if found:
            return min(found, key=len)
    words = {w for w in re.split(r"[^a-z0-9]+", parts[-1].lower()) if len(w) >= 3}
    scored = [(len(words & set(re.split(r"[^a-z0-9]+", stem.lower()))), n) for n, stem in stems.items()]
    best = max(scored, default=(0, None))
    return best[1] if best[0] >= 1 else None


def _field(desc: dict[str, Any], *names: str) -> str | None:
    """A description field by any of its spellings (keys carry stray spaces: 'Operating System ')."""
    wanted = {n.lower() for n in names}
    for key, value in desc.items():
        if str(key).strip().lower() in wanted:
            text = as_text(value)
            if text:
                return text
    return None


def _run(read: Callable[[str], bytes], folder: str, kind: str, problems: list[Problem]) -> tuple[RunText | None, str]:
    """Parse one run folder: results.txt, else results.json (performance only)."""
    for name in ("results.txt", "results.json"):
        rel = f"{folder}/{name}"
        try:
            data = read(rel)
        except FileNotFoundError:
            continue
        except OSError as exc:
            problems.append(Problem(rel, f"cannot read: {exc.strerror or exc}"))
            return None, rel
        run = parse_results_txt(data, rel, kind) if name == "results.txt" else parse_results_json(data, rel)
        problems.extend(run.problems)
        return run, rel
    problems.append(Problem(f"{folder}/results.txt", "missing"))
    return None, f"{folder}/results.txt"


def build_result(tr: TinyResult, round_name: str, desc: dict[str, Any], read: Callable[[str], bytes],
                 run_folders: dict[str, str], ref: str = "main") -> tuple[dict | None, list[dict], list[Problem]]:
    """One Tiny result folder: (record or None, runs, problems). Tiny's system description
    is its own document (Board Name, Processor(s) Name, ...), so it maps its own fields."""
    problems: list[Problem] = []
    loc = tr.location
    system, model, bench = split(tr.parts)
    runs: dict[str, RunText | None] = {}
    paths: dict[str, str] = {}
    for kind, folder in run_folders.items():
        runs[kind], paths[kind] = _run(read, f"{loc}/{folder}", kind, problems)
    perf = runs.get("performance")
    if "performance" not in run_folders:
        problems.append(Problem(f"{loc}/performance/results.txt", "missing: no performance run"))
    result = None
    metric_line = None
    if perf is not None:
        result = perf.median if perf.median is not None else perf.estimated
        metric_line = "median throughput" if perf.median is not None else "estimated throughput"
    metric, accuracy, target, passed = _accuracy(runs.get("accuracy"), bench, paths, loc,
                                                 "accuracy" in run_folders, problems)
    energy_run = runs.get("energy")
    energy = energy_run.median if energy_run is not None else None
    if result is not None and not result > 0:
        problems.append(Problem(paths.get("performance", loc), f"absurd throughput {result}"))
        result = None
    if energy is not None and not energy > 0:
        problems.append(Problem(paths.get("energy", loc), f"absurd energy {energy}"))
        energy = None
    if result is None and accuracy is None and energy is None:
        return None, [], problems
    division = tr.division.lower()
    availability = (_field(desc, "Status") or "").lower() or None
    notes = "; ".join(n for n in (_field(desc, "Hardware Notes"), _field(desc, "Software Notes")) if n) or None
    mlperf_model = bench.name if bench else model
    record: dict[str, Any] = {
        "uid": make_uid(FAMILY, round_name, tr.division, tr.submitter, system, model),
        "family": FAMILY,
        "round": round_name,
        "division": division,
        "submitter": tr.submitter,
        "system": system,
        "system_name": _field(desc, "Board Name", "system_name") or system,
        "system_type": "tiny",
        "availability": availability,
        "model": model,
        "mlperf_model": mlperf_model,
        "benchmark": mlperf_model,
        "task": bench.task if bench else None,
        "scenario": None,
        "result": result,
        "result_units": "inf./sec.",
        "official_units": "inf./sec.",
        "result_metric": metric_line,
        # The checker's verdict: a throughput, and (closed division) the accuracy target met.
        "valid": result is not None and (division != "closed" or passed is not False),
        "inferred": False,
        "accuracy": accuracy,
        "accuracy_metric": metric,
        "accuracy_target": target,
        "accuracy_pass": passed,
        "has_power": energy is not None,
        "power_result": energy,
        "power_units": "uJ/inf." if energy is not None else None,
        "energy_uj_per_inference": energy,
        "inferences_per_joule": 1e6 / energy if energy else None,
        "accelerator_model_name": _field(desc, "Accelerator", "Accelerator(s) Name"),
        "host_processor_model_name": _field(desc, "Processor(s) Name", "Processor Name"),
        "framework": _field(desc, "Inference Framework", "Software Libraries"),
        "operating_system": _field(desc, "Operating System"),
        "notes": notes,
        "number_of_nodes": 1,
        "accelerators_per_node": None,
        "total_accelerators": None,
        "runs_total": sum(1 for r in runs.values() if r is not None),
        "location": loc,
        "url": PUBLIC_REPO.format(round=round_name, ref=ref, location=loc),
        "harness": "eembc-runner",
    }
    record["tags"] = tags_for(record)
    return record, _run_rows(runs, loc, accuracy), problems


def _accuracy(acc_run: RunText | None, bench: Any, paths: dict[str, str], loc: str, has_folder: bool,
              problems: list[Problem]) -> tuple[str | None, float | None, float | None, bool | None]:
    """(metric, accuracy, target, passed) from the accuracy run, against the benchmark's target."""
    accuracy = target = None
    passed = None
    metric = bench.metric if bench else None
    if acc_run is not None:
        if metric:
            accuracy = acc_run.accuracy.get(metric)
            if accuracy is None:
                problems.append(Problem(paths["accuracy"], f"no {metric} value"))
            elif metric in acc_run.lenient:
                problems.append(Problem(paths["accuracy"], f"{metric} not in the official form; read leniently"))
        elif acc_run.accuracy:  # a benchmark without a target (or an open model): keep what it says
            metric, accuracy = next(iter(acc_run.accuracy.items()))
    elif not has_folder and (bench is None or bench.metric is not None):
        problems.append(Problem(f"{loc}/accuracy/results.txt", "missing"))
    if bench is not None and bench.target is not None and accuracy is not None:
        target = float(bench.target)
        passed = accuracy >= target
    return metric, accuracy, target, passed


def _run_rows(runs: dict[str, RunText | None], loc: str, accuracy: float | None) -> list[dict]:
    """A runs row per run folder read (performance, accuracy, energy)."""
    rows = []
    for kind, run in runs.items():
        if run is None:
            continue
        values: dict[str, Any] = {"median": run.median, "windows": run.windows[:64], **run.accuracy, **run.extra}
        if run.estimated is not None:
            values["estimated_throughput"] = run.estimated
        value = run.median if kind != "accuracy" else accuracy
        rows.append({"location": loc, "run": kind, "valid": value is not None, "log_scenario": None,
                     "result": value, "has_detail": bool(run.windows), "values": values})
    return rows


def tags_for(r: dict[str, Any]) -> list[str]:
    tags = ["mlperf-tiny", r["round"], r["division"]]
    if r.get("has_power"):
        tags += [f"{r['division']}-power", "power", "energy"]
    for value in (r.get("task"), r.get("mlperf_model"), r.get("model"), (r.get("submitter") or "").lower()):
        if value:
            tags.append(str(value).lower())
    if r.get("valid"):
        tags.append("valid")
    return list(dict.fromkeys(tags))


def _work(args: tuple[str, str, str, tuple[str, str, str]]) -> tuple[list[dict], list[dict], list[Problem], list[dict], int]:
    root, round_name, ref, (div, sub, first) = args
    reader = TreeReader(root)
    problems: list[Problem] = []
    records: list[dict] = []
    runs: list[dict] = []
    systems: dict[str, dict] = {}
    files = 0
    sys_dir = os.path.join(root, div, sub, "systems")
    try:
        sys_names = sorted(n for n in os.listdir(sys_dir) if not n.startswith(".")) if not os.path.islink(sys_dir) else []
    except OSError:
        sys_names = []
    for tr in walk_unit(root, div, sub, first):
        system, _, _ = split(tr.parts)
        if system not in systems:
            name = find_system_json(sys_names, system)
            desc: dict[str, Any] = {}
            if name is None:
                problems.append(Problem(f"{div}/{sub}/systems/{system.split('/')[-1]}.json", "no system description found"))
            else:
                rel = f"{div}/{sub}/systems/{name}"
                if os.path.isdir(os.path.join(root, rel)) and not os.path.islink(os.path.join(root, rel)):
                    # some submitters keep a folder per board: systems/BOARD/*.json
                    inner = sorted(n for n in os.listdir(os.path.join(root, rel)) if n.lower().endswith(".json"))
                    rel = f"{rel}/{inner[0]}" if inner else rel
                try:
                    parsed = parse_system_json(reader.read(rel), rel)
                    desc = parsed.values
                    problems.extend(parsed.problems)
                except OSError as exc:
                    problems.append(Problem(rel, f"cannot read: {exc.strerror or exc}"))
            systems[system] = desc
        path = os.path.join(root, tr.location)
        kinds = {d.lower(): d for d in subfolders(path) if d.lower() in RUN_KINDS}
        files += len(kinds)
        try:
            record, rruns, probs = build_result(tr, round_name, systems[system], reader.read, kinds, ref)
        except Exception as exc:  # a parser bug must not lose the round: report it
            record, rruns, probs = None, [], [Problem(tr.location, f"internal error: {type(exc).__name__}: {exc}")]
        problems.extend(probs)
        if record is None:
            continue
        record["warning_count"] = len(probs)
        records.append(record)
        for run in rruns:
            run["uid"] = record["uid"]
            run["values"] = json.dumps(run["values"], default=str)
            runs.append(run)
    descriptions = [{"division": div, "submitter": sub, "system": s, "system_name": _field(d, "Board Name"),
                     "description": json.dumps(d, sort_keys=True, default=str) if d else None}
                    for s, d in systems.items()]
    return records, runs, problems, descriptions, files


def parse_round(root: str, round_name: str, ref: str = "main", workers: int | None = None,
                progress: Callable[[int, int], None] | None = None, only: set[Unit] | None = None) -> Iterator[Batch]:
    """Every result of an unpacked Tiny round, one batch per results/ folder."""
    tasks = [(root, round_name, ref, unit) for unit in list_units(root) if selects(only, unit[0], unit[1], unit[2])]
    for done, (records, runs, problems, systems, files) in enumerate(parallel_map(_work, tasks, workers), 1):
        yield Batch(records, runs, problems, systems, files)
        if progress:
            progress(done, len(tasks))
