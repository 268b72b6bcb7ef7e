"""Where a Tiny round keeps its results: DIVISION/SUBMITTER/results/SYSTEM/.../BENCHMARK/
{performance,accuracy,energy}/ (the EEMBC runner's run folders), up to MAX_DEPTH folders
below results/. Kept apart from the importer so that telling a Tiny tree from an inference
one (`looks_like_tiny`, asked of every DIVISION/SUBMITTER tree) loads nothing else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..safe_files import subfolders

RUN_KINDS = ("performance", "accuracy", "energy")
MAX_DEPTH = 4  # folders between results/ and a benchmark folder's runs


@dataclass(frozen=True)
class TinyResult:
    division: str
    submitter: str
    parts: tuple[str, ...]  # folders between results/ and the run folders

    @property
    def location(self) -> str:
        return "/".join((self.division, self.submitter, "results", *self.parts))


def _is_result(path: str) -> bool:
    return any(d.lower() in RUN_KINDS for d in subfolders(path))


def list_units(root: str) -> list[tuple[str, str, str]]:
    """(division, submitter, first folder under results): the unit of parallel work."""
    out = []
    for div in subfolders(root):
        for sub in subfolders(os.path.join(root, div)):
            for first in subfolders(os.path.join(root, div, sub, "results")):
                out.append((div, sub, first))
    return out


def walk_unit(root: str, div: str, sub: str, first: str) -> list[TinyResult]:
    found: list[TinyResult] = []
    stack: list[tuple[str, ...]] = [(first,)]
    while stack:
        parts = stack.pop()
        path = os.path.join(root, div, sub, "results", *parts)
        if _is_result(path):
            found.append(TinyResult(div, sub, parts))
        elif len(parts) < MAX_DEPTH:
            stack.extend(parts + (d,) for d in reversed(subfolders(path)))
    return sorted(found, key=lambda r: r.parts)


# What loadgen writes beside a result's runs (inference, never the EEMBC runner).
_LOADGEN_LOGS = (os.path.join("performance", "run_1", "mlperf_log_summary.txt"),
                 os.path.join("accuracy", "mlperf_log_summary.txt"))


def looks_like_tiny(root: str) -> bool:
    """A DIVISION/SUBMITTER/results tree whose result folders hold results.txt runs. The
    first result folder met decides: the runner's results.txt says Tiny, loadgen's summary
    log says inference (before, an inference round was searched through three systems of
    every submitter: 20-40 ms per import, twice)."""
    for div in subfolders(root):
        for sub in subfolders(os.path.join(root, div)):
            results = os.path.join(root, div, sub, "results")
            for first in subfolders(results)[:3]:
                stack = [os.path.join(results, first)]
                for _ in range(MAX_DEPTH):
                    nxt = []
                    for p in stack:
                        # the runner's results.txt (a harness' results.json alone is not
                        # Tiny: inference harnesses write those too)
                        if any(os.path.isfile(os.path.join(p, kind, "results.txt")) for kind in RUN_KINDS):
                            return True
                        if any(os.path.isfile(os.path.join(p, log)) for log in _LOADGEN_LOGS):
                            return False
                        nxt += [os.path.join(p, d) for d in subfolders(p) if d.lower() not in RUN_KINDS]
                    stack = nxt[:50]
    return False
