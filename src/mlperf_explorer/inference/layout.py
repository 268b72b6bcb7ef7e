"""Where things are in an MLPerf Inference results tree.

    DIVISION/SUBMITTER/results/SYSTEM/MODEL/SCENARIO/performance/run_N/...   (ranging, power)
    DIVISION/SUBMITTER/results/SYSTEM/MODEL/SCENARIO/accuracy/...
    DIVISION/SUBMITTER/compliance/SYSTEM/MODEL/SCENARIO/TESTnn/verify_*.txt  (audit/ in v0.5)
    DIVISION/SUBMITTER/measurements/SYSTEM/MODEL/SCENARIO/*.json
    DIVISION/SUBMITTER/systems/SYSTEM.json
    open/SUBMITTER/model_mapping.json

From 2026 (round v6.0 on) a result folder holds it all: its compliance runs (`TEST01/`,
`TEST06/`, ... with their verify files), `measurements.json`, `user.conf` and `mlperf.conf`
beside `accuracy/` and `performance/`; results of the endpoints harness (v6.1) have
`config.yaml`, `performance/result_summary.json`, `accuracy/accuracy_results.json` and
`audit/audit_*.json` instead of loadgen logs (see ../shared/reference/
inference_submission_structure.md). Both layouts are read wherever they occur.

Real variations: scenario folders in any case (`Offline`, `offline`), v5.1's `Interactive`,
v0.5's `Performance/` and logs directly in `performance/` with no `run_N`. The walk visits
only the folders results need (a round's compliance and code trees are far larger than the
results), with `scandir` file types and no extra `stat` calls.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

RESULT_FILES = {"mlperf_log_summary.txt", "mlperf_log_detail.txt", "accuracy.txt", "spl.txt", "result_summary.json"}
POWER_DIR_FILES = {"server.json", "client.json"}
# Files of a result folder itself (2026 layout, endpoints harness).
SCENARIO_FILES = {"measurements.json", "config.yaml", "config.yml"}


def is_test_folder(name: str) -> bool:
    """TEST01, TEST04-A, ... (compliance runs)."""
    return name.upper().startswith("TEST") and name[4:6].isdigit()


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
    files: dict[str, str] = field(default_factory=dict)  # config.yaml, ... in the folder itself
    audits: list[str] = field(default_factory=list)  # endpoints harness: audit/audit_*.json
    # TEST01's accuracy/baseline_accuracy.txt and compliance_accuracy.txt, where present
    test01_accuracy: tuple[str, str] | None = None

    @property
    def location(self) -> str:
        return "/".join((self.division, self.submitter, "results", self.system, self.model, self.scenario_folder))


TEST01_ACCURACY_FILES = ("baseline_accuracy.txt", "compliance_accuracy.txt")


def _test_folder(rf: ResultFiles, path: str, rel: str, test: str) -> int:
    """Record a compliance test folder's verify files (and TEST01's accuracy pair); the
    number of files seen."""
    subdirs, names = _entries(path)
    verify = [n for n in names if n.startswith("verify") and n.endswith(".txt")]
    if verify:
        rf.verify.setdefault(test, []).extend(f"{rel}/{n}" for n in verify)
    seen = len(verify)
    if test.upper() == "TEST01" and "accuracy" in subdirs:
        acc = set(_names(os.path.join(path, "accuracy")))
        if all(n in acc for n in TEST01_ACCURACY_FILES):
            rf.test01_accuracy = (f"{rel}/accuracy/{TEST01_ACCURACY_FILES[0]}", f"{rel}/accuracy/{TEST01_ACCURACY_FILES[1]}")
            seen += 2
    return seen


@dataclass(frozen=True)
class SystemDir:
    """One DIVISION/SUBMITTER/results/SYSTEM folder: the unit of parallel work."""

    division: str
    submitter: str
    system: str

    @property
    def system_json(self) -> str:
        return f"{self.division}/{self.submitter}/systems/{self.system}.json"


def _entries(path: str) -> tuple[list[str], list[str]]:
    """(subfolders, files) of a folder, sorted; empty when it cannot be read or is a link
    (a link to a folder is never walked through: it could lead out of the tree). Files
    may be links; the safe reader decides whether they can be read."""
    dirs: list[str] = []
    files: list[str] = []
    if os.path.islink(path):
        return dirs, files
    try:
        with os.scandir(path) as it:
            for e in it:
                try:
                    if e.is_dir(follow_symlinks=False):
                        dirs.append(e.name)
                    else:  # files, links, FIFOs...: the safe reader says which can be read
                        files.append(e.name)
                except OSError:
                    continue
    except OSError:
        pass
    return sorted(dirs), sorted(files)


def _names(path: str) -> list[str]:
    """Names in a leaf folder (only files are expected there); empty when unreadable.
    Cheaper than `_entries`: no directory entries to build."""
    if os.path.islink(path):
        return []
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []


def _no_links(path: str, components: int) -> bool:
    """Are none of the last `components` folders of a path built from names (not listed)
    links? Such a path is walked only when each is a real folder."""
    for _ in range(components):
        if os.path.islink(path):
            return False
        path = os.path.dirname(path)
    return True


def list_systems(root: str) -> list[SystemDir]:
    out = []
    for div in _entries(root)[0]:
        if div.startswith("."):
            continue
        for sub in _entries(os.path.join(root, div))[0]:
            for system in _entries(os.path.join(root, div, sub, "results"))[0]:
                out.append(SystemDir(div, sub, system))
    return out


def model_mappings(root: str) -> dict[tuple[str, str], str]:
    """Submitters' own model_mapping.json files (open division)."""
    out = {}
    for div in _entries(root)[0]:
        for sub in _entries(os.path.join(root, div))[0]:
            if os.path.isfile(os.path.join(root, div, sub, "model_mapping.json")):
                out[(div, sub)] = f"{div}/{sub}/model_mapping.json"
    return out


def walk_system(root: str, sd: SystemDir) -> tuple[list[ResultFiles], int]:
    """The result directories of one system with their files, and how many files were seen."""
    base = f"{sd.division}/{sd.submitter}"
    results: dict[tuple[str, str], ResultFiles] = {}
    seen = 0
    res_root = os.path.join(root, sd.division, sd.submitter, "results", sd.system)
    for model in _entries(res_root)[0]:
        for scen in _entries(os.path.join(res_root, model))[0]:
            rf = results[(model, scen)] = ResultFiles(sd.division, sd.submitter, sd.system, model, scen)
            rel_scen = f"{base}/results/{sd.system}/{model}/{scen}"
            scen_path = os.path.join(res_root, model, scen)
            kinds, scen_files = _entries(scen_path)
            seen += len(scen_files)
            for name in scen_files:
                if name in SCENARIO_FILES:
                    rf.files[name] = f"{rel_scen}/{name}"
            if "measurements.json" in rf.files:
                rf.measurements = [rf.files["measurements.json"]]
            for kind in kinds:
                kind_path = os.path.join(scen_path, kind)
                kind_rel = f"{rel_scen}/{kind}"
                if is_test_folder(kind):
                    seen += _test_folder(rf, kind_path, kind_rel, kind)
                    continue
                subdirs, files = _entries(kind_path)
                seen += len(files)
                if kind.lower() == "audit":
                    rf.audits = [f"{kind_rel}/{n}" for n in files if n.startswith("audit_") and n.endswith(".json")]
                elif kind.lower() == "accuracy":
                    rf.accuracy = {name: f"{kind_rel}/{name}" for name in files}
                elif kind.lower() == "performance":
                    for name in files:  # v0.5: logs directly in performance/
                        if name in RESULT_FILES:
                            rf.runs.setdefault("run_1", {}).setdefault(name, f"{kind_rel}/{name}")
                    for run in subdirs:
                        run_files = _names(os.path.join(kind_path, run))
                        seen += len(run_files)
                        if run.lower() == "power":
                            rf.power_dir = {n: f"{kind_rel}/{run}/{n}" for n in run_files if n in POWER_DIR_FILES}
                        else:
                            rf.runs[run.lower()] = {n: f"{kind_rel}/{run}/{n}" for n in run_files}
    for area in ("compliance", "audit"):
        area_root = os.path.join(root, sd.division, sd.submitter, area, sd.system)
        if not _no_links(area_root, 2):
            continue
        for (model, scen), rf in results.items():
            scen_path = os.path.join(area_root, model, scen)
            if not _no_links(scen_path, 2):
                continue
            for test in _entries(scen_path)[0]:
                seen += _test_folder(rf, os.path.join(scen_path, test),
                                     f"{base}/{area}/{sd.system}/{model}/{scen}/{test}", test)
    meas_root = os.path.join(root, sd.division, sd.submitter, "measurements", sd.system)
    meas_ok = _no_links(meas_root, 2)
    for (model, scen), rf in results.items():
        if rf.measurements or not meas_ok or not _no_links(os.path.join(meas_root, model, scen), 2):
            continue
        names = [n for n in _names(os.path.join(meas_root, model, scen)) if n.endswith(".json")]
        seen += len(names)
        rf.measurements = [f"{base}/measurements/{sd.system}/{model}/{scen}/{n}" for n in names]
    return list(results.values()), seen
