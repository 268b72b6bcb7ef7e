"""The one process pool every importer parses with.

Parsing is CPU-bound pure Python, so each system or benchmark folder is a task for a worker
process. Workers run at a lower priority (nice 10): an import is a batch job, and a
playground being served from the same machine must keep answering while it runs.
"""

from __future__ import annotations

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


def parallel_map(work: Callable[[Any], Any], tasks: list, workers: int | None = None,
                 chunksize: int = 1) -> Iterator[Any]:
    """`map(work, tasks)` in worker processes, results in task order; in this process when
    there is one task or one worker."""
    workers = workers or default_workers()
    if workers <= 1 or len(tasks) <= 1:
        yield from map(work, tasks)
        return
    pool = ProcessPoolExecutor(max_workers=min(workers, len(tasks)), initializer=_lower_priority)
    try:
        outputs: Iterable = pool.map(work, tasks, chunksize=chunksize)
        yield from outputs
    finally:
        pool.shutdown(cancel_futures=True)
