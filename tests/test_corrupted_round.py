"""A real round with 5% of the files it is imported from damaged (seeded): truncated,
garbled, emptied or deleted. The import completes, every result none of whose files were
touched is identical to the clean import, and each damaged file is named by a warning."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from conftest import unpacked

import mlperf_explorer

READ = ("mlperf_log_summary.txt", "mlperf_log_detail.txt", "accuracy.txt", "spl.txt")
COLUMNS = "uid,location,result,result_units,valid,accuracy,power_result,inferred,system_name,compliance_pass"


def damage(path: Path, how: str, rng: random.Random) -> None:
    data = path.read_bytes()
    if how == "delete":
        path.unlink()
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "truncate":
        path.write_bytes(data[: len(data) // 3])
    else:  # garble: the middle third becomes random bytes (not UTF-8)
        a, b = len(data) // 3, 2 * len(data) // 3
        path.write_bytes(data[:a] + bytes(rng.randrange(128, 256) for _ in range(max(b - a, 16))) + data[b:])


def read_by_import(rel: str) -> bool:
    """Files the importer reads: run logs and power samples of each result's performance
    runs, its accuracy.txt, and system descriptions (not ranging runs, compliance copies or
    accuracy-mode logs, which the official result does not use, nor descriptions of
    systems without results)."""
    parts = rel.split("/")
    if len(parts) == 4 and parts[2] == "systems":
        return parts[3].endswith(".json")
    if len(parts) < 8 or parts[2] != "results":
        return False
    kind = parts[6].lower()
    if kind == "accuracy":
        return parts[-1] == "accuracy.txt"
    return kind == "performance" and parts[7].startswith("run_") and parts[-1] in READ


def owner(rel: str) -> str | None:
    """The result folder (or system) a file belongs to."""
    parts = rel.split("/")
    if len(parts) >= 6 and parts[2] == "results":
        return "/".join(parts[:6])
    if len(parts) == 4 and parts[2] == "systems":
        return "system:" + "/".join([parts[0], parts[1], parts[3][:-5]])
    return None


def test_five_percent_damaged_files(tmp_path):
    clean_tree = unpacked("inference", "v0.7")
    tree = tmp_path / "v0.7"
    shutil.copytree(clean_tree, tree)
    candidates = sorted(p for p in tree.rglob("*") if p.is_file() and read_by_import(p.relative_to(tree).as_posix())
                        and (p.parent.name != "systems" or (p.parent.parent / "results" / p.stem).is_dir()))
    rng = random.Random(7)
    chosen = rng.sample(candidates, len(candidates) // 20)
    damaged: dict[str, str] = {}
    for p in chosen:
        how = rng.choice(["truncate", "garble", "empty", "delete"])
        damage(p, how, rng)
        damaged[p.relative_to(tree).as_posix()] = how

    with mlperf_explorer.open_store(str(tmp_path / "clean.duckdb")) as store:
        store.import_source(str(clean_tree), round="v0.7")
        clean = {r["location"]: r for r in store.find(columns=COLUMNS + ",system").records()}
        clean_warned = {w["path"] for w in store.warnings()}
    with mlperf_explorer.open_store(str(tmp_path / "damaged.duckdb")) as store:
        report = store.import_source(str(tree), round="v0.7")
        after = {r["location"]: r for r in store.find(columns=COLUMNS + ",system").records()}
        warned = {w["path"] for w in store.warnings()}
    assert report.results > 0.9 * len(clean)

    touched_results = {owner(p) for p in damaged}
    for loc, row in clean.items():
        system = "system:" + "/".join(loc.split("/")[:2] + [row["system"]])
        if loc in touched_results or system in touched_results:
            continue
        assert after.get(loc) == row, loc

    def named(p: str) -> bool:
        if p in warned or p in clean_warned:
            return True
        # Another damaged file of the same result made it unimportable, and a warning says so:
        # nothing was read from this one.
        loc = owner(p)
        return loc is not None and loc not in after and any(w.startswith(loc + "/") for w in warned)

    unnamed = sorted(p for p in damaged if not named(p))
    assert not unnamed, f"{len(unnamed)} of {len(damaged)} damaged files have no warning: {[(p, damaged[p]) for p in unnamed[:12]]}"
