"""Progress reporting for long work.

The library reports progress to a :class:`Progress` object it is given
(``progress=`` on every long-running function); the base class is silent.
Each unit of work is a *task* with a label and, when known, a total::

    with progress.task("counting n-grams", total=corpus.total_bytes, unit="B") as advance:
        ...
        advance(nbytes)

:class:`TerminalProgress` draws one bar at a time on a terminal (label,
percentage, rate and ETA), redrawn at most ten times a second; log lines
printed while a bar is shown go above it (see :func:`print_above`).  The CLI
uses it when stderr is a terminal and ``--quiet`` is not given.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from typing import Callable, Iterator


class Progress:
    """Receives progress reports; this base class ignores them."""

    @contextlib.contextmanager
    def task(self, label: str, total: float | None = None, unit: str = "") -> Iterator[Callable[[float], None]]:
        """A unit of work: yields `advance(amount)`, to be called as it proceeds."""
        yield _ignore


def _ignore(amount: float) -> None:
    pass


SILENT = Progress()


def as_progress(progress) -> Progress:
    """A Progress from a Progress, None (silent) or a bare callable (given the amounts)."""
    if progress is None:
        return SILENT
    if isinstance(progress, Progress):
        return progress
    if callable(progress):
        return _CallbackProgress(progress)
    raise TypeError("progress must be a nlpzero.progress.Progress, a callable or None")


class _CallbackProgress(Progress):
    def __init__(self, callback):
        self.callback = callback

    @contextlib.contextmanager
    def task(self, label, total=None, unit=""):
        yield self.callback


_lock = threading.RLock()
_shown: "_Bar | None" = None


def print_above(line: str, stream=None) -> None:
    """Write a line to stderr, above the progress bar if one is shown."""
    stream = stream or sys.stderr
    with _lock:
        bar = _shown
        if bar is not None and bar.stream is stream:
            bar.erase()
        stream.write(line + "\n")
        if bar is not None and bar.stream is stream:
            bar.draw(force=True)
        stream.flush()


class TerminalProgress(Progress):
    """Bars on a terminal stream (stderr by default), one task at a time."""

    def __init__(self, stream=None, width: int = 28):
        self.stream = stream or sys.stderr
        self.width = width

    @contextlib.contextmanager
    def task(self, label, total=None, unit=""):
        global _shown
        bar = _Bar(self.stream, label, total, unit, self.width)
        with _lock:
            previous, _shown = _shown, bar
            if previous is not None:
                previous.erase()
            bar.draw(force=True)
        try:
            yield bar.advance
        finally:
            with _lock:
                bar.finish()
                _shown = previous
                if previous is not None:
                    previous.draw(force=True)


class _Bar:
    def __init__(self, stream, label, total, unit, width):
        self.stream = stream
        self.label = label
        self.total = total if total else None
        self.unit = unit
        self.width = width
        self.done = 0.0
        self.start = time.monotonic()
        self.last_draw = 0.0
        self.drawn = False

    def advance(self, amount: float) -> None:
        with _lock:
            self.done += amount
            self.draw()

    def erase(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.drawn = False

    def draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last_draw < 0.1:
            return
        self.last_draw = now
        elapsed = now - self.start
        if self.total:
            fraction = min(self.done / self.total, 1.0)
            filled = int(fraction * self.width)
            bar = "#" * filled + "-" * (self.width - filled)
            eta = _duration(elapsed * (1 - fraction) / fraction) if fraction > 0.01 else "?"
            text = f"{self.label} [{bar}] {fraction:4.0%}  {_amount(self.done, self.unit)}  ETA {eta}"
        else:
            text = f"{self.label}  {_amount(self.done, self.unit)}  {_duration(elapsed)}"
        self.stream.write("\r\x1b[K" + text)
        self.stream.flush()
        self.drawn = True

    def finish(self) -> None:
        self.erase()
        self.stream.flush()


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    if seconds >= 3600:
        return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return f"{seconds // 60}:{seconds % 60:02d}"


def _amount(value: float, unit: str) -> str:
    if unit == "B":
        for name, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
            if value >= size:
                return f"{value / size:.1f} {name}"
        return f"{int(value)} B"
    if unit:
        return f"{int(value):,} {unit}"
    return f"{int(value):,}"
