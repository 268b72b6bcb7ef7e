"""Shared fixtures: where the corpus is, and each round archive unpacked once.

The corpus lives beside the project (../shared/corpus); MLPERF_CORPUS overrides it. Tests
that need it skip, saying why, when it is absent. Round archives are unpacked once into a
cache keyed by the archive's hash (MLPERF_TEST_CACHE, default ~/.cache/mlperf-explorer-tests),
with GNU tar, independently of the importer's own archive reader.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_cache import unpack_cached  # noqa: E402

CORPUS = Path(os.environ.get("MLPERF_CORPUS", ROOT.parent / "shared" / "corpus"))
REFERENCE = Path(os.environ.get("MLPERF_REFERENCE", ROOT.parent / "shared" / "reference"))
CACHE = Path(os.environ.get("MLPERF_TEST_CACHE", Path.home() / ".cache" / "mlperf-explorer-tests"))

INFERENCE_ROUNDS = ["v0.5", "v0.7", "v1.0", "v1.1", "v2.0", "v2.1", "v3.0", "v4.1", "v5.1"]


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"corpus file {path} is absent (set MLPERF_CORPUS to the corpus folder)")
    return path


def samples(*parts: str) -> Path:
    return need(CORPUS.joinpath("samples", *parts))


def unpacked(family: str, round_name: str) -> Path:
    """The round's archive unpacked (once, into the hash-keyed cache)."""
    return unpack_cached(need(CORPUS / family / f"{round_name}.tar.zst"), CACHE)


@pytest.fixture(scope="session")
def round_dir():
    return lambda round_name, family="inference": unpacked(family, round_name)


class RoundStore:
    """One store for the session; each round is imported the first time a test asks."""

    def __init__(self, path: str, round_dir):
        import mlperf_explorer

        self.path = path
        self.store = mlperf_explorer.open_store(path)
        self.reports: dict[str, object] = {}
        self._round_dir = round_dir

    def round(self, round_name: str):
        if round_name not in self.reports:
            self.reports[round_name] = self.store.import_source(str(self._round_dir(round_name)), round=round_name)
        return self.reports[round_name]

    def rows(self, round_name: str, columns: str = "*") -> list[dict]:
        self.round(round_name)
        return self.store.find(where=f"round = '{round_name}' and family = 'inference'", columns=columns).records()


@pytest.fixture(scope="session")
def rounds(tmp_path_factory, round_dir):
    rs = RoundStore(str(tmp_path_factory.mktemp("store") / "rounds.duckdb"), round_dir)
    yield rs
    rs.store.close()
