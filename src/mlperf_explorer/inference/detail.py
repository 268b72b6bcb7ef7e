"""Read `mlperf_log_detail.txt`, loadgen's full-precision JSON log (`:::MLLOG {...}` lines).

A detail log can be hundreds of kilobytes (the QSL sample set and loadgen's own file hashes),
and a round holds thousands, so only the keys a result needs are decoded: every line's key is
read by slicing, and the JSON of the wanted lines alone is parsed.
"""

from __future__ import annotations

import json
from typing import Any

from ..records import Parsed, Problem

_PREFIX = b':::MLLOG {"key": "'

# Keys whose lines are big and never needed.
_SKIP = {
    b"loaded_qsl_set",
    b"loadgen_file_sha1",
    b"loadgen_git_log_message",
    b"loadgen_git_status_message",
    b"generic_message",
    b"warning_generic_message",
}


def parse_detail(data: bytes, path: str = "mlperf_log_detail.txt") -> Parsed:
    """Return every small key of the log (first occurrence wins) plus its errors.

    Errors are the lines loadgen flagged `"is_error": true`; the checker fails a result
    that has any. A line that is not valid JSON becomes a problem, not an exception: a
    truncated log still gives the keys before the cut.
    """
    out: dict[str, Any] = {}
    errors: list[str] = []
    warnings = 0
    problems: list[Problem] = []
    if not data.strip():
        return Parsed({}, [Problem(path, "empty detail log")])
    start = 0
    n = len(data)
    lineno = 0
    plen = len(_PREFIX)
    while start < n:
        end = data.find(b"\n", start)
        if end < 0:
            end = n
        lineno += 1
        line = data[start:end]
        start = end + 1
        # Some logs carry a rank or other prefix before the marker.
        at = line.find(_PREFIX)
        if at < 0:
            continue
        kend = line.find(b'"', at + plen)
        key = line[at + plen:kend]
        if key in _SKIP and b'"is_error": true' not in line:
            continue
        try:
            record = json.loads(line[at + 8:])
        except ValueError:
            problems.append(Problem(path, f"line for key {key.decode('latin-1')!r} is not valid JSON (truncated?)", lineno))
            continue
        if not isinstance(record, dict):
            continue
        meta = record.get("metadata") or {}
        if isinstance(meta, dict):
            if meta.get("is_error"):
                errors.append(str(record.get("value"))[:500])
            elif meta.get("is_warning"):
                warnings += 1
        k = record.get("key")
        if isinstance(k, str) and k not in out:
            out[k] = record.get("value")
    if not out:
        problems.append(Problem(path, "no ':::MLLOG' lines: not a loadgen detail log"))
    out["_errors"] = errors
    out["_warning_count"] = warnings
    return Parsed(out, problems)
