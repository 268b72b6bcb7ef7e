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
v0.5's `Performance/` and logs directly in `performance/` with no `run_N`. The walk lists
only a system's own folders (its results, compliance, audit and measurements; never the
code trees, which are far larger), each once: the same listing gives the files' sizes and
times for the manifest an `update` compares with (`units.scan_folder`), and tells the safe
reader which folders were reached without following a link.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..units import Listing, scan_folder

# The folders of a system that an import reads, each DIVISION/SUBMITTER/AREA/SYSTEM.
SYSTEM_AREAS = ("results", "compliance", "audit", "measurements")

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


def _test_folder(rf: ResultFiles, listing: Listing, rel: str, test: str) -> int:
    """Record a compliance test folder's verify files (and TEST01's accuracy pair); the
    number of files seen."""
    subdirs, names = listing.get(rel, _NOTHING)
    verify = [n for n in names if n.startswith("verify") and n.endswith(".txt")]
    if verify:
        rf.verify.setdefault(test, []).extend(f"{rel}/{n}" for n in verify)
    seen = len(verify)
    if test.upper() == "TEST01" and "accuracy" in subdirs:
        acc = set(_names(listing, f"{rel}/accuracy"))
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


_NOTHING: tuple[list[str], list[str]] = ([], [])


def _names(listing: Listing, rel: str) -> list[str]:
    """Every name in a listed folder (a run folder holds only files), sorted; empty when it
    was not listed (absent, unreadable, or a link)."""
    folders, others = listing.get(rel, _NOTHING)
    return sorted(folders + others) if folders else others


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


@dataclass
class SystemWalk:
    """What a walk of one system found."""

    results: list[ResultFiles]
    files_seen: int
    # What `units.scan_tree` records below the system's folders (results, compliance, audit,
    # measurements): each folder is listed once, with its files' sizes and times.
    manifest: dict[str, tuple[int, int]]
    # Every folder listed, each reached without following a link.
    folders: Listing


def walk_system(root: str, sd: SystemDir) -> SystemWalk:
    """The result directories of one system with their files. The system's folders are
    listed once, and the walk reads that listing."""
    base = f"{sd.division}/{sd.submitter}"
    listing: Listing = {}
    manifest: dict[str, tuple[int, int]] = {}
    for area in SYSTEM_AREAS:
        area_rel = f"{base}/{area}/{sd.system}"
        # results/SYSTEM was listed as a real folder; the others are built from names.
        if area == "results" or _no_links(os.path.join(root, area_rel), 2):
            manifest.update(scan_folder(root, area_rel, listing))
    results: dict[tuple[str, str], ResultFiles] = {}
    seen = 0
    res_rel = f"{base}/results/{sd.system}"
    for model in listing.get(res_rel, _NOTHING)[0]:
        for scen in listing.get(f"{res_rel}/{model}", _NOTHING)[0]:
            rf = results[(model, scen)] = ResultFiles(sd.division, sd.submitter, sd.system, model, scen)
            rel_scen = f"{res_rel}/{model}/{scen}"
            kinds, scen_files = listing.get(rel_scen, _NOTHING)
            seen += len(scen_files)
            for name in scen_files:
                if name in SCENARIO_FILES:
                    rf.files[name] = f"{rel_scen}/{name}"
            if "measurements.json" in rf.files:
                rf.measurements = [rf.files["measurements.json"]]
            for kind in kinds:
                kind_rel = f"{rel_scen}/{kind}"
                if is_test_folder(kind):
                    seen += _test_folder(rf, listing, kind_rel, kind)
                    continue
                subdirs, files = listing.get(kind_rel, _NOTHING)
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
                        run_files = _names(listing, f"{kind_rel}/{run}")
                        seen += len(run_files)
                        if run.lower() == "power":
                            rf.power_dir = {n: f"{kind_rel}/{run}/{n}" for n in run_files if n in POWER_DIR_FILES}
                        else:
                            rf.runs[run.lower()] = {n: f"{kind_rel}/{run}/{n}" for n in run_files}
    for area in ("compliance", "audit"):
        for (model, scen), rf in results.items():
            scen_rel = f"{base}/{area}/{sd.system}/{model}/{scen}"
            for test in listing.get(scen_rel, _NOTHING)[0]:
                seen += _test_folder(rf, listing, f"{scen_rel}/{test}", test)
    for (model, scen), rf in results.items():
        if rf.measurements:
            continue
        meas_rel = f"{base}/measurements/{sd.system}/{model}/{scen}"
        names = [n for n in _names(listing, meas_rel) if n.endswith(".json")]
        seen += len(names)
        rf.measurements = [f"{meas_rel}/{n}" for n in names]
    return SystemWalk(list(results.values()), seen, manifest, listing)
