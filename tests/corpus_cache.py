"""Unpack a corpus archive once into a cache keyed by its hash (shared by tests and
benchmarks). Uses GNU tar, independently of the importer's own archive reader, so tests that
count files in the unpacked tree do not depend on the code under test."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tarfile
from pathlib import Path


def sha16(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def unpack_cached(archive: Path, cache: Path) -> Path:
    family = archive.parent.name
    dest = cache / f"{family}-{archive.name.split('.tar')[0]}-{sha16(archive)}"
    marker = dest / ".complete"
    if marker.exists():
        return dest
    if dest.exists():
        shutil.rmtree(dest)
    tmp = dest.with_name(dest.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    tar = shutil.which("tar")
    if tar:
        subprocess.run([tar, "--zstd", "-xf", str(archive), "-C", str(tmp)], check=True)
    else:  # pragma: no cover - GNU tar is on every supported machine
        import zstandard

        with open(archive, "rb") as fh, tarfile.open(fileobj=zstandard.ZstdDecompressor().stream_reader(fh), mode="r|") as tf:
            tf.extractall(tmp, filter="data")
    tmp.rename(dest)
    marker.touch()
    return dest
