"""Where things are in an MLPerf Inference results tree.

    DIVISION/SUBMITTER/results/SYSTEM/MODEL/SCENARIO/performance/run_N/...   (ranging, power)
    DIVISION/SUBMITTER/results/SYSTEM/MODEL/SCENARIO/accuracy/...
    DIVISION/SUBMITTER/compliance/SYSTEM/MODEL/SCENARIO/TESTnn/verify_*.txt  (audit/ in v0.5)
    DIVISION/SUBMITTER/measurements/SYSTEM/MODEL/SCENARIO/*.json
    DIVISION/SUBMITTER/systems/SYSTEM.json
    open/SUBMITTER/model_mapping.json

Scenario folders come in any case (`Offline`, `offline`); v5.1 added `Interactive`. The walk
only descends into the folders results need, so a full repository checkout (with its
`code/` trees) costs no more than a sparse one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

SUBMITTER_FOLDERS = ("results", "systems", "compliance", "audit", "measurements")
RESULT_FILES = {"mlperf_log_summary.txt", "mlperf_log_detail.txt", "accuracy.txt", "spl.txt"}


@dataclass
class ResultFiles:
    """The files of one result directory (all paths repository-relative)."""

    division: str
    submitter: str
    system: str
    model: str
    scenario_folder: str
    runs: dict[str, dict[str, str]] = field(default_factory=dict)  # run_1 -> {file name -> path}
    accuracy: dict[str, str] = field(default_factory=dict)
    power_dir: dict[str, str] = field(default_factory=dict)
    verify: dict[str, list[str]] = field(default_factory=dict)  # TEST01 -> [paths]
    measurements: list[str] = field(default_factory=list)

    @property
    def location(self) -> str:
        return "/".join((self.division, self.submitter, "results", self.system, self.model, self.scenario_folder))

    @property
    def system_key(self) -> tuple[str, str, str]:
        return (self.division, self.submitter, self.system)


@dataclass
class InferenceTree:
    results: dict[tuple, ResultFiles] = field(default_factory=dict)
    systems: dict[tuple[str, str, str], str] = field(default_factory=dict)  # -> systems/*.json path
    model_mappings: dict[tuple[str, str], str] = field(default_factory=dict)
    file_count: int = 0


def _result(tree: InferenceTree, div: str, sub: str, system: str, model: str, scen: str) -> ResultFiles:
    key = (div, sub, system, model, scen)
    rf = tree.results.get(key)
    if rf is None:
        rf = tree.results[key] = ResultFiles(div, sub, system, model, scen)
    return rf


def add_path(tree: InferenceTree, rel: str) -> None:
    """File one repository-relative path into the tree (paths that matter nothing are ignored)."""
    parts = rel.split("/")
    n = len(parts)
    tree.file_count += 1
    if n < 3:
        return
    div, sub, area = parts[0], parts[1], parts[2]
    if n == 3 and area == "model_mapping.json":
        tree.model_mappings[(div, sub)] = rel
        return
    if area == "systems" and n == 4 and parts[3].endswith(".json"):
        tree.systems[(div, sub, parts[3][:-5])] = rel
        return
    if n < 7:
        return
    system, model, scen = parts[3], parts[4], parts[5]
    if area == "results":
        rf = _result(tree, div, sub, system, model, scen)
        kind = parts[6].lower()  # v0.5 has `Performance/` too
        name = parts[-1]
        if kind == "performance" and n == 9:
            run = parts[7].lower()
            if run == "power":
                rf.power_dir[name] = rel
            else:
                rf.runs.setdefault(run, {})[name] = rel
        elif kind == "performance" and n == 8 and name in RESULT_FILES:
            # v0.5: logs directly in performance/, with no run_N folder
            rf.runs.setdefault("run_1", {}).setdefault(name, rel)
        elif kind == "accuracy" and n == 8:
            rf.accuracy[name] = rel
    elif area in ("compliance", "audit"):
        name = parts[-1]
        if name.startswith("verify") and name.endswith(".txt"):
            key = (div, sub, system, model, scen)
            rf = tree.results.get(key) or _result(tree, div, sub, system, model, scen)
            rf.verify.setdefault(parts[6], []).append(rel)
    elif area == "measurements" and n == 7 and parts[6].endswith(".json"):
        _result(tree, div, sub, system, model, scen).measurements.append(rel)


def add_result_dir(tree: InferenceTree, rel_dir: str) -> None:
    """Record a result directory even if it holds no file (so missing files are reported)."""
    parts = rel_dir.split("/")
    if len(parts) == 6 and parts[2] == "results":
        _result(tree, *parts[:2], *parts[3:6])


def walk_directory(root: str) -> InferenceTree:
    """Walk a checkout, descending only into the folders results need."""
    tree = InferenceTree()
    root = os.path.abspath(root)
    for div in sorted(_subdirs(root)):
        if div.startswith("."):
            continue
        for sub in sorted(_subdirs(os.path.join(root, div))):
            base = os.path.join(root, div, sub)
            mapping = os.path.join(base, "model_mapping.json")
            if os.path.isfile(mapping):
                add_path(tree, f"{div}/{sub}/model_mapping.json")
            for area in SUBMITTER_FOLDERS:
                top = os.path.join(base, area)
                if not os.path.isdir(top):
                    continue
                prefix_len = len(root) + 1
                for dirpath, dirnames, filenames in os.walk(top):
                    rel_dir = dirpath[prefix_len:].replace(os.sep, "/")
                    if area == "results" and rel_dir.count("/") == 5:
                        add_result_dir(tree, rel_dir)
                    dirnames.sort()
                    for name in filenames:
                        add_path(tree, f"{rel_dir}/{name}")
    # Compliance folders of results that do not exist are not results.
    for key in [k for k, rf in tree.results.items() if not rf.runs and not rf.accuracy and not _has_result_dir(root, rf)]:
        del tree.results[key]
    return tree


def _has_result_dir(root: str, rf: ResultFiles) -> bool:
    return os.path.isdir(os.path.join(root, *rf.location.split("/")))


def _subdirs(path: str) -> list[str]:
    try:
        return [e.name for e in os.scandir(path) if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []
