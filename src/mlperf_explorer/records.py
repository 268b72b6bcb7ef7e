"""Plain records that flow from parsers to the store.

Parsers return these (or dicts of loadgen keys); nothing here touches files or the database,
so every stage can be tested with bytes in and records out.
"""

from __future__ import annotations

import hashlib
import math
import sys
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """Something wrong with one input file: kept with the import, never raised.

    `path` is repository-relative so that a warning reads the same whatever checkout or
    archive the round came from; `line` is 1-based where a line is known.
    """

    path: str
    message: str
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "message": self.message}

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass
class Parsed:
    """A parser's answer: the values it could read and the problems it met."""

    values: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


class SourceError(Exception):
    """A source that cannot be imported: one clear line for the user."""


class RunError(ValueError):
    """A local run that cannot be added or ranked; one line for the user."""


class AnnotationError(ValueError):
    """An annotation that cannot be stored; one line for the user."""


@dataclass
class Batch:
    """What one unit of parallel work (a system, a benchmark folder) brought: finished
    records and runs, the problems met, and system descriptions."""

    records: list[dict]
    runs: list[dict]
    problems: list[Problem]
    systems: list[dict]
    files: int
    # What the parser listed of the tree, as `units.scan_tree` records it ({path: (size,
    # mtime_ns)}), when it was asked to list the tree for the manifest.
    manifest: dict[str, tuple[int, int]] | None = None


# Units whose smaller values are better (latency, time to train); everything else is a rate.
LOWER_IS_BETTER = ("Latency (ms)", "Latency (s)", "min.")

# Which way is better for the numeric fields a comparison shows; "units" means it follows
# the row's result_units (LOWER_IS_BETTER). Unlisted columns have no direction.
FIELD_DIRECTION = {
    "result": "units", "result_per_accelerator": "units", "result_per_core": "units", "result_per_node": "units",
    "speedup": "higher", "energy_per_sample_j": "lower", "energy_per_run_j": "lower", "accelerator_minutes": "lower",
    "power_result": "lower", "perf_per_watt": "higher", "inferences_per_joule": "higher",
    "energy_uj_per_inference": "lower", "energy_joules": "lower",
    "accuracy": "higher", "latency_mean_ms": "lower", "latency_p50_ms": "lower", "latency_p90_ms": "lower",
    "latency_p95_ms": "lower", "latency_p97_ms": "lower", "latency_p99_ms": "lower", "latency_p999_ms": "lower",
}


def higher_is_better(field: str, result_units: str | None) -> bool | None:
    """True if a larger value of `field` is better for a row with these units, False if
    smaller is, None if the field has no direction."""
    way = FIELD_DIRECTION.get(field)
    if way == "units":
        return result_units not in LOWER_IS_BETTER
    return None if way is None else way == "higher"


def round_key(name: str) -> tuple[int, ...]:
    """'v3.0' -> (3, 0), so 'v10.0' sorts after 'v9.1'; unparseable names sort first."""
    try:
        return tuple(int(p) for p in name.lstrip("v").split("."))
    except ValueError:
        return (-1,)


def decode_checked(data: bytes, path: str) -> tuple[str, Problem | None]:
    """Decode a results file whatever its encoding, in one pass, and say if it is not UTF-8.

    Files are meant to be ASCII; some are UTF-8 with a BOM. latin-1 never fails, so nothing is
    lost. For files loadgen writes (and system descriptions) no published round has a byte
    that is not UTF-8, so such bytes mean damage: the problem says where.
    """
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        return body.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return body.decode("latin-1"), Problem(path, f"not valid UTF-8 text from byte {exc.start} (garbled?); read as latin-1",
                                               body.count(b"\n", 0, exc.start) + 1)


def garbled(data: bytes, path: str) -> Problem | None:
    """The problem of `decode_checked`, for parsers that read bytes, not text."""
    return decode_checked(data, path)[1]


def decode_text(data: bytes) -> str:
    """The text of `decode_checked`, where damage is judged otherwise."""
    return decode_checked(data, "")[0]


def fits_float(value: int) -> bool:
    """Can this integer be a float? JSON and text allow any number of digits; every number we
    store or compute with is a float, and float() of a larger one raises OverflowError."""
    return -sys.float_info.max <= value <= sys.float_info.max


def to_number(text: str) -> int | float | None:
    """Parse a loadgen number (int first, then float); None when it is not a finite number
    (an integer too large for a float is not one)."""
    text = text.strip()
    try:
        whole = int(text)
    except ValueError:
        pass
    else:
        return whole if fits_float(whole) else None
    try:
        value = float(text)
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return value


def as_float(value: Any) -> float | None:
    """The one number converter for values read from JSON, YAML or tables: int, float or a
    numeric string (surrounding spaces allowed) becomes a float; booleans, NaN, infinities,
    integers too large for a float (JSON allows any number of digits) and anything else
    become None (a flag or a broken value is never a measurement)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, (int, float)) or (isinstance(value, int) and not fits_float(value)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def make_uid(*parts: str) -> str:
    """Stable identity of a result (family, round, division, submitter, system, model,
    scenario): the same result re-imported, from any copy of its round, keeps its uid."""
    # backslashreplace: a folder name that is not UTF-8 still gets a stable uid
    return hashlib.sha1("|".join(p.lower() for p in parts).encode("utf-8", "backslashreplace")).hexdigest()[:16]


def total_accelerators(nodes: int | None, per_node: int | None) -> int | None:
    """number_of_nodes x accelerators_per_node, the official table's `total_accelerators`."""
    if nodes is None or per_node is None:
        return None
    return nodes * per_node


def escape_text(text: str) -> str:
    """A string that encodes as UTF-8: surrogates (lone, or escapes of undecodable bytes in
    a file name) spelled out as `\\udcXX`, so the text is kept faithfully and can be stored."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
