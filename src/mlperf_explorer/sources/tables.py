"""Recognising a results table as a source (CM experiments, a checker summary.csv, a final
report's JSON) from its name and first bytes; reading its rows is `formats.tables`' job."""

from __future__ import annotations

import glob
import os
import re

KINDS = ("cm", "checker-summary", "final-report")


def detect(path: str) -> str | None:
    """Which kind of table source `path` is, if any."""
    if os.path.isdir(path):
        return "cm" if glob.glob(os.path.join(path, "experiment", "*", "_cm.json")) else None
    name = os.path.basename(path).lower()
    if name.endswith(".json"):
        try:
            with open(path, "rb") as f:
                head = f.read(4096).decode("utf-8", "replace")
        except OSError:
            return None
        if "Performance_Result" in head:
            return "final-report"
        # The 2026 final report: {"0": {"Organization": ..., "Location": ..., "Units": ...}, ...}
        return "final-report" if re.match(r'\s*\{\s*"0"\s*:', head) and '"Location"' in head else None
    if name.endswith(".csv"):
        try:
            with open(path, "rb") as f:
                header = f.readline().decode("utf-8", "replace")
        except OSError:
            return None
        return "checker-summary" if "Location" in header and "Result" in header else None
    return None


def table_files(path: str, kind: str) -> list[str]:
    if kind == "cm":
        return sorted(glob.glob(os.path.join(path, "experiment", "*", "*", "cm-result.json")))
    return [path]
