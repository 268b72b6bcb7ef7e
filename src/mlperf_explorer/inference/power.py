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
import re

from ..records import Problem, garbled

_EPOCH_ORD = _dt.date(1970, 1, 1).toordinal()
_date_cache: dict[bytes, int] = {}


def timestamp_seconds(text: bytes | str) -> float | None:
    """'MM-DD-YYYY HH:MM:SS.fff' -> seconds since 1970 (no time zone); None if malformed.

    Written out by hand because strptime costs microseconds and a round holds millions
    of samples; its ranges are kept (hours below 24, minutes below 60, seconds below 62),
    which also refuses the NaN and infinity that float() reads.
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
        hours, minutes, seconds = int(hh), int(mi), float(ss)
    except (ValueError, OverflowError):
        return None
    if not (0 <= hours < 24 and 0 <= minutes < 60 and 0 <= seconds < 62):
        return None
    return day * 86400 + hours * 3600 + minutes * 60 + seconds


_SAMPLE = re.compile(rb"Time,(\d\d)-(\d\d)-(\d{4}) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\d*,Watts,([^,\r\n]*)")


def window_key(seconds: float) -> bytes:
    """The sortable key of a time given in seconds since 1970 (window edges)."""
    micro = round(seconds * 1_000_000)
    dt = _dt.datetime(1970, 1, 1) + _dt.timedelta(microseconds=micro)
    return dt.strftime("%Y%m%d%H:%M:%S").encode() + b"%06d" % dt.microsecond


def average_watts(data: bytes, begin: float, end: float, path: str = "spl.txt") -> tuple[float | None, int, list[Problem]]:
    """Mean of the positive Watts samples strictly inside (begin, end), their count, and
    the problems met.

    Times are compared as sortable byte keys, never parsed into dates: a round holds
    millions of samples. When the window lies within one day and has millisecond edges (as
    loadgen writes them), a sample line in the analyzer's fixed layout
    `Time,MM-DD-YYYY HH:MM:SS.fff,Watts,` is compared by slicing alone.
    """
    lo, hi = window_key(begin), window_key(end)
    not_text = garbled(data, path)
    same_day = lo[:8] == hi[:8] and lo.endswith(b"000") and hi.endswith(b"000")
    if same_day:
        day = lo[4:6] + b"-" + lo[6:8] + b"-" + lo[:4]  # MM-DD-YYYY
        lo_t, hi_t = lo[8:16] + b"." + lo[16:19], hi[8:16] + b"." + hi[16:19]  # HH:MM:SS.fff
    total = 0.0
    count = samples = bad = 0
    for line in data.split(b"\n"):
        if not line.startswith(b"Time,"):
            continue
        if same_day and line[28:35] == b",Watts,":
            samples += 1
            if line[5:15] != day or not lo_t < line[16:28] < hi_t:
                continue
            comma = line.find(b",", 35)
            watts = line[35:comma] if comma > 0 else line[35:]
        else:
            m = _SAMPLE.match(line)
            if m is None:
                bad += 1
                continue
            samples += 1
            mm, dd, yyyy, hms, frac, watts = m.groups()
            key = yyyy + mm + dd + hms + ((frac or b"") + b"000000")[:6]
            if not lo < key < hi:
                continue
        try:
            w = float(watts)
        except ValueError:
            bad += 1
            continue
        if w > 0:
            total += w
            count += 1
    problems: list[Problem] = []
    if bad:
        problems.append(Problem(path, f"{bad} malformed sample line(s) skipped"))
    if not samples:
        problems.append(Problem(path, "no power samples"))
    if not_text:
        problems.append(not_text)
    return (total / count if count else None), count, problems


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
        queries = float(queries)  # type: ignore[arg-type]  # some loadgens log the count as a string
    except (TypeError, ValueError, OverflowError):
        return None, "millijoules"
    if not queries > 0:
        return None, "millijoules"
    energy = avg_watts * duration_s * 1000 / queries
    if scenario == "MultiStream" and not legacy_multistream and log_scenario == "SingleStream":
        energy *= 8
    return energy, "millijoules"


def per_joule(scenario: str, result: float | None, power: float | None,
              samples_per_query: float | None = None) -> float | None:
    """Inferences per joule from a result and its power result: throughput scenarios divide
    samples (or queries) per second by Watts; latency scenarios report millijoules per
    query, so samples per query x 1000 / millijoules (1 for SingleStream; MultiStream's
    queries hold 8 samples unless the run logged otherwise). `query.derived.perf_per_watt`
    is the same rule over stored columns."""
    if not power or result is None:
        return None
    if scenario in ("Offline", "Server", "Interactive"):
        return result / power
    if scenario == "MultiStream":
        return (samples_per_query or 8) * 1000 / power
    return 1000 / power
