"""mlperf-explorer: MLPerf results repositories in, one queryable store out.

The Python API is `open_store()` and the `Store` it returns; see `api.py`."""

from importlib.metadata import PackageNotFoundError, version

from .api import (
    AnnotationError,
    ExpressionError,
    ImportReport,
    MissingExtra,
    ResultSet,
    RunError,
    SourceError,
    Store,
    open_store,
)

try:
    __version__ = version("mlperf-explorer")  # one source: pyproject.toml
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["AnnotationError", "ExpressionError", "ImportReport", "MissingExtra", "ResultSet", "RunError", "SourceError",
           "Store", "__version__", "open_store"]
