"""Power from `spl.txt` (the power analyzer's samples) and the run's detail log.

The official value (MLCommons inference submission checker, `get_power_metric`): average the
positive Watts samples whose timestamp lies strictly between the detail log's `power_begin`
and `power_end`; Offline and Server report that average in Watts, SingleStream and
MultiStream report energy per query in millijoules, `avg_watts * duration_s * 1000 /
queries`, where queries is `result_query_count` from v2.0 on and, before, reconstructed from
`result_qps_with_loadgen_overhead * duration` (SingleStream) or
`generated_query_count * generated_samples_per_query` (MultiStream). A MultiStream result
inferred from a SingleStream run multiplies by 8 samples per query.
"""

from __future__ import annotations

import datetime as _dt
from array import array
from dataclasses import dataclass

from ..records import Problem

_EPOCH_ORD = _dt.date(1970, 1, 1).toordinal()
_date_cache: dict[bytes, int] = {}


def timestamp_seconds(text: bytes | str) -> float | None:
    """'MM-DD-YYYY HH:MM:SS.fff' -> seconds since 1970 (no time zone); None if malformed.

    Written out by hand because strptime costs microseconds and a round holds millions
    of samples.
    """
    if isinstance(text, str):
        text = text.encode("ascii", "replace")
    text = text.strip()
    try:
        date, clock = text.split(b" ", 1)
        day = _date_cache.get(date)
        if day is None:
            mm, dd, yyyy = date.split(b"-")
            day = _dt.date(int(yyyy), int(mm), int(dd)).toordinal() - _EPOCH_ORD
            _date_cache[date] = day
        hh, mi, ss = clock.split(b":")
        return day * 86400 + int(hh) * 3600 + int(mi) * 60 + float(ss)
    except (ValueError, OverflowError):
        return None


@dataclass
class Samples:
    """Power samples as two parallel arrays: seconds and Watts."""

    times: array
    watts: array
    problems: list[Problem]


def parse_spl(data: bytes, path: str = "spl.txt") -> Samples:
    times, watts = array("d"), array("d")
    problems: list[Problem] = []
    bad = 0
    first_bad = None
    for lineno, line in enumerate(data.split(b"\n"), 1):
        if not line.startswith(b"Time"):
            continue
        parts = line.split(b",", 4)
        if len(parts) < 4:
            bad += 1
            first_bad = first_bad or lineno
            continue
        t = timestamp_seconds(parts[1])
        try:
            w = float(parts[3])
        except ValueError:
            t = None
        if t is None:
            bad += 1
            first_bad = first_bad or lineno
            continue
        times.append(t)
        watts.append(w)
    if bad:
        problems.append(Problem(path, f"{bad} malformed sample line(s) skipped", first_bad))
    if not times:
        problems.append(Problem(path, "no power samples"))
    return Samples(times, watts, problems)


def average_watts(samples: Samples, begin: float, end: float) -> tuple[float | None, int]:
    """Mean of the positive samples strictly inside (begin, end), and how many there were."""
    total = 0.0
    count = 0
    for t, w in zip(samples.times, samples.watts):
        if begin < t < end and w > 0:
            total += w
            count += 1
    return (total / count if count else None), count


def power_metric(
    scenario: str,
    log_scenario: str,
    avg_watts: float,
    duration_s: float,
    detail: dict,
    round_has_query_count: bool,
    legacy_multistream: bool,
) -> tuple[float | None, str]:
    """The official power value and its unit for a scenario (see the module docstring)."""
    if scenario in ("Offline", "Server", "Interactive"):
        return avg_watts, "Watts"
    if round_has_query_count:
        queries = detail.get("result_query_count")
    elif scenario == "MultiStream":
        gq, gs = detail.get("generated_query_count"), detail.get("generated_samples_per_query")
        queries = gq * gs if isinstance(gq, (int, float)) and isinstance(gs, (int, float)) else None
    else:
        qps = detail.get("result_qps_with_loadgen_overhead")
        queries = qps * duration_s if isinstance(qps, (int, float)) else None
    try:
        queries = float(queries)  # some loadgens log the count as a string
    except (TypeError, ValueError):
        return None, "millijoules"
    if not queries > 0:
        return None, "millijoules"
    energy = avg_watts * duration_s * 1000 / queries
    if scenario == "MultiStream" and not legacy_multistream and log_scenario == "SingleStream":
        energy *= 8
    return energy, "millijoules"
