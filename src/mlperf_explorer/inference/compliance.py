"""Compliance (audit) test outcomes from `verify_*.txt` files.

Each test folder (TEST01, TEST04, TEST05, ...; `audit/` in v0.5) holds one or more verify
files that the official compliance scripts end with `TEST PASS` or `TEST FAIL`.
"""

from __future__ import annotations

from ..records import decode_text


def parse_verify(data: bytes) -> bool | None:
    """True for TEST PASS, False for TEST FAIL, None when the file says neither."""
    text = decode_text(data).upper()
    if "TEST FAIL" in text:
        return False
    if "TEST PASS" in text:
        return True
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
