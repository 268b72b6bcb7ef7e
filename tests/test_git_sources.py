"""Git sources and `update`: real repositories made with `git init` from corpus files,
imported by file:// URL and as bare repositories, changed, committed and updated."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import samples
from typer.testing import CliRunner

import mlperf_explorer
from mlperf_explorer.cli import app
from mlperf_explorer.sources.git import GitError, check_url
from mlperf_explorer.store import database

ALIBABA_SUMMARY = "open/Alibaba/results/ACS_SINIAN_RKNN_EDGE/resnet50/SingleStream/performance/run_1/mlperf_log_summary.txt"
NVIDIA_SYSTEM = "network/NVIDIA/systems/SUT_DGX_A100-SXM-80GBx8_CX6x8_TRT.json"
CODE_FILE = "closed/Dell/code/rnnt/main.py"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.email=t@example.org", "-c", "user.name=test", *args], cwd=cwd,
                          check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A work tree holding the v3.0 sample (plus a code folder, as real repositories have),
    and a bare repository it pushes to. The clone cache is per test."""
    monkeypatch.setenv("MLPERF_EXPLORER_CACHE", str(tmp_path / "cache"))
    work = tmp_path / "work"
    shutil.copytree(samples("inference", "v3.0"), work)
    for p in work.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    (work / CODE_FILE).parent.mkdir(parents=True)
    (work / CODE_FILE).write_text("print('code is never checked out')\n")
    (work / "README.md").write_text("# MLPerf Inference v3.0 results\n")
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "v3.0 results")
    bare = tmp_path / "inference_results_v3.0.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], check=True)
    git(bare, "config", "uploadpack.allowFilter", "true")  # serve blob-less clones, as GitHub does
    git(work, "remote", "add", "origin", str(bare))
    return work, bare


def rows(store) -> dict[str, dict]:
    return {r["location"]: r for r in store.find(columns="location,uid,result,system_name,imported_at").records()}


def fix_latency(tree: Path) -> None:
    """The Alibaba result's latency (its summary and the detail log the checker reads)."""
    for name in ("mlperf_log_summary.txt", "mlperf_log_detail.txt"):
        log = tree / ALIBABA_SUMMARY.replace("mlperf_log_summary.txt", name)
        log.write_text(log.read_text().replace("12529764", "13529764"))


def edit_and_push(work: Path, message: str) -> str:
    fix_latency(work)
    system = work / NVIDIA_SYSTEM
    system.write_text(system.read_text().replace('"system_name": "', '"system_name": "Renamed '))
    git(work, "commit", "-qam", message)
    git(work, "push", "-q", "origin", "main")
    return git(work, "rev-parse", "HEAD")


def test_file_url_imports_only_results_folders(repo, tmp_path):
    work, bare = repo
    with mlperf_explorer.open_store(str(tmp_path / "git.duckdb")) as store:
        report = store.import_source(f"file://{bare}")
        from_git = rows(store)
    with mlperf_explorer.open_store(str(tmp_path / "dir.duckdb")) as store:
        store.import_source(str(work), round="v3.0")
        from_dir = rows(store)
    assert report.kind == "git" and report.round == "v3.0" and report.commit == git(work, "rev-parse", "HEAD")
    assert {k: v["result"] for k, v in from_git.items()} == {k: v["result"] for k, v in from_dir.items()}
    assert len(from_git) == 3
    clones = list((tmp_path / "cache" / "sources").iterdir())
    assert len(clones) == 1
    checked_out = {p.relative_to(clones[0]).as_posix() for p in clones[0].rglob("*") if p.is_file() and ".git" not in p.parts}
    assert ALIBABA_SUMMARY in checked_out and NVIDIA_SYSTEM in checked_out
    assert not any("/code/" in p for p in checked_out), "sparse checkout materialised code"
    # Blob-less: the code file's contents were never fetched either.
    code_blob = git(work, "rev-parse", f"HEAD:{CODE_FILE}")
    missing = subprocess.run(["git", "cat-file", "-e", code_blob], cwd=clones[0], capture_output=True,
                             env={**os.environ, "GIT_NO_LAZY_FETCH": "1"})
    assert missing.returncode != 0
    # The URL of each result points at the commit imported.
    with mlperf_explorer.open_store(str(tmp_path / "git.duckdb")) as store:
        url = store.find(columns="url", limit=1).records()[0]["url"]
    assert f"/tree/{report.commit}/" in url


def test_bare_repository_path_and_ref_picks_an_older_commit(repo, tmp_path):
    work, bare = repo
    first = git(work, "rev-parse", "HEAD")
    edit_and_push(work, "fix a result")
    with mlperf_explorer.open_store(str(tmp_path / "s.duckdb")) as store:
        old = store.import_source(str(bare), ref=first)
        old_rows = rows(store)
        new = store.import_source(str(bare))
        new_rows = rows(store)
        status = store.status()
    loc = ALIBABA_SUMMARY.split("/performance/")[0]
    assert old.commit == first and old_rows[loc]["result"] == pytest.approx(12529764 / 1e6)
    assert new.commit != first and new_rows[loc]["result"] == pytest.approx(13529764 / 1e6)
    # Same source (one URL), so the second import replaced the first.
    assert len(status["sources"]) == 1 and status["sources"][0]["commit"] == new.commit


def test_update_reimports_exactly_what_changed(repo, tmp_path):
    work, bare = repo
    with mlperf_explorer.open_store(str(tmp_path / "s.duckdb")) as store:
        store.import_source(f"file://{bare}")
        before = rows(store)
        unchanged = store.update()
        assert [r.mode for r in unchanged] == ["unchanged"]
        head = edit_and_push(work, "fix a result and a system name")
        report = store.update()[0]
        after = rows(store)
    assert report.mode == "partial" and report.commit == head and report.units == 2
    changed = {loc for loc in before if before[loc]["result"] != after[loc]["result"]
               or before[loc]["system_name"] != after[loc]["system_name"]}
    alibaba = ALIBABA_SUMMARY.split("/performance/")[0]
    nvidia = next(loc for loc in before if loc.startswith("network/NVIDIA/"))
    assert changed == {alibaba, nvidia}
    assert after[alibaba]["result"] == pytest.approx(13529764 / 1e6)
    assert after[nvidia]["system_name"].startswith("Renamed ")
    untouched = next(loc for loc in before if loc.startswith("closed/Dell/"))
    assert after[untouched]["imported_at"] == before[untouched]["imported_at"], "an unchanged system was re-imported"
    assert {v["uid"] for v in after.values()} == {v["uid"] for v in before.values()}


def test_update_removes_a_deleted_result(repo, tmp_path):
    work, bare = repo
    with mlperf_explorer.open_store(str(tmp_path / "s.duckdb")) as store:
        store.import_source(f"file://{bare}")
        git(work, "rm", "-rq", "open/Alibaba")
        git(work, "commit", "-qm", "withdraw")
        git(work, "push", "-q", "origin", "main")
        report = store.update(f"file://{bare}")[0]
        left = rows(store)
        warnings = store.warnings()
    assert report.mode == "partial"
    assert sorted(loc.split("/")[0] for loc in left) == ["closed", "network"]
    assert not any(w["path"].startswith("open/") for w in warnings)


@pytest.mark.parametrize("wrapped", [False, True])
def test_update_of_a_folder_and_of_an_archive(tmp_path, wrapped):
    """Also when the results sit one folder down (a download that wraps the round)."""
    tree = tmp_path / "inference_results_v3.0"
    shutil.copytree(samples("inference", "v3.0"), tree / "results-v3.0" if wrapped else tree)
    for p in tree.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    archive = shutil.make_archive(str(tmp_path / "inference_results_v3.0"), "gztar", tmp_path, "inference_results_v3.0")
    with mlperf_explorer.open_store(str(tmp_path / "a.duckdb")) as store:
        store.import_source(archive)
        assert [r.mode for r in store.update()] == ["unchanged"]
    with mlperf_explorer.open_store(str(tmp_path / "s.duckdb")) as store:
        store.import_source(str(tree))
        assert [r.mode for r in store.update()] == ["unchanged"]
        inner = tree / "results-v3.0" if wrapped else tree
        fix_latency(inner)
        report = store.update(str(tree))[0]
        assert report.mode == "partial" and report.units == 1 and report.results == 1
        shutil.rmtree(inner / "network")
        assert store.update(str(tree))[0].mode == "partial"
        locations = [r["location"] for r in store.find(columns="location").records()]
    assert not any(loc.startswith("network/") for loc in locations)


def test_an_unchanged_folder_is_confirmed_by_stat_alone(tmp_path, monkeypatch):
    """The manifest records folders, so `update` confirms an unchanged folder without
    walking it; a file added to a folder (which moves only that folder's time) or edited in
    place is still found; a manifest recorded without folders is walked as before."""
    from mlperf_explorer import ingest

    tree = tmp_path / "v3.0"
    shutil.copytree(samples("inference", "v3.0"), tree)
    walks: list[str] = []
    real_scan = ingest.scan_tree
    monkeypatch.setattr(ingest, "scan_tree", lambda root, family: walks.append(root) or real_scan(root, family))
    with mlperf_explorer.open_store(str(tmp_path / "s.duckdb")) as store:
        store.import_source(str(tree))
        walks.clear()
        assert [r.mode for r in store.update()] == ["unchanged"] and walks == []
        result_dir = (tree / ALIBABA_SUMMARY).parent.parent
        (result_dir / "notes.txt").write_text("added after the import\n")
        report = store.update()[0]
        assert report.mode == "partial" and report.units == 1 and len(walks) == 1
        assert [r.mode for r in store.update()] == ["unchanged"] and len(walks) == 1
        fix_latency(tree)
        assert store.update()[0].mode == "partial"
        # As a version before schema 4 recorded it (rows of source_files), and before that
        # without the folders' own entries.
        sid = store.con.execute("SELECT source_id FROM sources").fetchone()[0]
        rows = database.read_manifest(store.con, sid)
        store.con.execute("DELETE FROM source_manifests")
        store.con.executemany("INSERT INTO source_files VALUES (?, ?, ?, ?)",
                              [(sid, path, size, mtime) for path, size, mtime in rows if not path.endswith("/")])
        walks.clear()
        assert [r.mode for r in store.update()] == ["unchanged"] and len(walks) == 1
        (tree / ALIBABA_SUMMARY).write_text((tree / ALIBABA_SUMMARY).read_text().replace("13529764", "14529764"))
        assert store.update()[0].mode == "partial"


def test_a_first_import_records_exactly_what_a_full_listing_records(tmp_path, monkeypatch):
    """The workers list their systems' folders as they walk them and a thread lists the rest
    of the tree: together, exactly `scan_tree`'s listing of the whole tree, with compliance
    folders of a system that has no results and never through a link. A system whose walk
    fails lists nothing, and the import then lists the whole tree itself."""
    from mlperf_explorer.inference import importer
    from mlperf_explorer.units import scan_tree

    tree = tmp_path / "v3.0"
    shutil.copytree(samples("inference", "v3.0"), tree)
    orphan = tree / "closed/Dell/compliance/no-results-system/resnet50/Offline/TEST01"
    orphan.mkdir(parents=True)
    (orphan / "verify_performance.txt").write_text("TEST PASS\n")
    (tree / "closed/Dell/audit").mkdir()
    some_system = next((tree / "closed/Dell/results").iterdir()).name
    (tree / "closed/Dell/audit" / some_system).symlink_to(tree / "open")  # never followed

    def manifest(store) -> dict:
        (sid,) = store.con.execute("SELECT source_id FROM sources").fetchone()
        assert store.con.execute("SELECT count(*) FROM source_files").fetchone() == (0,)  # packed, not rows
        return {path: (size, mtime) for path, size, mtime in database.read_manifest(store.con, sid)}

    expected = scan_tree(str(tree), "inference")
    assert any(p.startswith("closed/Dell/compliance/no-results-system/") for p in expected)
    assert any("/measurements/" in p for p in expected) and not any(p.startswith(f"closed/Dell/audit/{some_system}") for p in expected)
    with mlperf_explorer.open_store(str(tmp_path / "s.duckdb")) as store:
        store.import_source(str(tree))
        assert manifest(store) == expected
    real_walk = importer.walk_system

    def failing_walk(root, sd):
        if sd.system == some_system:
            raise RuntimeError("a walk bug")
        return real_walk(root, sd)

    monkeypatch.setattr(importer, "walk_system", failing_walk)
    with mlperf_explorer.open_store(str(tmp_path / "t.duckdb")) as store:
        report = store.import_source(str(tree), workers=1)
        assert any("a walk bug" in w for w in report.warning_samples)
        assert manifest(store) == expected


def test_hostile_urls_are_refused():
    for url in ("-uhack", "--upload-pack=touch /tmp/x", "ext::sh -c touch% /tmp/pwned", "fd::17"):
        with pytest.raises(GitError):
            check_url(url)


@pytest.mark.parametrize("case", ["unreachable", "not-results", "bad-ref"])
def test_bad_git_sources_fail_in_one_line_and_leave_the_store(repo, tmp_path, case):
    _work, bare = repo
    db = str(tmp_path / "s.duckdb")
    with mlperf_explorer.open_store(db) as store:
        store.import_source(f"file://{bare}")
        before = store.status()["sources"], rows(store)
    args = ["import", "--db", db, "--quiet"]
    if case == "unreachable":
        args.append(f"file://{tmp_path}/no-such-repo.git")
    elif case == "not-results":
        other = tmp_path / "notes"
        other.mkdir()
        (other / "README.md").write_text("just notes\n")
        git(other, "init", "-q", "-b", "main")
        git(other, "add", "-A")
        git(other, "commit", "-qm", "notes")
        args.append(f"file://{other}")
    else:
        args += [f"file://{bare}", "--ref", "no-such-branch"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert {"unreachable": "no-such-repo", "not-results": "not an MLPerf results tree",
            "bad-ref": "no-such-branch"}[case] in lines[0]
    with mlperf_explorer.open_store(db) as store:
        assert (store.status()["sources"], rows(store)) == before


def test_sources_list_and_remove(repo, tmp_path):
    _work, bare = repo
    db = str(tmp_path / "s.duckdb")
    runner = CliRunner()
    assert runner.invoke(app, ["import", "--db", db, "--quiet", f"file://{bare}"]).exit_code == 0
    updated = runner.invoke(app, ["update", "--db", db, "--json"])
    assert updated.exit_code == 0 and [r["mode"] for r in json.loads(updated.stdout)] == ["unchanged"]
    listed = runner.invoke(app, ["sources", "list", "--json"])


    clones = json.loads(listed.stdout)
    assert [c["url"] for c in clones] == [f"file://{bare}"] and clones[0]["bytes"] > 0
    removed = runner.invoke(app, ["sources", "remove", clones[0]["name"]])
    assert removed.exit_code == 0 and not os.path.exists(clones[0]["path"])
    assert runner.invoke(app, ["sources", "remove", clones[0]["name"]]).exit_code == 1


def test_a_credential_in_the_url_is_never_stored_or_printed(repo, tmp_path):
    """git ignores a user:password part on file:// URLs, so the clone works and we can check
    where the secret could have gone: the store, the clone's config, the messages."""
    _work, bare = repo
    secret = "s3cr3t-token"
    url = f"file://user:{secret}@{bare}"
    with mlperf_explorer.open_store(str(tmp_path / "s.duckdb")) as store:
        try:
            report = store.import_source(url)
            stored = json.dumps(store.status(), default=str) + json.dumps(store.find(columns="url").records())
            assert secret not in json.dumps(report.as_dict(), default=str) + stored
        except mlperf_explorer.SourceError as exc:  # some git versions refuse the form
            assert secret not in str(exc)
    for config in (tmp_path / "cache").rglob("config"):
        assert secret not in config.read_text()
