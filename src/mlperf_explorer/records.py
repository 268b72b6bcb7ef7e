"""Plain records that flow from parsers to the store.

Parsers return these (or dicts of loadgen keys); nothing here touches files or the database,
so every stage can be tested with bytes in and records out.
"""

from __future__ import annotations

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


@dataclass
class Batch:
    """What one unit of parallel work (a system, a benchmark folder) brought: finished
    records and runs, the problems met, and system descriptions."""

    records: list[dict]
    runs: list[dict]
    problems: list[Problem]
    systems: list[dict]
    files: int


def garbled(data: bytes, path: str) -> "Problem | None":
    """A problem when a loadgen-written file is not UTF-8 text: loadgen writes ASCII, and no
    such file of any published round fails this, so invalid bytes mean damage."""
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Problem(path, f"not valid UTF-8 text from byte {exc.start} (garbled?); read as latin-1",
                       body.count(b"\n", 0, exc.start) + 1)
    return None


def decode_text(data: bytes) -> str:
    """Decode a results file whatever its submitter's encoding.

    Results files are meant to be ASCII; some are UTF-8 with a BOM, some latin-1. latin-1
    never fails, so nothing is lost and a warning is not needed for the encoding alone.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def to_number(text: str) -> int | float | None:
    """Parse a loadgen number (int first, then float); None when it is not a finite number."""
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return value
