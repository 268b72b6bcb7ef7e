"""Values that the store's columns cannot hold become NULL and a warning, never a failed write.

Parsers hand over what the files say, and files say anything: `"accelerators_per_node":
99999999999` (an INTEGER column holds 32 bits), `Infinity` or `NaN` from a JSON log, a lone
surrogate (`"\\udc80"`) in a system name, a folder name that is not UTF-8 (Python hands it over
as surrogate escapes). One such value must cost that value only, not the round: it is stored
as NULL (numbers) or as a faithful escaped text (`\\udc80` spelled out), with a warning that
names the result's folder and the field.

Columns are plain Python lists of one type each, which DuckDB takes as list parameters: the
write path needs neither pyarrow nor (which pyarrow imports on its first conversion of a
Python list when it is installed) pandas, 90 MB and a third of a second of an import.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from ..records import escape_text

INT_RANGE = {"INTEGER": (-(2 ** 31), 2 ** 31 - 1), "BIGINT": (-(2 ** 63), 2 ** 63 - 1)}


def _text(value: Any) -> tuple[Any, str | None]:
    text = value if isinstance(value, str) else str(value)
    safe = escape_text(text)
    return safe, (None if safe == text else "text that is not valid UTF-8 (stored escaped)")


def _boolean(value: Any) -> tuple[Any, str | None]:
    return (value, None) if isinstance(value, bool) else (None, f"{_short(value)} is not true/false")


def _whole(low: int, high: int) -> Callable[[Any], tuple[Any, str | None]]:
    def fit(value: Any) -> tuple[Any, str | None]:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None, f"{_short(value)} is not a whole number"
        if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
            return None, f"{_short(value)} is not a whole number"
        if not low <= value <= high:
            return None, f"{_short(value)} is out of range"
        return int(value), None
    return fit


def _number(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None, f"{_short(value)} is not a number"
    try:
        number = float(value)
    except OverflowError:
        return None, f"{_short(value)} is out of range"
    if not math.isfinite(number):
        return None, f"{number} is not a finite number"
    return number, None


def _texts(value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, (list, tuple)):
        return None, "not a list"
    return [escape_text(v if isinstance(v, str) else str(v)) for v in value], None


def _as_is(value: Any) -> tuple[Any, str | None]:
    return value, None


def _fitter(sql_type: str) -> Callable[[Any], tuple[Any, str | None]]:
    if sql_type in INT_RANGE:
        return _whole(*INT_RANGE[sql_type])
    return {"VARCHAR": _text, "BOOLEAN": _boolean, "DOUBLE": _number, "VARCHAR[]": _texts}.get(sql_type, _as_is)


def _fast(values: Sequence[Any], sql_type: str) -> bool:
    """True when every value already is what the column holds (the common case, checked at
    C speed where it can be)."""
    if sql_type == "VARCHAR":
        texts = [v for v in values if v is not None]
        if not all(type(v) is str for v in texts):
            return False
        try:
            "".join(texts).encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if sql_type == "DOUBLE":
        return all(v is None or (type(v) is float and math.isfinite(v)) for v in values)
    if sql_type == "BOOLEAN":
        return all(v is None or type(v) is bool for v in values)
    if sql_type in INT_RANGE:
        low, high = INT_RANGE[sql_type]
        return all(v is None or (type(v) is int and low <= v <= high) for v in values)
    if sql_type == "VARCHAR[]":
        return all(v is None or (type(v) is list and all(type(x) is str for x in v)) for v in values) and _fast(
            [x for v in values if v is not None for x in v], "VARCHAR")
    return True


def column(values: Sequence[Any], sql_type: str, name: str,
           where: Sequence[str] | None) -> tuple[list[Any], list[dict[str, Any]]]:
    """The column's values as the store holds them (`sql_type` is its DuckDB type), and a
    warning {path, line, message} per value that did not fit (`where[i]` names the i-th
    value's result; None: no warnings, e.g. for the warnings table itself)."""
    if _fast(values, sql_type):
        return list(values), []
    fit = _fitter(sql_type)
    fitted, warnings = [], []
    for i, value in enumerate(values):
        good, why = (None, None) if value is None else fit(value)
        fitted.append(good)
        if why and where is not None:
            warnings.append({"path": escape_text(str(where[i])), "line": None,
                             "message": f"field {name}: {why}; stored as {'escaped text' if good is not None else 'empty'}"})
    return fitted, warnings


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
