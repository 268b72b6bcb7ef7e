"""What every command shares: the Typer app, the consoles, opening the store, one-line
errors, and table cells. The wall-clock start of the command is taken first."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from typing import Any, NoReturn

import typer

from ..api import Store, open_store
from ..store.database import default_path

app = typer.Typer(
    help="Import MLPerf results into one store, then find and explore them.\n\n"
    "Start with `mlperf-explorer import PATH` (a results folder or a .tar.zst/.tar.gz/.zip "
    "archive of one round), then `mlperf-explorer find --tags closed,offline`.",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

DbOption = typer.Option(None, "--db", envvar="MLPERF_EXPLORER_DB",
                        help="Store file (default ~/.local/share/mlperf-explorer/results.duckdb).")

TABLE_PAGE = 50


def process_started() -> float:
    """When this process started, on the `time.perf_counter` clock, so a command's reported
    time covers all of it, interpreter start-up and imports included (Linux /proc; elsewhere
    the moment this module was imported)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])  # field 22: starttime
        with open("/proc/uptime", encoding="ascii") as f:
            uptime = float(f.read().split()[0])
        age = uptime - start_ticks / os.sysconf("SC_CLK_TCK")
        return time.perf_counter() - max(age, 0.0)
    except (OSError, ValueError, IndexError):
        return time.perf_counter()


STARTED = process_started()


def _check_output(path: str, kind: str) -> None:
    """An output path must be writable as asked: its folder exists, and a file is not a
    folder (or a folder a file)."""
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        _fail(f"{path}: the folder {parent} does not exist")
    if kind == "file" and os.path.isdir(path):
        _fail(f"{path} is a folder; name a file to write")
    if kind == "folder" and os.path.exists(path) and not os.path.isdir(path):
        _fail(f"{path} is a file; name a folder to write into")


@contextlib.contextmanager
def _opened(db: str | None, read_only: bool = False, errors: tuple[type[Exception], ...] = (),
            must_exist: bool = True) -> Iterator[Store]:
    """The store for one command, closed afterwards; the errors named become one `error:` line.
    A reading command on a store that does not exist says so (instead of answering nothing)."""
    if read_only and must_exist:
        path = os.path.expanduser(db) if db else default_path()
        if path != ":memory:" and not os.path.exists(path):
            _fail(f"no store at {path}; import a round first (mlperf-explorer import SOURCE), or name one with --db")
    store = open_store(db, read_only=read_only)
    try:
        yield store
    except errors as exc:
        _fail(str(exc))
    finally:
        store.close()


def _fail(message: str, code: int = 1) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        import mlperf_explorer

        print(mlperf_explorer.__version__)
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    pass


def _plural(n: int, word: str) -> str:
    """'1 warning', '2 warnings', '1,234 results'."""
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)
