"""Two per-system facts the 2026 official table adds: design power and the private id.

Design power (`design_power_watts`, from round v6.1) follows the checker's
`nameplate_power_check` (mlcommons/inference tools/submission/submission_checker/checks/
system_check.py): the system description's `system_power_capacity` if given, else the
nameplate file `systems/SYSTEM_power.yaml`, a tree of submitter-named parts whose leaves list
`PSUs` (each with `PowerCapacityWatts`) and `Min PSUs Needed`; a leaf counts its largest
`Min PSUs Needed` supplies (redundant ones are not design power), and the parts add up.
The private id is `results/SYSTEM/privateid.json`.

Pure parsing: bytes in, a value and problems out.
"""

from __future__ import annotations

import json
from typing import Any

from ..records import Problem, as_float, decode_checked

MAX_DEPTH = 64  # parts inside parts; deeper is not a system description


def _number(value: Any) -> float | None:
    """A power figure: a finite number, not negative."""
    number = as_float(value)
    return number if number is not None and number >= 0 else None


def _leaf_watts(node: dict[str, Any]) -> float | None:
    keys = {str(k).lower(): k for k in node}
    minimum = _number(node[keys["min psus needed"]])
    psus = node[keys["psus"]]
    if minimum is None or not isinstance(psus, list):
        return None
    capacities = sorted((_number(p.get("PowerCapacityWatts")) or 0.0 for p in psus if isinstance(p, dict)),
                        reverse=True)
    return sum(capacities[:int(minimum)])


def sum_design_power(doc: Any, depth: int = 0) -> float | None:
    """The nameplate tree's design power; None where a leaf is malformed or the tree is too
    deep to be a description."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(doc, dict):
        lowered = {str(k).lower() for k in doc}
        if "psus" in lowered and "min psus needed" in lowered:
            return _leaf_watts(doc)
        parts = [v for v in doc.values() if isinstance(v, (dict, list))]
    elif isinstance(doc, list):
        parts = [v for v in doc if isinstance(v, (dict, list))]
    else:
        return 0.0
    total = 0.0
    for part in parts:
        watts = sum_design_power(part, depth + 1)
        if watts is None:
            return None
        total += watts
    return total


def parse_nameplate(data: bytes, path: str) -> tuple[float | None, list[Problem]]:
    """`systems/SYSTEM_power.yaml` to watts."""
    import yaml

    problems: list[Problem] = []
    text, bad = decode_checked(data, path)
    if bad:
        problems.append(bad)
    try:
        doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as exc:
        problems.append(Problem(path, f"invalid YAML: {type(exc).__name__}"))
        return None, problems
    watts = sum_design_power(doc)
    if watts is None:
        problems.append(Problem(path, "no usable PSUs / Min PSUs Needed / PowerCapacityWatts"))
    return watts, problems


def design_power_watts(system: dict[str, Any], nameplate_watts: float | None) -> float | None:
    """The description's own `system_power_capacity` wins over the nameplate file."""
    if "system_power_capacity" in system:
        return _number(system["system_power_capacity"])
    return nameplate_watts


def parse_private_id(data: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """`privateid.json`: a JSON string, or an object whose first text value is the id."""
    text, bad = decode_checked(data, path)
    problems = [bad] if bad else []
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        return None, problems + [Problem(path, "invalid JSON")]
    if isinstance(doc, str):
        return doc.strip() or None, problems
    if isinstance(doc, dict):
        for key in ("private_id", "PrivateID", "id"):
            if isinstance(doc.get(key), (str, int)) and not isinstance(doc.get(key), bool):
                return str(doc[key]), problems
        for value in doc.values():
            if isinstance(value, str) and value.strip():
                return value.strip(), problems
    return None, problems + [Problem(path, "no private id in it")]
