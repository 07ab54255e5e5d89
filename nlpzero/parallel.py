"""Threads for the compiled kernels, which release the GIL."""

from __future__ import annotations

import concurrent.futures
import os
from typing import Iterable, Iterator


def default_jobs() -> int:
    """Threads for a long job: the machine's cores, at most 8."""
    return max(1, min(os.cpu_count() or 1, 8))


def parallel_map(fn, items: Iterable, jobs: int) -> Iterator:
    """map(fn, items) in order with `jobs` threads and a bounded queue."""
    if jobs <= 1:
        yield from map(fn, items)
        return
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        pending = []
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= 2 * jobs:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()
