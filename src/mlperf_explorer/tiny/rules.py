"""The rules of MLPerf Tiny, as data (rules.json beside this file).

Source: the MLCommons Tiny submission checker (mlcommons/tiny
`benchmark/util/submission_checker.py`): the official result is the runner's "Median
throughput is N inf./sec." of the performance run, the energy result its "Median energy cost
is N uJ/inf." of the energy run, and the accuracy the benchmark's metric (AUC for anomaly
detection, top-1 otherwise) against its target. The checker lists v1.0 and v1.1 with the same
targets; we apply them to every round.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=1)
def table() -> dict[str, Any]:
    return json.loads(resources.files(__package__).joinpath("rules.json").read_text())


@lru_cache(maxsize=64)
def pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


@dataclass(frozen=True)
class Benchmark:
    name: str  # ad, ic, kws, vww, sww
    task: str | None
    metric: str | None  # "auc" or "top-1"
    target: float | None


def benchmarks() -> list[str]:
    return list(table()["benchmarks"])


def benchmark(folder: str) -> Benchmark | None:
    """The official benchmark a folder name stands for (`ic`, `image_classification`)."""
    name = table()["model_mapping"].get(folder, folder)
    spec = table()["benchmarks"].get(name)
    if spec is None:
        return None
    return Benchmark(name, spec.get("task"), spec.get("metric"), spec.get("target"))
