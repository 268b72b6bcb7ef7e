"""Read one MLPerf Training (or HPC) result log, of any era, into the facts a score needs.

Three line formats, all read as latin-1 (logs hold submitters' bytes):

    :::MLLOG {"time_ms": 1683425579249, "key": "run_stop", "value": null, "metadata": {"status": "success"}}
    :::MLL 1560402084.655 run_stop: {"value": null, "metadata": {"status": "success"}}      (v0.6, seconds)
    :::MLPv0.5.0 resnet 1541671385.130687952 (in_memory_eval.py:270) run_stop: {"success": "true"}

MLLOG lines may carry a rank prefix (` 0: :::MLLOG ...`). Every MLLOG line is decoded, each
on its own but in one C-level pass per log (a pass with line numbers only finds the bad
lines when that one fails): the official summarizer drops a run whose log has a single
line that does not parse (`mlperf_logging/compliance_checker/mlp_parser`: in each line, as
Python's text mode splits them, so that a carriage return alone ends one, the text after
the last `:::MLLOG `, stripped of trailing whitespace, must be JSON with a numeric
`time_ms`), so the count of such lines decides whether a run counts. A test holds our
reading to that parser's on generated logs.
Times are returned in milliseconds whatever the era.
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import compress, repeat
from typing import Any

from ..records import Problem


def _faster_json() -> Any:
    """orjson where installed (a faster decoder of the same JSON); json alone gives the same answers."""
    try:
        import orjson

        return orjson
    except ImportError:
        return None


_orjson = _faster_json()

# The keys scoring.py, importer.py and power.py read; only these are kept (a log's
# per-iteration block_start, epoch_start and the like are a third of its lines), as events
# but for the three below, which come by the thousand.
KEYS = {
    "init_start", "init_stop", "run_start", "run_stop", "eval_accuracy", "eval_error", "eval_target", "global_batch_size",
    "number_of_nodes", "accelerators_per_node", "tracked_stats", "submission_benchmark", "submission_org",
    "submission_division", "submission_status", "submission_platform", "submission_poc_name",
    # power logs (power/result_N/node_*.txt, sw_*.txt)
    "power_measurement_start", "power_reading", "power_measurement_stop", "conversion_eff",
    "interconnect_power_est",
}
# Logged once per training step (535,670 of v5.1's 588,021 kept records): only the mean of
# their throughput is used, so they are kept as values (RunLog.tracked_stats), not events.
STATS = "tracked_stats"
# Logged once per rank by large jobs (8,192 init_start lines in a v5.0 llama31_405b log):
# only the initialization span is used, so it is kept as two times (RunLog.init_start_ms).
INIT_START, INIT_STOP = "init_start", "init_stop"
_EVENT_KEYS = KEYS - {STATS, INIT_START, INIT_STOP}
_MLL = re.compile(r"^\s*(?:\S+\s+)?:::MLL\s+([0-9.]+)\s+([A-Za-z_0-9]+):\s*(.*)$")
_MLP05 = re.compile(r"^\s*:::MLPv0\.5\.0\s+(\S+)\s+([0-9.]+)\s+\(([^)]*)\)\s+([A-Za-z_0-9]+)(?::\s*(.*))?$")


@dataclass
class Event:
    key: str
    time_ms: float
    value: Any
    metadata: dict


@dataclass
class RunLog:
    era: str | None = None  # "mllog", "mll" (v0.6), "mlp05" (v0.5)
    events: list[Event] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # MLLOG lines timed in seconds ("time_s"), which the official parser rejects
    # (mlperf_logging/compliance_checker/mlp_parser: float(m['time_ms'])); we read them.
    seconds_lines: int = 0
    # MLLOG lines that are not JSON (or have no usable time): the official parser fails the
    # whole log on one, and the summarizer then drops the run.
    unparsed_lines: int = 0
    first_unparsed: int | None = None
    # MLLOG lines timed NaN or infinity: they parse for the official parser (float() takes
    # them), so they do not drop the run; they carry no time to use, so they give no event.
    untimed_lines: int = 0
    # The value of each tracked_stats record, in order (see STATS).
    tracked_stats: list[Any] = field(default_factory=list)
    # Initialization as the compliance checker times it (training_*/common.yaml:
    # first_init_start, checked at init_stop): the earliest init_start before the first
    # init_stop that follows one, and that init_stop.
    init_start_ms: float | None = None
    init_stop_ms: float | None = None

    def add(self, key: str, time_ms: float, value: Any, metadata: dict) -> None:
        """Keep a record of a key we read, in log order: an event, a tracked_stats value or
        a bound of the initialization span."""
        if key == STATS:
            self.tracked_stats.append(value)
        elif key == INIT_START:
            if self.init_stop_ms is None:
                self.init_start_ms = time_ms if self.init_start_ms is None else min(self.init_start_ms, time_ms)
        elif key == INIT_STOP:
            if self.init_start_ms is not None and self.init_stop_ms is None:
                self.init_stop_ms = time_ms
        else:
            self.events.append(Event(key, time_ms, value, metadata))

    def first(self, key: str) -> Event | None:
        return next((e for e in self.events if e.key == key), None)

    def value(self, key: str) -> Any:
        e = self.first(key)
        return None if e is None else e.value


def _seconds(text: str) -> float | None:
    """A timestamp the line regexes let through ('[0-9.]+' also matches '1.2.3')."""
    try:
        return float(text)
    except ValueError:
        return None


def _decode_value(text: str) -> tuple[Any, dict]:
    text = text.strip()
    if not text:
        return None, {}
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return text.strip('"'), {}
    if isinstance(obj, dict) and ("value" in obj or "metadata" in obj):
        meta = obj.get("metadata")
        return obj.get("value"), meta if isinstance(meta, dict) else {}
    return obj, {}


def parse_log(data: bytes, path: str = "result.txt") -> RunLog:
    log = RunLog()
    text = data.decode("latin-1")
    if not text or text.isspace():
        log.problems.append(Problem(path, "empty result log"))
        return log
    # The usual log: one ":::MLLOG " record per marked line and no other marker. When all
    # its records decode as objects timed in time_ms, it is read with no Python code per
    # line. Any other log is read line by line below, which also numbers the lines for the
    # warnings.
    records = _one_record_per_line(text)
    if records is not None and _read_plain_mllog(records, log):
        return log
    bad = 0
    first_bad = None
    # Only lines with a log marker matter; most lines of a training log are the framework's
    # own output, skipped here at C speed before any per-line work.
    marked = [(n, line) for n, line in enumerate(text.split("\n"), 1) if ":::ML" in line]
    if "\r" in text:
        # The official parser reads a log in Python's text mode, where a carriage return ends
        # a line too (progress bars write them): each part is a line of its own, numbered as
        # grep and most editors number the line that holds it.
        marked = [(n, part) for n, line in marked for part in line.split("\r") if ":::ML" in part]
    mllog: list[tuple[int, str]] = []
    for lineno, line in marked:
        # The official parser reads the text after the last ":::MLLOG " of any line that has
        # one (with its space: a line without one is not a log line to it), stripped of
        # trailing whitespace, whatever precedes it.
        token = line.rfind(":::MLLOG ")
        if token >= 0:
            mllog.append((lineno, line[token + 9:].rstrip()))
            continue
        at = line.find(":::ML")
        if line.startswith(":::MLL ", at) or line.startswith(":::MLL\t", at):
            m = _MLL.match(line[at:])
            if not m:
                bad += 1
                first_bad = first_bad or lineno
                continue
            if m.group(2) not in KEYS:
                continue
            t = _seconds(m.group(1))
            if t is None:
                bad += 1
                first_bad = first_bad or lineno
                continue
            value, meta = _decode_value(m.group(3))
            log.era = log.era or "mll"
            log.add(m.group(2), t * 1000.0, value, meta)
        elif line.startswith(":::MLPv0.5.0", at):
            m = _MLP05.match(line[at:])
            if not m:
                bad += 1
                first_bad = first_bad or lineno
                continue
            key = m.group(4)
            if key not in KEYS:
                continue
            value, meta = _decode_value(m.group(5) or "")
            if key in ("eval_accuracy", "eval_error") and isinstance(value, dict):
                meta = {"epoch_num": value.get("epoch")}
                value = value.get("value")
            if key == "run_stop" and isinstance(value, dict):
                meta = {"status": "success" if str(value.get("success")).lower() == "true" else "aborted"}
                value = None
            t = _seconds(m.group(2))
            if t is None:
                bad += 1
                first_bad = first_bad or lineno
                continue
            log.era = log.era or "mlp05"
            log.add(key, t * 1000.0, value, meta)
    if mllog:
        _read_mllog(mllog, log)
        if log.unparsed_lines:
            log.problems.append(Problem(path, f"{log.unparsed_lines} MLLOG line(s) that do not parse; the official "
                                        "summarizer drops such a run", log.first_unparsed))
        if log.untimed_lines:
            log.problems.append(Problem(path, f"{log.untimed_lines} MLLOG line(s) timed NaN or infinity: they parse, "
                                        "as for the official parser, but their events are not used"))
    if bad:
        log.problems.append(Problem(path, f"{bad} garbled log line(s) skipped", first_bad))
    if log.era is None:
        log.problems.append(Problem(path, "no MLPerf log lines (:::MLLOG, :::MLL or :::MLPv0.5.0)"))
    return log


def _one_record_per_line(text: str) -> list[str] | None:
    """The record of each MLLOG line, in order, when every marker outside the records is
    ":::MLLOG " and no line holds two; else None. A record is what follows the marker to the
    end of its line (a trailing carriage return is JSON whitespace); what precedes the marker
    (a rank, a launcher's prefix) is ignored, as the official parser ignores it. One split on
    the marker and a partition of each piece, all at C speed: faster than splitting the lines.

    A carriage return ends a line for the official parser (Python's text mode), so it ends
    a record too: in a CRLF log, before the newline; anywhere else (a progress bar's return),
    the rest of that line is a line without the marker, which it ignores, unless it holds
    another marker (then the log is read line by line).

    Another era's marker (":::MLL ", ":::MLPv0.5.0") is looked for only outside the records:
    in the text before the first marker and after each record's line. Inside a record, after
    its line's ":::MLLOG ", such text is part of the record for the line-by-line reading too.
    Searching the whole text instead cost as much as the split (0.15 s of v5.1's 373 MB)."""
    pieces = text.split(":::MLLOG ")
    head = pieces[0]
    del pieces[0]
    if not pieces or ":::ML" in head:
        return None
    parts = list(map(str.partition, pieces, repeat("\n", len(pieces))))
    if not all([newline for _, newline, _ in parts][:-1]):
        return None  # a piece that ends at the next marker: two markers on one line
    if ":::ML" in "".join([after for _, _, after in parts]):
        return None  # another era's marker, or a garbled one
    records = [record for record, _, _ in parts]
    if "\r" in text:  # a carriage return ends the line, and the record, for the official parser
        cut = list(map(str.partition, records, repeat("\r", len(records))))
        if ":::ML" in "".join([rest for _, _, rest in cut]):
            return None  # the rest of the line holds another marker
        records = [record for record, _, _ in cut]
    return records


def _decode_all(bodies: list[str]) -> list[Any] | None:
    """Every line's JSON, each line decoded on its own at C speed (`map` over the decoder),
    or None when some line is not JSON. Not one array of the lines joined with commas, which
    was a few percent faster (1.73-1.80 s against 1.81-1.86 s for v3.0's 1.49 million
    records, one core) but wrong: lines that are not JSON alone can read as as many objects
    joined (one holding two objects, two that close each other's string or brackets), and
    the official parser reads each line alone. orjson, where installed, is tried first; it refuses a few things json accepts
    (NaN, integers past 64 bits), and then json decides, so what counts as a parsed line is
    always json's (and the official parser's) answer."""
    if _orjson is not None:
        try:
            return list(map(_orjson.loads, bodies))
        except (ValueError, RecursionError):
            pass
    try:
        return list(map(json.loads, bodies))
    except (ValueError, RecursionError):
        return None


def _all_timed_in_ms(records: list[Any]) -> bool:
    """Every record a JSON object whose time_ms is a finite int or float (not a bool, not
    text): then the line-by-line checks below would pass every line, and are skipped."""
    if set(map(type, records)) - {dict}:
        return False
    times: list[Any] = list(map(dict.get, records, repeat("time_ms", len(records))))
    if set(map(type, times)) - {float, int}:
        return False
    try:
        return all(map(math.isfinite, times))
    except OverflowError:  # an integer too large for a float
        return False


def _decode_one(body: str) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _read_plain_mllog(bodies: list[str], log: RunLog) -> bool:
    """The events of a log whose every record is an object timed in finite time_ms, and
    True; False (nothing read) when some record is not. Only the records with a key we read
    are kept (most are per-iteration records): as events, tracked_stats values and the
    initialization span, all picked at C speed."""
    records = _decode_all(bodies)
    if records is None or not _all_timed_in_ms(records):
        return False
    count = len(records)
    keys = list(map(dict.get, records, repeat("key", count)))
    try:
        wanted = list(compress(records, map(_EVENT_KEYS.__contains__, keys)))
    except TypeError:  # a key that is a list or an object: no key we read
        wanted = [rec for rec in records if type(rec.get("key")) is str and rec["key"] in _EVENT_KEYS]
    stats = compress(records, map(operator.eq, keys, repeat(STATS, count)))
    log.tracked_stats = list(map(dict.get, stats, repeat("value")))
    _read_init_span(records, keys, log)
    log.era = "mllog"
    log.events = [Event(rec["key"], float(rec["time_ms"]), rec.get("value"), meta if isinstance(meta := rec.get("metadata"), dict) else {})
                  for rec in wanted]
    return True


def _read_init_span(records: list[dict], keys: list[Any], log: RunLog) -> None:
    """`RunLog.add`'s initialization span for a whole log at once, at C speed."""
    try:
        first = keys.index(INIT_START)
    except ValueError:
        return
    try:
        stop = keys.index(INIT_STOP, first)
    except ValueError:
        stop = len(keys)
    else:
        log.init_stop_ms = float(records[stop]["time_ms"])
    starts = compress(records[first:stop], map(operator.eq, keys[first:stop], repeat(INIT_START)))
    times: Iterator[float] = map(operator.itemgetter("time_ms"), starts)  # every record is timed
    log.init_start_ms = float(min(times))


def _read_mllog(lines: list[tuple[int, str]], log: RunLog) -> None:
    records = _decode_all([body for _, body in lines])
    if records is None:  # find the bad lines one by one
        records = [_decode_one(body) for _, body in lines]
    for (lineno, _), rec in zip(lines, records, strict=False):
        if not isinstance(rec, dict):
            log.unparsed_lines += 1
            log.first_unparsed = log.first_unparsed or lineno
            continue
        key = rec.get("key")
        try:
            if "time_ms" in rec or "time_s" not in rec:
                t = float(rec["time_ms"])
            else:
                t = float(rec["time_s"]) * 1000.0
                log.seconds_lines += 1
        except (ValueError, KeyError, TypeError, OverflowError):
            log.unparsed_lines += 1
            log.first_unparsed = log.first_unparsed or lineno
            continue
        log.era = log.era or "mllog"
        if not math.isfinite(t):
            log.untimed_lines += 1
            continue
        if not isinstance(key, str) or key not in KEYS:
            continue
        meta = rec.get("metadata")
        log.add(key, t, rec.get("value"), meta if isinstance(meta, dict) else {})
