"""The process pool: results in task order, each task with the cyclic collector paused, and
the collector back on afterwards, whether the tasks ran in workers or in this process."""

from __future__ import annotations

import gc

import pytest

from mlperf_explorer.workers import parallel_map


def _collector_state(task: int) -> tuple[int, bool]:
    return task, gc.isenabled()


def _fails(task: int) -> int:
    raise ValueError(f"task {task}")


def test_tasks_run_in_order_with_the_collector_paused_and_it_comes_back():
    assert gc.isenabled()
    assert list(parallel_map(_collector_state, [3, 1, 2], workers=2)) == [(3, False), (1, False), (2, False)]
    assert list(parallel_map(_collector_state, [5, 4], workers=1)) == [(5, False), (4, False)]
    assert gc.isenabled()
    with pytest.raises(ValueError, match="task 7"):
        list(parallel_map(_fails, [7], workers=1))
    assert gc.isenabled()
    gc.disable()
    try:  # a caller that paused it itself keeps it paused
        assert list(parallel_map(_collector_state, [6], workers=1)) == [(6, False)]
        assert not gc.isenabled()
    finally:
        gc.enable()
