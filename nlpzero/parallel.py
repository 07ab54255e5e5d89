"""Threads for the compiled kernels, which release the GIL: the one thread
mechanism of the package."""

from __future__ import annotations

import concurrent.futures
import operator
import os
from typing import Callable, Iterable, Iterator


# more threads than any machine has cores only multiplies per-thread tables
MAX_JOBS = 256


def resolve_jobs(jobs: int | None) -> int:
    """`jobs` checked (a whole number from 1 to MAX_JOBS), or the default for None."""
    if jobs is None:
        return default_jobs()
    number = whole_number(jobs)
    if number is None or not 1 <= number <= MAX_JOBS:
        from .errors import InputError
        raise InputError(f"jobs must be a whole number from 1 to {MAX_JOBS}, not {jobs!r}")
    return number


def whole_number(value) -> int | None:
    """`value` as an int (numpy integers and integral floats such as 2e9 included), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    try:
        return operator.index(value)
    except TypeError:
        return None


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


class Workers:
    """A pool of `jobs` threads kept for many rounds of parallel calls (the
    counter's phases, training epochs); one thread runs calls in place."""

    def __init__(self, jobs: int):
        self.jobs = max(1, jobs)
        self._pool = concurrent.futures.ThreadPoolExecutor(self.jobs) if self.jobs > 1 else None

    def run(self, fn: Callable, args: Iterable[tuple]) -> list:
        """[fn(*a) for a in args], the calls spread over the threads; the first
        exception is raised once all calls have ended."""
        if self._pool is None:
            return [fn(*a) for a in args]
        futures = [self._pool.submit(fn, *a) for a in args]
        concurrent.futures.wait(futures)
        return [f.result() for f in futures]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
