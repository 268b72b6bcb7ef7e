"""Compliance (audit) test outcomes from `verify_*.txt` files.

Each test folder (TEST01, TEST04, TEST05, ...; `audit/` in v0.5) holds one or more verify
files that the official compliance scripts end with `TEST PASS` or `TEST FAIL`. TEST06 (LLM
output consistency) writes one line per check instead; the 2026 checker
(`checks/compliance_check.py`) passes it when each of its checks says so (below, as data).
From 2026 the test folders sit inside the result folder (`SCENARIO/TEST06/`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..records import decode_text

# Tests whose verify file passes by per-check lines: each tuple is one check, passed when
# any of its lines is in the file (stripped).
LINE_CHECKS: dict[str, list[tuple[str, ...]]] = {
    "TEST06": [
        ("First token check pass: True", "First token check pass: Skipped"),
        ("EOS check pass: True",),
        ("Sample length check pass: True",),
    ],
}


def parse_verify(data: bytes, test: str | None = None) -> bool | None:
    """True for TEST PASS, False for TEST FAIL, None when the file says neither."""
    text = decode_text(data)
    upper = text.upper()
    if "TEST FAIL" in upper:
        return False
    if "TEST PASS" in upper:
        return True
    checks = LINE_CHECKS.get(test or "")
    if checks:
        lines = {line.strip() for line in text.splitlines()}
        if not any(line.startswith(prefix[0].split(":")[0]) for line in lines for prefix in checks):
            return None
        return all(any(option in lines for option in check) for check in checks)
    return None


def compliance_test(folder: str) -> str:
    """'TEST04-A' and 'TEST04-B' are halves of TEST04."""
    return folder.split("-")[0].upper()


def combine(outcomes: dict[str, list[bool | None]]) -> tuple[dict[str, bool | None], bool | None]:
    """Per test: passed only if every verify file passed. Overall: None when no test ran."""
    per_test: dict[str, bool | None] = {}
    for test, values in sorted(outcomes.items()):
        if any(v is False for v in values):
            per_test[test] = False
        elif values and all(v is True for v in values):
            per_test[test] = True
        else:
            per_test[test] = None
    if not per_test:
        return per_test, None
    return per_test, all(v is True for v in per_test.values())


def within_test01_delta(baseline: bytes, compliance: bytes, metrics: list[tuple[str, str]],
                                 delta_perc: Callable[[str], float]) -> bool:
    """TEST01 in non-deterministic mode: when verify_accuracy.txt says TEST FAIL, the checker
    (`checks/compliance_check.py`) compares the accuracy of the baseline run with that of the
    compliance run, metric by metric: |1 - baseline / compliance| x 100 within the model's
    allowed percentage. `metrics` are (name, pattern) of the model's accuracy target."""
    def values(data: bytes) -> dict[str, float]:
        found: dict[str, float] = {}
        for line in decode_text(data).splitlines():
            for name, pattern in metrics:
                m = re.match(pattern, line)
                if m:
                    try:
                        found[name] = float(m.group(1))
                    except ValueError:
                        pass
        return found

    base, comp = values(baseline), values(compliance)
    for name, _ in metrics:
        b, c = base.get(name, 0.0), comp.get(name, 0.0)
        if b == 0 or c == 0:
            return False
        if abs(1 - b / c) * 100 > delta_perc(name):
            return False
    return bool(metrics)
