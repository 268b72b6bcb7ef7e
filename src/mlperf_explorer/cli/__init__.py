"""The `mlperf-explorer` command: argument parsing and printing over the Python API, one
module per group of commands (see docs/architecture.md)."""

from __future__ import annotations

import errno
import sys

from . import curating, importing, local, querying  # noqa: F401  (each registers its commands)
from .common import STARTED, app

__all__ = ["STARTED", "app", "main"]


_STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS, errno.EACCES, errno.EPERM}


def main() -> None:
    """Run a command. A full disk or an unwritable store is one line, not a traceback: every
    write is one transaction, so the store is left as it was."""
    import duckdb

    try:
        app()
    except BrokenPipeError:  # `mlperf-explorer find | head`
        sys.stderr.close()
    except OSError as exc:
        if exc.errno not in _STORAGE_ERRNOS:
            raise
        print(f"error: {exc.strerror or exc}{': ' + exc.filename if exc.filename else ''}; nothing was changed",
              file=sys.stderr)
        sys.exit(1)
    except duckdb.IOException as exc:
        print(f"error: cannot write the store ({str(exc).splitlines()[0][:200]}); nothing was changed", file=sys.stderr)
        sys.exit(1)
