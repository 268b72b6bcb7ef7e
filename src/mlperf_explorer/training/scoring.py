"""From a run's log to its time to train, and from runs to the official score.

The scoring rules are those of mlperf_logging's result summarizer (see rules.py): a run
counts when it started, stopped with status success and, where the round gives a quality
target, reached it; the others are "dropped" and count as the slowest runs in the olympic
mean. We differ on purpose where the summarizer is wrong: v0.6 logs are in seconds and we
read them so (the summarizer divides them by 1000 too many), and `scaling.json` is read,
never rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..records import Problem, as_float
from .mllog import RunLog
from .rules import Target


@dataclass
class RunFacts:
    name: str
    time_ms: float | None = None
    status: str | None = None
    counted: bool = False
    reason: str | None = None
    quality: float | None = None  # the first eval value at or past the target, else the last
    reached_target: bool | None = None
    epoch_num: float | None = None
    samples_count: float | None = None
    global_batch_size: float | None = None
    throughput: float | None = None
    energy_joules: float | None = None
    submission: dict[str, Any] = field(default_factory=dict)
    instance_scale: int | None = None
    start_ms: float | None = None
    stop_ms: float | None = None

    @property
    def minutes(self) -> float | None:
        return None if self.time_ms is None else self.time_ms / 60000.0




def _headline_value(value: Any, target: Target | None) -> float | None:
    if isinstance(value, dict):
        field = target.headline[0] if target else None
        return as_float(value.get(field)) if field else None
    return as_float(value)


def _init_minutes(log: RunLog) -> float | None:
    """Minutes from the earliest init_start to the first init_stop after one, or None."""
    if log.init_start_ms is None or log.init_stop_ms is None:
        return None
    return (log.init_stop_ms - log.init_start_ms) / 60_000.0


def run_facts(log: RunLog, name: str, target: Target | None, path: str,
              init_limit_ms: float | None = None) -> tuple[RunFacts, list[Problem]]:
    """A run's time to train and whether it counts. `init_limit_ms` is the round's limit on
    initialization; a run over it does not count (the summarizer drops a run whose log fails
    the compliance checker, and this is the check that fails on published logs)."""
    facts = RunFacts(name)
    problems: list[Problem] = []
    start = stop = None
    # As the summarizer pairs them: the run_start last seen before the first run_stop.
    for e in log.events:
        if e.key == "run_start":
            start = e
        elif e.key == "run_stop" and start is not None:
            stop = e
            break
    for key in ("submission_benchmark", "submission_org", "submission_division", "submission_status", "submission_platform"):
        v = log.value(key)
        if v is not None:
            facts.submission[key[len("submission_"):]] = v
    facts.global_batch_size = as_float(log.value("global_batch_size"))
    nodes, accel = as_float(log.value("number_of_nodes")), as_float(log.value("accelerators_per_node"))
    if nodes is not None and accel is not None:
        facts.instance_scale = int(nodes) * max(int(accel), 1)
    logged = [v.get("throughput") for v in log.tracked_stats if isinstance(v, dict)]
    stats = [s for s in (as_float(x) for x in logged) if s is not None]
    if stats:
        facts.throughput = sum(stats) / len(stats)
    if start is None:
        facts.reason = "no run_start"
        problems.append(Problem(path, "no run_start: the run does not count"))
        return facts, problems
    if stop is None:
        facts.reason = "no run_stop (truncated or crashed run)"
        problems.append(Problem(path, "no run_stop: the run does not count"))
        return facts, problems
    facts.start_ms, facts.stop_ms = start.time_ms, stop.time_ms
    facts.time_ms = stop.time_ms - start.time_ms
    facts.status = str(stop.metadata.get("status", "")) or None
    if target is not None:
        evals = [e for e in log.events if e.key == target.key]
        hit = next((e for e in evals if target.met_by(e.value)), None)
        chosen = hit or (evals[-1] if evals else None)
        facts.reached_target = hit is not None
    else:
        evals = [e for e in log.events if e.key in ("eval_accuracy", "eval_error")]
        chosen = evals[-1] if evals else None
    if chosen is not None:
        facts.quality = _headline_value(chosen.value, target)
        facts.epoch_num = as_float(chosen.metadata.get("epoch_num"))
        facts.samples_count = as_float(chosen.metadata.get("samples_count"))
    if facts.samples_count is None:
        facts.samples_count = as_float(stop.metadata.get("samples_count"))
    init_minutes = _init_minutes(log) if init_limit_ms is not None else None
    if log.unparsed_lines:
        # The summarizer reads a log only if every MLLOG line parses (result_summarizer.py,
        # _read_result_file: "Parse error"); otherwise the run is dropped.
        facts.reason = f"{log.unparsed_lines} log line(s) that do not parse"
    elif init_minutes is not None and init_limit_ms is not None and init_minutes * 60_000.0 >= init_limit_ms:
        facts.reason = f"initialization took {init_minutes:.1f} min, over the round's {init_limit_ms / 60_000:.0f}-minute limit"
        problems.append(Problem(path, f"{facts.reason}: the run does not count (the official compliance checker fails it)"))
    elif facts.time_ms < 0:
        facts.reason = "run_stop before run_start"
        problems.append(Problem(path, "run_stop before run_start"))
    elif facts.reached_target is False:
        facts.reason = "quality target not reached"
    elif target is None and facts.status != "success":
        # No quality check in the round's rules (v0.5, v0.6, HPC v0.7): the run's own
        # verdict decides, as the v0.6 checker's run_stop rule does.
        facts.reason = f"run_stop status {facts.status!r}"
    else:
        facts.counted = True
    return facts, problems


@dataclass
class Score:
    minutes: float | None
    runs_counted: int
    dropped: int
    reason: str | None
    energy_joules: float | None = None


def olympic_score(runs: list[RunFacts], max_dropped: int, scaling: float = 1.0) -> Score:
    """The summarizer's olympic mean: sort the counted runs, drop `max_dropped` fastest and,
    of the slowest, as many as were not already dropped for not converging."""
    counted = [r for r in runs if r.counted]
    dropped = len(runs) - len(counted)
    if dropped > max_dropped:
        return Score(None, len(counted), dropped, f"too many non-converged runs ({dropped} > {max_dropped})")
    order = sorted(range(len(counted)), key=lambda i: counted[i].time_ms or 0.0)  # counted runs have a time
    keep = order[max_dropped:len(counted) - (max_dropped - dropped)]
    if not keep:
        return Score(None, len(counted), dropped, "not enough runs for an olympic mean")
    minutes = sum(counted[i].minutes or 0.0 for i in keep) / len(keep) * scaling
    energies = [e for e in (counted[i].energy_joules for i in keep) if e is not None]
    energy = sum(energies) / len(energies) * scaling if energies and len(energies) == len(keep) else None
    return Score(minutes, len(keep), dropped, None, energy)
