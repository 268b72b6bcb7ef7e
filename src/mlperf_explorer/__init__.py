"""mlperf-explorer: MLPerf results repositories in, one queryable store out.

The Python API is `open_store()` and the `Store` it returns; see `api.py`."""

from typing import Any

from .api import (
    AnnotationError,
    ExpressionError,
    MissingExtra,
    ResultSet,
    RunError,
    SourceError,
    Store,
    open_store,
)

__all__ = ["AnnotationError", "ExpressionError", "ImportReport", "MissingExtra", "ResultSet", "RunError", "SourceError",
           "Store", "__version__", "open_store"]


def __getattr__(name: str) -> Any:
    """`ImportReport` lives with the import code, loaded when first asked for (a reading
    command never loads the parsers)."""
    if name == "ImportReport":
        from .ingest import ImportReport

        return ImportReport
    if name == "__version__":  # one source: pyproject.toml, read when asked
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("mlperf-explorer")
        except PackageNotFoundError:  # a source tree that was never installed
            return "0+unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
