"""Which family and round a tree holds, from its name, its README or its layout."""

from __future__ import annotations

import os
import re

from ..safe_files import TreeReader, subfolders

_ROUND = re.compile(r"(?<![\d.])v?(\d{1,2})\.(\d{1,2})(?:\.\d+)?(?![\d])")
_NAMED = re.compile(r"(inference|training|hpc)[_-]results[_-]v(\d+\.\d+)", re.I)


HPC_BENCHMARKS = {"cosmoflow", "deepcam", "oc20", "openfold"}


class DetectError(Exception):
    """The tree is not an MLPerf results tree we recognise."""


def normalise_round(text: str) -> str:
    """'3.0', 'v3.0', 'V3.0.0' -> 'v3.0'."""
    m = _ROUND.search(text.strip())
    if not m:
        raise DetectError(f"not a round: {text!r} (expected something like v3.0)")
    return f"v{int(m.group(1))}.{int(m.group(2))}"


def find_root(path: str) -> tuple[str, str | None]:
    """The folder holding the division (inference) or submitter (training) folders, and the
    family `detect_family` finds there (None when no results layout appears).

    An archive or clone often wraps everything in one folder (`inference_results_v3.0/`);
    descend through single folders until a results layout appears.
    """
    current = path
    for _ in range(4):
        family = detect_family(current)
        if family:
            return current, family
        subdirs = [e.path for e in os.scandir(current) if e.is_dir() and not e.name.startswith(".")]
        if len(subdirs) != 1:
            break
        current = subdirs[0]
    return path, None


def detect_family(root: str) -> str | None:
    """'tiny' when DIVISION/SUBMITTER/results/... holds the EEMBC runner's results.txt runs,
    'inference' when DIVISION/SUBMITTER/results/... exists otherwise, 'hpc' when
    SUBMITTER/results/SYSTEM/{strong,weak} does, 'training' for SUBMITTER/results/... (or the
    v0.5 training layout), else None."""
    try:
        top = [e for e in os.scandir(root) if e.is_dir() and not e.name.startswith(".")]
    except OSError:
        return None
    names = {e.name for e in top}
    if names & {"closed", "open", "network"}:
        for div in top:
            if div.name in ("closed", "open", "network"):
                for sub in os.scandir(div.path):
                    if sub.is_dir() and os.path.isdir(os.path.join(sub.path, "results")):
                        from ..tiny.layout import looks_like_tiny

                        return "tiny" if looks_like_tiny(root) else "inference"
    found = None
    for sub in top:
        results = os.path.join(sub.path, "results")
        if os.path.isdir(results) and not os.path.islink(results):
            # HPC systems split their benchmarks into strong/ and weak/ scaling folders.
            for system in _subdirs(results):
                children = {os.path.basename(c) for c in _subdirs(system)}
                if children & ({"strong", "weak"} | HPC_BENCHMARKS):
                    return "hpc"
            # A training tree has result logs (results/SYSTEM/BENCHMARK/result_*.txt, or
            # straight in the system folder); a stray `tools/results/` folder is not one.
            if found is None and _has_training_logs(results):
                found = "training"
    if found:
        return found
    if "v0.5.0" in names:
        return "training"
    return None


def _subdirs(path: str) -> list[str]:
    return [os.path.join(path, name) for name in subfolders(path)]


def _has_training_logs(results: str) -> bool:
    for system in _subdirs(results):
        for folder in [system] + _subdirs(system):
            try:
                if any(e.name.startswith("result_") and e.name.endswith(".txt") for e in os.scandir(folder)):
                    return True
            except OSError:
                continue
    return False


def detect_round(root: str, *hints: str) -> str | None:
    """From the names the user gave (archive or folder name), then the tree's README."""
    for hint in hints:
        if not hint:
            continue
        m = _NAMED.search(hint)
        if m:
            return normalise_round(m.group(2))
        base = os.path.basename(hint.rstrip("/"))
        for suffix in (".tar.zst", ".tar.gz", ".tgz", ".tar", ".zip"):
            if base.endswith(suffix):
                base = base[: -len(suffix)]
        m = re.fullmatch(r"v?(\d{1,2}\.\d{1,2})(?:\.\d+)?", base)
        if m:
            return normalise_round(m.group(1))
    for name in ("README.md", "readme.md"):
        reader = TreeReader(root)
        if reader.is_file(name):
            try:
                head = reader.read(name)[:4096].decode("utf-8", "replace")
            except OSError:
                continue
            m = re.search(r"MLPerf\S*\s+(?:Inference|Training|HPC)\s+v?(\d+\.\d+)", head, re.I) or re.search(r"\bv(\d+\.\d+)\b", head)
            if m:
                return normalise_round(m.group(1))
    for hint in hints:
        if hint:
            for part in reversed(hint.replace("\\", "/").split("/")):
                m = re.fullmatch(r".*?v(\d{1,2}\.\d{1,2}).*", part)
                if m:
                    return normalise_round(m.group(1))
    return None
