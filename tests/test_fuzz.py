"""Property-based tests of every parser: any bytes, and real corpus files mutated at random
(truncated, bytes flipped, lines duplicated or dropped), give a result or warnings, never an
exception. benchmarks/fuzz_campaign.py runs the same targets on 10^5 inputs."""

from __future__ import annotations

import pytest
from conftest import CORPUS
from fuzz_targets import TARGETS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SEEDS = {
    "mlperf_log_summary.txt": "samples/inference/v3.0/**/performance/run_1/mlperf_log_summary.txt",
    "mlperf_log_detail.txt": "samples/inference/v3.0/**/performance/run_1/mlperf_log_detail.txt",
    "accuracy.txt": "samples/inference/v3.0/**/accuracy/accuracy.txt",
    "spl.txt": "samples/inference/v*/**/spl.txt",
    "verify_performance.txt": "samples/inference/v3.0/**/verify_performance.txt",
    "system.json": "samples/inference/v3.0/*/*/systems/*.json",
    "result_0.txt (MLLOG, MLL, MLPv0.5)": "samples/training/v*/**/result_*.txt",
    "cm-result.json / summary.csv": "samples/inference/v3.0/*/*/summary.csv",
    "result_summary.json / config.yaml / accuracy_results.json": "samples/inference/v6.1/**/*.json",
    "SYSTEM_power.yaml / privateid.json": "samples/inference/v6.1/**/config.yaml",
    "summary.json / summary_results.json": "samples/inference/v6.1/**/accuracy_results.json",
    "verify_accuracy.txt (TEST06)": "samples/inference/v6.0/**/TEST06/verify_accuracy.txt",
}


def seed_bytes(target: str) -> list[bytes]:
    files = sorted(CORPUS.glob(SEEDS[target]))[:3]
    return [f.read_bytes()[:200_000] for f in files] or [b""]


@st.composite
def mutated(draw, seeds: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["truncate", "flip", "insert", "drop_line", "dup_line"]))
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if op == "truncate":
            del data[i:]
        elif op == "flip":
            data[i] = draw(st.integers(0, 255))
        elif op == "insert":
            data[i:i] = draw(st.binary(max_size=40)) or b"\\xff"
        else:
            lines = bytes(data).split(b"\\n")
            j = draw(st.integers(0, len(lines) - 1))
            if op == "drop_line":
                del lines[j]
            else:
                lines.insert(j, lines[j])
            data = bytearray(b"\\n".join(lines))
    return bytes(data)


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_parsers_never_raise(target):
    parse = TARGETS[target]
    seeds = seed_bytes(target)
    inputs = st.one_of(st.binary(max_size=2000), mutated(seeds),
                       st.text(max_size=500).map(lambda s: s.encode("utf-8", "surrogatepass")))

    @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(data=inputs)
    def check(data):
        parse(data)

    check()


def test_found_by_the_campaign_a_timestamp_with_two_dots():
    """benchmarks/fuzz_campaign.py found this: the era regexes accept '1.2.3' as a time."""
    from mlperf_explorer.training.mllog import parse_log

    for line in (b":::MLPv0.5.0 resnet 1544232601.59933.055 (x.py:1) run_start\n",
                 b":::MLL 1560402084.655.1 run_stop: {\"value\": null}\n"):
        log = parse_log(line)
        assert log.problems and not log.events
