"""Read `mlperf_log_detail.txt`, loadgen's full-precision JSON log (`:::MLLOG {...}` lines).

A detail log can be megabytes (the QSL sample set, thousands of warnings) and a round holds
thousands of them, so only the lines whose keys a result needs are visited (found by
searching for their key prefixes), and of those only the `value` is decoded. Errors are found
by their `"is_error": true` metadata anywhere in the file: the checker fails a result that
has any.
"""

from __future__ import annotations

import json
from typing import Any

from ..records import Parsed, Problem, fits_float, garbled

_PREFIX = b':::MLLOG {"key": "'
_VALUE = b'"value": '
_TIME = b', "time_ms": '
_ERROR = b'"is_error": true'

# Keys a result or its runs use; everything else (loaded_qsl_set, file hashes, the git
# log, logger counters, warnings) is skipped without decoding.
_KEEP_PREFIXES = (b"result_", b"effective_", b"early_stopping_", b"power_", b"generated_", b"requested_scenario",
                  b"sut_name", b"test_datetime", b"loadgen_version", b"qsl_reported")


def _value(raw: bytes) -> Any:
    """Decode a JSON value, taking the cheap paths for numbers and plain strings."""
    first = raw[:1]
    if first == b'"' and b"\\" not in raw:
        if raw.endswith(b'"'):
            return raw[1:-1].decode("utf-8", "replace")
    elif first.isdigit() or first == b"-":
        try:
            return int(raw)
        except ValueError:
            try:
                return float(raw)
            except ValueError:
                pass
    elif raw == b"true":
        return True
    elif raw == b"false":
        return False
    return json.loads(raw)


def parse_detail(data: bytes, path: str = "mlperf_log_detail.txt") -> Parsed:
    """Return the kept keys of the log (first occurrence wins) plus its errors.

    A line that cannot be decoded becomes a problem, not an exception: a truncated log
    still gives the keys before the cut.
    """
    out: dict[str, Any] = {}
    problems: list[Problem] = []
    if not data.strip():
        return Parsed({}, [Problem(path, "empty detail log")])
    bad = garbled(data, path)
    if bad:
        problems.append(bad)
    errors: list[str] = []
    if _ERROR in data:
        for line in data.split(b"\n"):
            if _ERROR in line:
                try:
                    errors.append(str(json.loads(line[line.find(b"{"):]).get("value"))[:500])
                except (ValueError, AttributeError, RecursionError):
                    errors.append(line[:200].decode("utf-8", "replace"))
    # Visit only the lines whose key we keep: hop from marker to marker (each hop is a
    # C-speed search, however long the lines between) and test the key's prefix in place.
    plen = len(_PREFIX)
    found = False
    hits: list[tuple[int, int]] = []  # (position of the marker, end of its line)
    pos = data.find(_PREFIX)
    while pos >= 0:
        found = True
        if data.startswith(_KEEP_PREFIXES, pos + plen):
            end = data.find(b"\n", pos)
            if end < 0:
                end = len(data)
            hits.append((pos, end))
            pos = data.find(_PREFIX, end)
        else:
            pos = data.find(_PREFIX, pos + plen)
    for at, end in hits:
        kstart = at + plen
        kend = data.find(b'"', kstart, end)
        if kend < 0:
            problems.append(Problem(path, "truncated line", data.count(b"\n", 0, at) + 1))
            continue
        key = data[kstart:kend]
        vstart = data.find(_VALUE, kend, end)
        vend = data.rfind(_TIME, kend, end)
        try:
            if vstart >= 0 and vend > vstart:
                value = _value(data[vstart + len(_VALUE):vend])
            else:  # not loadgen's usual field order: decode the whole record
                record = json.loads(data[at + 8:end])
                if not isinstance(record, dict) or "value" not in record:
                    raise ValueError("no value")
                value = record["value"]
        except (ValueError, RecursionError):
            problems.append(Problem(path, f"line for key {key.decode('latin-1')!r} is not valid JSON (truncated?)",
                                    data.count(b"\n", 0, at) + 1))
            continue
        k = key.decode("ascii", "replace")
        if type(value) is int and not fits_float(value):
            problems.append(Problem(path, f"the value of {k!r} is too large for a number; ignored", data.count(b"\n", 0, at) + 1))
            continue
        if k not in out:
            out[k] = value
    tail = data.rstrip()
    last = tail[tail.rfind(b"\n") + 1:]
    if _PREFIX in last and not last.endswith(b"}"):
        problems.append(Problem(path, "the log ends in the middle of a line (truncated)", tail.count(b"\n") + 1))
    if not found:
        problems.append(Problem(path, "no ':::MLLOG' lines: not a loadgen detail log"))
    out["_errors"] = errors
    return Parsed(out, problems)
