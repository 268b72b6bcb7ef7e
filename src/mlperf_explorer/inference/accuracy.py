"""Read `accuracy.txt` against a round's accuracy targets.

A model's target is a flat list `[metric, threshold, metric, threshold, ...]` (LLMs have
several: ROUGE1, ROUGE2, ROUGEL, tokens per sample); each metric has a regular expression in
the round's pattern table. The reported accuracy is the first metric's value; the result
passes when every metric reaches its threshold and stays under its upper limit, if any.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..records import Problem, decode_checked


@dataclass
class Accuracy:
    value: float | None = None
    metric: str | None = None
    target: float | None = None
    passed: bool | None = None
    values: dict[str, float] = field(default_factory=dict)
    has_hash: bool = False
    problems: list[Problem] = field(default_factory=list)


@lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _lenient(lines: list[str], metric: str, patterns: dict[str, str]) -> tuple[float | None, str | None]:
    """'AUC = 79.9' (spaces), or another known metric, e.g. mAP for an open-division model
    whose folder name the checker maps to a classification model."""
    loose = re.compile(rf"^\s*{re.escape(metric)}\s*[=:]\s*([\d.]+)", re.I)
    for line in lines:
        m = loose.match(line)
        if m:
            try:
                return float(m.group(1)), metric
            except ValueError:
                pass
    for name, pattern in patterns.items():
        for line in lines:
            m = _compile(pattern).match(line)
            if m:
                try:
                    return float(m.group(1)), name
                except ValueError:
                    pass
    return None, None


def target_pairs(flat: list | None) -> list[tuple[str, float]]:
    """`[metric, threshold, metric, threshold, ...]` (targets and upper limits) as pairs."""
    flat = flat or []
    return [(str(flat[i]), float(flat[i + 1])) for i in range(0, len(flat) - 1, 2)]


def parse_accuracy(
    data: bytes,
    target: list | None,
    patterns: dict[str, str],
    upper_limit: list | None = None,
    path: str = "accuracy.txt",
) -> Accuracy:
    """Match each line against each target metric's pattern (anchored at the line start,
    as the checker's `re.match` is); the last match of a metric wins."""
    acc = Accuracy()
    text, bad = decode_checked(data, path)
    if not text.strip():
        acc.problems.append(Problem(path, "empty accuracy.txt"))
        return acc
    acc.has_hash = re.search(r"^hash=\w+\s*$", text, re.M) is not None
    if bad:
        acc.problems.append(bad)
    if not target:
        # Open-division model with no official counterpart: keep the first number-like
        # accuracy we recognise, without a target.
        for name, open_pattern in patterns.items():
            for line in text.splitlines():
                m = _compile(open_pattern).match(line)
                if m:
                    try:
                        acc.value = float(m.group(1))
                    except ValueError:
                        continue
                    acc.metric = name
                    return acc
        return acc
    pairs = target_pairs(target)
    limits = dict(target_pairs(upper_limit))
    lines = text.splitlines()
    for metric, _threshold in pairs:
        pattern = patterns.get(metric)
        if pattern is None:
            acc.problems.append(Problem(path, f"no pattern known for accuracy metric {metric!r}"))
            continue
        rx = _compile(pattern)
        for line in lines:
            m = rx.match(line)
            if m:
                try:
                    acc.values[metric] = float(m.group(1))
                except ValueError:
                    acc.problems.append(Problem(path, f"{metric} value {m.group(1)!r} is not a number"))
    first_metric, first_target = pairs[0]
    acc.metric, acc.target = first_metric, first_target
    acc.value = acc.values.get(first_metric)
    if acc.value is None:
        # Not in the official form: read it leniently so the number is not lost, but the
        # result does not pass (the checker would not have found it either).
        acc.value, found = _lenient(lines, first_metric, patterns)
        acc.passed = False
        if acc.value is None:
            acc.problems.append(Problem(path, f"no {first_metric} value found"))
        else:
            acc.metric = found
            acc.problems.append(Problem(path, f"accuracy not in the official {first_metric} form; read leniently as {found}={acc.value}"))
        return acc
    passed = all(acc.values.get(m) is not None and acc.values[m] >= t for m, t in pairs)
    for metric, limit in limits.items():
        if metric in acc.values and acc.values[metric] > limit:
            passed = False
    acc.passed = passed
    return acc
