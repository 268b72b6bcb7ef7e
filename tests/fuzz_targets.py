"""Every parser as a target for property-based and fuzz testing: bytes in, no exception out.

Used by tests/test_fuzz.py (hypothesis, a few hundred inputs per parser) and by
benchmarks/fuzz_campaign.py (10^5 inputs, counts printed). A parser that raises on any input
is a bug: bad input must become a `Problem` (a warning naming the file), never a crash.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable

from mlperf_explorer.formats import tables
from mlperf_explorer.inference.accuracy import parse_accuracy
from mlperf_explorer.inference.compliance import parse_verify
from mlperf_explorer.inference.detail import parse_detail
from mlperf_explorer.inference.endpoints import parse_audit, parse_endpoints_accuracy, parse_endpoints_run
from mlperf_explorer.inference.nameplate import parse_nameplate, parse_private_id
from mlperf_explorer.inference.power import average_watts, timestamp_seconds
from mlperf_explorer.inference.rules import rules_for
from mlperf_explorer.inference.summary import parse_summary
from mlperf_explorer.systems import parse_system_json
from mlperf_explorer.training.mllog import parse_log
from mlperf_explorer.training.power import node_energy
from mlperf_explorer.training.rules import TrainingRules
from mlperf_explorer.training.scoring import run_facts

_RULES = rules_for("v4.1")


def _accuracy(data: bytes) -> None:
    for model in ("resnet", "bert-99", "llama2-70b-99", "retinanet"):
        parse_accuracy(data, _RULES.accuracy_target(model), _RULES.accuracy_patterns, _RULES.accuracy_upper_limit(model))


def _spl(data: bytes) -> None:
    begin = timestamp_seconds(b"05-10-2023 10:00:00.000") or 0.0
    average_watts(data, begin, begin + 600)
    timestamp_seconds(data[:40])


def _mllog(data: bytes) -> None:
    log = parse_log(data)
    run_facts(log, "result_0.txt", TrainingRules("training", "v3.0").target("bert"), "result_0.txt")
    node_energy(log, 60000.0, "node_0.txt")


def _cm_table(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        exp = os.path.join(tmp, "experiment", "x")
        os.makedirs(os.path.join(exp, "t"))
        with open(os.path.join(exp, "_cm.json"), "w") as f:
            json.dump({"tags": ["mlperf-inference"]}, f)
        with open(os.path.join(exp, "t", "cm-result.json"), "wb") as f:
            f.write(data)
        next(tables.parse_tables(tmp, "cm"))
        path = os.path.join(tmp, "summary.csv")
        with open(path, "wb") as f:
            f.write(data)
        next(tables.parse_tables(path, "checker-summary"))


def _endpoints(data: bytes) -> None:
    parse_endpoints_run(data, data, "result_summary.json", "config.yaml")
    parse_endpoints_accuracy(data, "accuracy_results.json")
    parse_audit(data, "audit_output_caching_test.json")


def _nameplate(data: bytes) -> None:
    parse_nameplate(data, "systems/x_power.yaml")
    parse_private_id(data, "privateid.json")


def _final_report(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "summary.json")
        with open(path, "wb") as f:
            f.write(data)
        next(tables.parse_tables(path, "final-report"))


TARGETS: dict[str, Callable[[bytes], object]] = {
    "mlperf_log_summary.txt": parse_summary,
    "mlperf_log_detail.txt": parse_detail,
    "accuracy.txt": _accuracy,
    "spl.txt": _spl,
    "verify_performance.txt": parse_verify,
    "system.json": parse_system_json,
    "result_0.txt (MLLOG, MLL, MLPv0.5)": _mllog,
    "cm-result.json / summary.csv": _cm_table,
    "result_summary.json / config.yaml / accuracy_results.json": _endpoints,
    "SYSTEM_power.yaml / privateid.json": _nameplate,
    "summary.json / summary_results.json": _final_report,
    "verify_accuracy.txt (TEST06)": lambda data: parse_verify(data, "TEST06"),
}
