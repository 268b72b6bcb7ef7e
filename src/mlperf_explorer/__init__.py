"""mlperf-explorer: MLPerf results repositories in, one queryable store out."""

from .api import AnnotationError, ExpressionError, RunError, ImportReport, ResultSet, SourceError, Store, open_store

__version__ = "0.1.0"
__all__ = ["AnnotationError", "RunError", "open_store", "Store", "ResultSet", "ImportReport", "SourceError", "ExpressionError", "__version__"]
