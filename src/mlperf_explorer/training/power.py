"""Training energy from the power logs of v4.0 on (`power/result_N/node_*.txt`, `sw_*.txt`).

As mlperf_logging's result summarizer computes it: for each node, integrate the power
readings between power_measurement_start and power_measurement_stop (each reading times the
time since the previous one), scale by the conversion efficiency and by the run's time to
train over the measured span; for each switch, its estimated interconnect power times the
time to train. Joules, summed over the files of the run.
"""

from __future__ import annotations

from typing import Any

from ..records import Problem
from .mllog import RunLog


def _float(value: Any) -> float | None:
    """float() of a logged value, or None where float() refuses it (not a number, or an
    integer too large for a float)."""
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None


def node_energy(log: RunLog, time_to_train_ms: float, path: str) -> tuple[float | None, list[Problem]]:
    events = sorted(log.events, key=lambda e: e.time_ms)
    start = stop = None
    prev = last = 0.0
    total = 0.0
    eff = 1.0
    for e in events:
        if e.key == "power_measurement_start":
            start = prev = e.time_ms
        elif e.key == "power_reading" and start is not None and stop is None:
            watts = _float(e.value)
            if watts is None:
                continue
            total += watts * (e.time_ms - prev)
            prev = e.time_ms
            last = max(last, e.time_ms)
        elif e.key == "power_measurement_stop":
            stop = e.time_ms
        elif e.key == "conversion_eff" and (logged := _float(e.value)) is not None:
            eff = logged
    if start is None:
        return None, [Problem(path, "no power_measurement_start")]
    problems = []
    if stop is None:
        stop = last
        problems.append(Problem(path, "no power_measurement_stop; the last reading ends the measurement"))
    if stop <= start:
        return None, problems + [Problem(path, "empty power measurement span")]
    return eff * total * time_to_train_ms / (stop - start) / 1000.0, problems


def switch_energy(log: RunLog, time_to_train_ms: float) -> float:
    eff = 1.0
    power = 0.0
    for e in log.events:
        if e.key == "conversion_eff" and (logged := _float(e.value)) is not None:
            eff = logged
        if e.key == "interconnect_power_est":
            power = _float(e.value) or 0.0  # 0.0 as well when it is not a number
            break
    return eff * power * time_to_train_ms / 1000.0
