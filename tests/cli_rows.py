"""`find --format csv` through the real command line, as rows (test helper)."""

from __future__ import annotations

import csv
import io

from typer.testing import CliRunner

from mlperf_explorer.cli import app as cli


def find_rows(db: str, where: str, columns: str, sort: str) -> list[list[str]]:
    """The header and rows `find` prints for this filter."""
    out = CliRunner().invoke(cli, ["find", "--db", db, "--where", where, "-c", columns, "--sort", sort, "-f", "csv"])
    assert out.exit_code == 0, out.stderr
    return list(csv.reader(io.StringIO(out.stdout)))
