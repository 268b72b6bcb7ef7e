"""Real loadgen logs for tests: MLCommons LoadGen (the `mlcommons-loadgen` package) driving a
tiny in-process system under test that answers every query at once."""

from __future__ import annotations

import os
from pathlib import Path


def run_loadgen(out: Path, scenario: str) -> Path:
    import mlperf_loadgen as lg

    out.mkdir(parents=True, exist_ok=True)
    settings = lg.TestSettings()
    settings.scenario = {"Offline": lg.TestScenario.Offline, "Server": lg.TestScenario.Server,
                         "SingleStream": lg.TestScenario.SingleStream}[scenario]
    settings.mode = lg.TestMode.PerformanceOnly
    settings.min_duration_ms = 300
    settings.min_query_count = 64
    settings.offline_expected_qps = 2000
    settings.server_target_qps = 200
    settings.server_target_latency_ns = 50_000_000
    settings.single_stream_expected_latency_ns = 200_000

    def issue(queries):
        lg.QuerySamplesComplete([lg.QuerySampleResponse(q.id, 0, 0) for q in queries])

    sut = lg.ConstructSUT(issue, lambda: None)
    qsl = lg.ConstructQSL(256, 256, lambda samples: None, lambda samples: None)
    log = lg.LogSettings()
    log.log_output.outdir = str(out)
    log.log_output.copy_summary_to_stdout = False
    cwd = os.getcwd()
    try:
        lg.StartTestWithLogSettings(sut, qsl, settings, log)
    finally:
        os.chdir(cwd)
        lg.DestroyQSL(qsl)
        lg.DestroySUT(sut)
    return out
