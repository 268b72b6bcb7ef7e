"""Read `accuracy.txt` against a round's accuracy targets.

A model's target is a flat list `[metric, threshold, metric, threshold, ...]` (LLMs have
several: ROUGE1, ROUGE2, ROUGEL, tokens per sample); each metric has a regular expression in
the round's pattern table. The reported accuracy is the first metric's value; the result
passes when every metric reaches its threshold and stays under its upper limit, if any.

The official checker matches every line of the file against each metric's pattern. Some
files list a line per sample before the accuracy line (an open submitter's ImageNet file
has 50,000), so only the lines that hold the literal text every match of a pattern must
contain (`accuracy=`, `'rouge1':`) are matched, found at C speed; the answers are the same.
"""

from __future__ import annotations

import importlib
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


# What `str.splitlines` breaks lines at besides "\n" ("\r\n" ends at its "\r").
_OTHER_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_HASH = re.compile(r"^hash=\w+\s*$", re.M)


@lru_cache(maxsize=256)
def required_text(pattern: str) -> str | None:
    """The longest run of literal characters in the top-level sequence of `pattern`: any
    text a match spans contains it. None when there is none, when the pattern ignores case,
    or when the parser's form is not the one expected (then every line is tried)."""
    try:
        parser = importlib.import_module("re._parser")  # the parser `re` itself compiles with
        literal = importlib.import_module("re._constants").LITERAL
        parsed = parser.parse(pattern)
        if parsed.state.flags & re.IGNORECASE:
            return None
        best = run = ""
        for op, arg in parsed:
            if op is literal:
                run += chr(arg)
            else:
                best, run = max(best, run, key=len), ""
        best = max(best, run, key=len)
    except Exception:  # a private module: any surprise means "try every line"
        return None
    if not best or "\n" in best or any(b in best for b in _OTHER_BREAKS):
        return None
    return best


def lines_containing(text: str, needle: str) -> list[str]:
    """The lines of `text` (as `str.splitlines` cuts them) that contain `needle`, in order;
    `needle` holds no line break. Each occurrence is found with `str.find` and widened to
    its line, so a file of 50,000 lines with one accuracy line costs a few searches."""
    out: list[str] = []
    at = text.find(needle)
    while at >= 0:
        start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        if end < 0:
            end = len(text)
        for brk in _OTHER_BREAKS:
            before = text.rfind(brk, start, at)
            if before >= 0:
                start = before + 1
            after = text.find(brk, at, end)
            if after >= 0:
                end = after
        out.append(text[start:end])
        at = text.find(needle, end)
    return out


def _matching_lines(text: str, pattern: str) -> list[str]:
    """The lines `pattern` could match at their start: those with its required text."""
    needle = required_text(pattern)
    return text.splitlines() if needle is None else lines_containing(text, needle)


def has_hash_line(text: str) -> bool:
    """A `hash=<word>` line (the checker's `^hash=\\w+\\s*$`, line by line), looked for only
    where "hash=" occurs, from the end (where loadgen's accuracy script writes it)."""
    at = text.rfind("hash=")
    while at >= 0:
        if _HASH.match(text, at):  # `^` still needs a line start at `at`
            return True
        at = text.rfind("hash=", 0, at)
    return False


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
    acc.has_hash = has_hash_line(text)
    if bad:
        acc.problems.append(bad)
    if not target:
        # Open-division model with no official counterpart: keep the first number-like
        # accuracy we recognise, without a target.
        for name, open_pattern in patterns.items():
            for line in _matching_lines(text, open_pattern):
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
    for metric, _threshold in pairs:
        pattern = patterns.get(metric)
        if pattern is None:
            acc.problems.append(Problem(path, f"no pattern known for accuracy metric {metric!r}"))
            continue
        rx = _compile(pattern)
        for line in _matching_lines(text, pattern):
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
        acc.value, found = _lenient(text.splitlines(), first_metric, patterns)
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
