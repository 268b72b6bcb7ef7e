"""Your own runs: a loadgen output folder or training logs, parsed by the same code as the
published results, stored as family `local` (so never counted with official results), then
ranked among the published results of the same benchmark and scenario.

    mlperf-explorer run add out/resnet-offline --model resnet --name lab-a2
    mlperf-explorer run rank lab-a2 --round v4.1
    mlperf-explorer run link lab-a2 UID
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .annotations import Annotation
    from .api import Store

from .inference.importer import build_result
from .inference.layout import ResultFiles
from .inference.rules import SCENARIOS, known_rounds, rules_for
from .inference.summary import parse_summary
from .query.expr import literal as lit
from .records import LOWER_IS_BETTER, Batch, Problem, RunError, make_uid, round_key
from .systems import parse_system_json
from .training.importer import RESULT_FILE, BenchmarkDir, build_benchmark
from .training.mllog import parse_log
from .training.rules import benchmark_name, known_training_rounds

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")


def _find_summary(path: str) -> str | None:
    """The loadgen summary in PATH (itself, or performance/run_1 below it)."""
    if os.path.isfile(path) and os.path.basename(path) == "mlperf_log_summary.txt":
        return path
    for rel in ("mlperf_log_summary.txt", "performance/run_1/mlperf_log_summary.txt", "run_1/mlperf_log_summary.txt"):
        candidate = os.path.join(path, rel)
        if os.path.isfile(candidate):
            return candidate
    return None


def _training_logs(path: str) -> list[str]:
    if os.path.isfile(path):
        return [path]
    if os.path.isdir(path):
        return sorted(os.path.join(path, n) for n in os.listdir(path) if RESULT_FILE.match(n))
    return []


def parse_run(path: str, name: str, model: str | None = None, round_name: str | None = None,
              system_json: str | None = None) -> tuple[dict[str, Any], list[dict], list[Problem]]:
    """(record, runs, problems) of a local run: family `local`, round `local-vX.Y` (the
    rules it was scored with)."""
    if not NAME.match(name):
        raise RunError(f"run name {name!r}: letters, digits, '.', '_' and '-' only")
    path = os.path.abspath(os.path.expanduser(path))
    if not os.path.exists(path):
        raise RunError(f"{path}: no such file or folder")
    desc: dict[str, Any] = {}
    problems: list[Problem] = []
    if system_json:
        try:
            with open(system_json, "rb") as f:
                parsed = parse_system_json(f.read(), system_json)
            desc, problems = parsed.values, list(parsed.problems)
        except OSError as exc:
            raise RunError(f"{system_json}: {exc.strerror}") from None
    summary = _find_summary(path)
    if summary:
        return _inference(summary, name, model, round_name, desc, problems)
    logs = _training_logs(path)
    if logs:
        return _training(path, logs, name, model, round_name, desc, problems)
    raise RunError(f"{path}: neither a loadgen output (mlperf_log_summary.txt) nor training logs (result_*.txt)")


def _inference(summary: str, name: str, model: str | None, round_name: str | None, desc: dict,
               problems: list[Problem]) -> tuple[dict, list[dict], list[Problem]]:
    if not model:
        raise RunError("loadgen logs do not say which benchmark ran: give --model (e.g. resnet, llama2-70b-99)")
    with open(summary, "rb") as f:
        values = parse_summary(f.read(), summary).values
    scenario = SCENARIOS.get(str(values.get("effective_scenario", "")).lower())
    if scenario is None:
        raise RunError(f"{summary}: no Scenario line")
    rnd = round_name or known_rounds()[-1]
    rules = rules_for(rnd)
    folder = os.path.dirname(summary)
    files = {n: os.path.join(folder, n) for n in os.listdir(folder)}
    top = folder
    for _ in range(2):  # accuracy/ next to performance/ in a results layout
        if os.path.isdir(os.path.join(top, "accuracy")):
            break
        top = os.path.dirname(top)
    accuracy = {}
    for where in (os.path.join(top, "accuracy"), folder):
        if os.path.isfile(os.path.join(where, "accuracy.txt")):
            accuracy = {"accuracy.txt": os.path.join(where, "accuracy.txt")}
            break
    rf = ResultFiles("local", "local", name, model, scenario, runs={"run_1": files}, accuracy=accuracy)

    def read(p: str) -> bytes:
        with open(p, "rb") as f:
            return f.read()

    record, runs, probs = build_result(rf, rules, desc, None, read)
    problems += [p for p in probs if not p.path.endswith("accuracy/accuracy.txt")]
    if record is None:
        raise RunError(f"{summary}: no result could be computed ({'; '.join(str(p) for p in probs[:2])})")
    uid = make_uid("local", name)
    record.update(uid=uid, family="local", round=f"local-{rnd}", division="local", submitter="local", system=name,
                  location=summary, url=None, tags=["local", "mlperf-inference", (record.get("mlperf_model") or "").lower(),
                                                     scenario.lower(), name.lower()])
    for run in runs:
        run["uid"] = uid
        run["values"] = json.dumps(run["values"], default=str)
    return record, runs, problems


def _training(path: str, logs: list[str], name: str, model: str | None, round_name: str | None, desc: dict,
              problems: list[Problem]) -> tuple[dict, list[dict], list[Problem]]:
    folder = path if os.path.isdir(path) else os.path.dirname(path)
    bench = model
    if not bench:
        for log in logs:
            with open(log, "rb") as f:
                v = parse_log(f.read(), log).value("submission_benchmark")
            if isinstance(v, str) and v.strip():
                bench = benchmark_name(v.strip())
                break
    if not bench:
        raise RunError("the logs do not name their benchmark (submission_benchmark): give --model")
    rnd = round_name or known_training_rounds()[-1]
    bd = BenchmarkDir("local", name, bench, os.path.basename(folder), None)
    record, runs, probs = build_benchmark(os.path.dirname(folder), "training", rnd, bd, desc)
    problems += probs
    if record is None:
        raise RunError(f"{path}: no score could be computed ({'; '.join(str(p) for p in probs[:2])})")
    uid = make_uid("local", name)
    record.update(uid=uid, family="local", round=f"local-{rnd}", division="local", submitter="local", system=name,
                  location=folder, url=None, tags=["local", "mlperf-training", bench.lower(), name.lower()])
    for run in runs:
        run["uid"] = uid
    return record, runs, problems


def batch(record: dict, runs: list[dict], problems: list[Problem]) -> Batch:
    description = {"division": "local", "submitter": "local", "system": record["system"],
                   "system_name": record.get("system_name"), "description": None}
    return Batch([record], runs, problems, [description], len(runs))


# ---- ranking ----------------------------------------------------------------------------

def rank(store: Store, name: str, round_name: str | None = None, division: str | None = "closed") -> dict[str, Any]:
    """Where a local run stands among the published results of its benchmark and scenario."""
    mine = store.find(where=f"family = 'local' and system = {lit(name)}", columns="*").records()
    if not mine:
        raise RunError(f"no local run named {name!r} (see `mlperf-explorer run list`)")
    me = mine[0]
    family = "training" if me["result_units"] == "min." else "inference"
    key = str(me.get("mlperf_model") or me.get("benchmark") or "")
    where = (f"family = {lit(family)} and coalesce(mlperf_model, benchmark) = {lit(key)} and valid "
             f"and result is not null and result_units = {lit(me['result_units'])}")
    if me.get("scenario") and family == "inference":
        where += f" and scenario = {lit(me['scenario'])}"
    if division:
        where += f" and division = {lit(division)}"
    if not round_name:
        rounds = {r["round"] for r in store.find(where=where, columns="round").records()}
        if not rounds:
            raise RunError(f"no published {key} {me.get('scenario') or ''} results to rank against")
        round_name = max(rounds, key=round_key)
    where += f" and round = {lit(round_name)}"
    published = store.find(where=where, columns="uid,submitter,system,system_name,accelerator_model_name,"
                                                "accelerators_per_node,number_of_nodes,result,result_per_accelerator").records()
    lower = me["result_units"] in LOWER_IS_BETTER

    def better(a: float, b: float) -> bool:
        return a < b if lower else a > b

    ahead = [p for p in published if better(p["result"], me["result"])]
    behind = [p for p in published if not better(p["result"], me["result"]) and p["result"] != me["result"]]
    order = (lambda p: p["result"]) if lower else (lambda p: -p["result"])
    count = lambda r: (r.get("accelerators_per_node") or 0) * (r.get("number_of_nodes") or 1)  # noqa: E731
    peers = [p for p in published if me.get("accelerator_model_name") and p.get("accelerator_model_name") == me["accelerator_model_name"]
             and count(p) == count(me)]
    out = {
        "name": name, "uid": me["uid"], "valid": me.get("valid"), "family": family, "benchmark": key,
        "scenario": me.get("scenario"), "round": round_name,
        "division": division, "result": me["result"], "result_units": me["result_units"],
        "rank": 1 + len(ahead), "of": len(published) + 1,
        "rank_same_accelerator": 1 + sum(1 for p in peers if better(p["result"], me["result"])) if peers else None,
        "of_same_accelerator": len(peers) + 1 if peers else None,
        "above": sorted(ahead, key=order)[-1] if ahead else None,
        "below": sorted(behind, key=order)[0] if behind else None,
        "result_per_accelerator": me.get("result_per_accelerator"),
    }
    return out


def link(store: Store, name: str, uid: str, tolerance: float = 0.05) -> tuple[Annotation, float]:
    """Record a local run as a reproduction attempt of a published result."""
    mine = store.find(where=f"family = 'local' and system = {lit(name)}", columns="result,result_units").records()
    if not mine:
        raise RunError(f"no local run named {name!r}")
    target = store.get(uid)
    if target is None:
        raise RunError(f"no result with uid {uid!r}")
    if target["result"] in (None, 0) or target["result_units"] != mine[0]["result_units"]:
        raise RunError(f"{uid}: not comparable (units {target['result_units']} vs {mine[0]['result_units']})")
    diff = (mine[0]["result"] - target["result"]) / target["result"]
    status = "reproduced" if abs(diff) <= tolerance else "partial"
    note = (f"local run {name}: {mine[0]['result']:.6g} {mine[0]['result_units']} vs published "
            f"{target['result']:.6g} ({diff:+.2%}), linked {_dt.date.today().isoformat()}")
    return store.annotate(uid, report=f"local-run:{name}", note=note, status=status, by="mlperf-explorer run link"), diff
