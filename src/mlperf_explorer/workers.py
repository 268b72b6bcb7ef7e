"""The one process pool every importer parses with.

Parsing is CPU-bound pure Python, so each system or benchmark folder is a task for a worker
process. Workers run at a lower priority (nice 10): an import is a batch job, and a
playground being served from the same machine must keep answering while it runs.

Each task runs with the cyclic garbage collector paused. A task allocates millions of small
containers (a training log's decoded records, an inference log's values) and frees them by
reference counting as it goes; the collector, started every 700 allocations, would traverse
them again and again. Measured through the command line, a training import is about a tenth
faster (v3.0: 1.72-2.07 s, was 1.89-2.33 s); an inference import shows no change beyond the
machine's noise. The parsers build no reference cycles to speak of, and whatever a task
leaves is collected once it is done.
"""

from __future__ import annotations

import functools
import gc
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

NICENESS = 10


def _lower_priority() -> None:
    try:
        os.nice(NICENESS)
    except OSError:  # not permitted here: run at the normal priority
        pass


def default_workers() -> int:
    """One worker per core (the main process only gathers and writes)."""
    return max(1, os.cpu_count() or 1)


def _collector_paused(work: Callable[[Any], Any], task: Any) -> Any:
    """`work(task)` with the cyclic garbage collector paused (see the module docstring)."""
    if not gc.isenabled():
        return work(task)
    gc.disable()
    try:
        return work(task)
    finally:
        gc.enable()


def parallel_map(work: Callable[[Any], Any], tasks: list, workers: int | None = None,
                 chunksize: int = 1) -> Iterator[Any]:
    """`map(work, tasks)` in worker processes, results in task order; in this process when
    there is one task or one worker."""
    workers = workers or default_workers()
    paused = functools.partial(_collector_paused, work)
    if workers <= 1 or len(tasks) <= 1:
        yield from map(paused, tasks)
        return
    pool = ProcessPoolExecutor(max_workers=min(workers, len(tasks)), initializer=_lower_priority)
    try:
        outputs: Iterable = pool.map(paused, tasks, chunksize=chunksize)
        yield from outputs
    finally:
        pool.shutdown(cancel_futures=True)
