"""The pure parsers, bytes in and values out, on real sample files and on crafted text."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import pytest
from conftest import CORPUS, samples
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_tables import checker_power

from mlperf_explorer.inference.accuracy import has_hash_line, lines_containing, parse_accuracy, required_text
from mlperf_explorer.inference.compliance import combine, compliance_test, parse_verify
from mlperf_explorer.inference.detail import parse_detail
from mlperf_explorer.inference.official import official_result
from mlperf_explorer.inference.power import average_watts, timestamp_seconds
from mlperf_explorer.inference.rules import rules_for
from mlperf_explorer.inference.summary import parse_summary
from mlperf_explorer.systems import parse_system_json


def runs_with_detail() -> list[Path]:
    root = CORPUS / "samples" / "inference"
    if not root.exists():
        return []
    # v0.5 and v0.7 detail logs predate the JSON format; only the summary counts there.
    return sorted(p.parent for p in root.rglob("performance/run_1/mlperf_log_detail.txt")
                  if p.relative_to(root).parts[0] not in ("v0.5", "v0.7"))


@pytest.mark.parametrize("run", runs_with_detail(), ids=lambda p: "/".join(p.parts[-8:-2]))
def test_summary_and_detail_log_agree(run):
    """Two files loadgen wrote for the same run: the summary, read into detail-log keys,
    must agree with the detail log on every key both hold (to the summary's precision)."""
    summary = parse_summary((run / "mlperf_log_summary.txt").read_bytes()).values
    detail = parse_detail((run / "mlperf_log_detail.txt").read_bytes()).values
    shared = [k for k in summary if k in detail and k != "raw" and not k.startswith("_")]
    assert len(shared) >= 10
    for key in shared:
        a, b = summary[key], detail[key]
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
            assert a == pytest.approx(b, rel=5e-3, abs=0.01), key
        elif isinstance(b, str) and isinstance(a, str):
            assert a.replace(" ", "") == b.replace(" ", ""), key


def test_summary_reads_every_headline_form():
    text = b"""================================================
MLPerf Results Summary
================================================
SUT name : PySUT
Scenario : SingleStream
Mode     : PerformanceOnly
90th percentile latency (ns) : 476417
Result is : VALID
  Min duration satisfied : Yes
  Early stopping satisfied: Yes
Early Stopping Result:
 * Processed at least 64 queries (1210778).
 * Early stopping 90th percentile estimate: 476438
 * Early stopping 99th percentile estimate: 505787

================================================
Additional Stats
================================================
QPS w/o loadgen overhead        : 2121.63
Mean latency (ns)               : 471335
99.90 percentile latency (ns)   : 570398
"""
    v = parse_summary(text).values
    assert v["effective_scenario"] == "SingleStream"
    assert v["result_validity"] == "VALID"
    assert v["result_90.00_percentile_latency_ns"] == 476417
    assert v["early_stopping_latency_ss"] == 476438
    assert v["early_stopping_latency_ms"] == 505787
    assert v["result_query_count"] == 1210778
    assert v["result_99.90_percentile_latency_ns"] == 570398
    assert v["early_stopping_met"] is True


def test_multistream_latencies_are_per_query():
    text = b"""Scenario : MultiStream
99th percentile latency (ns) : 3316594
Result is : VALID
Early Stopping Result:
 * Early stopping 99th percentile estimate: 3317832
Per-query latency:
Mean latency (ns)               : 3044795
50.00 percentile latency (ns)   : 3039555
"""
    v = parse_summary(text).values
    assert v["result_99.00_percentile_per_query_latency_ns"] == 3316594
    assert v["result_mean_query_latency_ns"] == 3044795
    assert v["result_50.00_percentile_per_query_latency_ns"] == 3039555
    assert v["early_stopping_latency_ms"] == 3317832
    assert "result_mean_latency_ns" not in v


def test_llm_token_metrics(tmp_path):
    path = samples("inference", "v5.1", "open", "NVIDIA", "results", "Jetson-Thor_TRT", "llama3.1-8b-edge",
                   "SingleStream", "performance", "run_1", "mlperf_log_summary.txt")
    text = path.read_text()
    v = parse_summary(path.read_bytes()).values
    mean_ttft = int(re.search(r"Mean First Token latency \(ns\)\s*: (\d+)", text).group(1))
    assert v["result_first_token_mean_latency_ns"] == mean_ttft
    assert v["ttft_early_stopping_99.00_percentile_estimate_ns"] == int(
        re.search(r"TTFT Early Stopping Result:.*?99\.0th percentile estimate: (\d+)", text, re.S).group(1))
    assert v["result_time_per_output_token_mean_ns"] == int(re.search(r"Mean Time to Output Token \(ns\)\s*: (\d+)", text).group(1))


def test_summary_problems_are_reported_not_raised():
    assert parse_summary(b"").problems
    truncated = parse_summary(b"Scenario : Offline\nSamples per sec")
    assert any("Result is" in p.message for p in truncated.problems)
    garbage = parse_summary(bytes(range(256)) * 20)
    assert garbage.problems
    assert parse_summary(b"Scenario : Offline\nSamples per second: nan\nResult is : VALID\n").values.get("result_samples_per_second") is None


def test_detail_log_keeps_first_value_and_errors():
    lines = [
        {"key": "effective_scenario", "value": "Offline", "metadata": {"is_error": False}},
        {"key": "result_samples_per_second", "value": 123.456789, "metadata": {}},
        {"key": "result_samples_per_second", "value": 1.0, "metadata": {}},
        {"key": "error_invalid_config", "value": "bad thing", "metadata": {"is_error": True}},
    ]
    data = "\n".join(":::MLLOG " + json.dumps(line) for line in lines).encode() + b"\n:::MLLOG {\"key\": \"cut"
    parsed = parse_detail(data)
    assert parsed.values["result_samples_per_second"] == 123.456789
    assert parsed.values["_errors"] == ["bad thing"]
    assert parsed.problems and parsed.problems[0].line == 5
    # Values are decoded exactly, strings with escapes too.
    escaped = parse_detail(b':::MLLOG {"key": "sut_name", "value": "a \\"b\\" c", "time_ms": 1, "metadata": {}}\n')
    assert escaped.values["sut_name"] == 'a "b" c'
    ranked = parse_detail(b' 0: :::MLLOG {"key": "result_validity", "value": "VALID", "time_ms": 1.5, "metadata": {}}\n')
    assert ranked.values["result_validity"] == "VALID"


@pytest.mark.parametrize("ending, line", [(b"", 3), (b"\n", 3), (b"\r\n \t\x0b\x0c\n\n", 3)])
def test_a_detail_log_cut_in_a_line_says_which(ending, line):
    whole = b':::MLLOG {"key": "result_validity", "value": "VALID", "time_ms": 1, "metadata": {}}\n'
    cut = whole + whole + b':::MLLOG {"key": "loaded_qsl_set", "value": [1, 2'
    problems = [(p.message, p.line) for p in parse_detail(cut + ending).problems]
    assert problems == [("the log ends in the middle of a line (truncated)", line)]
    assert parse_detail(whole + whole + ending).problems == []
    assert [p.message for p in parse_detail(b" \n\t\r\n").problems] == ["empty detail log"]


def test_accuracy_targets_and_multi_metric_llm():
    rules = rules_for("v4.1")
    ok = parse_accuracy(b"accuracy=76.000%, good=38000, total=50000\nhash=abc\n", rules.accuracy_target("resnet"), rules.accuracy_patterns)
    assert ok.value == 76.0 and ok.metric == "acc" and ok.passed is True and ok.has_hash
    low = parse_accuracy(b"accuracy=70.000%, good=1, total=2\n", rules.accuracy_target("resnet"), rules.accuracy_patterns)
    assert low.passed is False
    target = rules.accuracy_target("llama2-70b-99")
    text = b"{'rouge1': 44.4312, 'rouge2': 22.0352, 'rougeL': 28.6162, 'rougeLsum': 42.0, 'gen_len': 1, 'gen_num': 1, 'tokens_per_sample': 294.4}\nhash=1\n"
    llm = parse_accuracy(text, target, rules.accuracy_patterns, rules.accuracy_upper_limit("llama2-70b-99"))
    assert llm.metric == "ROUGE1" and llm.value == 44.4312 and llm.passed is True
    assert llm.values["TOKENS_PER_SAMPLE"] == 294.4


def _every_pattern() -> set[str]:
    return {p for name in ("v0.5", "v0.7", "v1.0", "v1.1", "v2.0", "v2.1", "v3.0", "v3.1", "v4.0", "v4.1", "v5.0", "v5.1", "v6.0")
            for p in rules_for(name).accuracy_patterns.values()}


def test_the_required_text_of_the_official_patterns():
    assert required_text(r"^accuracy=([\d\.]+).*") == "accuracy="
    assert required_text(r".*'rouge1':\s([\d.]+).*") == "'rouge1':"
    assert required_text(r"^{[\"\']exact_match[\"\']\:\s*[\d\.]+,\s*[\"\']f1[\"\']\:\s*([\d\.]+)}") == "exact_match"
    assert required_text(r"Word Error Rate\:.*, accuracy=([0-9\.]+)%") == "Word Error Rate:"
    assert required_text(r"ab*c") == "a"  # a quantified letter is not required
    assert required_text(r"(?:mAP=|'Total':)\s*([\d.]+)") is None  # alternatives: try every line
    assert required_text(r"(?i)accuracy=(\d+)") is None
    # Every pattern of every round has one but those built of alternatives.
    assert [p for p in _every_pattern() if required_text(p) is None and "|" not in p] == []


_PIECES = ["accuracy=", "76.1", "'rouge1': ", "44.4", "hash=", "ab1", " ", "x", "=", "%", "\n", "\r\n", "\r", "\x0b", "\x0c",
           "\x1c", "\x85", "\u2028", "accuracy=\r"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_accuracy_lines_are_found_as_a_line_by_line_match_finds_them(text):
    """The lines found by their required text are those every line's match would find."""
    for needle in ("accuracy=", "'rouge1':", "hash="):
        assert lines_containing(text, needle) == [line for line in text.splitlines() if needle in line]
    assert has_hash_line(text) == (re.search(r"^hash=\w+\s*$", text, re.M) is not None)
    for pattern in _every_pattern():
        rx = re.compile(pattern)
        expected = [m.group(1) for line in text.splitlines() if (m := rx.match(line))]
        needle = required_text(pattern)
        candidates = text.splitlines() if needle is None else lines_containing(text, needle)
        found = [m.group(1) for line in candidates if (m := rx.match(line))]
        assert found == expected, pattern


def test_accuracy_after_a_line_per_sample():
    """An open submitter's accuracy.txt lists every image first; the last accuracy line counts."""
    rules = rules_for("v2.1")
    body = "".join(f"ILSVRC2012_val_{i:08d}.JPEG, expected: 1, found 2 (accuracy=0.0)\r\n" for i in range(50_000))
    data = (body + "accuracy=76.100%, good=38050, total=50000\r\nhash=0a1b\r\n").encode()
    acc = parse_accuracy(data, rules.accuracy_target("resnet"), rules.accuracy_patterns)
    assert (acc.value, acc.passed, acc.has_hash) == (76.1, True, True)
    assert parse_accuracy(data.replace(b"\nhash=", b"\n hash="), rules.accuracy_target("resnet"),
                          rules.accuracy_patterns).has_hash is False


def test_accuracy_of_every_sample_passes_its_target():
    root = CORPUS / "samples" / "inference"
    if not root.exists():
        pytest.skip("corpus samples absent")
    checked = 0
    for path in root.glob("*/closed/*/results/*/*/*/accuracy/accuracy.txt"):
        round_name = path.relative_to(root).parts[0]
        model = path.parts[-4]
        rules = rules_for(round_name)
        mlperf_model = rules.mlperf_model(model)
        acc = parse_accuracy(path.read_bytes(), rules.accuracy_target(mlperf_model), rules.accuracy_patterns,
                             rules.accuracy_upper_limit(mlperf_model))
        assert acc.value is not None, path
        assert acc.passed, path  # published closed-division results met their targets
        checked += 1
    assert checked >= 10


def power_runs() -> list[Path]:
    root = CORPUS / "samples" / "inference"
    if not root.exists():
        return []
    return sorted(p.parent for p in root.rglob("performance/run_1/spl.txt"))


@pytest.mark.parametrize("run", power_runs(), ids=lambda p: "/".join(p.parts[-8:-2]))
def test_power_average_matches_the_checkers_method(run):
    expected_avg, expected_duration = checker_power(run)
    detail = parse_detail((run / "mlperf_log_detail.txt").read_bytes()).values
    begin, end = timestamp_seconds(detail["power_begin"]), timestamp_seconds(detail["power_end"])
    avg, count, problems = average_watts((run / "spl.txt").read_bytes(), begin, end)
    assert not problems
    assert count > 100
    assert avg == pytest.approx(expected_avg, rel=1e-12)
    assert end - begin == pytest.approx(expected_duration, abs=1e-6)


def test_official_result_inference_rules():
    v20 = rules_for("v2.0")
    ss = {"effective_scenario": "SingleStream", "early_stopping_latency_ss": 6336841078,
          "early_stopping_latency_ms": 7304687548, "result_qps_without_loadgen_overhead": 0.314463}
    own = official_result(ss, "SingleStream", "3d-unet-99", v20)
    assert own.value == pytest.approx(6336.841078) and own.units == "Latency (ms)" and not own.inferred
    offline = official_result(ss, "Offline", "3d-unet-99", v20)
    assert offline.inferred and offline.value == pytest.approx(0.314463) and offline.official_units == "Samples/s"
    ms = official_result(ss, "MultiStream", "resnet", v20)
    assert ms.inferred and ms.value == pytest.approx(7304687548 * 8 / 1e6)
    # v1.1 MultiStream is the legacy samples-per-query metric, not a latency.
    legacy = official_result({"effective_scenario": "MultiStream", "effective_samples_per_query": 1344},
                             "MultiStream", "resnet", rules_for("v1.1"))
    assert legacy.value == 1344 and legacy.units == "Samples per query"


def test_server_metric_changed_in_v4_1():
    values = {"effective_scenario": "Server", "result_scheduled_samples_per_sec": 100.5,
              "result_completed_samples_per_sec": 99.5}
    assert official_result(values, "Server", "resnet", rules_for("v3.0")).value == 100.5
    assert official_result(values, "Server", "resnet", rules_for("v4.1")).value == 99.5


def test_compliance_verdicts():
    assert parse_verify(b"reference score = 1\ntest score = 1\nTEST PASS\n") is True
    assert parse_verify(b"TEST FAIL\n") is False
    assert parse_verify(b"") is None
    assert compliance_test("TEST04-A") == "TEST04"
    per_test, overall = combine({"TEST01": [True, True], "TEST04": [True, False]})
    assert per_test == {"TEST01": True, "TEST04": False} and overall is False
    assert combine({}) == ({}, None)


def test_system_json_typos_and_invalid_json():
    typo = parse_system_json(b'{"sumitter": "Tencent", "number of nodes": "1"}', "s.json")
    assert typo.values == {"submitter": "Tencent", "number_of_nodes": "1"}
    assert len(typo.problems) == 2 and all(p.path == "s.json" for p in typo.problems)
    lenient = parse_system_json(b'{"a": 1,\n "b": 2,\n}', "t.json")
    assert lenient.values == {"a": 1, "b": 2} and lenient.problems
    broken = parse_system_json(b'{"a": ', "u.json")
    assert broken.values == {} and broken.problems[0].path == "u.json"
    assert parse_system_json(b"\xff\xfe garbage", "v.json").problems


def test_power_window_edges_and_bad_lines():
    spl = (b"Time,01-02-2023 10:00:00.500,Watts,100.0,Volts,1\n"
           b"Time,01-02-2023 10:00:01.000,Watts,200.0,Volts,1\n"
           b"Time,01-02-2023 10:00:01.500,Watts,-1.0,Volts,1\n"
           b"Time,garbage\n"
           b"Time,01-02-2023 10:00:02.000,Watts,400.0,Volts,1\n"
           b"Time,01-02-2023 10:00:03.000,Watts,800.0,Volts,1\n")
    begin = timestamp_seconds("01-02-2023 10:00:00.500")  # strictly after: the first is out
    end = timestamp_seconds("01-02-2023 10:00:03.000")  # strictly before: the last is out
    avg, count, problems = average_watts(spl, begin, end, "x/spl.txt")
    assert (avg, count) == (300.0, 2)  # 200 and 400; the negative sample is dropped
    assert problems and problems[0].path == "x/spl.txt" and "1 malformed" in problems[0].message
    assert average_watts(b"", begin, end)[0] is None
    # A window across midnight, and odd fraction widths, take the general path.
    night = (b"Time,12-31-2022 23:59:59.5,Watts,10.0\n"
             b"Time,01-01-2023 00:00:00.25,Watts,20.0\n"
             b"Time,01-01-2023 00:00:01,Watts,40.0\n")
    avg, count, _ = average_watts(night, timestamp_seconds("12-31-2022 23:59:59.000"),
                                  timestamp_seconds("01-01-2023 00:00:00.900"))
    assert (avg, count) == (15.0, 2)


def test_timestamps():
    assert timestamp_seconds("02-16-2022 13:50:46.034") == pytest.approx(
        datetime.datetime(2022, 2, 16, 13, 50, 46, 34000, tzinfo=datetime.UTC).timestamp())
    assert timestamp_seconds("garbage") is None
    assert timestamp_seconds("13-45-2022 00:00:00.000") is None
    # strptime's ranges, which also refuse what float() reads but no clock shows.
    for clock in ("24:00:00.000", "10:60:00.000", "10:00:62.000", "10:00:nan", "10:00:inf", "10:00:1e300", "-1:00:00"):
        assert timestamp_seconds(f"02-16-2022 {clock}") is None, clock
    assert timestamp_seconds("02-16-2022 23:59:61.5") == timestamp_seconds("02-17-2022 00:00:01.5")
