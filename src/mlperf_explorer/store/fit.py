"""Values that the store's columns cannot hold become NULL and a warning, never a failed write.

Parsers hand over what the files say, and files say anything: `"accelerators_per_node":
99999999999` (an INTEGER column holds 32 bits), `Infinity` or `NaN` from a JSON log, a lone
surrogate (`"\\udc80"`) in a system name, a folder name that is not UTF-8 (Python hands it over
as surrogate escapes). One such value must cost that value only, not the round: it is stored
as NULL (numbers) or as a faithful escaped text (`\\udc80` spelled out), with a warning that
names the result's folder and the field.

Building a column is tried first as it is (the common case, at Arrow's speed); only a column
that fails, or a float column holding a non-finite value, is rebuilt value by value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..records import escape_text


def _fit(value: Any, arrow_type: pa.DataType) -> tuple[Any, str | None]:
    """(value the column can hold, why it was changed or None)."""
    if value is None:
        return None, None
    if pa.types.is_string(arrow_type):
        text = value if isinstance(value, str) else str(value)
        safe = escape_text(text)
        return safe, (None if safe == text else "text that is not valid UTF-8 (stored escaped)")
    if pa.types.is_boolean(arrow_type):
        return (value, None) if isinstance(value, bool) else (None, f"{value!r} is not true/false")
    if pa.types.is_integer(arrow_type):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None, f"{_short(value)} is not a whole number"
        if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
            return None, f"{_short(value)} is not a whole number"
        bits = arrow_type.bit_width
        low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
        if not low <= value <= high:
            return None, f"{_short(value)} is out of range"
        return int(value), None
    if pa.types.is_floating(arrow_type):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None, f"{_short(value)} is not a number"
        try:
            number = float(value)
        except OverflowError:
            return None, f"{_short(value)} is out of range"
        if not math.isfinite(number):
            return None, f"{number} is not a finite number"
        return number, None
    if pa.types.is_list(arrow_type):
        if not isinstance(value, (list, tuple)):
            return None, "not a list"
        items = [escape_text(v if isinstance(v, str) else str(v)) for v in value]
        return items, None
    return value, None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def column(values: Sequence[Any], arrow_type: pa.DataType, name: str,
           where: Sequence[str] | None) -> tuple[pa.Array, list[dict[str, Any]]]:
    """The column as an Arrow array, and a warning {path, line, message} per value that did
    not fit (`where[i]` names the i-th value's result; None: no warnings, e.g. for the
    warnings table itself)."""
    try:
        array = pa.array(values, type=arrow_type)
        if not pa.types.is_floating(arrow_type) or array.null_count == len(array):
            return array, []
        finite = pc.is_finite(array)
        if pc.all(pc.fill_null(finite, True)).as_py():
            return array, []
    except (pa.ArrowException, OverflowError, UnicodeError, TypeError, ValueError):
        pass
    fitted, warnings = [], []
    for i, value in enumerate(values):
        good, why = _fit(value, arrow_type)
        fitted.append(good)
        if why and where is not None:
            warnings.append({"path": escape_text(str(where[i])), "line": None,
                             "message": f"field {name}: {why}; stored as {'escaped text' if good is not None else 'empty'}"})
    return pa.array(fitted, type=arrow_type), warnings
