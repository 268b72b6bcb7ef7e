"""Derived metrics: columns computed from stored ones, built in or defined by users.

`find`, exports and the web read results through `derived_relation()`, a SELECT that adds
every derived metric as a column, so a metric is usable wherever a stored column is
(`--columns`, `--where`, `--sort`). Built-in metrics are SQL we wrote; user metrics are
compiled from the same safe expression language as `--where` and never run as code.

Why compute performance per watt ourselves for every scenario: MLCommons' own derived-metric
script skips Offline and never computes Server. The rule (the inference checker's power
units, submission_checker `compute_power`): Offline/Server/Interactive power is in Watts,
so result (samples or queries per second) / Watts is samples or queries per joule;
SingleStream/MultiStream power is millijoules per query, so samples per query x 1000 / mJ.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .expr import ExpressionError, compile_expression

THROUGHPUT = "scenario IN ('Offline', 'Server', 'Interactive')"
LATENCY = "scenario IN ('SingleStream', 'MultiStream')"
# Samples per query, as inference/power.py `per_joule`: 1 for SingleStream, MultiStream as
# stored (8 for a result inferred from SingleStream), 8 when unknown.
SPQ = "CASE WHEN scenario = 'MultiStream' THEN coalesce(samples_per_query, 8) ELSE 1 END"
ACCELERATORS = "(accelerators_per_node * coalesce(number_of_nodes, 1))"


@dataclass(frozen=True)
class Metric:
    name: str
    sql: str  # over the results columns
    description: str
    units: str
    builtin: bool = True
    expression: str | None = None  # a user metric's text
    params: tuple = ()


BUILTIN: list[Metric] = [
    Metric("perf_per_watt",
           f"CASE WHEN power_result > 0 AND result IS NOT NULL THEN CASE WHEN {THROUGHPUT} THEN result / power_result "
           f"WHEN {LATENCY} THEN {SPQ} * 1000.0 / power_result "
           "WHEN family = 'tiny' THEN 1000000.0 / power_result END END",
           "Performance per watt, every scenario with power: result / Watts for Offline, Server and "
           "Interactive; samples per query x 1000 / millijoules for SingleStream and MultiStream; "
           "for Tiny, inferences per joule (10^6 / uJ per inference).",
           "samples (or queries) per joule"),
    Metric("energy_per_sample_j",
           f"CASE WHEN power_result > 0 AND result > 0 THEN CASE WHEN {THROUGHPUT} THEN power_result / result "
           f"WHEN {LATENCY} THEN power_result / 1000.0 / {SPQ} "
           "WHEN family = 'tiny' THEN power_result / 1000000.0 END END",
           "Energy per sample (or query, for Server): Watts / throughput, or millijoules per query / "
           "1000 / samples per query; for Tiny, uJ per inference / 10^6.", "J"),
    Metric("result_per_accelerator",
           f"CASE WHEN family = 'inference' AND {THROUGHPUT} AND {ACCELERATORS} > 0 THEN result / {ACCELERATORS} END",
           "Throughput per accelerator (all nodes); latency results are not divided.", "result units"),
    Metric("result_per_core",
           f"CASE WHEN family = 'inference' AND {THROUGHPUT} AND host_processor_core_count > 0 THEN result / "
           "(host_processor_core_count * coalesce(host_processors_per_node, 1) * coalesce(number_of_nodes, 1)) END",
           "Throughput per host processor core (cores per processor x processors per node x nodes); "
           "latency results are not divided.", "result units"),
    Metric("result_per_node",
           f"CASE WHEN family = 'inference' AND {THROUGHPUT} THEN result / coalesce(number_of_nodes, 1) END",
           "Throughput per node; latency results are not divided.", "result units"),
    Metric("energy_per_run_j",
           "CASE WHEN family IN ('training', 'hpc') THEN energy_joules END",
           "Training: energy of one run to train (olympic mean over the counted runs).", "J"),
    Metric("accelerator_minutes",
           f"CASE WHEN family IN ('training', 'hpc') AND {ACCELERATORS} > 0 THEN result * {ACCELERATORS} END",
           "Training: accelerator-minutes to train (score in minutes x accelerators).", "accelerator-min."),
]
BUILTIN_NAMES = {m.name for m in BUILTIN}
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def check_name(name: str, taken: Sequence[str]) -> str:
    name = name.strip().lower()
    if not _NAME.match(name):
        raise ExpressionError(f"metric name {name!r}: use lower-case letters, digits and _ (starting with a letter)")
    if name in {t.lower() for t in taken}:
        raise ExpressionError(f"{name!r} is already a column or metric")
    return name


def user_metric(name: str, expression: str, description: str | None, units: str | None,
                columns: Sequence[str]) -> Metric:
    """Compile a user metric over the stored columns and built-in metrics (not other user
    metrics: no chains to loop)."""
    sql, params = compile_expression(expression, list(columns))
    return Metric(name, sql, description or "", units or "", builtin=False, expression=expression, params=tuple(params))


def relation(stored: Sequence[str], metrics: Sequence[Metric]) -> tuple[str, list[Any]]:
    """The subquery `find` reads (alias it): results with every metric as a column.
    Built-ins are computed first so user metrics can use them."""
    builtin_sql = ", ".join(f'({m.sql}) AS "{m.name}"' for m in metrics if m.builtin)
    inner = f"(SELECT *{', ' + builtin_sql if builtin_sql else ''} FROM results)"
    users = [m for m in metrics if not m.builtin]
    if not users:
        return inner, []
    params: list[Any] = []
    parts = []
    for m in users:
        parts.append(f'({m.sql}) AS "{m.name}"')
        params.extend(m.params)
    return f"(SELECT *, {', '.join(parts)} FROM {inner} AS r0)", params
