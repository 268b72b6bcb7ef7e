"""Sources: folders and archives (read directly), round detection, and hostile archives."""

from __future__ import annotations

import io
import os
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest
from conftest import CORPUS, need, samples

import mlperf_explorer
from mlperf_explorer.sources import SourceError, prepare
from mlperf_explorer.sources.archive import ArchiveError, extract_results, safe_member_path
from mlperf_explorer.sources.detect import detect_round, find_root, normalise_round


def rows_of(db: Path) -> dict[str, dict]:
    with mlperf_explorer.open_store(str(db)) as store:
        return {r["location"]: r for r in store.find(columns="location,result,power_result,accuracy,system_name").records()}


def test_a_round_archive_imports_directly_and_equals_the_folder(tmp_path, round_dir):
    archive = need(CORPUS / "inference" / "v4.1.tar.zst")
    with mlperf_explorer.open_store(str(tmp_path / "a.duckdb")) as store:
        report = store.import_source(str(archive))
    assert report.kind == "archive" and report.round == "v4.1"
    with mlperf_explorer.open_store(str(tmp_path / "d.duckdb")) as store:
        store.import_source(str(round_dir("v4.1")), round="v4.1")
    from_archive, from_folder = rows_of(tmp_path / "a.duckdb"), rows_of(tmp_path / "d.duckdb")
    assert len(from_archive) == report.results > 900
    assert from_archive == from_folder


def _pack(src: Path, dest: Path, kind: str, prefix: str = "") -> Path:
    if kind == "zip":
        with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
            for p in sorted(src.rglob("*")):
                if p.is_file():
                    zf.write(p, prefix + p.relative_to(src).as_posix())
    else:
        with tarfile.open(dest, "w:gz") as tf:
            tf.add(src, arcname=prefix.rstrip("/") or ".")
    return dest


@pytest.mark.parametrize("kind,name", [("tar.gz", "inference_results_v2.1.tar.gz"), ("zip", "results-v2.1.zip")])
def test_tar_gz_and_zip_archives(tmp_path, kind, name):
    src = samples("inference", "v2.1")
    archive = _pack(src, tmp_path / name, kind, prefix="inference_results_v2.1/")
    with mlperf_explorer.open_store(str(tmp_path / "x.duckdb")) as store:
        report = store.import_source(str(archive))
    assert report.round == "v2.1"
    shutil.copytree(src, tmp_path / "v2.1")
    with mlperf_explorer.open_store(str(tmp_path / "y.duckdb")) as store:
        store.import_source(str(tmp_path / "v2.1"))
    assert rows_of(tmp_path / "x.duckdb") == rows_of(tmp_path / "y.duckdb")
    assert len(rows_of(tmp_path / "x.duckdb")) >= 3


def test_round_detection():
    assert normalise_round("3.0") == "v3.0"
    assert normalise_round("V3.1.0") == "v3.1"
    assert detect_round("/nonexistent", "inference_results_v4.1") == "v4.1"
    assert detect_round("/nonexistent", "/data/v5.1.tar.zst") == "v5.1"
    assert detect_round("/nonexistent", "/some/mlperf/inference-v2.0-checkout") == "v2.0"
    assert detect_round("/nonexistent", "/data/results") is None


def _touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x")


def test_the_first_result_folder_tells_tiny_from_inference(tmp_path):
    """Both lay out DIVISION/SUBMITTER/results: the EEMBC runner's results.txt says Tiny,
    loadgen's summary log says inference, whichever a wrapper folder hides them under."""
    tiny = tmp_path / "tiny" / "tiny_results_v1.1"
    _touch(tiny / "closed" / "acme" / "results" / "board" / "kws" / "performance" / "results.txt")
    inference = tmp_path / "inference"
    _touch(inference / "closed" / "acme" / "results" / "sut" / "README.md")  # a system folder with no result yet
    _touch(inference / "closed" / "acme" / "results" / "sut" / "resnet50" / "Offline" / "performance" / "run_1"
           / "mlperf_log_summary.txt")
    _touch(inference / "open" / "other" / "results" / "sut2" / "bert-99" / "Offline" / "accuracy" / "mlperf_log_summary.txt")
    old = tmp_path / "v05"  # v0.5's accuracy folder alone
    _touch(old / "closed" / "acme" / "results" / "sut" / "resnet" / "SingleStream" / "accuracy" / "mlperf_log_summary.txt")
    assert find_root(str(tmp_path / "tiny")) == (str(tiny), "tiny")
    assert find_root(str(inference)) == (str(inference), "inference")
    assert find_root(str(old)) == (str(old), "inference")
    (tmp_path / "nothing").mkdir()
    assert find_root(str(tmp_path / "nothing")) == (str(tmp_path / "nothing"), None)


def test_round_from_readme(tmp_path):
    src = samples("inference", "v3.0")
    dest = tmp_path / "checkout"
    shutil.copytree(src, dest)
    (dest / "README.md").write_text("# MLPerf Inference v3.0 results\n")
    with prepare(str(dest)) as p:
        assert p.round == "v3.0" and p.family == "inference"


def test_unknown_round_asks_for_round(tmp_path):
    dest = tmp_path / "checkout"
    shutil.copytree(samples("inference", "v3.0"), dest)
    with pytest.raises(SourceError, match="--round"), prepare(str(dest)):
        pass


def test_not_results_is_one_clear_error(tmp_path):
    (tmp_path / "random").mkdir()
    (tmp_path / "random" / "file.txt").write_text("hello")
    with pytest.raises(SourceError, match="not an MLPerf results tree"), prepare(str(tmp_path / "random"), round_name="v3.0"):
        pass
    with pytest.raises(SourceError, match="no such file"), prepare(str(tmp_path / "missing")):
        pass
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(SourceError, match="not a folder, a git repository, a results table"), prepare(str(tmp_path / "notes.txt")):
        pass


def test_corrupt_archive_is_an_error_not_a_crash(tmp_path):
    bad = tmp_path / "v3.0.tar.zst"
    bad.write_bytes(b"\x28\xb5\x2f\xfd" + os.urandom(2000))
    with pytest.raises(SourceError), prepare(str(bad)):
        pass
    bad_zip = tmp_path / "v3.0.zip"
    bad_zip.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(SourceError), prepare(str(bad_zip)):
        pass


def test_member_paths_cannot_escape():
    assert safe_member_path("closed/x/results/a.txt") == "closed/x/results/a.txt"
    for evil in ("../../etc/passwd", "/etc/passwd", "closed/../../x", "C:/windows/x", "a/../../b"):
        assert safe_member_path(evil) is None


def test_hostile_tar_members_are_skipped(tmp_path):
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        for name, data in (("../escape/results/x.txt", b"x"), ("/abs/results/y.txt", b"y"),
                           ("closed/S/results/ok.txt", b"ok")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("closed/S/results/link")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tf.addfile(link)
    dest = tmp_path / "out"
    dest.mkdir()
    stats = extract_results(str(archive), str(dest))
    assert stats.files == 1
    assert sorted(stats.skipped_unsafe) == sorted(["../escape/results/x.txt", "/abs/results/y.txt", "closed/S/results/link"])
    assert not (tmp_path / "escape").exists()
    assert [p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()] == ["closed/S/results/ok.txt"]


def test_archive_bombs_are_refused(tmp_path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("closed/S/results/big.txt", b"\0" * (5 * 1024 * 1024))
        for i in range(50):
            zf.writestr(f"closed/S/results/f{i}.txt", b"x")
    with pytest.raises(ArchiveError, match="archive bomb"):
        extract_results(str(archive), str(tmp_path / "o1"), max_bytes=1024 * 1024)
    with pytest.raises(ArchiveError, match="archive bomb"):
        extract_results(str(archive), str(tmp_path / "o2"), max_files=10)
