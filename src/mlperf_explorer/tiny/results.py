"""Parse the EEMBC runner's output: `results.txt` (text) and `results.json` (a harness' list
of per-file inferences), for the performance, accuracy and energy runs of one benchmark.

Pure parsing: bytes in, values and problems out.
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass, field
from typing import Any

from ..records import Problem, as_float, decode_checked
from .rules import pattern, table


@dataclass
class RunText:
    median: float | None = None  # the run's own median line (throughput or energy)
    estimated: float | None = None  # streaming wakeword: "Estimated throughput"
    windows: list[float] = field(default_factory=list)  # per-window values
    accuracy: dict[str, float] = field(default_factory=dict)  # top-1, auc
    lenient: set[str] = field(default_factory=set)  # metrics read from an unofficial form
    extra: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)




def parse_results_txt(data: bytes, path: str, kind: str) -> RunText:
    """`kind` is performance, accuracy or energy; the last median line wins (the checker's
    loop keeps the last match)."""
    out = RunText()
    text, bad = decode_checked(data, path)
    if bad:
        out.problems.append(bad)
    if not text.strip():
        out.problems.append(Problem(path, "empty results.txt"))
        return out
    rules = table()
    median_rx = pattern(rules["energy_pattern"] if kind == "energy" else rules["throughput_pattern"])
    window_rx = pattern(r".*Energy/Inf\.?\s*:\s*([\d.]+) uJ/inf" if kind == "energy" else r".*Throughput\s*:\s*([\d.]+) inf\./sec")
    estimated_rx = pattern(rules["estimated_throughput_pattern"])
    # The runner's forms of each round (v1.0-v1.2 "Top-1: N%", v1.3 "Top 1% = N") are both
    # official; anything else close enough is read leniently, with a warning.
    official = {m: [pattern(p), pattern(rules["accuracy_patterns_v1_3"][m])] for m, p in rules["accuracy_patterns"].items()}
    lenient = {m: pattern(p) for m, p in rules["accuracy_patterns_lenient"].items()}
    for lineno, line in enumerate(text.splitlines(), 1):
        m = median_rx.match(line)
        if m:
            value = as_float(m.group(1))
            if value is None:
                out.problems.append(Problem(path, f"median {m.group(1)!r} is not a number", lineno))
            out.median = value
            continue
        m = window_rx.match(line)
        if m and (value := as_float(m.group(1))) is not None:
            out.windows.append(value)
            continue
        m = estimated_rx.match(line)
        if m:
            out.estimated = as_float(m.group(1))
            continue
        for metric in official:
            m = official[metric][0].match(line) or official[metric][1].match(line)
            if m and (value := as_float(m.group(1))) is not None:
                out.accuracy[metric] = value
                out.lenient.discard(metric)
                break
            m = lenient[metric].search(line)
            if m and metric not in out.accuracy and (value := as_float(m.group(1))) is not None:
                out.accuracy[metric] = value
                out.lenient.add(metric)
                break
        if line.strip().startswith("Accuracy:") and "True positives" in line:
            for word, key in (("True positives", "true_positives"), ("False negatives", "false_negatives"),
                              ("False positives", "false_positives")):
                m = pattern(rf"(\d+) {word}").search(line)
                if m:
                    out.extra[key] = int(m.group(1))
        elif line.strip().startswith("Average duty cycle:"):
            out.extra["duty_cycle"] = as_float(line.split(":", 1)[1].strip())
    if kind in ("performance", "energy") and out.median is None and out.estimated is None:
        what = "Median energy cost" if kind == "energy" else "Median throughput"
        out.problems.append(Problem(path, f"no '{what} is ...' line (truncated?)"))
    if kind == "accuracy" and not out.accuracy:
        out.problems.append(Problem(path, "no Top-1 or AUC line"))
    return out


def parse_results_json(data: bytes, path: str) -> RunText:
    """A harness' `results.json`: per-file inferences with their throughput; the median over
    the files stands for the runner's median (what its results.txt prints beside it)."""
    out = RunText()
    text, bad = decode_checked(data, path)
    if bad:
        out.problems.append(bad)
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        out.problems.append(Problem(path, f"invalid JSON: {getattr(exc, 'msg', type(exc).__name__)}"))
        return out
    entries = doc if isinstance(doc, list) else []
    for e in entries:
        infer = e.get("infer") if isinstance(e, dict) else None
        value = infer.get("throughput") if isinstance(infer, dict) else None
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            out.windows.append(float(value))
    if out.windows:
        out.median = statistics.median(out.windows)
    else:
        out.problems.append(Problem(path, "no per-file throughput in it"))
    return out
