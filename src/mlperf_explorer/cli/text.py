"""Text for a terminal or a pipe: tables and lines, with every string from a results
repository made harmless first.

A reading command prints a table and exits; importing a rendering library for that cost a
`find` a third of its time (rich: 25 ms of imports and 5-15 ms of layout, against 150 ms for
the bare query). This draws the same boxes (rich's "heavy head" style, so the output looks as
it did) in a few dozen lines. rich stays for the import progress bar, which loads it only
when it draws on a terminal.
"""

from __future__ import annotations

import os
import shutil
import sys
import unicodedata
from collections.abc import Sequence

PIPE_WIDTH = 240  # a table written to a file or a pipe is laid out this wide
MIN_COLUMN = 6
ELLIPSIS = "…"
# Control characters would let a results repository move the cursor, recolour or retitle the
# terminal (an escape sequence in a system name); each is shown as U+FFFD instead.
_CONTROLS = {c: "\ufffd" for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)]}


def clean(text: object) -> str:
    """One line of untrusted text: control characters (newlines too) replaced."""
    value = "" if text is None else str(text)
    return value.translate(_CONTROLS) if not value.isprintable() else value


def width(text: str) -> int:
    """Terminal cells the text takes: wide East Asian characters two, combining marks none."""
    if text.isascii():
        return len(text)
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def cut(text: str, cells: int) -> str:
    """The text in at most `cells` cells, its end replaced by … when it is longer."""
    if width(text) <= cells:
        return text
    out, used = [], 0
    for c in text:
        w = width(c)
        if used + w > cells - 1:
            break
        out.append(c)
        used += w
    return "".join(out) + ELLIPSIS


def fold(text: str, cells: int) -> list[str]:
    """The text broken into lines of at most `cells` cells."""
    lines: list[str] = []
    line: list[str] = []
    used = 0
    for c in text:
        w = width(c)
        if used + w > cells and line:
            lines.append("".join(line))
            line, used = [], 0
        line.append(c)
        used += w
    lines.append("".join(line))
    return lines


def terminal() -> bool:
    return sys.stdout.isatty()


def available_width() -> int:
    return shutil.get_terminal_size((PIPE_WIDTH, 24)).columns if terminal() else PIPE_WIDTH


def _bold(text: str, bold: bool | None = None) -> str:
    """Bold on a terminal (unless NO_COLOR is set); `bold` decides for a file."""
    if bold is None:
        bold = terminal() and "NO_COLOR" not in os.environ
    return f"\x1b[1m{text}\x1b[0m" if bold else text


def _pad(text: str, cells: int, right: bool) -> str:
    gap = " " * max(0, cells - width(text))
    return gap + text if right else text + gap


def _fit(widths: list[int], room: int) -> list[int]:
    """Narrow the widest columns until the row fits `room` cells (none below MIN_COLUMN)."""
    widths = list(widths)
    while sum(widths) > room:
        widest = max(range(len(widths)), key=widths.__getitem__)
        if widths[widest] <= MIN_COLUMN:
            break
        widths[widest] -= 1
    return widths


def table(header: Sequence[str], rows: Sequence[Sequence[object]], right: Sequence[int] | range = (),
          max_width: int | None = None, wrap: bool = False, room: int | None = None, bold: bool | None = None) -> str:
    """A boxed table: bold header, cells cut to `max_width` (and to the room there is) with
    …, or with `wrap` broken over lines instead; `right` are the right-aligned columns.
    `room` and `bold` default to what standard output is (a terminal's width, or a pipe's)."""
    head = [clean(h) for h in header]
    body = [[clean(c) for c in row] for row in rows]
    widths = [max([width(h)] + [width(r[i]) for r in body]) for i, h in enumerate(head)]
    if max_width:
        widths = [min(w, max(max_width, width(h))) for w, h in zip(widths, head, strict=True)]
    room = available_width() if room is None else room
    widths = _fit(widths, room - (3 * len(widths) + 1))

    def line(left: str, fill: str, join: str, end: str) -> str:
        return left + join.join(fill * (w + 2) for w in widths) + end

    def cells(values: list[str], style: bool = False) -> list[str]:
        parts = [fold(v, w) if wrap else [cut(v, w)] for v, w in zip(values, widths, strict=True)]
        out = []
        for k in range(max(len(p) for p in parts)):
            shown = [_pad(p[k] if k < len(p) else "", w, i in right) for i, (p, w) in enumerate(zip(parts, widths, strict=True))]
            bar = "┃" if style else "│"
            out.append(bar + bar.join(f" {_bold(s, bold) if style else s} " for s in shown) + bar)
        return out

    lines = [line("┏", "━", "┳", "┓"), *cells(head, style=True), line("┡", "━", "╇", "┩")]
    for row in body:
        lines.extend(cells(row))
    lines.append(line("└", "─", "┴", "┘"))
    return "\n".join(lines)


def pairs(rows: Sequence[tuple[object, object]], room: int | None = None) -> str:
    """Name and value per line, names bold and aligned, long values folded under themselves."""
    names = [clean(k) for k, _ in rows]
    left = max((width(n) for n in names), default=0)
    room = available_width() if room is None else room
    lines = []
    for name, (_, value) in zip(names, rows, strict=True):
        parts = fold(clean(value), max(MIN_COLUMN, room - left - 3))
        lines.append(f" {_bold(_pad(name, left, False))} {parts[0]}")
        lines.extend(f" {' ' * left} {p}" for p in parts[1:])
    return "\n".join(lines)


def say(text: object) -> None:
    """Print one line of untrusted text."""
    print(clean(text))
