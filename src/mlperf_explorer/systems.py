"""System description JSON (`systems/<system>.json`, v0.5 training `entry.json`) to fields.

Submitters write these by hand: we have seen typos in keys (`sumitter`, `number of nodes`),
numbers as strings, and invalid JSON. A typo is read under its intended name with a warning;
invalid JSON is read leniently (trailing commas, comments) or, failing that, reported, and the
results of that system are kept without a description.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from .records import Parsed, Problem, decode_checked

# Misspelt keys seen in published results -> the field they mean.
KEY_TYPOS = {
    "sumitter": "submitter",
    "number of nodes": "number_of_nodes",
    "host_processors_core_count": "host_processor_core_count",
    "host_processors_frequency": "host_processor_frequency",
    "host_processors_interconnect": "host_processor_interconnect",
    "host_networking_card_count": "host_network_card_count",
}

_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_LINE_COMMENT = re.compile(r"^\s*(//|#).*$", re.M)


def parse_system_json(data: bytes, path: str = "system.json") -> Parsed:
    problems: list[Problem] = []
    text, bad = decode_checked(data, path)  # no published description fails UTF-8
    if not text.strip():
        return Parsed({}, [Problem(path, "empty system description")])
    if bad:
        problems.append(bad)
    try:
        doc = json.loads(text)
    except RecursionError:
        return Parsed({}, [Problem(path, "JSON nested too deeply to be a system description")])
    except ValueError as exc:
        msg, line = getattr(exc, "msg", str(exc)), getattr(exc, "lineno", None)
        try:
            doc = json.loads(_TRAILING_COMMA.sub(r"\1", _LINE_COMMENT.sub("", text)))
            problems.append(Problem(path, f"invalid JSON read leniently ({msg})", line))
        except (ValueError, RecursionError):
            return Parsed({}, [Problem(path, f"invalid JSON: {msg}", line)])
    if not isinstance(doc, dict):
        return Parsed({}, [Problem(path, "system description is not a JSON object")])
    fields: dict[str, Any] = {}
    for key, value in doc.items():
        key = str(key).strip()
        canonical = KEY_TYPOS.get(key)
        if canonical:
            problems.append(Problem(path, f"key {key!r} read as {canonical!r}"))
            if canonical in doc:
                continue
            key = canonical
        fields[key] = value
    return Parsed(fields, problems)


def columns_of(desc: dict[str, Any]) -> dict[str, Any]:
    """The result columns a system description gives, for every family: the fields named in
    SYSTEM_COLUMNS, and notes as the submission checker joins them (hw_notes. sw_notes)."""
    out = {column: convert(desc.get(column)) for column, convert in SYSTEM_COLUMNS.items()}
    notes = as_text(desc.get("hw_notes")) or ""
    sw = as_text(desc.get("sw_notes")) or ""
    if sw:
        notes = (notes + ". " if notes else "") + sw
    out["notes"] = notes or None
    return out


def as_int(value: Any) -> int | None:
    """'8', 8, '8 (2x4)' -> 8; anything without a leading number -> None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else None
    if isinstance(value, str):
        m = re.match(r"\s*(\d+)", value)
        return int(m.group(1)) if m else None
    return None


def as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value).strip()


# System description fields stored as result columns, with their converters.
SYSTEM_COLUMNS = {
    "accelerator_model_name": as_text,
    "accelerators_per_node": as_int,
    "number_of_nodes": as_int,
    "host_processor_model_name": as_text,
    "host_processors_per_node": as_int,
    "host_processor_core_count": as_int,
    "framework": as_text,
    "operating_system": as_text,
    "accelerator_memory_capacity": as_text,
    "host_memory_capacity": as_text,
}
