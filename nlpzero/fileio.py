"""Small file helpers shared by every writer: atomic output and size parsing."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile

from .errors import InputError


@contextlib.contextmanager
def atomic_path(path: str):
    """A temporary path beside `path`, renamed to `path` when the block succeeds;
    on any exception (Ctrl-C included) it is removed and `path` is untouched.
    For libraries that insist on writing by name."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise InputError(f"{path}: directory {directory} does not exist")
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_output(path: str, mode: str = "wb", encoding: str | None = None):
    """Open `path` for writing so that it appears only when the block succeeds
    (see :func:`atomic_path`).  ``-`` writes to stdout."""
    if path == "-":
        stream = sys.stdout.buffer if "b" in mode else sys.stdout
        yield stream
        stream.flush()
        return
    with atomic_path(path) as tmp, open(tmp, mode, encoding=encoding) as stream:
        yield stream


def open_input(path: str):
    """Open a file for binary reading; a missing or unreadable file is an InputError."""
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot open ({exc.strerror})") from None


_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(text: str | int) -> int:
    """'512M', '1.5G', '2GB', '100000' -> bytes."""
    if isinstance(text, int):
        return text
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([KMGT]?)(i?B)?\s*", str(text), re.I)
    if not match:
        raise InputError(f"not a size: {text!r} (use e.g. 512M or 2G)")
    size = int(float(match.group(1)) * _UNITS[match.group(2).upper()])
    if size <= 0:
        raise InputError(f"size must be positive: {text!r}")
    return size


def physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 << 30
